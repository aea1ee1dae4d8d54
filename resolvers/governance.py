"""Governance (DESIGN.md §5): terms and re-election of grass-roots organisations (换届) and the
rectification of weak and lax ones (软弱涣散), with the two indicators the cockpit reads.

Every row sits at its organisation's path (`authz/registry.py`, resource `governance`). An
organisation's own officials record its elections and ask for a changed due date; an
administrator above it (at its parent or higher) decides the request, never the one who asked.
The yearly sweep, the cases and the assessment inputs belong to the street, the district and
the city (`governance.sweep`)."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authz.enforcer import can
from authz.paths import parent_path, path_ids, subtree
from authz.registry import scoped, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.activity import RULES
from domain.calendar import Period, add_months
from domain.errors import recuse
from domain.governance import (
    DEVELOPING_LEVELS,
    DEVELOPMENT_YEARS,
    SATISFACTION_MIN,
    TERM_YEARS,
    VACANT_MONTHS,
    WeakReason,
    acceptance,
    check_assessment,
    check_change,
    check_dismissal,
    check_election,
    check_opening,
    regular_due,
    sweep_day,
)
from models import (
    Decision,
    DevelopmentCase,
    DevelopmentRecord,
    Election,
    Member,
    MemberStatus,
    Organization,
    OrgAssessment,
    OrgTerm,
    PartyPost,
    RectificationCase,
    RectificationNote,
    RectificationState,
    TermChange,
    TermChangeKind,
    TermChangeState,
)
from resolvers.activity import BoardKey, branch_compliance
from resolvers.batch import keyed_union, page_batch, rows_by_id
from resolvers.context import Context
from resolvers.errors import BadUserInput, Conflict, NotFound, required
from resolvers.ids import to_global_id
from resolvers.org import LIVE, ON_ROLL, eligible_secretary, set_party_post
from resolvers.pagination import Order, Page, Window
from resolvers.write import Write

NO_ORG = "organizationId names no organisation you may change"
NO_CASE = "no such rectification case"
NO_CHANGE = "no such term change request"
CANDIDATE_STEP = 7  # 确定发展对象: the member becomes a development candidate


def gov_scope(ctx: Context) -> Scope:
    return ctx.scope(Resource.GOVERNANCE, Action.READ)


# ---- terms -----------------------------------------------------------------------------------

TERM_COLUMNS = tuple(OrgTerm.__table__.c)
CURRENT = OrgTerm.ended_on.is_(None)


def scoped_terms(ctx: Context, *columns) -> Select:
    return scoped(gov_scope(ctx), OrgTerm, *(columns or TERM_COLUMNS))


async def load_terms(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, scoped_terms(ctx), OrgTerm.id, ids)


async def get_term(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_terms, pk)


async def load_current_terms(ctx: Context, org_ids: Sequence[int]) -> list[Row | None]:
    """Each organisation's term in force (one statement per batch)."""
    found = {
        r.org_id: r
        for r in await ctx.session.execute(
            scoped_terms(ctx).where(OrgTerm.org_id.in_(org_ids), CURRENT)
        )
    }
    return [found.get(i) for i in org_ids]


async def current_term(ctx: Context, org_id: int) -> Row | None:
    """`Organization.term`: the term in force, null for levels without terms
    (`domain.governance.TERM_YEARS`) and before a first election is recorded."""
    return await ctx.load(load_current_terms, org_id)


CHANGE_COLUMNS = tuple(TermChange.__table__.c)


async def load_term_changes(ctx: Context, term_ids: Sequence[int]) -> list[list[Row]]:
    """The change requests of each term, oldest first (one statement per batch)."""
    found: dict[int, list[Row]] = {}
    for row in await ctx.session.execute(
        scoped(gov_scope(ctx), TermChange, *CHANGE_COLUMNS)
        .where(TermChange.term_id.in_(term_ids))
        .order_by(TermChange.id)
    ):
        found.setdefault(row.term_id, []).append(row)
    return [found.get(t, []) for t in term_ids]


async def term_changes(ctx: Context, term_id: int) -> list[Row]:
    return await ctx.load(load_term_changes, term_id)


async def load_term_elections(ctx: Context, term_ids: Sequence[int]) -> list[Row | None]:
    """The election that began each term (one statement per batch); None for a term the
    archive holds without its election."""
    found = {
        r.term_id: r
        for r in await ctx.session.execute(
            scoped(gov_scope(ctx), Election, *Election.__table__.c).where(
                Election.term_id.in_(term_ids)
            )
        )
    }
    return [found.get(t) for t in term_ids]


async def term_election(ctx: Context, term_id: int) -> Row | None:
    return await ctx.load(load_term_elections, term_id)


def committee_ids(election: Row) -> list[int]:
    """The elected committee's member ids, in the order recorded."""
    return [int(m) for m in election.committee.split(",") if m]


async def load_changes(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    stmt = scoped(gov_scope(ctx), TermChange, *CHANGE_COLUMNS)
    return await rows_by_id(ctx.session, stmt, TermChange.id, ids)


async def get_change(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_changes, pk)


def overdue(term: Row, today: dt.date) -> bool:
    """Past its due date in force and not re-elected (未按期换届)."""
    return term.ended_on is None and term.due_on < today


@dataclass(frozen=True)
class DueKey:
    """`termsDue`: terms in force under `path` due before `today + months` (overdue too)."""

    path: str | None
    months: int
    window: Window


BY_DUE = Order(OrgTerm.due_on, OrgTerm.id)


def _due_filtered(ctx: Context, key: DueKey) -> Select:
    if not 0 <= key.months <= 60:
        raise BadUserInput("withinMonths must be between 0 and 60")
    stmt = scoped_terms(ctx).where(CURRENT, OrgTerm.due_on < add_months(ctx.today, key.months))
    return stmt if key.path is None else stmt.where(subtree(OrgTerm.org_path, key.path))


async def load_due_pages(ctx: Context, keys: Sequence[DueKey]) -> list[Page[Row]]:
    return await page_batch(ctx.session, keys, lambda k: _due_filtered(ctx, k), BY_DUE)


async def terms_due(ctx: Context, key: DueKey) -> Page[Row]:
    """The reminder list (换届提醒): terms due within `months` (by default
    `domain.governance.REMINDER_MONTHS`), and overdue ones, soonest first."""
    return await ctx.loader(load_due_pages).load(key)


# ---- rectification cases ---------------------------------------------------------------------

CASE_COLUMNS = tuple(RectificationCase.__table__.c)
CASE_TABLE = cast(Table, RectificationCase.__table__)  # a Core insert: one executemany


def scoped_cases(ctx: Context, *columns) -> Select:
    return scoped(gov_scope(ctx), RectificationCase, *(columns or CASE_COLUMNS))


async def load_cases(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, scoped_cases(ctx), RectificationCase.id, ids)


async def get_case(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_cases, pk)


@dataclass(frozen=True)
class CasesKey:
    path: str
    state: RectificationState | None
    year: int | None
    window: Window


BY_ID = Order(None, RectificationCase.id)


def _cases_filtered(ctx: Context, key: CasesKey) -> Select:
    stmt = scoped_cases(ctx).where(subtree(RectificationCase.org_path, key.path))
    if key.state is not None:
        stmt = stmt.where(RectificationCase.state == key.state)
    if key.year is not None:
        stmt = stmt.where(RectificationCase.year == key.year)
    return stmt


async def load_case_pages(ctx: Context, keys: Sequence[CasesKey]) -> list[Page[Row]]:
    """Pages of several subtrees' cases in one statement, their totals in another."""
    return await page_batch(ctx.session, keys, lambda k: _cases_filtered(ctx, k), BY_ID)


async def cases(ctx: Context, key: CasesKey) -> Page[Row]:
    return await ctx.loader(load_case_pages).load(key)


async def load_notes(ctx: Context, case_ids: Sequence[int]) -> list[list[Row]]:
    """Progress notes of each case, oldest first (one statement per batch)."""
    found: dict[int, list[Row]] = {}
    for row in await ctx.session.execute(
        scoped(gov_scope(ctx), RectificationNote, *RectificationNote.__table__.c)
        .where(RectificationNote.case_id.in_(case_ids))
        .order_by(RectificationNote.id)
    ):
        found.setdefault(row.case_id, []).append(row)
    return [found.get(c, []) for c in case_ids]


async def notes(ctx: Context, case_id: int) -> list[Row]:
    return await ctx.load(load_notes, case_id)


def reasons_of(row: Row) -> list[WeakReason]:
    return [WeakReason[r] for r in row.reasons.split(",") if r]


# ---- the indicators (docs/ARCHITECTURE.md, the cockpit's source contract) -------------------


def reelection_source(ctx: Context, period: Period) -> Select:
    """ON_TIME_REELECTION, the on-time re-election rate (基层党组织按期换届率): terms due in
    the period (their due date in force, the regular one or an approved postponement's or
    advance's, lies in it) whose organisation elected by that date (the next election's date
    ≤ the due date) ÷ terms due in the period. One row per term, at its organisation's path,
    in the caller's governance scope."""
    on_time = and_(OrgTerm.ended_on.is_not(None), OrgTerm.ended_on <= OrgTerm.due_on)
    return scoped(
        gov_scope(ctx),
        OrgTerm,
        OrgTerm.org_path.label("path"),
        case((on_time, 1), else_=0).label("numerator"),
        literal(1).label("denominator"),
    ).where(OrgTerm.due_on >= period.start, OrgTerm.due_on < period.end)


def rectification_source(ctx: Context, period: Period) -> Select:
    """ON_TIME_RECTIFICATION, the on-time rectification rate (软弱涣散党组织按期整改率):
    confirmed weak-org cases with a deadline in the period accepted (score ≥ 70, ≤ 50%
    dissatisfied) by the deadline ÷ confirmed cases with a deadline in the period (dismissed
    candidates have none). One row per case, at its organisation's path, in the caller's
    governance scope."""
    c = RectificationCase
    on_time = and_(c.accepted_on.is_not(None), c.accepted_on <= c.deadline)
    return scoped(
        gov_scope(ctx),
        c,
        c.org_path.label("path"),
        case((on_time, 1), else_=0).label("numerator"),
        literal(1).label("denominator"),
    ).where(
        c.deadline >= period.start,
        c.deadline < period.end,
        c.state != RectificationState.DISMISSED,
    )


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return None if self.denominator == 0 else round(self.numerator / self.denominator, 4)


@dataclass(frozen=True)
class IndicatorsKey:
    path: str
    period: Period


def _summed(source: Select, path: str) -> Select:
    rows = source.subquery("source")
    return unscoped(
        select(
            func.coalesce(func.sum(rows.c.numerator), 0).label("n"),
            func.coalesce(func.sum(rows.c.denominator), 0).label("d"),
        ),
        why="sums the scoped rows of an indicator source",
    ).where(subtree(rows.c.path, path))


async def load_indicators(ctx: Context, keys: Sequence[IndicatorsKey]) -> list[tuple[Ratio, Ratio]]:
    """Both indicators of each subtree: two statements for any number of organisations."""
    out = []
    for source in (reelection_source, rectification_source):
        stmts = [_summed(source(ctx, k.period), k.path) for k in keys]
        out.append([Ratio(int(r[0].n), int(r[0].d)) for r in await keyed_union(ctx.session, stmts)])
    return list(zip(out[0], out[1], strict=True))


async def indicators(ctx: Context, key: IndicatorsKey) -> tuple[Ratio, Ratio]:
    return await ctx.loader(load_indicators).load(key)


# ---- writes: terms ---------------------------------------------------------------------------


async def _org(w: Write, org_id: int | None, action: Action) -> Row:
    """A live organisation the caller may `action` in governance, or NOT_FOUND."""
    org = await w.authorized(
        Organization,
        org_id,
        action,
        Organization.id,
        Organization.path,
        Organization.level,
        Organization.version,
        Organization.secretary_id,
        Organization.secretary_vacant_since,
        Organization.dissolved_on,
        resource=Resource.GOVERNANCE,
    )
    if org is None or org.dissolved_on is not None:
        raise NotFound(NO_ORG)
    return org


async def _term_in_force(w: Write, org_id: int) -> Row | None:
    return (
        await w.session.execute(
            unscoped(
                select(*TERM_COLUMNS).where(OrgTerm.org_id == org_id, CURRENT),
                why="the term of the organisation authorized above",
            )
        )
    ).one_or_none()


async def request_term_change(
    w: Write,
    organization_id: int | None,
    kind: TermChangeKind,
    new_due_on: dt.date,
    reason: str,
) -> int:
    """Ask to postpone or advance the term's due date (延期/提前换届), by at most a year from
    the regular one; the organisation's own officials (or those above) ask, one request
    pending at a time."""
    ctx = w.ctx
    org = await _org(w, organization_id, Action.WRITE)
    term = await _term_in_force(w, org.id)
    if term is None:
        raise BadUserInput("no term is recorded for this organisation: record an election first")
    check_change(kind, term.regular_due_on, new_due_on)
    reason = required(reason, "reason")
    pending = await w.session.scalar(
        unscoped(
            select(func.count()).where(
                TermChange.term_id == term.id, TermChange.state == TermChangeState.PENDING
            ),
            why="requests of the term authorized above",
        )
    )
    if pending:
        raise BadUserInput("a request for this term is pending already")
    row = TermChange(
        term_id=term.id,
        org_id=org.id,
        org_path=org.path,
        kind=kind,
        new_due_on=new_due_on,
        reason=reason,
        state=TermChangeState.PENDING,
        requested_by=ctx.require().account_id,
        requested_on=ctx.today,
        version=1,
    )
    w.session.add(row)
    await w.flush()
    w.record(
        to_global_id("TermChange", row.id),
        org.path,
        after={"kind": kind.name, "new_due_on": new_due_on, "reason": row.reason},
    )
    return row.id


async def approve_term_change(
    w: Write, term_change_id: int | None, approve: bool, expected_version: int
) -> int:
    """Approve or reject a pending request, as an administrator of a higher organisation
    (the parent or above: a grant at the organisation itself is not enough), never the one
    who asked (FORBIDDEN). Approval sets the term's due date in force."""
    ctx = w.ctx
    principal = ctx.require()
    change = None
    if term_change_id is not None:
        change = (
            await w.session.execute(
                unscoped(
                    select(*CHANGE_COLUMNS).where(TermChange.id == term_change_id),
                    why="answered only where the caller may decide it (below)",
                )
            )
        ).one_or_none()
    if change is None:
        raise NotFound(NO_CHANGE)
    above = parent_path(change.org_path)
    if above is None or not can(principal, Resource.GOVERNANCE, Action.APPROVE, above):
        w.refuse(to_global_id("TermChange", change.id), change.org_path)
        raise NotFound(NO_CHANGE)
    recuse(principal.account_id, change.requested_by, "decide your own request")
    if change.version != expected_version:
        raise Conflict(f"the request has changed since version {expected_version}: reload it")
    if change.state is not TermChangeState.PENDING:
        raise BadUserInput(f"the request is {change.state.name} already")
    state = TermChangeState.APPROVED if approve else TermChangeState.REJECTED
    done = await w.change(
        unscoped(sql_update(TermChange), why="the request authorized above")
        .where(TermChange.id == change.id, TermChange.version == expected_version)
        .values(
            state=state,
            decided_by=principal.account_id,
            decided_on=ctx.today,
            version=TermChange.version + 1,
        )
    )
    if done == 0:
        raise Conflict(f"the request has changed since version {expected_version}: reload it")
    if approve:
        moved = await w.change(
            unscoped(sql_update(OrgTerm), why="the term of the request authorized above")
            .where(OrgTerm.id == change.term_id, CURRENT)
            .values(due_on=change.new_due_on, version=OrgTerm.version + 1)
        )
        if moved == 0:
            raise BadUserInput("the term has ended: the organisation has re-elected")
    w.record(
        to_global_id("TermChange", change.id),
        change.org_path,
        before={"state": change.state.name},
        after={"state": state.name, "new_due_on": change.new_due_on if approve else None},
    )
    return change.id


async def _committee(w: Write, org: Row, committee: list[int]) -> None:
    """The members elected are full members (正式党员) on the roll of the organisation's
    subtree."""
    found = await w.session.scalar(
        unscoped(
            select(func.count()).where(
                Member.id.in_(committee),
                subtree(Member.org_path, org.path),
                Member.status == MemberStatus.FULL,
                ON_ROLL,
            ),
            why="counts only members of the organisation authorized above",
        )
    )
    if found != len(set(committee)):
        raise BadUserInput("committee must name full members of this organisation or below it")


async def record_election(
    w: Write,
    organization_id: int | None,
    held_on: dt.date,
    seats: int,
    candidates: int,
    committee: list[int],
    secretary_id: int,
) -> int:
    """An election (换届选举): candidates ≥ seats × 1.2, the committee and its secretary from
    the organisation's subtree. It ends the term in force on the day and starts the next
    (the level's years); the secretary takes the post as `updateOrganization` gives it, so
    `Member.offeredGrant` offers the matching role."""
    ctx = w.ctx
    org = await _org(w, organization_id, Action.WRITE)
    years = TERM_YEARS.get(org.level)
    if years is None:
        raise BadUserInput(f"a {org.level.name} ({org.level.value}) has no term to elect")
    old = await _term_in_force(w, org.id)
    check_election(
        held_on,
        ctx.today,
        old.started_on if old else None,
        seats,
        candidates,
        committee,
        secretary_id,
    )
    await _committee(w, org, committee)
    secretary = await eligible_secretary(w, org, secretary_id)
    if old is not None:
        await w.change(
            unscoped(sql_update(OrgTerm), why="the term of the organisation authorized above")
            .where(OrgTerm.id == old.id, CURRENT)
            .values(ended_on=held_on, version=OrgTerm.version + 1)
        )
    due = regular_due(held_on, years)
    term = OrgTerm(
        org_id=org.id,
        org_path=org.path,
        years=years,
        started_on=held_on,
        regular_due_on=due,
        due_on=due,
        version=1,
    )
    w.session.add(term)
    await w.flush(Conflict("a concurrent election was recorded: reload the organisation"))
    w.session.add(
        Election(
            org_id=org.id,
            org_path=org.path,
            term_id=term.id,
            held_on=held_on,
            seats=seats,
            candidates=candidates,
            committee=",".join(str(m) for m in committee),
            secretary_id=secretary.id,
            recorded_by=ctx.require().account_id,
        )
    )
    if org.secretary_id is not None and org.secretary_id != secretary.id:
        await set_party_post(w, org.secretary_id, org.id, None)
    await set_party_post(w, secretary.id, org.id, PartyPost.SECRETARY)
    await w.change(
        unscoped(sql_update(Organization), why="the organisation authorized above")
        .where(Organization.id == org.id)
        .values(
            last_election_on=held_on,
            term_years=years,
            secretary_id=secretary.id,
            secretary_vacant_since=None,
            version=Organization.version + 1,
        )
    )
    w.record(
        to_global_id("Term", term.id),
        org.path,
        before={"term": old.id if old else None, "secretary_id": org.secretary_id},
        after={
            "held_on": held_on,
            "seats": seats,
            "candidates": candidates,
            "committee": committee,
            "secretary_id": secretary.id,
            "due_on": due,
        },
    )
    return term.id


# ---- writes: weak organisations --------------------------------------------------------------


async def record_org_assessment(
    w: Write, organization_id: int | None, year: int, last_place: bool, satisfaction_percent: int
) -> int:
    """The year's assessment inputs of an organisation (考核末位, 满意度), as the street or
    district records them; again for the same year replaces them."""
    org = await _org(w, organization_id, Action.SWEEP)
    check_assessment(satisfaction_percent)
    sweep_day(year, w.ctx.today)
    old = (
        await w.session.execute(
            unscoped(
                select(
                    OrgAssessment.id, OrgAssessment.last_place, OrgAssessment.satisfaction_pct
                ).where(OrgAssessment.org_id == org.id, OrgAssessment.year == year),
                why="the assessment of the organisation authorized above",
            )
        )
    ).one_or_none()
    values = {"last_place": last_place, "satisfaction_pct": satisfaction_percent}
    if old is None:
        w.session.add(
            OrgAssessment(
                org_id=org.id,
                org_path=org.path,
                year=year,
                recorded_by=w.ctx.require().account_id,
                **values,
            )
        )
        await w.flush(Conflict("a concurrent assessment was recorded: reload it"))
    else:
        await w.change(
            unscoped(sql_update(OrgAssessment), why="the assessment authorized above")
            .where(OrgAssessment.id == old.id)
            .values(**values)
        )
    w.record(
        to_global_id("Organization", org.id),
        org.path,
        before=None
        if old is None
        else {"last_place": old.last_place, "satisfaction_pct": old.satisfaction_pct},
        after={"year": year, **values},
    )
    return org.id


def _swept(scope: Scope, *columns) -> Select:
    """Live organisations with a term (grass-roots ones) where the caller sweeps."""
    return scoped(scope, Organization, *columns).where(
        Organization.level.in_(list(TERM_YEARS)), LIVE
    )


def _found(scope: Scope, day: dt.date, year: int) -> dict[WeakReason, Select]:
    """Per rule of the sweep (DESIGN.md §5, weak orgs), the organisations it finds."""
    term_at_day = and_(
        OrgTerm.org_id == Organization.id,
        OrgTerm.started_on <= day,
        or_(OrgTerm.ended_on.is_(None), OrgTerm.ended_on > day),
    )
    assessed = unscoped(
        select(OrgAssessment.org_id).where(OrgAssessment.year == year),
        why="assessments of the organisations swept (joined to them)",
    )
    return {
        WeakReason.SECRETARY_VACANT: _swept(scope, Organization.id).where(
            Organization.secretary_vacant_since < add_months(day, -VACANT_MONTHS)
        ),
        WeakReason.MISSED_REELECTION: _swept(scope, Organization.id).where(
            exists(
                unscoped(select(literal(1)), why="the swept organisation's term (correlated)")
                .select_from(OrgTerm)
                .where(term_at_day, OrgTerm.due_on < day)
            )
        ),
        WeakReason.LAST_IN_ASSESSMENT: _swept(scope, Organization.id).where(
            Organization.id.in_(assessed.where(OrgAssessment.last_place))
        ),
        WeakReason.LOW_SATISFACTION: _swept(scope, Organization.id).where(
            Organization.id.in_(assessed.where(OrgAssessment.satisfaction_pct < SATISFACTION_MIN))
        ),
    }


async def _no_development(session: AsyncSession, scope: Scope, day: dt.date) -> set[int]:
    """Developing bodies (`DEVELOPING_LEVELS`) in whose subtree no development candidate
    (发展对象, step 7 passed) was named in the 2 years up to `day` (those younger than that
    excepted): the organisations on the paths of the cases that had one are taken out, one
    pass over the records."""
    since = add_months(day, -12 * DEVELOPMENT_YEARS)
    named = (
        scoped(scope, DevelopmentCase, DevelopmentCase.org_path)
        .join(DevelopmentRecord, DevelopmentRecord.case_id == DevelopmentCase.id)
        .where(
            DevelopmentRecord.step == CANDIDATE_STEP,
            DevelopmentRecord.decision == Decision.PASS,
            DevelopmentRecord.acted_on > since,
            DevelopmentRecord.acted_on <= day,
        )
        .distinct()
    )
    developed = {i for path in await session.scalars(named) for i in path_ids(path)}
    old_enough = or_(Organization.established_on.is_(None), Organization.established_on <= since)
    bodies = _swept(scope, Organization.id).where(
        old_enough, Organization.level.in_(list(DEVELOPING_LEVELS))
    )
    return set(await session.scalars(bodies)) - developed


async def _life_not_held(ctx: Context, scope: Scope, year: int) -> set[int]:
    """Branches where a rule of 三会一课 was due in the year and never held (from the activity
    area's board: `resolvers.activity.branch_compliance`), one statement per subtree of the
    scope; for the whole city, per organisation under the city (one for the city took 7.7 s
    at Chongqing scale, past the statement timeout; a district's takes about 0.5 s)."""
    roots = await ctx.session.execute(
        scoped(scope, Organization, Organization.id, Organization.path, Organization.level).where(
            Organization.depth == 1 if scope.everything else Organization.path.in_(scope.paths)
        )
    )
    period = Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    found: set[int] = set()
    for root in roots:
        per_branch = await branch_compliance(ctx, BoardKey(root.id, root.path, root.level, period))
        never: list[ColumnElement[bool]] = [
            and_(per_branch.c[f"d{i}"] > 0, per_branch.c[f"h{i}"] == 0) for i in range(len(RULES))
        ]
        stmt = unscoped(
            select(per_branch.c.branch_id), why="reads the scoped branches of the board"
        ).where(or_(*never))
        found.update(await ctx.session.scalars(stmt))
    return found


@dataclass(frozen=True)
class SweepResult:
    year: int
    found: int
    proposed: int


async def run_weak_org_sweep(w: Write, year: int) -> SweepResult:
    """The yearly sweep (软弱涣散排查) over the caller's subtree: every grass-roots organisation
    a rule finds, with the reasons, proposed as a candidate case (PROPOSED) unless it has a
    case of the year already. Running it again for the same year proposes nothing twice."""
    ctx = w.ctx
    scope = ctx.scope(Resource.GOVERNANCE, Action.SWEEP)
    if scope.empty:
        raise NotFound("you may not run a weak-organisation sweep")
    day = sweep_day(year, ctx.today)
    reasons: dict[int, set[WeakReason]] = {}
    for reason, stmt in _found(scope, day, year).items():
        for org_id in await w.session.scalars(stmt):
            reasons.setdefault(org_id, set()).add(reason)
    for org_id in await _no_development(w.session, scope, day):
        reasons.setdefault(org_id, set()).add(WeakReason.NO_DEVELOPMENT)
    for org_id in await _life_not_held(ctx, scope, year):
        reasons.setdefault(org_id, set()).add(WeakReason.LIFE_NOT_HELD)
    had = set(
        await w.session.scalars(
            scoped(scope, RectificationCase, RectificationCase.org_id).where(
                RectificationCase.year == year
            )
        )
    )
    new = reasons.keys() - had
    paths: dict[int, str] = {}
    if new:  # the paths of all swept organisations: an IN list of them may pass 32,767 binds
        swept = await w.session.execute(_swept(scope, Organization.id, Organization.path))
        paths = {r.id: r.path for r in swept if r.id in new}
    order = [r.name for r in WeakReason]
    rows = [
        {
            "org_id": org_id,
            "org_path": paths[org_id],
            "year": year,
            "state": RectificationState.PROPOSED,
            "reasons": ",".join(sorted((r.name for r in reasons[org_id]), key=order.index)),
            "proposed_on": ctx.today,
            "version": 1,
        }
        for org_id in sorted(paths)
    ]
    if rows:  # one executemany: a city-wide sweep proposes tens of thousands
        try:
            await w.session.execute(
                unscoped(
                    insert(CASE_TABLE),
                    why="new cases of organisations swept above",
                ),
                rows,
            )
        except IntegrityError:
            raise Conflict("a concurrent sweep of this year ran: run it again") from None
    place = "/" if scope.everything else scope.paths[0]
    w.record(None, place, after={"year": year, "found": len(reasons), "proposed": len(paths)})
    return SweepResult(year, len(reasons), len(paths))


async def _case(w: Write, case_id: int | None, action: Action) -> Row:
    row = await w.authorized(RectificationCase, case_id, action, *CASE_COLUMNS)
    if row is None:
        raise NotFound(NO_CASE)
    return row


def _stale_case(version: int) -> Conflict:
    return Conflict(f"the case has changed since version {version}: reload it")


async def _save_case(w: Write, row: Row, expected_version: int | None, values: dict) -> None:
    if expected_version is not None and row.version != expected_version:
        raise _stale_case(expected_version)
    done = await w.change(
        unscoped(sql_update(RectificationCase), why="the case authorized above")
        .where(RectificationCase.id == row.id, RectificationCase.version == row.version)
        .values(**values, version=RectificationCase.version + 1)
    )
    if done == 0:
        raise _stale_case(row.version)
    w.record(
        to_global_id("RectificationCase", row.id),
        row.org_path,
        before={k: _plain(row._mapping[k]) for k in values},
        after={k: _plain(v) for k, v in values.items()},
    )


def _plain(value):
    return value.name if isinstance(value, RectificationState) else value


@dataclass(frozen=True)
class Opening:
    """`openRectificationCase`'s input: a proposed case (`case_id`) or an organisation
    (`organization_id`, with the reasons found), the plan and its deadline."""

    case_id: int | None
    organization_id: int | None
    reasons: list[WeakReason]
    problems: str
    measures: str
    responsible_leader: str
    deadline: dt.date
    expected_version: int | None = None


async def open_rectification_case(w: Write, o: Opening) -> int:
    """The street or district confirms a weak organisation (确定软弱涣散党组织): from the
    sweep's candidate, or directly for an organisation (a case of the current year), with
    problems, measures, the responsible leader and a deadline; the case is RECTIFYING."""
    ctx = w.ctx
    if (o.case_id is None) == (o.organization_id is None):
        raise BadUserInput("give caseId or organizationId, one of them")
    plan = {
        "state": RectificationState.RECTIFYING,
        "problems": required(o.problems, "problems"),
        "measures": required(o.measures, "measures"),
        "responsible_leader": required(o.responsible_leader, "responsibleLeader"),
        "deadline": o.deadline,
        "opened_on": ctx.today,
    }
    if o.case_id is not None:
        row = await _case(w, o.case_id, Action.SWEEP)
        check_opening(row.state, o.deadline, ctx.today)
        await _save_case(w, row, o.expected_version, plan)
        return row.id
    org = await _org(w, o.organization_id, Action.SWEEP)
    if org.level not in TERM_YEARS:
        raise BadUserInput(f"a {org.level.name} ({org.level.value}) is not a grass-roots body")
    check_opening(None, o.deadline, ctx.today)
    new = RectificationCase(
        org_id=org.id,
        org_path=org.path,
        year=ctx.today.year,
        reasons=",".join(r.name for r in o.reasons),
        proposed_on=ctx.today,
        version=1,
        **plan,
    )
    w.session.add(new)
    await w.flush(Conflict("the organisation has a case of this year: confirm that one"))
    w.record(
        to_global_id("RectificationCase", new.id),
        org.path,
        after={k: _plain(v) for k, v in plan.items()} | {"reasons": new.reasons},
    )
    return new.id


async def add_rectification_note(w: Write, case_id: int | None, text: str) -> int:
    """A progress note (整改进展) by the organisation itself or those above, while it is
    under rectification."""
    row = await _case(w, case_id, Action.WRITE)
    if row.state not in (RectificationState.RECTIFYING, RectificationState.REDO):
        raise BadUserInput(f"a {row.state.name} case takes no progress notes")
    note = RectificationNote(
        case_id=row.id,
        org_path=row.org_path,
        written_on=w.ctx.today,
        text=required(text, "text"),
        written_by=w.ctx.require().account_id,
    )
    w.session.add(note)
    await w.flush()
    w.record(to_global_id("RectificationCase", row.id), row.org_path, after={"note": note.text})
    return row.id


async def accept_rectification(
    w: Write, case_id: int | None, score: int, dissatisfied_percent: int, expected_version: int
) -> int:
    """The acceptance check (验收): score ≥ 70 and at most 50% dissatisfied → ACCEPTED on
    today; else REDO (重新整改), and the case may be checked again later."""
    ctx = w.ctx
    row = await _case(w, case_id, Action.SWEEP)
    passed = acceptance(row.state, score, dissatisfied_percent)
    await _save_case(
        w,
        row,
        expected_version,
        {
            "state": RectificationState.ACCEPTED if passed else RectificationState.REDO,
            "score": score,
            "dissatisfied_pct": dissatisfied_percent,
            "accepted_on": ctx.today if passed else None,
        },
    )
    return row.id


async def dismiss_rectification_case(w: Write, case_id: int | None, expected_version: int) -> int:
    """A candidate of the sweep found not weak after all (不予列入)."""
    row = await _case(w, case_id, Action.SWEEP)
    check_dismissal(row.state)
    await _save_case(w, row, expected_version, {"state": RectificationState.DISMISSED})
    return row.id
