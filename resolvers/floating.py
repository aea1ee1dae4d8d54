"""Floating members (流动党员): both-sided ledgers, pairing contacts, symposiums, indicators and
the writes of the flow (DESIGN.md §5; the rules are in `domain/floating.py`).

A floating record is seen, like a check-in, from the member's home org (`home_path`), from the
host notified (`host_path`) and from the branch that took the member in (`placed_path`), and by
the member. Lost contact is computed from the contact log against the day asked about, never
stored (`lost_contact_select`)."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from authz.enforcer import can
from authz.paths import subtree
from authz.registry import scoped, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain import floating as rules
from domain.calendar import Period, within_calendar
from domain.errors import recuse
from models import (
    ContactChannel,
    FloatingContact,
    FloatingRecord,
    FloatingReport,
    FloatingState,
    FloatingStatus,
    Member,
    MemberStatus,
    Organization,
    OrgLevel,
    PlacementState,
    Suggestion,
    SuggestionCategory,
    SuggestionStatus,
    Symposium,
    SymposiumAttendee,
)
from models.base import Column
from resolvers.batch import keyed_union, page_batch, rows_by_id
from resolvers.context import Context
from resolvers.errors import BadUserInput, NotFound
from resolvers.ids import to_global_id
from resolvers.pagination import Order, Page, Window
from resolvers.write import Write

Home = aliased(Organization, name="home")
Host = aliased(Organization, name="host")
Placed = aliased(Organization, name="placed")
Held = aliased(Organization, name="held")
FC = aliased(FloatingContact, name="fc")
BY_ID = Order(None, FloatingRecord.id)
SYMPOSIUM_BY_DATE = Order(Symposium.held_on, Symposium.id, descending=True)
SUGGESTION_BY_ID = Order(None, Suggestion.id)
HOST_LEVELS = (OrgLevel.DISTRICT, OrgLevel.STREET, OrgLevel.TOWNSHIP)
OPEN = (FloatingState.RECORDED, FloatingState.ACTIVE)
AWAITING = (PlacementState.NOTIFIED, PlacementState.ROUTED)


def under(column: Any, path: str) -> ColumnElement[bool]:
    """`authz.paths.subtree` for a path column that may be null (no home, no host): a null
    lies in no subtree."""
    return subtree(cast("Column[str]", column), path)


def floating_scope(ctx: Context) -> Scope:
    return ctx.scope(Resource.FLOATING, Action.READ)


# ---- records ------------------------------------------------------------------------------


def last_contact(on_or_before: dt.date | None = None) -> Any:
    """The latest contact of the current record row (correlated; the (record_id, contacted_on)
    index serves it), up to a day if given."""
    stmt = unscoped(
        select(func.max(FC.contacted_on)).where(FC.record_id == FloatingRecord.id),
        why="the contacts of the scoped record row it is correlated to",
    )
    return stmt if on_or_before is None else stmt.where(FC.contacted_on <= on_or_before)


def lost_on(day: dt.date) -> ColumnElement[bool]:
    """An active spell whose latest contact up to `day` (or its departure, if never contacted)
    is more than 6 months before `day` (`domain.floating.lost_contact_before`)."""
    latest = func.coalesce(last_contact(day).scalar_subquery(), FloatingRecord.departed_on)
    return latest < rules.lost_contact_before(day)


RECORD_COLUMNS = (
    FloatingRecord.id,
    FloatingRecord.member_id,
    FloatingRecord.name,
    FloatingRecord.phone,
    FloatingRecord.origin,
    FloatingRecord.home_path,
    FloatingRecord.destination,
    FloatingRecord.host_path,
    FloatingRecord.placed_path,
    FloatingRecord.reason,
    FloatingRecord.departed_on,
    FloatingRecord.contact,
    FloatingRecord.status,
    FloatingRecord.placement,
    FloatingRecord.routed_on,
    FloatingRecord.placed_on,
    FloatingRecord.returned_on,
    FloatingRecord.talk_on,
    FloatingRecord.talk_by,
    FloatingRecord.talk_notes,
    FloatingRecord.certificate_number,
    FloatingRecord.certificate_issued_on,
    FloatingRecord.certificate_valid_until,
    FloatingRecord.paired_member_id,
    FloatingRecord.paired_on,
    Member.name.label("member_name"),
    Home.id.label("home_id"),
    Home.name.label("home_name"),
    Home.level.label("home_level"),
    FloatingRecord.host_org_id.label("host_id"),
    Host.name.label("host_name"),
    Host.level.label("host_level"),
    FloatingRecord.placed_org_id.label("placed_id"),
    Placed.name.label("placed_name"),
    Placed.level.label("placed_level"),
    last_contact().scalar_subquery().label("last_contact_on"),
)


def record_select(scope: Scope, today: dt.date) -> Select:
    """Visible records with the names of their orgs, the latest contact and the lost flag."""
    lost = and_(FloatingRecord.status == FloatingState.ACTIVE, lost_on(today))
    return (
        scoped(
            scope, FloatingRecord, *RECORD_COLUMNS, case((lost, True), else_=False).label("lost")
        )
        .outerjoin(Member, Member.id == FloatingRecord.member_id)
        .outerjoin(Home, Home.id == Member.org_id)
        .outerjoin(Host, Host.id == FloatingRecord.host_org_id)
        .outerjoin(Placed, Placed.id == FloatingRecord.placed_org_id)
    )


def in_org(path: str) -> ColumnElement[bool]:
    """A record of the subtree at `path`: its home, its host or the branch it was placed in."""
    return or_(
        under(FloatingRecord.home_path, path),
        under(FloatingRecord.host_path, path),
        under(FloatingRecord.placed_path, path),
    )


@dataclass(frozen=True)
class RecordsKey:
    """A ledger of an org's subtree: the outflow side (members of its own) or the inflow side
    (arrivals it hosts or took in), optionally only those awaiting placement or of a state."""

    path: str
    inflow: bool
    window: Window
    status: FloatingState | None = None
    awaiting_placement: bool = False

    def filtered(self, ctx: Context) -> Select:
        stmt = record_select(floating_scope(ctx), ctx.today)
        if self.inflow:
            stmt = stmt.where(
                or_(
                    under(FloatingRecord.host_path, self.path),
                    under(FloatingRecord.placed_path, self.path),
                )
            )
        else:
            stmt = stmt.where(under(FloatingRecord.home_path, self.path))
        if self.status is not None:
            stmt = stmt.where(FloatingRecord.status == self.status)
        if self.awaiting_placement:
            stmt = stmt.where(
                FloatingRecord.placement.in_(AWAITING), FloatingRecord.status != FloatingState.ENDED
            )
        return stmt


async def load_record_pages(ctx: Context, keys: Sequence[RecordsKey]) -> list[Page[Row]]:
    return await page_batch(ctx.session, keys, lambda k: k.filtered(ctx), BY_ID)


async def records(ctx: Context, key: RecordsKey) -> Page[Row]:
    return await ctx.loader(load_record_pages).load(key)


async def load_records_by_id(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    stmt = record_select(floating_scope(ctx), ctx.today)
    return await rows_by_id(ctx.session, stmt, FloatingRecord.id, ids)


async def get_record(ctx: Context, pk: int | None) -> Row | None:
    """One visible record, or None (missing and out of scope look the same)."""
    return await ctx.load(load_records_by_id, pk)


async def load_member_records(ctx: Context, member_ids: Sequence[int]) -> list[Row | None]:
    """Each member's visible record: the open one, else the latest (a member has few)."""
    stmt = record_select(floating_scope(ctx), ctx.today).where(
        FloatingRecord.member_id.in_(member_ids)
    )
    found: dict[int, Row] = {}
    for row in await ctx.session.execute(stmt.order_by(FloatingRecord.id)):
        if row.member_id not in found or found[row.member_id].status is FloatingState.ENDED:
            found[row.member_id] = row
    return [found.get(i) for i in member_ids]


async def member_record(ctx: Context, member_id: int) -> Row | None:
    return await ctx.load(load_member_records, member_id)


async def lost_contact(ctx: Context, member_id: int) -> bool:
    """Lost contact today, as the caller's visible record of the member says (the scoped
    `member_record`: no flag from a record the caller may not read)."""
    row = await member_record(ctx, member_id)
    return bool(row and row.status is FloatingState.ACTIVE and row.lost)


def floating_member_ids(ctx: Context) -> Select:
    """Members of the records the caller sees: whom the host side may read (PII masked)."""
    return scoped(floating_scope(ctx), FloatingRecord, FloatingRecord.member_id).where(
        FloatingRecord.member_id.is_not(None)
    )


async def load_contacts(ctx: Context, record_ids: Sequence[int]) -> list[list[Row]]:
    """The latest contacts (at most 10) of each visible record, newest first."""
    stmts = [
        scoped(
            floating_scope(ctx),
            FloatingRecord,
            FloatingContact.id,
            FloatingContact.contacted_on,
            FloatingContact.channel,
            FloatingContact.content,
            FloatingContact.by_member_id,
        )
        .join(FloatingContact, FloatingContact.record_id == FloatingRecord.id)
        .where(FloatingRecord.id == pk)
        .order_by(FloatingContact.contacted_on.desc(), FloatingContact.id.desc())
        .limit(10)
        for pk in record_ids
    ]
    return await keyed_union(ctx.session, stmts, ["-contacted_on", "-id"])


async def contacts(ctx: Context, record_id: int) -> list[Row]:
    return await ctx.load(load_contacts, record_id)


async def load_reports(ctx: Context, record_ids: Sequence[int]) -> list[list[Row]]:
    """The yearly reports back of each visible record, newest year first."""
    stmt = (
        scoped(
            floating_scope(ctx),
            FloatingRecord,
            FloatingReport.record_id,
            FloatingReport.year,
            FloatingReport.reported_on,
            FloatingReport.content,
        )
        .join(FloatingReport, FloatingReport.record_id == FloatingRecord.id)
        .where(FloatingRecord.id.in_(record_ids))
        .order_by(FloatingReport.year.desc())
    )
    found: dict[int, list[Row]] = {}
    for row in await ctx.session.execute(stmt):
        found.setdefault(row.record_id, []).append(row)
    return [found.get(i, []) for i in record_ids]


async def reports(ctx: Context, record_id: int) -> list[Row]:
    return await ctx.load(load_reports, record_id)


async def load_named_orgs(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    """(id, name, level) of the orgs among `ids` that a visible record names (host, placement
    branch) or a visible symposium is held by: the breadcrumbs those show."""
    scope = floating_scope(ctx)
    named = (
        scoped(scope, FloatingRecord, FloatingRecord.host_org_id.label("org_id"))
        .where(FloatingRecord.host_org_id.in_(ids))
        .union_all(
            scoped(scope, FloatingRecord, FloatingRecord.placed_org_id.label("org_id")).where(
                FloatingRecord.placed_org_id.in_(ids)
            ),
            scoped(scope, FloatingRecord, Member.org_id.label("org_id"))
            .join(Member, Member.id == FloatingRecord.member_id)
            .where(Member.org_id.in_(ids)),
            scoped(scope, Symposium, Symposium.org_id.label("org_id")).where(
                Symposium.org_id.in_(ids)
            ),
        )
        .subquery()
    )
    stmt = unscoped(
        select(Organization.id, Organization.name, Organization.level).where(
            Organization.id.in_(select(named.c.org_id))
        ),
        why="the orgs that scoped floating records and symposiums name (the union)",
    )
    return await rows_by_id(ctx.session, stmt, Organization.id, ids)


async def named_org(ctx: Context, pk: int) -> Row | None:
    return await ctx.load(load_named_orgs, pk)


# ---- symposiums and suggestions -------------------------------------------------------------


def _count(model: Any, *where: ColumnElement[bool]) -> Any:
    return unscoped(
        select(func.count()).select_from(model).where(*where),
        why="rows of the scoped symposium row it is correlated to",
    ).scalar_subquery()


def symposium_select(ctx: Context) -> Select:
    """Visible symposiums with their org's name and their counts."""
    at = SymposiumAttendee.symposium_id == Symposium.id
    return scoped(
        floating_scope(ctx),
        Symposium,
        Symposium.id,
        Symposium.org_id,
        Symposium.title,
        Symposium.held_on,
        Symposium.place,
        Held.name.label("held_name"),
        Held.level.label("held_level"),
        _count(SymposiumAttendee, at).label("invited"),
        _count(SymposiumAttendee, at, SymposiumAttendee.attended.is_(True)).label("attended"),
        _count(Suggestion, Suggestion.symposium_id == Symposium.id).label("suggestions"),
    ).join(Held, Held.id == Symposium.org_id)


@dataclass(frozen=True)
class SymposiumsKey:
    path: str
    window: Window
    period: Period | None = None

    def filtered(self, ctx: Context) -> Select:
        stmt = symposium_select(ctx).where(subtree(Symposium.org_path, self.path))
        if self.period is not None:
            stmt = stmt.where(
                Symposium.held_on >= self.period.start, Symposium.held_on < self.period.end
            )
        return stmt


async def load_symposium_pages(ctx: Context, keys: Sequence[SymposiumsKey]) -> list[Page[Row]]:
    return await page_batch(ctx.session, keys, lambda k: k.filtered(ctx), SYMPOSIUM_BY_DATE)


async def symposiums(ctx: Context, key: SymposiumsKey) -> Page[Row]:
    return await ctx.loader(load_symposium_pages).load(key)


async def load_symposiums_by_id(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, symposium_select(ctx), Symposium.id, ids)


async def get_symposium(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_symposiums_by_id, pk)


async def load_attendees(ctx: Context, symposium_ids: Sequence[int]) -> list[list[Row]]:
    """(member id, attended) of each visible symposium, in invitation order."""
    stmt = (
        scoped(
            floating_scope(ctx),
            Symposium,
            SymposiumAttendee.symposium_id,
            SymposiumAttendee.member_id,
            SymposiumAttendee.attended,
        )
        .join(SymposiumAttendee, SymposiumAttendee.symposium_id == Symposium.id)
        .where(Symposium.id.in_(symposium_ids))
        .order_by(SymposiumAttendee.id)
    )
    found: dict[int, list[Row]] = {}
    for row in await ctx.session.execute(stmt):
        found.setdefault(row.symposium_id, []).append(row)
    return [found.get(i, []) for i in symposium_ids]


async def attendees(ctx: Context, symposium_id: int) -> list[Row]:
    return await ctx.load(load_attendees, symposium_id)


SUGGESTION_COLUMNS = (
    Suggestion.id,
    Suggestion.symposium_id,
    Suggestion.member_id,
    Suggestion.content,
    Suggestion.category,
    Suggestion.handler,
    Suggestion.status,
    Suggestion.reply,
    Suggestion.answered_on,
)


def suggestion_select(ctx: Context) -> Select:
    return scoped(floating_scope(ctx), Suggestion, *SUGGESTION_COLUMNS)


@dataclass(frozen=True)
class SuggestionsKey:
    """Suggestions of one symposium, or of the symposiums of a subtree (`path`)."""

    symposium_id: int | None
    window: Window
    status: SuggestionStatus | None = None
    path: str | None = None

    def filtered(self, ctx: Context) -> Select:
        stmt = suggestion_select(ctx)
        if self.symposium_id is not None:
            stmt = stmt.where(Suggestion.symposium_id == self.symposium_id)
        if self.path is not None:
            stmt = stmt.where(subtree(Suggestion.org_path, self.path))
        return stmt if self.status is None else stmt.where(Suggestion.status == self.status)


async def load_suggestion_pages(ctx: Context, keys: Sequence[SuggestionsKey]) -> list[Page[Row]]:
    return await page_batch(ctx.session, keys, lambda k: k.filtered(ctx), SUGGESTION_BY_ID)


async def suggestions(ctx: Context, key: SuggestionsKey) -> Page[Row]:
    return await ctx.loader(load_suggestion_pages).load(key)


async def load_suggestions_by_id(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, suggestion_select(ctx), Suggestion.id, ids)


async def get_suggestion(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_suggestions_by_id, pk)


# ---- indicators -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    as_of: dt.date
    floating_members: int
    outflow: int
    inflow: int
    placed: int
    contacted: int
    lost_contact: int
    symposiums: int
    suggestions: int
    suggestions_answered: int

    @property
    def enrolment_rate(self) -> float | None:
        """Inflow members placed in a branch ÷ inflow members (流动党员纳管率)."""
        return round(self.placed / self.inflow, 4) if self.inflow else None

    @property
    def contact_coverage(self) -> float | None:
        """Floating members contacted in the last 6 months ÷ floating members."""
        return round(self.contacted / self.floating_members, 4) if self.floating_members else None


def as_of(period: Period, today: dt.date) -> dt.date:
    """The day a period's figures stand on: its last day, or today for one still running."""
    return min(today, period.end - dt.timedelta(days=1))


def under_way_on(day: dt.date) -> ColumnElement[bool]:
    """A spell under way on `day`: past the talk, departed by then, not returned by then."""
    return and_(
        FloatingRecord.status != FloatingState.RECORDED,
        FloatingRecord.departed_on <= day,
        or_(FloatingRecord.returned_on.is_(None), FloatingRecord.returned_on > day),
    )


INFLOW = FloatingRecord.placement.is_not(None)  # a spell with a host side (流入)


def placed_by(day: dt.date) -> ColumnElement[bool]:
    """An inflow spell placed in a branch by `day` (纳入组织管理)."""
    return and_(
        INFLOW, FloatingRecord.placement == PlacementState.PLACED, FloatingRecord.placed_on <= day
    )


def enrolment_source(ctx: Context, period: Period) -> Select:
    """FLOATING_ENROLMENT (流动党员纳管率, `Stats.enrolment_rate`): inflow members placed in a
    branch by the period's last day (today for one under way) ÷ inflow members, of the spells
    under way that day. One row per inflow spell at its host's path (the street or district
    notified; the placing branch where no host is named), in the caller's floating scope."""
    day = as_of(period, ctx.today)
    return scoped(
        floating_scope(ctx),
        FloatingRecord,
        func.coalesce(FloatingRecord.host_path, FloatingRecord.placed_path).label("path"),
        case((placed_by(day), 1), else_=0).label("numerator"),
        literal(1).label("denominator"),
    ).where(INFLOW, under_way_on(day))


def stats_selects(scope: Scope, path: str, period: Period, day: dt.date) -> tuple[Select, Select]:
    """One row of the subtree's floating figures on `day` (spells under way that day, in the
    caller's scope), and one of its symposiums and suggestions in the period."""
    under_way = under_way_on(day)
    hosted = under(func.coalesce(FloatingRecord.host_path, FloatingRecord.placed_path), path)
    inflow = and_(INFLOW, hosted)  # at the host, as `enrolment_source` counts it
    placed = and_(placed_by(day), hosted)
    recent = unscoped(
        select(FC.id).where(
            FC.record_id == FloatingRecord.id,
            FC.contacted_on <= day,
            FC.contacted_on >= rules.lost_contact_before(day),
        ),
        why="the contacts of the scoped record row it is correlated to",
    ).exists()

    def n(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    figures = scoped(
        scope,
        FloatingRecord,
        func.count().label("floating"),
        n(FloatingRecord.home_path.is_not(None)).label("outflow"),
        n(inflow).label("inflow"),
        n(placed).label("placed"),
        n(recent).label("contacted"),
        n(lost_on(day)).label("lost"),
    ).where(in_org(path), under_way)
    held = and_(
        subtree(Symposium.org_path, path),
        Symposium.held_on >= period.start,
        Symposium.held_on < period.end,
    )
    answered = Suggestion.status != SuggestionStatus.RECEIVED
    in_period = unscoped(
        select(Symposium.id).where(held), why="symposiums of the subtree; the rows are scoped below"
    )
    meetings = scoped(
        scope,
        Symposium,
        func.count().label("symposiums"),
        literal(0).label("suggestions"),
        literal(0).label("answered"),
    ).where(held)
    said = scoped(
        scope,
        Suggestion,
        literal(0).label("symposiums"),
        func.count().label("suggestions"),
        n(answered).label("answered"),
    ).where(Suggestion.symposium_id.in_(in_period))
    both = meetings.union_all(said).subquery()
    talk = unscoped(
        select(
            func.coalesce(func.sum(both.c.symposiums), 0).label("symposiums"),
            func.coalesce(func.sum(both.c.suggestions), 0).label("suggestions"),
            func.coalesce(func.sum(both.c.answered), 0).label("answered"),
        ),
        why="sums the scoped symposiums and suggestions above",
    )
    return figures, talk


async def load_stats(ctx: Context, keys: Sequence[tuple[str, Period]]) -> list[Stats]:
    """Two statements for any number of orgs and periods."""
    scope = floating_scope(ctx)
    days = [as_of(period, ctx.today) for _, period in keys]
    figures, talk = zip(
        *(stats_selects(scope, p, period, d) for (p, period), d in zip(keys, days, strict=True)),
        strict=True,
    )
    f, t = [await keyed_union(ctx.session, s) for s in (figures, talk)]
    return [
        Stats(
            days[i],
            f[i][0].floating,
            f[i][0].outflow,
            f[i][0].inflow,
            f[i][0].placed,
            f[i][0].contacted,
            f[i][0].lost,
            t[i][0].symposiums,
            t[i][0].suggestions,
            t[i][0].answered,
        )
        for i in range(len(keys))
    ]


async def stats(ctx: Context, path: str, period: Period) -> Stats:
    return await ctx.load(load_stats, (path, period))


# ---- writes -------------------------------------------------------------------------------------

NO_RECORD = "no such floating record"


async def _record(w: Write, pk: int | None, *sides: str) -> Any:
    """The record `pk` if the caller may write on it from one of `sides` (`home`, `host`,
    `placed`; an arrival from outside the city has no home: its host keeps it); NotFound
    alike for a missing record and one that is not the caller's to change."""
    row = None
    if pk is not None:
        row = (
            await w.session.execute(
                unscoped(
                    select(FloatingRecord).where(FloatingRecord.id == pk),
                    why="checked against the writing side's path with `can` below",
                )
            )
        ).scalar_one_or_none()
    if row is None:
        raise NotFound(NO_RECORD)
    principal = w.ctx.require()
    paths = [getattr(row, f"{side}_path") for side in sides]
    if row.home_path is None and "home" in sides:
        paths += [row.placed_path, row.host_path]
    if any(p and can(principal, Resource.FLOATING, Action.WRITE, p) for p in paths):
        return row
    w.refuse(to_global_id("FloatingRecord", pk), trail_path(row))  # type: ignore[arg-type]
    raise NotFound(NO_RECORD)


def trail_path(row: Any) -> str:
    """Where a record belongs: the trail its changes and refusals are written under and the
    org whose `member.pii` shows its phones in clear — its home, else the branch it was
    placed in, else its host."""
    return row.home_path or row.placed_path or row.host_path


async def _host_org(ctx: Context, org_id: int | None) -> Row | None:
    """A district or street of the city named as the host of an outflow; the home side may
    name any (the notice goes there: 推送), like the community directory names any community."""
    if org_id is None:
        return None
    row = (
        await ctx.session.execute(
            unscoped(
                select(Organization.id, Organization.path, Organization.name).where(
                    Organization.id == org_id, Organization.level.in_(HOST_LEVELS)
                ),
                why="any district or street of the city may receive an outflow's notice",
            )
        )
    ).one_or_none()
    if row is None:
        raise BadUserInput("hostOrgId must name a district or street (区县/街道) of the city")
    return row


@dataclass(frozen=True)
class Outflow:
    """An outflow as the home side records it."""

    member_id: int | None
    destination: str
    reason: str
    departed_on: dt.date
    contact: str | None = None
    host_org_id: int | None = None


async def record_outflow(w: Write, outflow: Outflow) -> int:
    """The home side records a member's outflow (RECORDED until the pre-departure talk); a host
    inside the city is notified at once (its inflow, awaiting placement)."""
    ctx = w.ctx
    member = await w.authorized(
        Member,
        outflow.member_id,
        Action.WRITE,
        Member.id,
        Member.status,
        resource=Resource.FLOATING,
        self_allowed=False,
    )
    if member is None:
        raise NotFound("no such member")
    if member.status not in (MemberStatus.PROBATIONARY, MemberStatus.FULL):
        raise BadUserInput("only Party members (党员) are floating members")
    within_calendar(outflow.departed_on, what="departedOn")
    host = await _host_org(ctx, outflow.host_org_id)
    if host is not None and member._path.startswith(host.path):
        raise BadUserInput("hostOrgId must lie outside the member's own district or street")
    record = FloatingRecord(
        member_id=member.id,
        home_path=member._path,
        destination=rules.text(outflow.destination, "destination", 100),
        host_org_id=host and host.id,
        host_path=host and host.path,
        reason=rules.text(outflow.reason, "reason", 200),
        departed_on=outflow.departed_on,
        contact=(outflow.contact or "").strip() or None,
        status=FloatingState.RECORDED,
        placement=PlacementState.NOTIFIED if host else None,
    )
    w.session.add(record)
    await w.flush(BadUserInput("this member already has an open floating record"))
    w.record(
        to_global_id("FloatingRecord", record.id),
        member._path,
        after={
            "member_id": member.id,
            "destination": record.destination,
            "host_org_id": record.host_org_id,
            "departed_on": outflow.departed_on,
        },
    )
    return record.id


async def _set_member_floating(w: Write, member_id: int | None, status: FloatingStatus) -> None:
    if member_id is not None:
        await w.change(
            unscoped(update(Member), why="the member of the record authorized above")
            .where(Member.id == member_id)
            .values(floating=status)
        )


async def record_pre_departure_talk(
    w: Write, record_id: int | None, talk_on: dt.date, talk_by: str, notes: str
) -> int:
    """The home side holds the pre-departure talk (行前谈话): the outflow becomes ACTIVE and
    the member is OUTFLOW in the directory."""
    row = await _record(w, record_id, "home")
    rules.check_talk(row.status, row.departed_on, talk_on, w.ctx.today)
    row.talk_on, row.talk_by = talk_on, rules.text(talk_by, "talkBy", 40)
    row.talk_notes = rules.text(notes, "notes", 2000)
    row.status = FloatingState.ACTIVE
    await _set_member_floating(w, row.member_id, FloatingStatus.OUTFLOW)
    w.record(
        to_global_id("FloatingRecord", row.id),
        trail_path(row),
        before={"status": "RECORDED"},
        after={"status": "ACTIVE", "talk_on": talk_on, "talk_by": row.talk_by},
    )
    return row.id


async def issue_floating_certificate(
    w: Write, record_id: int | None, number: str, issued_on: dt.date, valid_until: dt.date
) -> int:
    """The home branch issues the 流动党员活动证 (its number is unique)."""
    row = await _record(w, record_id, "home")
    rules.check_certificate(row.status, row.talk_on, issued_on, valid_until)
    before = {"certificate_number": row.certificate_number}
    row.certificate_number = rules.text(number, "number", 32)
    row.certificate_issued_on, row.certificate_valid_until = issued_on, valid_until
    await w.flush(BadUserInput("this certificate number is already issued"))
    w.record(
        to_global_id("FloatingRecord", row.id),
        trail_path(row),
        before=before,
        after={"certificate_number": row.certificate_number, "valid_until": valid_until},
    )
    return row.id


@dataclass(frozen=True)
class Inflow:
    """An arrival from outside the city, as its host records it (a record only)."""

    host_org_id: int | None
    name: str
    origin: str
    reason: str
    arrived_on: dt.date
    phone: str | None = None


async def record_inflow(w: Write, inflow: Inflow) -> int:
    """The host records an arrival from outside the city: ACTIVE, awaiting routing. (An arrival
    from elsewhere in the city is the home side's outflow naming this host: `recordOutflow`.)"""
    ctx = w.ctx
    host = await w.authorized(
        Organization,
        inflow.host_org_id,
        Action.WRITE,
        Organization.id,
        Organization.name,
        resource=Resource.FLOATING,
    )
    if host is None:
        raise NotFound("no such organisation")
    rules.check_day(inflow.arrived_on, ctx.today, "arrivedOn")
    record = FloatingRecord(
        name=rules.text(inflow.name, "name", 40),
        phone=(inflow.phone or "").strip() or None,
        origin=rules.text(inflow.origin, "origin", 100),
        destination=host.name,
        host_org_id=host.id,
        host_path=host._path,
        reason=rules.text(inflow.reason, "reason", 200),
        departed_on=inflow.arrived_on,
        status=FloatingState.ACTIVE,
        placement=PlacementState.NOTIFIED,
    )
    w.session.add(record)
    await w.flush()
    w.record(
        to_global_id("FloatingRecord", record.id),
        host._path,
        after={"name": record.name, "origin": record.origin, "arrived_on": inflow.arrived_on},
    )
    return record.id


async def route_inflow(w: Write, record_id: int | None, org_id: int | None) -> int:
    """The host street or district routes an arrival to a grid branch, a non-public-enterprise
    org or a floating-member branch of its own (分流); it may route again until accepted."""
    row = await _record(w, record_id, "host")
    if row.placement not in AWAITING or row.status is FloatingState.ENDED:
        raise BadUserInput("this arrival is not awaiting placement")
    target = None
    if org_id is not None:
        target = (
            await w.session.execute(
                unscoped(
                    select(
                        Organization.id,
                        Organization.path,
                        Organization.level,
                        Organization.branch_kind,
                        Organization.org_type,
                    ).where(Organization.id == org_id),
                    why="the rule below holds it within the authorized record's host",
                )
            )
        ).one_or_none()
    if target is None:
        raise BadUserInput("orgId must name an organisation")
    rules.check_route_target(
        target.level, target.branch_kind, target.org_type, row.host_path, target.path
    )
    before = {"placement": row.placement.name, "placed_org_id": row.placed_org_id}
    row.placed_org_id, row.placed_path = target.id, target.path
    row.placement, row.routed_on = PlacementState.ROUTED, w.ctx.today
    w.record(
        to_global_id("FloatingRecord", row.id),
        row.host_path,
        before=before,
        after={"placement": "ROUTED", "placed_org_id": target.id},
    )
    return row.id


async def accept_inflow(w: Write, record_id: int | None) -> int:
    """The receiving branch accepts the arrival routed to it (接收): it is PLACED, and the
    branch's activities reach the member (一方隶属、多重组织生活); membership stays home."""
    row = await _record(w, record_id, "placed")
    recuse(w.ctx.require().member_id, row.member_id or 0, "accept yourself")
    if row.placement is PlacementState.PLACED:
        return row.id
    if row.placement is not PlacementState.ROUTED or row.status is FloatingState.ENDED:
        raise BadUserInput("this arrival has not been routed to your organisation")
    row.placement, row.placed_on = PlacementState.PLACED, w.ctx.today
    w.record(
        to_global_id("FloatingRecord", row.id),
        row.placed_path,
        before={"placement": "ROUTED"},
        after={"placement": "PLACED", "placed_on": row.placed_on},
    )
    return row.id


async def pair_floating_member(
    w: Write, record_id: int | None, committee_member_id: int | None
) -> tuple[int, list[str]]:
    """The home side pairs a committee member with the floating member (结对联系); a warning
    beyond the guide of 3–5 each."""
    row = await _record(w, record_id, "home")
    if row.member_id is None or row.status is FloatingState.ENDED:
        raise BadUserInput("only an open outflow of a member is paired")
    paired = None
    if committee_member_id is not None and committee_member_id != row.member_id:
        paired = (
            await w.session.execute(
                unscoped(
                    select(Member.id, Member.party_post, Member.org_path).where(
                        Member.id == committee_member_id
                    ),
                    why="the rule below holds it within the authorized record's home",
                )
            )
        ).one_or_none()
    if paired is None:
        raise BadUserInput(
            "committeeMemberId must name a committee member (支委) of the member's home org"
        )
    rules.check_committee_member(paired.party_post, paired.org_path, row.home_path)
    before = {"paired_member_id": row.paired_member_id}
    row.paired_member_id, row.paired_on = paired.id, w.ctx.today
    await w.flush()
    count = await w.session.scalar(
        unscoped(
            select(func.count()).where(
                FloatingRecord.paired_member_id == paired.id, FloatingRecord.status.in_(OPEN)
            ),
            why="how many open spells the committee member named above is paired with",
        )
    )
    w.record(
        to_global_id("FloatingRecord", row.id),
        row.home_path,
        before=before,
        after={"paired_member_id": paired.id},
    )
    return row.id, rules.pairing_warnings(count or 0)


async def log_floating_contact(
    w: Write, record_id: int | None, contacted_on: dt.date, channel: ContactChannel, content: str
) -> int:
    """A contact of the pairing ledger (结对联系台账), kept by the home side (by the host for an
    arrival from outside the city): the data lost contact is computed from."""
    row = await _record(w, record_id, "home")
    rules.check_contact(row.status, row.departed_on, contacted_on, w.ctx.today)
    contact = FloatingContact(
        record_id=row.id,
        member_id=row.member_id,
        org_path=trail_path(row),
        contacted_on=contacted_on,
        channel=channel,
        content=rules.text(content, "content", 500),
        by_member_id=w.ctx.require().member_id,
    )
    w.session.add(contact)
    await w.flush()
    w.record(
        to_global_id("FloatingRecord", row.id),
        contact.org_path,
        after={"contacted_on": contacted_on, "channel": channel.name},
    )
    return row.id


async def record_floating_report(
    w: Write, record_id: int | None, year: int, reported_on: dt.date, content: str
) -> int:
    """The home side records the member's yearly report back (at least once a year)."""
    row = await _record(w, record_id, "home")
    if row.member_id is None:
        raise BadUserInput("only a member of the city reports back to a home org")
    rules.check_report(row.status, year, reported_on, w.ctx.today)
    w.session.add(
        FloatingReport(
            record_id=row.id,
            member_id=row.member_id,
            home_path=row.home_path,
            year=year,
            reported_on=reported_on,
            content=rules.text(content, "content", 500),
        )
    )
    await w.flush(BadUserInput(f"the report back for {year} is already recorded"))
    w.record(
        to_global_id("FloatingRecord", row.id),
        row.home_path,
        after={"year": year, "reported_on": reported_on},
    )
    return row.id


async def end_floating(w: Write, record_id: int | None, returned_on: dt.date) -> int:
    """Return ends the spell (the home side; the host for an arrival from outside the city):
    the member is no longer floating in the directory."""
    row = await _record(w, record_id, "home")
    rules.check_return(row.status, row.departed_on, returned_on, w.ctx.today)
    before = {"status": row.status.name}
    row.status, row.returned_on = FloatingState.ENDED, returned_on
    await _set_member_floating(w, row.member_id, FloatingStatus.NONE)
    w.record(
        to_global_id("FloatingRecord", row.id),
        trail_path(row),
        before=before,
        after={"status": "ENDED", "returned_on": returned_on},
    )
    return row.id


@dataclass(frozen=True)
class Meeting:
    org_id: int | None
    title: str
    held_on: dt.date
    place: str
    invited_member_ids: tuple[int, ...]
    attended_member_ids: tuple[int, ...]


async def hold_symposium(w: Write, meeting: Meeting) -> int:
    """An org holds a symposium (座谈会) with floating members of its own or hosted by it, and
    records who came."""
    ctx = w.ctx
    org = await w.authorized(
        Organization, meeting.org_id, Action.WRITE, Organization.id, resource=Resource.FLOATING
    )
    if org is None:
        raise NotFound("no such organisation")
    rules.check_day(meeting.held_on, ctx.today, "heldOn")
    invited, came = set(meeting.invited_member_ids), set(meeting.attended_member_ids)
    rules.check_attendance(invited, came)
    known = await w.session.scalar(
        unscoped(
            select(func.count(func.distinct(FloatingRecord.member_id))).where(
                FloatingRecord.member_id.in_(invited), in_org(org._path)
            ),
            why="the floating members of the organisation authorized above",
        )
    )
    if known != len(invited):
        raise BadUserInput("invitedMemberIds must name floating members of this organisation")
    symposium = Symposium(
        org_id=org.id,
        org_path=org._path,
        title=rules.text(meeting.title, "title", 100),
        held_on=meeting.held_on,
        place=rules.text(meeting.place, "place", 100),
    )
    w.session.add(symposium)
    await w.flush()
    w.session.add_all(
        SymposiumAttendee(symposium_id=symposium.id, member_id=m, attended=m in came)
        for m in dict.fromkeys(meeting.invited_member_ids)  # a repeated id invites once
    )
    w.record(
        to_global_id("Symposium", symposium.id),
        org._path,
        after={"title": symposium.title, "invited": len(invited), "attended": len(came)},
    )
    return symposium.id


async def add_suggestion(
    w: Write,
    symposium_id: int | None,
    member_id: int | None,
    content: str,
    category: SuggestionCategory,
    handler: str | None,
) -> int:
    """A suggestion raised at a symposium, by one who came (RECEIVED)."""
    symposium = await w.authorized(Symposium, symposium_id, Action.WRITE, Symposium.id)
    if symposium is None:
        raise NotFound("no such symposium")
    if member_id is not None:
        came = await w.session.scalar(
            unscoped(
                select(SymposiumAttendee.id).where(
                    SymposiumAttendee.symposium_id == symposium.id,
                    SymposiumAttendee.member_id == member_id,
                    SymposiumAttendee.attended.is_(True),
                ),
                why="the attendees of the symposium authorized above",
            )
        )
        if came is None:
            raise BadUserInput("memberId must name one who came to this symposium")
    suggestion = Suggestion(
        symposium_id=symposium.id,
        org_path=symposium._path,
        member_id=member_id,
        content=rules.text(content, "content", 500),
        category=category,
        handler=(handler or "").strip() or None,
        status=SuggestionStatus.RECEIVED,
    )
    w.session.add(suggestion)
    await w.flush()
    w.record(
        to_global_id("Suggestion", suggestion.id),
        symposium._path,
        after={"symposium_id": symposium.id, "category": category.name},
    )
    return suggestion.id


async def answer_suggestion(
    w: Write, suggestion_id: int | None, decision: SuggestionStatus, reply: str
) -> int:
    """RECEIVED → ADOPTED or ANSWERED, with a reply; repeating the same decision changes
    nothing, another is refused; never one's own suggestion."""
    ctx = w.ctx
    found = await w.authorized(
        Suggestion,
        suggestion_id,
        Action.WRITE,
        Suggestion.id,
        Suggestion.status,
        self_allowed=False,
    )
    if found is None:
        raise NotFound("no such suggestion")
    recuse(ctx.require().member_id, found._owner or 0, "answer your own suggestion")
    if not rules.check_answer(found.status, decision):
        return found.id
    text = rules.text(reply, "reply", 500)
    await w.change(
        unscoped(update(Suggestion), why="the suggestion authorized above")
        .where(Suggestion.id == found.id)
        .values(
            status=decision,
            reply=text,
            answered_on=ctx.today,
            answered_by=ctx.require().account_id,
        )
    )
    w.record(
        to_global_id("Suggestion", found.id),
        found._path,
        before={"status": "RECEIVED"},
        after={"status": decision.name, "reply": text},
    )
    return found.id
