"""Organisational life (组织生活): activities read through the scope registry (the organiser's
side by path, members by audience), taking part, records, and the 三会一课 board."""

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Subquery,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from authz.enforcer import can
from authz.paths import path_ids, subtree
from authz.registry import Reach, activity_audience, scoped, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.activity import (
    COMMITTEE_MIN_MEMBERS,
    RULES,
    Due,
    Rule,
    Schedule,
    attendance,
    check_audience,
    check_decision,
    check_editable,
    check_held,
    check_leave,
    check_schedule,
    check_sign_in,
    check_sign_up,
    check_transition,
    code_matches,
    cycles,
    in_sign_in_window,
    sign_in_code,
)
from domain.calendar import Period
from domain.clock import clock
from domain.errors import RuleViolation, recuse
from domain.learning import STUDY_TYPES
from models import (
    Activity,
    ActivityAudience,
    ActivityParticipant,
    ActivityState,
    ActivityType,
    CheckIn,
    CheckInStatus,
    Member,
    MemberStatus,
    Organization,
    OrgLevel,
    ParticipationStatus,
    PartyPost,
)
from resolvers.batch import keyed_union, page_batch, rows_by_id
from resolvers.checkin import linked_member
from resolvers.context import Context
from resolvers.errors import BadUserInput, Conflict, Forbidden, NotFound, required
from resolvers.ids import to_global_id
from resolvers.pagination import Order, Page, Window
from resolvers.write import Write

Organiser = aliased(Organization, name="organiser")
BY_START = Order(Activity.starts_at, Activity.id)
LATEST_FIRST = Order(Activity.starts_at, Activity.id, descending=True)
PARTICIPANTS_BY_ID = Order(None, ActivityParticipant.id)
HELD_STATES = (ActivityState.HELD, ActivityState.RECORDED)
PARTY_MEMBERS = (MemberStatus.FULL, MemberStatus.PROBATIONARY)
NOT_FOUND = "no such activity"

ACTIVITY_COLUMNS = (
    *Activity.__table__.c,
    Organiser.name.label("organiser_name"),
    Organiser.level.label("organiser_level"),
)


# ---- where a member stands, for audiences -------------------------------------------------


async def load_reaches(ctx: Context, member_ids: Sequence[int]) -> list[Reach | None]:
    """Each member's own org, the orgs above it and the communities they are checked in at:
    matched against activities' audiences, never shown."""
    why = "where the members stand (own org, active check-ins), to match audiences; not shown"
    members = await ctx.session.execute(
        unscoped(select(Member.id, Member.org_id, Member.org_path), why=why).where(
            Member.id.in_(member_ids)
        )
    )
    check_ins = await ctx.session.execute(
        unscoped(select(CheckIn.member_id, CheckIn.community_id), why=why).where(
            CheckIn.member_id.in_(member_ids), CheckIn.status == CheckInStatus.ACTIVE
        )
    )
    communities: dict[int, list[int]] = {}
    for member_id, community_id in check_ins:
        communities.setdefault(member_id, []).append(community_id)
    found = {
        m.id: Reach(m.id, m.org_id, tuple(path_ids(m.org_path)), tuple(communities.get(m.id, ())))
        for m in members
    }
    return [found.get(m) for m in member_ids]


async def reach_of(ctx: Context, member_id: int | None) -> Reach | None:
    return await ctx.load(load_reaches, member_id)


def activity_scope(ctx: Context) -> Scope:
    return ctx.scope(Resource.ACTIVITY, Action.READ)


async def caller_reach(ctx: Context, scope: Scope | None = None) -> Reach | None:
    """The caller's reach, where their scope (the activity scope unless given: learning's
    resources reach members by audience too) includes their own audience."""
    scope = scope or activity_scope(ctx)
    return await reach_of(ctx, scope.member_id)


async def visible_activities(ctx: Context, *columns) -> Select:
    """Activities the caller sees: the organiser's side by path, a member's own audience."""
    return scoped(activity_scope(ctx), Activity, *columns, reach=await caller_reach(ctx))


async def activity_select(ctx: Context) -> Select:
    return (await visible_activities(ctx, *ACTIVITY_COLUMNS)).join(
        Organiser, Organiser.id == Activity.org_id
    )


async def load_activities(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, await activity_select(ctx), Activity.id, ids)


async def get_activity(ctx: Context, pk: int | None) -> Row | None:
    """One visible activity, or None (missing and out of sight look the same)."""
    return await ctx.load(load_activities, pk)


@dataclass(frozen=True)
class OrgActivitiesKey:
    """An org's calendar: its activities (and with `subtree` those below), in a period."""

    path: str
    org_id: int
    subtree: bool
    period: Period | None
    kind: ActivityType | None
    state: ActivityState | None
    window: Window


async def load_org_activity_pages(
    ctx: Context, keys: Sequence[OrgActivitiesKey]
) -> list[Page[Row]]:
    base = await activity_select(ctx)

    def filtered(k: OrgActivitiesKey) -> Select:
        stmt = base.where(
            subtree(Activity.org_path, k.path) if k.subtree else Activity.org_id == k.org_id
        )
        if k.period is not None:
            stmt = stmt.where(
                Activity.starts_at >= k.period.start_at, Activity.starts_at < k.period.end_at
            )
        if k.kind is not None:
            stmt = stmt.where(Activity.kind == k.kind)
        if k.state is not None:
            stmt = stmt.where(Activity.state == k.state)
        return stmt

    return await page_batch(ctx.session, keys, filtered, BY_START)


async def org_activities(ctx: Context, key: OrgActivitiesKey) -> Page[Row]:
    return await ctx.loader(load_org_activity_pages).load(key)


# what a member's activities list: upcoming (invited, not yet over), signed up, attended
MEMBER_LISTS = ("UPCOMING", "SIGNED_UP", "ATTENDED")


@dataclass(frozen=True)
class MemberActivitiesKey:
    member_id: int
    which: str
    window: Window


async def load_member_activity_pages(
    ctx: Context, keys: Sequence[MemberActivitiesKey]
) -> list[Page[Row]]:
    """Pages of several members' lists, within what the caller sees, in one statement."""
    base = await activity_select(ctx)
    reaches = await ctx.loader(load_reaches).load_many(list({k.member_id for k in keys}))
    reach = {r.member_id: r for r in reaches if r is not None}
    scope = activity_scope(ctx)

    def took_part(member_id: int, taking: ColumnElement[bool]) -> ColumnElement[bool]:
        part = scoped(scope, ActivityParticipant, ActivityParticipant.activity_id)
        return Activity.id.in_(part.where(ActivityParticipant.member_id == member_id, taking))

    def filtered(k: MemberActivitiesKey) -> Select:
        if k.which == "UPCOMING":
            r = reach.get(k.member_id)
            invited = activity_audience(r) if r is not None else literal(False)
            return base.where(
                invited, Activity.state == ActivityState.PUBLISHED, Activity.ends_at > ctx.now
            )
        if k.which == "SIGNED_UP":
            return base.where(
                took_part(k.member_id, ActivityParticipant.status == ParticipationStatus.SIGNED_UP)
            )
        return base.where(took_part(k.member_id, ActivityParticipant.signed_in_at.is_not(None)))

    order = {k.which for k in keys}
    if len(order) > 1:  # one statement per order: the lists of one request rarely mix
        out: dict[MemberActivitiesKey, Page[Row]] = {}
        for which in order:
            part = [k for k in keys if k.which == which]
            for k, page in zip(part, await load_member_activity_pages(ctx, part), strict=True):
                out[k] = page
        return [out[k] for k in keys]
    chosen = LATEST_FIRST if keys[0].which == "ATTENDED" else BY_START
    return await page_batch(ctx.session, keys, filtered, chosen)


async def member_activities(ctx: Context, key: MemberActivitiesKey) -> Page[Row]:
    if key.which not in MEMBER_LISTS:
        raise BadUserInput(f"which must be one of {', '.join(MEMBER_LISTS)}")
    return await ctx.loader(load_member_activity_pages).load(key)


# ---- participants ----------------------------------------------------------------------------

PARTICIPANT_COLUMNS = (
    ActivityParticipant.id,
    ActivityParticipant.activity_id,
    ActivityParticipant.member_id,
    ActivityParticipant.status,
    ActivityParticipant.signed_up_at,
    ActivityParticipant.signed_in_at,
    ActivityParticipant.leave_reason,
    ActivityParticipant.decision_note,
    Activity.state.label("activity_state"),
)


def participant_select(ctx: Context, *columns) -> Select:
    """Participations the caller sees: all of an activity on the organiser's side, their
    own as a member."""
    return scoped(activity_scope(ctx), ActivityParticipant, *columns).join(
        Activity, Activity.id == ActivityParticipant.activity_id
    )


@dataclass(frozen=True)
class AttendanceKey:
    activity_id: int
    window: Window


async def load_attendance_pages(ctx: Context, keys: Sequence[AttendanceKey]) -> list[Page[Row]]:
    base = participant_select(ctx, *PARTICIPANT_COLUMNS)
    return await page_batch(
        ctx.session,
        keys,
        lambda k: base.where(ActivityParticipant.activity_id == k.activity_id),
        PARTICIPANTS_BY_ID,
    )


async def attendance_page(ctx: Context, key: AttendanceKey) -> Page[Row]:
    return await ctx.loader(load_attendance_pages).load(key)


async def load_attendance_counts(ctx: Context, activity_ids: Sequence[int]) -> list[dict[str, int]]:
    """Participations by status and attendance, per activity, in one grouped statement."""
    stmt = (
        participant_select(
            ctx,
            ActivityParticipant.activity_id,
            ActivityParticipant.status,
            Activity.state,
            (ActivityParticipant.signed_in_at.is_not(None)).label("signed_in"),
            func.count().label("n"),
        )
    ).where(ActivityParticipant.activity_id.in_(activity_ids))
    stmt = stmt.group_by(
        ActivityParticipant.activity_id,
        ActivityParticipant.status,
        Activity.state,
        ActivityParticipant.signed_in_at.is_not(None),
    )
    found: dict[int, dict[str, int]] = {}
    for row in await ctx.session.execute(stmt):
        counts = found.setdefault(row.activity_id, {})
        counts[row.status.name] = counts.get(row.status.name, 0) + row.n
        seen = attendance(row.state, row.status, bool(row.signed_in))
        if seen is not None:
            counts[seen.name] = counts.get(seen.name, 0) + row.n
    return [found.get(a, {}) for a in activity_ids]


async def attendance_counts(ctx: Context, activity_id: int) -> dict[str, int]:
    return await ctx.load(load_attendance_counts, activity_id)


async def load_own_participations(ctx: Context, activity_ids: Sequence[int]) -> list[Row | None]:
    me = ctx.require().member_id
    if me is None:
        return [None] * len(activity_ids)
    stmt = unscoped(select(*PARTICIPANT_COLUMNS), why="the caller's own participations").join(
        Activity, Activity.id == ActivityParticipant.activity_id
    )
    found = {
        r.activity_id: r
        for r in await ctx.session.execute(
            stmt.where(
                ActivityParticipant.member_id == me,
                ActivityParticipant.activity_id.in_(activity_ids),
            )
        )
    }
    return [found.get(a) for a in activity_ids]


async def own_participation(ctx: Context, activity_id: int) -> Row | None:
    return await ctx.load(load_own_participations, activity_id)


def shown_code(ctx: Context, row: Row) -> tuple[str, dt.datetime] | None:
    """The sign-in code for the organiser's screen: only to whom may change the activity,
    only while members may sign in."""
    if row.state not in (ActivityState.PUBLISHED, ActivityState.HELD):
        return None
    if not in_sign_in_window(row.starts_at, row.ends_at, ctx.now):
        return None
    if not can(ctx.require(), Resource.ACTIVITY, Action.WRITE, row.org_path):
        return None
    return sign_in_code(row.code_secret, row.id, row.code_counter, ctx.now)


# ---- the 三会一课 board ------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCount:
    rule: Rule
    due: int
    held: int


@dataclass(frozen=True)
class BoardPart:
    """Figures of one part of a board: the whole scope, or one child organisation."""

    branches: int
    branches_missing: int
    rules: list[RuleCount]
    org_id: int | None = None
    org_name: str | None = None
    org_level: OrgLevel | None = None

    @property
    def theme_day(self) -> RuleCount:
        return self.rules[0]  # RULES starts with the 主题党日

    @property
    def theme_day_rate(self) -> float | None:
        due = self.theme_day.due
        return None if due == 0 else self.theme_day.held / due

    @property
    def missing_share(self) -> float:
        return self.branches_missing / self.branches if self.branches else 0.0


@dataclass(frozen=True)
class Board:
    period: Period
    total: BoardPart
    children: list[BoardPart] = field(default_factory=list)


@dataclass(frozen=True)
class BoardKey:
    org_id: int
    path: str
    level: OrgLevel
    period: Period


def _held_cycles(rule: Rule, spans: list[Period]) -> ColumnElement[int]:
    """Distinct cycles of `rule` in which the row's activity was held."""
    if not spans:
        return literal(0)
    index = case(
        *(
            (and_(Activity.starts_at >= s.start_at, Activity.starts_at < s.end_at), i)
            for i, s in enumerate(spans)
        ),
        else_=None,
    )
    kind = Activity.kind == rule.kind
    cond = and_(kind, Activity.by_secretary) if rule.by_secretary else kind
    return func.count(distinct(case((cond, index), else_=None)))


async def branch_compliance(ctx: Context, key: BoardKey) -> Subquery:
    """Every branch of the subtree in the caller's scope (`branch_id`), with the child
    organisation it lies in (`child_id`), the cycles of each rule due (`d<i>`, by the rules
    of `domain.activity`) and held (`h<i>`, from the activities held in the period), and
    whether any was missed (`missed`): the board sums it, the weak-org sweep reads it."""
    spans = [cycles(key.period, r.months, ctx.today) for r in RULES]
    start = min((s[0].start for s in spans if s), default=key.period.start)
    held_q = (
        (
            await visible_activities(
                ctx,
                Activity.org_id.label("branch_id"),
                *(
                    _held_cycles(r, s).label(f"h{i}")
                    for i, (r, s) in enumerate(zip(RULES, spans, strict=True))
                ),
            )
        )
        .where(
            subtree(Activity.org_path, key.path),
            Activity.state.in_(HELD_STATES),
            Activity.starts_at >= clock().start_of(start),
            Activity.starts_at < key.period.end_at,
        )
        .group_by(Activity.org_id)
        .subquery("held")
    )
    branch = Organization  # the scoped rows below: each branch of the subtree
    child = aliased(Organization, name="child")
    # branches with a committee (≥7 Party members) and with groups, each found once
    committees = (
        scoped(ctx.scope(Resource.MEMBER, Action.READ), Member, Member.org_id.label("org_id"))
        .where(subtree(Member.org_path, key.path), Member.status.in_(PARTY_MEMBERS))
        .group_by(Member.org_id)
        .having(func.count() >= COMMITTEE_MIN_MEMBERS)
        .subquery("committees")
    )
    grouped = (
        scoped(
            ctx.scope(Resource.ORG, Action.READ),
            Organization,
            Organization.parent_id.label("org_id"),
        )
        .where(subtree(Organization.path, key.path), Organization.level == OrgLevel.GROUP)
        .group_by(Organization.parent_id)
        .subquery("grouped")
    )
    binds = {
        Due.EVERY_BRANCH: literal(True),
        Due.WITH_COMMITTEE: committees.c.org_id.is_not(None),
        Due.WITH_GROUPS: grouped.c.org_id.is_not(None),
    }
    per_rule = []
    for i, (rule, s) in enumerate(zip(RULES, spans, strict=True)):
        applies = binds[rule.due]
        due = case((applies, len(s)), else_=0)
        held = case((applies, func.coalesce(getattr(held_q.c, f"h{i}"), 0)), else_=0)
        per_rule.append((due.label(f"d{i}"), held.label(f"h{i}")))
    missed = case((or_(*(h < d for d, h in per_rule)), 1), else_=0) if per_rule else literal(0)
    org_scope = ctx.scope(Resource.ORG, Action.READ)
    placed = (
        child.id == key.org_id if key.level is OrgLevel.BRANCH else child.parent_id == key.org_id
    )
    return (
        scoped(
            org_scope,
            Organization,
            Organization.id.label("branch_id"),
            child.id.label("child_id"),
            missed.label("missed"),
            *(c for pair in per_rule for c in pair),
        )
        .join(child, and_(placed, branch.path >= child.path, branch.path < child.path + "~"))
        .outerjoin(held_q, held_q.c.branch_id == branch.id)
        .outerjoin(committees, committees.c.org_id == branch.id)
        .outerjoin(grouped, grouped.c.org_id == branch.id)
        .where(Organization.level == OrgLevel.BRANCH, subtree(Organization.path, key.path))
        .subquery("per_branch")
    )


async def board_select(ctx: Context, key: BoardKey) -> Select:
    """One statement: the branches of `branch_compliance` summed by child organisation."""
    rows = await branch_compliance(ctx, key)
    sums = [func.sum(rows.c[f"{x}{i}"]).label(f"{x}{i}") for i in range(len(RULES)) for x in "dh"]
    return (
        unscoped(
            select(
                rows.c.child_id,
                Organization.name.label("child_name"),
                Organization.level.label("child_level"),
                func.count().label("branches"),
                func.sum(rows.c.missed).label("missing"),
                *sums,
            ),
            why="sums the scoped branches above by child organisation",
        )
        .join(Organization, Organization.id == rows.c.child_id)
        .group_by(rows.c.child_id, Organization.name, Organization.level)
    )


THEME_DAY = RULES[0]  # RULES starts with the 主题党日: one a month


async def theme_day_source(ctx: Context, period: Period) -> Select:
    """THEME_DAY (主题党日开展率, the board's `themeDayRate`): branch-months with a 主题党日 held
    ÷ branch-months, over the months of the period that ended by today
    (`domain.activity.cycles`), for every branch in the caller's org scope, with the
    activities the caller's activity scope sees. One row per branch at its path."""
    spans = cycles(period, THEME_DAY.months, ctx.today)
    start = spans[0].start if spans else period.start
    held = (
        (
            await visible_activities(
                ctx,
                Activity.org_id.label("branch_id"),
                _held_cycles(THEME_DAY, spans).label("held"),
            )
        )
        .where(
            Activity.kind == THEME_DAY.kind,
            Activity.state.in_(HELD_STATES),
            Activity.starts_at >= clock().start_of(start),
            Activity.starts_at < period.end_at,
        )
        .group_by(Activity.org_id)
        .subquery("held")
    )
    return (
        scoped(
            ctx.scope(Resource.ORG, Action.READ),
            Organization,
            Organization.path.label("path"),
            func.coalesce(held.c.held, 0).label("numerator"),
            literal(len(spans)).label("denominator"),
        )
        .outerjoin(held, held.c.branch_id == Organization.id)
        .where(Organization.level == OrgLevel.BRANCH)
    )


def _part(figures: list[tuple[int, int]]) -> list[RuleCount]:
    return [RuleCount(r, d, h) for r, (d, h) in zip(RULES, figures, strict=True)]


async def load_boards(ctx: Context, keys: Sequence[BoardKey]) -> list[Board]:
    """One statement for any number of boards (no per-branch queries)."""
    stmts = [await board_select(ctx, key) for key in keys]
    out = []
    for key, rows in zip(keys, await keyed_union(ctx.session, stmts), strict=True):
        children = []
        for row in rows:
            m = row._mapping
            figures = [(m[f"d{i}"] or 0, m[f"h{i}"] or 0) for i in range(len(RULES))]
            children.append(
                BoardPart(
                    m["branches"],
                    m["missing"] or 0,
                    _part(figures),
                    m["child_id"],
                    m["child_name"],
                    m["child_level"],
                )
            )
        children.sort(key=lambda p: (-p.missing_share, -p.branches_missing, p.org_id or 0))
        totals = [
            (sum(c.rules[i].due for c in children), sum(c.rules[i].held for c in children))
            for i in range(len(RULES))
        ]
        total = BoardPart(
            sum(c.branches for c in children),
            sum(c.branches_missing for c in children),
            _part(totals),
        )
        out.append(Board(key.period, total, children))
    return out


async def board(ctx: Context, key: BoardKey) -> Board:
    return await ctx.load(load_boards, key)


# ---- writes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the organiser sets of an activity (input fields of the same names)."""

    kind: ActivityType
    title: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    sign_up_opens_at: dt.datetime | None = None
    sign_up_closes_at: dt.datetime | None = None
    capacity: int | None = None
    audience: ActivityAudience = ActivityAudience.SUBTREE
    include_checked_in: bool = False

    @property
    def schedule(self) -> Schedule:
        return Schedule(
            self.starts_at,
            self.ends_at,
            self.sign_up_opens_at,
            self.sign_up_closes_at,
            self.capacity,
        )


def _state(row: Row) -> dict:
    return {"state": row.state.name, "version": row.version}


async def publish(w: Write, org_id: int | None, plan: Plan, draft: bool) -> int:
    """An organisation publishes an activity (活动发布), or keeps it as a draft."""
    ctx = w.ctx
    principal = ctx.require()
    org = await w.authorized(
        Organization,
        org_id,
        Action.WRITE,
        Organization.id,
        Organization.level,
        resource=Resource.ACTIVITY,
    )
    if org is None:
        raise Forbidden("activities are published by the organisation's secretaries")
    check_schedule(plan.schedule)
    check_audience(org.level, plan.include_checked_in)
    now = ctx.now
    row = Activity(
        org_id=org.id,
        org_path=org._path,
        kind=plan.kind,
        title=required(plan.title, "title"),
        place=required(plan.place, "place"),
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        sign_up_opens_at=plan.sign_up_opens_at,
        sign_up_closes_at=plan.sign_up_closes_at,
        capacity=plan.capacity,
        signed_up=0,
        audience=plan.audience,
        include_checked_in=plan.include_checked_in,
        state=ActivityState.DRAFT if draft else ActivityState.PUBLISHED,
        version=1,
        created_by=principal.account_id,
        published_at=None if draft else now,
        code_secret=secrets.token_hex(16),
        code_counter=0,
    )
    ctx.session.add(row)
    await w.flush()
    w.record(
        to_global_id("Activity", row.id),
        org._path,
        after={
            "kind": plan.kind.name,
            "title": row.title,
            "starts_at": plan.starts_at,
            "capacity": plan.capacity,
            "state": row.state.name,
        },
    )
    return row.id


async def _organised(w: Write, activity_id: int | None, expected_version: int | None) -> Row:
    """The activity, if the caller may change it (the same NOT_FOUND as for a missing one),
    at `expected_version` when one is given."""
    row = await w.authorized(Activity, activity_id, Action.WRITE, *Activity.__table__.c)
    if row is None:
        raise NotFound(NOT_FOUND)
    if expected_version is not None and row.version != expected_version:
        raise Conflict("the activity changed since you read it: reload and try again")
    return row


async def _save(w: Write, row: Row, values: dict, before: dict, after: dict) -> int:
    """Write `values` and the next version, only if nobody changed the activity since."""
    stmt = (
        unscoped(update(Activity), why="the activity authorized above")
        .where(Activity.id == row.id, Activity.version == row.version)
        .values(version=row.version + 1, **values)
    )
    if await w.change(stmt) != 1:
        raise Conflict("the activity changed since you read it: reload and try again")
    starts = {row.starts_at, values.get("starts_at", row.starts_at)}
    await _recredit(w, row, starts)
    w.record(to_global_id("Activity", row.id), row.org_path, before=before, after=after)
    return row.id


async def _recredit(
    w: Write, row: Row, starts: set[dt.datetime], member_id: int | None = None
) -> None:
    """Attendance at a held study activity is credited study time (学习培训): after a change
    to such an activity (held, recorded, …) or a sign-in, the totals of its attendees (or of
    `member_id`) for the years it started in are recomputed."""
    from resolvers.learning import refresh_totals, year_of  # learning reads this module

    if row.kind not in STUDY_TYPES:
        return
    attendees = unscoped(
        select(ActivityParticipant.member_id), why="the attendees of the activity written"
    ).where(
        ActivityParticipant.activity_id == row.id, ActivityParticipant.signed_in_at.is_not(None)
    )
    members = attendees if member_id is None else [member_id]
    await refresh_totals(w.session, members, {year_of(s) for s in starts})


@dataclass(frozen=True)
class Changes:
    """What `updateActivity` changes (input fields of the same names; None keeps)."""

    title: str | None = None
    place: str | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    sign_up_opens_at: dt.datetime | None = None
    sign_up_closes_at: dt.datetime | None = None
    capacity: int | None = None
    publish: bool = False


async def update_activity(
    w: Write, activity_id: int | None, expected_version: int, changes: Changes
) -> int:
    """Change a draft or published activity (versioned); `publish` publishes a draft."""
    row = await _organised(w, activity_id, expected_version)
    check_editable(row.state)
    values: dict = {
        k: v
        for k, v in (
            ("title", changes.title and required(changes.title, "title")),
            ("place", changes.place and required(changes.place, "place")),
            ("starts_at", changes.starts_at),
            ("ends_at", changes.ends_at),
            ("sign_up_opens_at", changes.sign_up_opens_at),
            ("sign_up_closes_at", changes.sign_up_closes_at),
            ("capacity", changes.capacity),
        )
        if v is not None
    }
    schedule = Schedule(
        values.get("starts_at", row.starts_at),
        values.get("ends_at", row.ends_at),
        values.get("sign_up_opens_at", row.sign_up_opens_at),
        values.get("sign_up_closes_at", row.sign_up_closes_at),
        values.get("capacity", row.capacity),
    )
    check_schedule(schedule)
    if schedule.capacity is not None and schedule.capacity < row.signed_up:
        raise RuleViolation(f"{row.signed_up} members have signed up: capacity cannot be less")
    if changes.publish:
        check_transition(row.state, ActivityState.PUBLISHED)
        values.update(state=ActivityState.PUBLISHED, published_at=w.ctx.now)
    if not values:
        raise BadUserInput("nothing to change")
    before = {k: getattr(row, k) for k in values}
    return await _save(w, row, values, {**before, **_state(row)}, values)


async def mark_held(w: Write, activity_id: int | None, expected_version: int) -> int:
    """The organiser marks a published activity as held (举行), once it has started."""
    row = await _organised(w, activity_id, expected_version)
    check_transition(row.state, ActivityState.HELD)
    check_held(row.state, row.starts_at, w.ctx.now)
    values = {"state": ActivityState.HELD, "held_at": w.ctx.now}
    return await _save(w, row, values, _state(row), {"state": "HELD"})


@dataclass(frozen=True)
class Records:
    """The records of a held activity (input fields of the same names)."""

    minutes: str
    resolutions: str | None = None
    lecturer_id: int | None = None
    photos: tuple[str, ...] = ()


MAX_PHOTOS = 20


async def _lecturer(ctx: Context, lecturer_id: int, org_id: int) -> bool:
    """Whether the lecturer, a member the caller may see, is the secretary of the branch
    holding the 党课 (the secretary gives at least one a year); BAD_USER_INPUT if unseen."""
    member = await linked_member(ctx, lecturer_id)
    if member is None:
        raise BadUserInput("lecturerId must name a member you can see")
    return member.org_id == org_id and member.party_post is PartyPost.SECRETARY


async def record(w: Write, activity_id: int | None, expected_version: int, records: Records) -> int:
    """The organiser's secretaries record minutes (纪要), resolutions, the lecturer of a 党课
    and photo references; a published activity that has started is held by being recorded."""
    ctx = w.ctx
    row = await _organised(w, activity_id, expected_version)
    check_transition(row.state, ActivityState.RECORDED)
    check_held(row.state, row.starts_at, ctx.now)
    if len(records.photos) > MAX_PHOTOS:
        raise RuleViolation(f"at most {MAX_PHOTOS} photos")
    if any(not p.strip() or "\n" in p for p in records.photos):
        raise RuleViolation("a photo is one URL or stored key, on one line")
    by_secretary = False
    if records.lecturer_id is not None:
        if row.kind is not ActivityType.PARTY_LECTURE:
            raise RuleViolation("only a 党课 (PARTY_LECTURE) has a lecturer")
        by_secretary = await _lecturer(ctx, records.lecturer_id, row.org_id)
    values = {
        "state": ActivityState.RECORDED,
        "recorded_at": ctx.now,
        "held_at": row.held_at or ctx.now,
        "minutes": required(records.minutes, "minutes"),
        "resolutions": (records.resolutions or "").strip() or None,
        "lecturer_member_id": records.lecturer_id,
        "by_secretary": by_secretary,
        "photos": "\n".join(p.strip() for p in records.photos) or None,
    }
    after = {
        "state": "RECORDED",
        "lecturer_id": records.lecturer_id,
        "by_secretary": by_secretary,
        "photos": len(records.photos),
    }
    return await _save(w, row, values, _state(row), after)


async def cancel(w: Write, activity_id: int | None, expected_version: int, reason: str) -> int:
    """The organiser cancels an activity before it is held, saying why."""
    row = await _organised(w, activity_id, expected_version)
    check_transition(row.state, ActivityState.CANCELLED)
    values = {
        "state": ActivityState.CANCELLED,
        "cancelled_at": w.ctx.now,
        "cancel_reason": required(reason, "reason"),
    }
    return await _save(w, row, values, _state(row), {"state": "CANCELLED", "reason": reason})


# ---- taking part -------------------------------------------------------------------------------


async def _invited(w: Write, activity_id: int | None) -> tuple[Row, Reach]:
    """The activity, if the caller as a member is in its audience (the same NOT_FOUND as for a
    missing one: seeing an activity as an official does not invite you to it)."""
    ctx = w.ctx
    me = ctx.require().member_id
    reach = await reach_of(ctx, me)
    row = None
    if reach is not None and activity_id is not None:
        stmt = scoped(
            Scope(member_id=reach.member_id), Activity, *Activity.__table__.c, reach=reach
        )
        row = (await ctx.session.execute(stmt.where(Activity.id == activity_id))).one_or_none()
    if row is None or reach is None:
        raise NotFound(NOT_FOUND)
    return row, reach


def _schedule(row: Row) -> Schedule:
    return Schedule(
        row.starts_at, row.ends_at, row.sign_up_opens_at, row.sign_up_closes_at, row.capacity
    )


async def _participation(ctx: Context, activity_id: int, member_id: int) -> Row | None:
    stmt = unscoped(
        select(
            ActivityParticipant.id,
            ActivityParticipant.status,
            ActivityParticipant.signed_up_at,
            ActivityParticipant.signed_in_at,
        ),
        why="the caller's own participation in an activity they are invited to",
    )
    return (
        await ctx.session.execute(
            stmt.where(
                ActivityParticipant.activity_id == activity_id,
                ActivityParticipant.member_id == member_id,
            )
        )
    ).one_or_none()


async def _take_place(w: Write, row: Row) -> None:
    """One place, by a conditional UPDATE of the counter: of concurrent sign-ups for the
    last place exactly one changes the row (the database serialises the UPDATEs)."""
    taken = (
        unscoped(update(Activity), why="the activity the caller is invited to, read above")
        .where(
            Activity.id == row.id,
            Activity.state == ActivityState.PUBLISHED,
            or_(Activity.capacity.is_(None), Activity.signed_up < Activity.capacity),
        )
        .values(signed_up=Activity.signed_up + 1)
    )
    if await w.change(taken) != 1:
        raise RuleViolation("the activity is full")


async def _free_place(w: Write, activity_id: int) -> None:
    freed = (
        unscoped(update(Activity), why="the activity whose place the participation held")
        .where(Activity.id == activity_id, Activity.signed_up > 0)
        .values(signed_up=Activity.signed_up - 1)
    )
    await w.change(freed)


async def _set_status(w: Write, part_id: int, old: ParticipationStatus, **values) -> None:
    stmt = unscoped(update(ActivityParticipant), why="the participation read above").where(
        ActivityParticipant.id == part_id, ActivityParticipant.status == old
    )
    if await w.change(stmt.values(**values)) != 1:
        raise Conflict("your participation changed meanwhile: reload and try again")


async def _answer(
    w: Write,
    row: Row,
    reach: Reach,
    part: Row | None,
    status: ParticipationStatus,
    **values: Any,
) -> None:
    """The member's answer to the activity: a new participation, or the one read before
    changed (only if it is still as read)."""
    if part is None:
        w.ctx.session.add(
            ActivityParticipant(
                activity_id=row.id,
                member_id=reach.member_id,
                org_path=row.org_path,
                status=status,
                **values,
            )
        )
        await w.flush(Conflict("you answered this activity meanwhile"))
    else:
        await _set_status(w, part.id, part.status, status=status, **values)


def holds_place(part: Row | None) -> bool:
    """A sign-up holds a place until it is cancelled or leave is approved (`signed_up_at` is
    cleared then): asking for leave, or being refused it, keeps the place."""
    return (
        part is not None
        and part.signed_up_at is not None
        and part.status
        in (
            ParticipationStatus.SIGNED_UP,
            ParticipationStatus.LEAVE_REQUESTED,
            ParticipationStatus.LEAVE_REFUSED,
        )
    )


async def sign_up(w: Write, activity_id: int | None) -> int:
    """A member of the audience signs up, inside the window, while places are left."""
    ctx = w.ctx
    row, reach = await _invited(w, activity_id)
    check_sign_up(_schedule(row), row.state, ctx.now)
    part = await _participation(ctx, row.id, reach.member_id)
    if holds_place(part):
        return row.id  # signed up already: the same answer
    await _take_place(w, row)
    await _answer(w, row, reach, part, ParticipationStatus.SIGNED_UP, signed_up_at=ctx.now)
    w.record(
        to_global_id("Activity", row.id),
        row.org_path,
        after={"member_id": reach.member_id, "status": "SIGNED_UP"},
    )
    return row.id


async def cancel_sign_up(w: Write, activity_id: int | None) -> int:
    """A member withdraws inside the sign-up window; the place is free again."""
    ctx = w.ctx
    row, reach = await _invited(w, activity_id)
    check_sign_up(_schedule(row), row.state, ctx.now)
    part = await _participation(ctx, row.id, reach.member_id)
    if part is None or part.status is not ParticipationStatus.SIGNED_UP:
        raise RuleViolation("you are not signed up for this activity")
    await _set_status(
        w, part.id, part.status, status=ParticipationStatus.CANCELLED, signed_up_at=None
    )
    await _free_place(w, row.id)
    w.record(
        to_global_id("Activity", row.id),
        row.org_path,
        before={"member_id": reach.member_id, "status": "SIGNED_UP"},
        after={"status": "CANCELLED"},
    )
    return row.id


async def request_leave(w: Write, activity_id: int | None, reason: str) -> int:
    """A member of the audience asks for leave (请假) before the start, saying why; a place
    they hold stays theirs until the organiser approves."""
    ctx = w.ctx
    row, reach = await _invited(w, activity_id)
    check_leave(row.state, row.starts_at, ctx.now)
    text = required(reason, "reason")
    part = await _participation(ctx, row.id, reach.member_id)
    if part is not None and part.status is ParticipationStatus.LEAVE_APPROVED:
        raise RuleViolation("your leave was approved already")
    await _answer(w, row, reach, part, ParticipationStatus.LEAVE_REQUESTED, leave_reason=text)
    w.record(
        to_global_id("Activity", row.id),
        row.org_path,
        after={"member_id": reach.member_id, "status": "LEAVE_REQUESTED", "reason": text},
    )
    return row.id


async def decide_leave(
    w: Write, activity_id: int | None, member_id: int | None, approve: bool, note: str | None
) -> int:
    """The organiser approves or refuses a leave request; never their own (回避). Approved
    leave frees the member's place. The same decision again changes nothing; another one is
    refused, and of two at once one wins (the UPDATE is conditional on the request)."""
    ctx = w.ctx
    row = await _organised(w, activity_id, None)
    if member_id is None:
        raise NotFound("no such leave request")
    recuse(ctx.require().member_id, member_id, "decide your own leave")
    part = (
        await ctx.session.execute(
            unscoped(
                select(
                    ActivityParticipant.id,
                    ActivityParticipant.status,
                    ActivityParticipant.signed_up_at,
                ),
                why="the participations of the activity authorized above",
            ).where(
                ActivityParticipant.activity_id == row.id,
                ActivityParticipant.member_id == member_id,
            )
        )
    ).one_or_none()
    if part is None:
        raise NotFound("no such leave request")
    decision = ParticipationStatus.LEAVE_APPROVED if approve else ParticipationStatus.LEAVE_REFUSED
    if part.status is decision:
        return row.id  # the same decision again (a retry): no change
    check_decision(part.status)
    await _set_status(
        w,
        part.id,
        part.status,
        status=decision,
        decided_by=ctx.require().account_id,
        decision_note=(note or "").strip() or None,
    )
    if approve and part.signed_up_at is not None:
        await _free_place(w, row.id)
        await _set_status(w, part.id, decision, signed_up_at=None)
    w.record(
        to_global_id("Activity", row.id),
        row.org_path,
        before={"member_id": member_id, "status": "LEAVE_REQUESTED"},
        after={"status": decision.name, "note": note},
    )
    return row.id


async def sign_in(w: Write, activity_id: int | None, code: str) -> int:
    """A member of the audience signs in with the code on the organiser's screen, during the
    activity. The code is used up by the one UPDATE that advances the counter it was made
    from, so a code signs in one account; a member signed in already stays so."""
    ctx = w.ctx
    row, reach = await _invited(w, activity_id)
    check_sign_in(row.state, row.starts_at, row.ends_at, ctx.now)
    part = await _participation(ctx, row.id, reach.member_id)
    if part is not None and part.signed_in_at is not None:
        return row.id
    walk_in = part is None or part.status is ParticipationStatus.CANCELLED
    if walk_in and row.capacity is not None:
        raise RuleViolation("this activity has limited places: sign up first")
    if not code_matches(row.code_secret, row.id, row.code_counter, ctx.now, code):
        raise RuleViolation("that sign-in code is wrong or no longer valid: read the screen again")
    used = (
        unscoped(update(Activity), why="the activity the caller is invited to, read above")
        .where(Activity.id == row.id, Activity.code_counter == row.code_counter)
        .values(code_counter=row.code_counter + 1)
    )
    if await w.change(used) != 1:
        raise RuleViolation("that sign-in code was used already: read the screen again")
    status = ParticipationStatus.SIGNED_UP if walk_in else part.status  # type: ignore[union-attr]
    await _answer(w, row, reach, part, status, signed_in_at=ctx.now)
    if row.state is ActivityState.HELD:  # signed in to a published one: credited when held
        await _recredit(w, row, {row.starts_at}, reach.member_id)
    w.record(
        to_global_id("Activity", row.id),
        row.org_path,
        after={"member_id": reach.member_id, "signed_in": True},
    )
    return row.id
