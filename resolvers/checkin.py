"""Check-ins and volunteer service: dual-visibility reads, composite views and writes."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Row,
    Select,
    and_,
    case,
    column,
    distinct,
    func,
    literal,
    or_,
    select,
    table,
    union_all,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, aliased

from authz.enforcer import can
from authz.paths import path_ids, subtree
from authz.registry import in_scope, scoped, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.calendar import Period
from domain.checkin import check_day, check_service, days_touched, period_target
from domain.errors import recuse
from models import (
    BranchKind,
    CheckIn,
    CheckInStatus,
    Member,
    Organization,
    OrgLevel,
    ServiceMethod,
    ServiceRecord,
    ServiceStatus,
    ServiceTeam,
    Standing,
    VolunteerPost,
)
from resolvers.batch import count_rows, keyed_union, page_batch, rows_by_id
from resolvers.context import Context
from resolvers.errors import BadUserInput, Forbidden, NotFound
from resolvers.floating import as_of, floating_member_ids
from resolvers.ids import pk_of, to_global_id
from resolvers.member import MEMBER_COLUMNS
from resolvers.org import name_contains
from resolvers.pagination import Order, Page, Window, make_page, paged
from resolvers.write import Write

COMMUNITY_LEVELS = (OrgLevel.COMMUNITY, OrgLevel.VILLAGE)
BY_ID = Order(None, CheckIn.id)
SERVICE_BY_START = Order(ServiceRecord.started_at, ServiceRecord.id, descending=True)
Community = aliased(Organization, name="community")
Employer = aliased(Organization, name="employer")
Grid = aliased(Organization, name="grid")
Street = aliased(Organization, name="street")
District = aliased(Organization, name="district")
SR = aliased(ServiceRecord, name="sr")


# ---- scopes ---------------------------------------------------------------------------


def checkin_scope(ctx: Context) -> Scope:
    return ctx.scope(Resource.CHECKIN, Action.READ)


def scoped_check_ins(ctx: Context, *columns) -> Select:
    """Check-ins visible to the caller: community side, member's own org side, or self."""
    return check_ins_in(checkin_scope(ctx), *columns)


def check_ins_in(scope: Scope, *columns) -> Select:
    return scoped(scope, CheckIn, *columns)


def scoped_services(ctx: Context, *columns) -> Select:
    """Service records visible to the caller, by the same dual rule."""
    return services_in(checkin_scope(ctx), *columns)


def services_in(scope: Scope, *columns) -> Select:
    return scoped(scope, ServiceRecord, *columns)


# ---- check-in rows with their period figures -------------------------------------------


def verified_in(period: Period, record=ServiceRecord) -> ColumnElement[bool]:
    return and_(
        record.status == ServiceStatus.VERIFIED,
        record.started_at >= period.start_at,
        record.started_at < period.end_at,
    )


IdColumn = ColumnElement[int] | InstrumentedAttribute[int]


def _figure(expr, period: Period, check_in: IdColumn = CheckIn.id):
    return unscoped(
        select(expr).where(SR.check_in_id == check_in, verified_in(period, SR)),
        why="the records of the scoped check-in row it is correlated to",
    ).scalar_subquery()


def verified_minutes(period: Period, check_in: IdColumn = CheckIn.id):
    """Verified minutes of the current check-in row in `period` (correlated, index-served)."""
    return _figure(func.coalesce(func.sum(SR.minutes), 0), period, check_in)


CHECK_IN_COLUMNS = (
    *("id", "member_id", "community_id", "employer_org_id", "grid_org_id", "reported_on"),
    *("status", "ended_on", "community_path"),
)


def described(rows: FromClause, period: Period) -> tuple[list[ColumnElement[Any]], FromClause]:
    """The columns of a check-in row as the API reads it (`rows`: the table, or a page of
    it), its organisations' names and the period's verified figures; and what they join."""
    c = rows.c
    columns = [
        *(c[name] for name in CHECK_IN_COLUMNS),
        *(
            column.label(f"{side}_{column.key}")
            for side, org in (("community", Community), ("employer", Employer), ("grid", Grid))
            for column in (org.name, org.level)
        ),
        verified_minutes(period, c.id).label("verified_minutes"),
        _figure(func.count(), period, c.id).label("service_count"),
        _figure(func.max(SR.started_at), period, c.id).label("last_service_at"),
    ]
    joined = (
        rows.join(Community, Community.id == c.community_id)
        .join(Employer, Employer.id == c.employer_org_id)
        .outerjoin(Grid, Grid.id == c.grid_org_id)
    )
    return columns, joined


def check_in_select(ctx: Context, period: Period) -> Select:
    """Visible check-ins with names of their orgs and the period's verified figures."""
    return _check_in_select(checkin_scope(ctx), period)


@lru_cache(maxsize=1024)
def _check_in_select(scope: Scope, period: Period) -> Select:
    """Built once per scope and period: the three correlated figures make this statement
    costly to construct (over a millisecond), and statements are immutable."""
    columns, joined = described(CheckIn.__table__, period)
    return check_ins_in(scope, *columns).select_from(joined)


PAGE = "check_in_page"


def dressed(page: Select, period: Period, backward: bool) -> Select:
    """A page of check-in rows (`CHECK_IN_COLUMNS`, cut to its window) with its names and
    figures, joined after the cut: joined before it, PostgreSQL matched every check-in of a
    subtree with its organisations and then sorted (a district's 2,064 rows: 20-50 ms
    against 1 ms; it reckoned on 54 rows from the scope's OR of path ranges). The page is a
    CTE of its own statement (nested: a union of pages holds one each), named as the
    dressing built once per period expects."""
    return _dressing(period, backward).add_cte(page.cte(PAGE, nesting=True), nest_here=True)


@lru_cache(maxsize=256)
def _dressing(period: Period, backward: bool) -> Select:
    """The joins and the three correlated figures around the page `PAGE`, built once (over
    a millisecond each time, as `_check_in_select`)."""
    c = CheckIn.__table__.c
    rows = table(PAGE, *(column(name, c[name].type) for name in CHECK_IN_COLUMNS))
    columns, joined = described(rows, period)
    stmt = unscoped(select(*columns), why="names and figures of the scoped page check_in_page")
    return stmt.select_from(joined).order_by(rows.c.id.desc() if backward else rows.c.id)


@dataclass(frozen=True)
class CheckInsKey:
    """One composite list: check-ins of an org's subtree, community or employer side."""

    path: str
    employer_side: bool
    period: Period
    window: Window
    status: CheckInStatus | None = None
    employer_under: str | None = None
    min_hours: float | None = None

    def filtered(self, ctx: Context) -> Select:
        """The check-in rows of the list (`CHECK_IN_COLUMNS`), `dressed` once paged."""
        stmt = check_ins_in(checkin_scope(ctx), *(CheckIn.__table__.c[c] for c in CHECK_IN_COLUMNS))
        side = CheckIn.member_org_path if self.employer_side else CheckIn.community_path
        stmt = stmt.where(subtree(side, self.path))
        if self.status:
            stmt = stmt.where(CheckIn.status == self.status)
        if self.employer_under:
            stmt = stmt.where(subtree(CheckIn.member_org_path, self.employer_under))
        if self.min_hours is not None:
            if self.min_hours < 0:
                raise BadUserInput("minHours must not be negative")
            stmt = stmt.where(verified_minutes(self.period) >= self.min_hours * 60)
        return stmt


async def load_check_in_pages(ctx: Context, keys: Sequence[CheckInsKey]) -> list[Page[Row]]:
    return await page_batch(
        ctx.session,
        keys,
        lambda k: k.filtered(ctx),
        BY_ID,
        dress=lambda page, k: dressed(page, k.period, k.window.backward),
    )


async def check_ins(ctx: Context, key: CheckInsKey) -> Page[Row]:
    return await ctx.loader(load_check_in_pages).load(key)


async def load_check_ins_by_id(ctx: Context, keys: Sequence[tuple[int, Period]]) -> list:
    by_period: dict[Period, list[int]] = {}
    for pk, period in keys:
        by_period.setdefault(period, []).append(pk)
    found = {}
    for period, ids in by_period.items():
        for row in await rows_by_id(ctx.session, check_in_select(ctx, period), CheckIn.id, ids):
            if row is not None:
                found[(row.id, period)] = row
    return [found.get(k) for k in keys]


async def get_check_in(ctx: Context, pk: int | None, period: Period) -> Row | None:
    return None if pk is None else await ctx.load(load_check_ins_by_id, (pk, period))


async def load_member_check_ins(ctx: Context, keys: Sequence[tuple[int, Period]]) -> list:
    """Visible check-ins of each member, newest first."""
    out: list[list[Row]] = []
    for rows in await keyed_union(
        ctx.session,
        [
            check_in_select(ctx, period).where(CheckIn.member_id == member_id)
            for member_id, period in keys
        ],
        ["-id"],
    ):
        out.append(rows)
    return out


async def member_check_ins(ctx: Context, member_id: int, period: Period) -> list[Row]:
    return await ctx.load(load_member_check_ins, (member_id, period))


# ---- members seen through a visible check-in -------------------------------------------


async def load_linked_members(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    """Members in the caller's member scope, checked in where the caller can see it, or on a
    floating record the caller sees (the host side of a floating member)."""
    stmt = unscoped(
        select(*MEMBER_COLUMNS).select_from(Member),
        why="member scope OR checked in OR floating where the caller sees it: the scopes below",
    )
    member_pred = in_scope(ctx.scope(Resource.MEMBER, Action.READ), Member)
    if member_pred is not None:
        via = scoped_check_ins(ctx, CheckIn.member_id)
        hosted = floating_member_ids(ctx)
        stmt = stmt.where(member_pred | Member.id.in_(via) | Member.id.in_(hosted))
    return await rows_by_id(ctx.session, stmt, Member.id, ids)


async def linked_member(ctx: Context, member_id: int) -> Row | None:
    return await ctx.load(load_linked_members, member_id)


# ---- service records ---------------------------------------------------------------------

SERVICE_COLUMNS = (
    ServiceRecord.id,
    ServiceRecord.check_in_id,
    ServiceRecord.member_id,
    ServiceRecord.community_id,
    ServiceRecord.method,
    ServiceRecord.started_at,
    ServiceRecord.ended_at,
    ServiceRecord.minutes,
    ServiceRecord.description,
    ServiceRecord.status,
    ServiceRecord.verified_at,
    ServiceRecord.review_note,
    Community.name.label("community_name"),
    Community.level.label("community_level"),
)


def service_select(ctx: Context) -> Select:
    return scoped_services(ctx, *SERVICE_COLUMNS).join(
        Community, Community.id == ServiceRecord.community_id
    )


@dataclass(frozen=True)
class ServicesKey:
    check_in_id: int
    period: Period
    status: ServiceStatus | None
    window: Window

    def filtered(self, ctx: Context) -> Select:
        stmt = service_select(ctx).where(
            ServiceRecord.check_in_id == self.check_in_id,
            ServiceRecord.started_at >= self.period.start_at,
            ServiceRecord.started_at < self.period.end_at,
        )
        return stmt.where(ServiceRecord.status == self.status) if self.status else stmt


async def load_service_pages(ctx: Context, keys: Sequence[ServicesKey]) -> list[Page[Row]]:
    return await page_batch(ctx.session, keys, lambda k: k.filtered(ctx), SERVICE_BY_START)


async def services(ctx: Context, key: ServicesKey) -> Page[Row]:
    return await ctx.loader(load_service_pages).load(key)


async def get_service(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_services_by_id, pk)


async def load_services_by_id(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, service_select(ctx), ServiceRecord.id, ids)


# ---- the community summary ---------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    checked_in_members: int
    employers_represented: int
    verified_minutes: int
    members_meeting_target: int
    own_members_serving: int
    hours_target: float


@lru_cache(maxsize=1024)
def summary_selects(
    scope: Scope, path: str, period: Period, target_minutes: float
) -> tuple[Select, Select]:
    """The active check-ins of the subtree at `path`, and its period's verified service
    grouped by member: built once per scope, org, period and target (statements are
    immutable, and these take about a millisecond to build)."""
    active = check_ins_in(
        scope,
        func.count(distinct(CheckIn.member_id)).label("members"),
        func.count(distinct(CheckIn.employer_org_id)).label("employers"),
    ).where(CheckIn.status == CheckInStatus.ACTIVE, subtree(CheckIn.community_path, path))
    linked = ServiceRecord.check_in_id.is_not(None)
    per_member = (
        services_in(
            scope,
            func.sum(ServiceRecord.minutes).label("total"),
            func.sum(case((linked, ServiceRecord.minutes), else_=0)).label("linked"),
            func.max(case((linked, 1), else_=0)).label("checked_in"),
            func.max(case((subtree(ServiceRecord.member_org_path, path), 1), else_=0)).label("own"),
        )
        .where(subtree(ServiceRecord.community_path, path), verified_in(period))
        .group_by(ServiceRecord.member_id)
        .subquery()
    )
    meets = and_(per_member.c.checked_in == 1, per_member.c.linked >= target_minutes)
    served = unscoped(
        select(
            func.coalesce(func.sum(per_member.c.total), 0).label("minutes"),
            func.coalesce(func.sum(case((meets, 1), else_=0)), 0).label("meeting"),
            func.coalesce(func.sum(per_member.c.own), 0).label("own"),
        ),
        why="sums the scoped per-member service above",
    )
    return active, served


async def load_summaries(ctx: Context, keys: Sequence[tuple[str, Period]]) -> list[Summary]:
    """Two statements for any number of orgs: the active check-ins, and one scan of the
    period's verified service grouped by member (hours, target met, own member)."""
    scope = checkin_scope(ctx)
    targets = [period_target(ctx.hours_target, period) * 60 for _, period in keys]
    active, served = zip(
        *(
            summary_selects(scope, p, period, t)
            for (p, period), t in zip(keys, targets, strict=True)
        ),
        strict=True,
    )
    a, v = [await keyed_union(ctx.session, s) for s in (active, served)]
    return [
        Summary(
            a[i][0].members,
            a[i][0].employers,
            v[i][0].minutes,
            v[i][0].meeting,
            v[i][0].own,
            period_target(ctx.hours_target, keys[i][1]),
        )
        for i in range(len(keys))
    ]


async def summary(ctx: Context, path: str, period: Period) -> Summary:
    return await ctx.load(load_summaries, (path, period))


def active_on(day: dt.date) -> ColumnElement[bool]:
    """A check-in in force on `day`: reported by then and not ended by then."""
    return and_(CheckIn.reported_on <= day, or_(CheckIn.ended_on.is_(None), CheckIn.ended_on > day))


def check_in_source(ctx: Context, period: Period) -> Select:
    """CHECK_IN (在职党员到社区报到率): in-service members who should report, with a check-in in
    force on the period's last day (today for one under way) ÷ in-service members who should
    report: members on the active roll with an employer organisation (在职党员, `employer_org_id`
    set). One row per such member at their own org path, in the caller's check-in scope (the
    member's own org side of the dual placement)."""
    day = as_of(period, ctx.today)
    reported = unscoped(
        select(CheckIn.id).where(CheckIn.member_id == Member.id, active_on(day)),
        why="the check-ins of the scoped member row it is correlated to",
    ).exists()
    return scoped(
        checkin_scope(ctx),
        Member,
        Member.org_path.label("path"),
        case((reported, 1), else_=0).label("numerator"),
        literal(1).label("denominator"),
    ).where(Member.standing == Standing.ACTIVE, Member.employer_org_id.is_not(None))


def volunteer_hours_source(ctx: Context, period: Period) -> Select:
    """VOLUNTEER_HOURS_MET (志愿服务时长达标率): checked-in members whose verified service hours
    of the period through that check-in reach the pro-rated target
    (`domain.checkin.period_target` of the yearly hours setting) ÷ checked-in members (check-ins
    in force on the period's last day, today for one under way). One row per check-in at its
    community's path, in the caller's check-in scope. (`CheckInSummary` counts by member and
    also credits service through check-ins ended since: the same figures when each member
    has one check-in in force.)"""
    target = period_target(ctx.hours_target, period) * 60
    met = case((verified_minutes(period) >= target, 1), else_=0)
    return scoped_check_ins(
        ctx,
        CheckIn.community_path.label("path"),
        met.label("numerator"),
        literal(1).label("denominator"),
    ).where(active_on(as_of(period, ctx.today)))


# ---- the community directory -------------------------------------------------------------

PUBLIC = (
    "the community directory is public to every member: any member may check in at any community"
)
DIRECTORY_ORDER = Order(None, Community.id)


def directory() -> Select:
    """Every community and village (社区/村) with the names of its street and district: all a
    member needs to choose where to report, and all `report_check_in` accepts. No scope: a
    member may report to any community of the city (在职党员到社区报到)."""
    return (
        unscoped(
            select(
                Community.id,
                Community.name,
                Community.level,
                Street.name.label("street_name"),
                District.name.label("district_name"),
            ),
            why=PUBLIC,
        )
        .join(Street, Street.id == Community.parent_id)
        .join(District, District.id == Street.parent_id)
        .where(Community.level.in_(COMMUNITY_LEVELS), Community.dissolved_on.is_(None))
    )


def grid_branches(community_ids: Sequence[int]) -> Select:
    """The grid branches (网格党支部) of communities: where a checked-in member may serve."""
    return unscoped(
        select(Organization.id, Organization.name, Organization.parent_id).where(
            Organization.parent_id.in_(community_ids),
            Organization.level == OrgLevel.BRANCH,
            Organization.branch_kind == BranchKind.GRID,
            Organization.dissolved_on.is_(None),
        ),
        why=PUBLIC,
    )


@dataclass(frozen=True)
class DirectoryQuery:
    search: str | None = None
    district_id: int | None = None


async def communities(ctx: Context, q: DirectoryQuery, window: Window) -> Page[Row]:
    """A page of the directory, by id, filtered by name and district (a district that does
    not exist or is no district lists nothing)."""
    stmt = directory()
    if q.search:
        stmt = stmt.where(name_contains(Community.name, q.search, "search"))
    if q.district_id is not None:
        stmt = stmt.where(District.id == q.district_id)
    rows = (await ctx.session.execute(paged(stmt, DIRECTORY_ORDER, window))).all()
    return make_page(rows, DIRECTORY_ORDER, window, lambda: count_rows(ctx.session, stmt))


async def load_grids(ctx: Context, community_ids: Sequence[int]) -> list[list[Row]]:
    """The grid branches of each community of a directory page, in one statement."""
    found: dict[int, list[Row]] = {}
    for row in await ctx.session.execute(grid_branches(community_ids).order_by(Organization.id)):
        found.setdefault(row.parent_id, []).append(row)
    return [found.get(i, []) for i in community_ids]


async def grids(ctx: Context, community_id: int) -> list[Row]:
    return await ctx.load(load_grids, community_id)


# ---- writes --------------------------------------------------------------------------------


async def _own_member(ctx: Context) -> Row:
    principal = ctx.require()
    if principal.member_id is None:
        raise Forbidden("only Party members can report to a community or log service")
    own = unscoped(
        select(Member.id, Member.org_id, Member.org_path, Member.employer_org_id),
        why="the caller's own member row",
    ).where(Member.id == principal.member_id)
    return (await ctx.session.execute(own)).one()


async def _community(ctx: Context, org_id: int | None, grid_id: int | None) -> Row:
    """The community of the directory named by `org_id`, and `grid_id` one of its grid
    branches if given. Any other id (an org of another kind, a branch of another community,
    an id that names nothing) is answered alike, naming no organisation."""
    row = None
    if org_id is not None:
        found = directory().with_only_columns(Community.id, Community.path)
        row = (await ctx.session.execute(found.where(Community.id == org_id))).one_or_none()
    if row is None:
        raise BadUserInput("communityId must name a community (社区) or village (村)")
    if grid_id is not None:
        grid = grid_branches([row.id]).with_only_columns(Organization.id)
        if await ctx.session.scalar(grid.where(Organization.id == grid_id)) is None:
            raise BadUserInput("gridId must name a grid branch (网格党支部) of that community")
    return row


async def report_check_in(w: Write, community_id: int | None, grid_id: int | None) -> int:
    """The caller reports to a residential community of the directory (在职党员到社区报到)."""
    ctx = w.ctx
    me = await _own_member(ctx)
    community = await _community(ctx, community_id, grid_id)
    active = unscoped(select(CheckIn.id), why="the caller's own check-ins").where(
        CheckIn.member_id == me.id, CheckIn.status == CheckInStatus.ACTIVE
    )
    if await ctx.session.scalar(active):
        raise BadUserInput("you are already checked in at a community: end that check-in first")
    row = CheckIn(
        member_id=me.id,
        community_id=community.id,
        community_path=community.path,
        member_org_path=me.org_path,
        employer_org_id=me.employer_org_id or me.org_id,
        grid_org_id=grid_id,
        reported_on=ctx.today,
        status=CheckInStatus.ACTIVE,
    )
    ctx.session.add(row)
    await w.flush(
        BadUserInput("you are already checked in at a community: end that check-in first")
    )
    w.record(
        to_global_id("CheckIn", row.id),
        community.path,
        after={"member_id": me.id, "community_id": community.id, "grid_id": grid_id},
    )
    return row.id


async def log_service(
    w: Write,
    check_in: str | None,
    method: ServiceMethod,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    description: str,
) -> int:
    """Log service (PENDING) on the caller's active check-in, or at home for a community's own
    member (no check-in); `check_in` is a global ID."""
    ctx = w.ctx
    check_in_id = pk_of(check_in, "CheckIn") if check_in else None
    if check_in and check_in_id is None:
        raise NotFound("no such check-in of yours")
    me = await _own_member(ctx)
    minutes, text = check_service(started_at, ended_at, description, ctx.today)
    if check_in_id is not None:
        ci = (
            await ctx.session.execute(
                unscoped(
                    select(CheckIn).where(CheckIn.id == check_in_id, CheckIn.member_id == me.id),
                    why="the caller's own check-in",
                )
            )
        ).scalar_one_or_none()
        if ci is None:
            raise NotFound("no such check-in of yours")
        if ci.status != CheckInStatus.ACTIVE:
            raise BadUserInput("that check-in has ended")
        community_id, community_path = ci.community_id, ci.community_path
    else:
        home = (
            await ctx.session.execute(
                unscoped(
                    select(Organization.id, Organization.path).where(
                        Organization.id.in_(path_ids(me.org_path)),
                        Organization.level.in_(COMMUNITY_LEVELS),
                    ),
                    why="the community above the caller's own branch",
                )
            )
        ).first()
        if home is None:
            raise BadUserInput("checkInId is required: your own organisation is not in a community")
        community_id, community_path = home.id, home.path
    await _check_day(ctx, me.id, started_at, ended_at)
    record = ServiceRecord(
        check_in_id=check_in_id,
        member_id=me.id,
        community_id=community_id,
        community_path=community_path,
        member_org_path=me.org_path,
        method=method,
        started_at=started_at,
        ended_at=ended_at,
        minutes=minutes,
        description=text,
        status=ServiceStatus.PENDING,
    )
    ctx.session.add(record)
    await w.flush()
    w.record(
        to_global_id("ServiceRecord", record.id),
        community_path,
        after={
            "check_in_id": check_in_id,
            "minutes": record.minutes,
            "method": method.name,
            "started_at": started_at,
        },
    )
    return record.id


async def _check_day(
    ctx: Context, member_id: int, started_at: dt.datetime, ended_at: dt.datetime
) -> None:
    """`domain.checkin.check_day` against the member's records of the days the new one
    touches."""
    days = days_touched(started_at, ended_at)
    others = await ctx.session.execute(
        unscoped(
            select(ServiceRecord.started_at, ServiceRecord.ended_at),
            why="the caller's own service records",
        ).where(
            ServiceRecord.member_id == member_id,
            ServiceRecord.status != ServiceStatus.REJECTED,
            ServiceRecord.started_at < days[-1],
            ServiceRecord.ended_at > days[0],
        )
    )
    check_day(started_at, ended_at, [(r.started_at, r.ended_at) for r in others])


async def review_service(w: Write, record_id: int | None, approve: bool, note: str | None) -> int:
    """The community side verifies or rejects a PENDING record; repeating the same decision
    is a no-op, a different one is refused."""
    ctx = w.ctx
    principal = ctx.require()
    record = await w.authorized(
        ServiceRecord, record_id, Action.VERIFY, ServiceRecord.id, ServiceRecord.member_id
    )
    if record is None:
        raise Forbidden("you may not review this service record")
    recuse(principal.member_id, record.member_id, "review your own service")
    path = record._path
    decision = ServiceStatus.VERIFIED if approve else ServiceStatus.REJECTED
    now = ctx.now
    review = (
        unscoped(update(ServiceRecord), why="the record authorized above")
        .where(ServiceRecord.id == record_id, ServiceRecord.status == ServiceStatus.PENDING)
        .values(
            status=decision,
            verified_by=principal.account_id,
            verified_at=now,
            review_note=(note or "").strip() or None,
        )
    )
    if await w.change(review) == 0:
        current = await ctx.session.scalar(
            unscoped(
                select(ServiceRecord.status).where(ServiceRecord.id == record_id),
                why="the record authorized above",
            )
        )
        if current != decision:
            raise BadUserInput("this service record was already reviewed")
    else:
        w.record(
            to_global_id("ServiceRecord", record.id),
            path,
            before={"status": "PENDING"},
            after={"status": decision.name, "note": note},
        )
    return record_id  # type: ignore[return-value]


async def end_check_in(w: Write, check_in_id: int | None) -> int:
    """The member or the community side ends a check-in; its records stay."""
    ctx = w.ctx
    principal = ctx.require()
    ci = None
    if check_in_id is not None:
        ci = (
            await ctx.session.execute(
                scoped_check_ins(
                    ctx, CheckIn.id, CheckIn.member_id, CheckIn.community_path, CheckIn.status
                ).where(CheckIn.id == check_in_id)
            )
        ).one_or_none()
    if ci is None:
        raise NotFound("no such check-in")
    own = ci.member_id == principal.member_id
    if not own and not can(principal, Resource.CHECKIN, Action.VERIFY, ci.community_path):
        w.refuse(to_global_id("CheckIn", ci.id), ci.community_path)
        raise Forbidden("only the member or the community may end this check-in")
    if ci.status == CheckInStatus.ACTIVE:
        end = (
            unscoped(update(CheckIn), why="the check-in read in scope above")
            .where(CheckIn.id == ci.id)
            .values(status=CheckInStatus.ENDED, ended_on=ctx.today)
        )
        await ctx.session.execute(end)
        w.record(
            to_global_id("CheckIn", ci.id),
            ci.community_path,
            before={"status": "ACTIVE"},
            after={"status": "ENDED"},
        )
    return ci.id


# ---- service teams and volunteer posts ---------------------------------------------------


def team_select(ctx: Context) -> Select:
    """Visible 红岩先锋 teams with their community's name."""
    return scoped(
        checkin_scope(ctx),
        ServiceTeam,
        ServiceTeam.id,
        ServiceTeam.name,
        ServiceTeam.leader_member_id,
        ServiceTeam.community_id,
        Community.name.label("community_name"),
        Community.level.label("community_level"),
    ).join(Community, Community.id == ServiceTeam.community_id)


async def load_teams(ctx: Context, paths: Sequence[str]) -> list[list[Row]]:
    """The 红岩先锋 teams of each subtree's communities."""
    stmts = [team_select(ctx).where(subtree(ServiceTeam.community_path, p)) for p in paths]
    return await keyed_union(ctx.session, stmts, ["id"])


async def teams(ctx: Context, path: str) -> list[Row]:
    return await ctx.load(load_teams, path)


async def load_teams_by_id(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, team_select(ctx), ServiceTeam.id, ids)


async def get_team(ctx: Context, pk: int) -> Row | None:
    """One visible team, or None (missing and out of scope look the same)."""
    return await ctx.load(load_teams_by_id, pk)


async def load_named_orgs(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    """(id, name, level) of the orgs among `ids` that a visible check-in, service record or
    volunteer post names (its community, the member's employer org, its grid): the
    breadcrumbs those show, beyond the caller's own trail."""
    named = union_all(
        *(
            scoped_check_ins(ctx, col.label("org_id")).where(col.in_(ids))
            for col in (CheckIn.community_id, CheckIn.employer_org_id, CheckIn.grid_org_id)
        ),
        scoped_services(ctx, ServiceRecord.community_id.label("org_id")).where(
            ServiceRecord.community_id.in_(ids)
        ),
        scoped_check_ins(ctx, VolunteerPost.grid_org_id.label("org_id"))
        .join(VolunteerPost, VolunteerPost.check_in_id == CheckIn.id)
        .where(VolunteerPost.grid_org_id.in_(ids)),
    ).subquery()
    stmt = unscoped(
        select(Organization.id, Organization.name, Organization.level).where(
            Organization.id.in_(select(named.c.org_id))
        ),
        why="the orgs that scoped check-ins, service records and posts name (the union)",
    )
    return await rows_by_id(ctx.session, stmt, Organization.id, ids)


async def named_org(ctx: Context, pk: int) -> Row | None:
    return await ctx.load(load_named_orgs, pk)


async def load_posts(ctx: Context, check_in_ids: Sequence[int]) -> list[list[Row]]:
    """Grid volunteer posts of each (visible) check-in."""
    stmt = (
        scoped_check_ins(
            ctx,
            VolunteerPost.id,
            VolunteerPost.check_in_id,
            VolunteerPost.title,
            VolunteerPost.started_on,
            VolunteerPost.grid_org_id,
            Grid.name.label("grid_name"),
            Grid.level.label("grid_level"),
            ServiceTeam.name.label("team_name"),
        )
        .join(VolunteerPost, VolunteerPost.check_in_id == CheckIn.id)
        .outerjoin(Grid, Grid.id == VolunteerPost.grid_org_id)
        .outerjoin(ServiceTeam, ServiceTeam.id == VolunteerPost.team_id)
        .where(CheckIn.id.in_(check_in_ids))
        .order_by(VolunteerPost.id)
    )
    found: dict[int, list[Row]] = {}
    for row in await ctx.session.execute(stmt):
        found.setdefault(row.check_in_id, []).append(row)
    return [found.get(i, []) for i in check_in_ids]


async def posts(ctx: Context, check_in_id: int) -> list[Row]:
    return await ctx.load(load_posts, check_in_id)
