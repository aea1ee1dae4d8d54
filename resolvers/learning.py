"""Learning and training (学习培训): study resources a member may study (by audience), online
sessions credited once, 结对送学 deliveries, training classes, and yearly hours against the
target — per member and as a branch's board, summed in SQL."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    case,
    func,
    literal,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from authz.paths import subtree
from authz.registry import scoped, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.calendar import Period
from domain.clock import clock
from domain.errors import RuleViolation
from domain.learning import (
    MAX_CLASS_MINUTES,
    MAX_DELIVERY_MINUTES,
    MAX_RESOURCE_MINUTES,
    MEMBER_TARGET,
    OFFICER_POSTS,
    OFFICER_TARGET,
    PUBLISHER_LEVELS,
    STUDY_TYPES,
    TRAINING_LEVELS,
    check_class,
    check_minutes,
    check_session,
    credit,
    target_minutes,
)
from models import (
    Activity,
    ActivityParticipant,
    ActivityState,
    Member,
    MemberStatus,
    Organization,
    PartyPost,
    ResourceKind,
    StudyDelivery,
    StudyPairing,
    StudyResource,
    StudySession,
    StudyTotal,
    TrainingClass,
    TrainingEnrolment,
)
from resolvers.activity import caller_reach, load_reaches, reach_of
from resolvers.batch import keyed_union, page_batch, rows_by_id
from resolvers.checkin import linked_member
from resolvers.context import Context
from resolvers.errors import BadUserInput, ClientError, Conflict, Forbidden, NotFound, required
from resolvers.ids import to_global_id
from resolvers.pagination import Order, Page, Window
from resolvers.write import Write

PARTY_MEMBERS = (MemberStatus.FULL, MemberStatus.PROBATIONARY)
HELD_STATES = (ActivityState.HELD, ActivityState.RECORDED)
RESOURCES_LATEST_FIRST = Order(StudyResource.published_at, StudyResource.id, descending=True)
DELIVERIES_LATEST_FIRST = Order(StudyDelivery.delivered_on, StudyDelivery.id, descending=True)
MAX_BOARD = 100


class SessionKeyReused(ClientError):
    code = "IDEMPOTENCY_KEY_REUSED"


class minutes_between(FunctionElement[int]):
    """Whole minutes from the first moment to the second, in SQL (each dialect its own)."""

    type = Integer()
    inherit_cache = True


@compiles(minutes_between)
def _minutes_pg(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({end} - {start})) / 60) AS INTEGER)"


@compiles(minutes_between, "sqlite")
def _minutes_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(ROUND((julianday({end}) - julianday({start})) * 1440) AS INTEGER)"


def learning_scope(ctx: Context) -> Scope:
    return ctx.scope(Resource.LEARNING, Action.READ)


def year_span(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


# ---- credited hours ------------------------------------------------------------------------


def credited(ctx: Context, year: int, path: str | None = None) -> Select:
    """(member_id, source, minutes) of every credit of `year` the caller sees: online sessions,
    deliveries, training classes, and attendance (present only) at held study activities;
    with `path`, of the members of that subtree only. The definition of credited hours:
    `study_total` is its cache (`refresh_totals`)."""
    scope = learning_scope(ctx)
    return credits_under(year, scope, ctx.scope(Resource.ACTIVITY, Action.READ), path=path)


def credits_under(
    year: int,
    learning: Scope,
    activity: Scope,
    *,
    path: str | None = None,
    members: Any = None,
) -> Select:
    """`credited` under the given scopes (`EVERYWHERE` for a member's every credit); with
    `members` (ids, or a select of them), of those members only."""
    span = year_span(year)
    start, end = clock().start_of(span.start), clock().start_of(span.end)
    online = scoped(
        learning,
        StudySession,
        StudySession.member_id,
        literal("ONLINE").label("source"),
        StudySession.credited_minutes.label("minutes"),
    ).where(StudySession.started_at >= start, StudySession.started_at < end)
    if path is not None:
        online = online.where(subtree(StudySession.org_path, path))
    delivered = scoped(
        learning,
        StudyDelivery,
        StudyDelivery.member_id,
        literal("DELIVERED").label("source"),
        StudyDelivery.minutes.label("minutes"),
    ).where(StudyDelivery.delivered_on >= span.start, StudyDelivery.delivered_on < span.end)
    if path is not None:
        delivered = delivered.where(subtree(StudyDelivery.org_path, path))
    training = (
        scoped(
            learning,
            TrainingEnrolment,
            TrainingEnrolment.member_id,
            literal("TRAINING").label("source"),
            TrainingEnrolment.credited_minutes.label("minutes"),
        )
        .join(TrainingClass, TrainingClass.id == TrainingEnrolment.class_id)
        .where(TrainingClass.starts_on >= span.start, TrainingClass.starts_on < span.end)
    )
    if path is not None:
        training = training.where(subtree(TrainingEnrolment.member_org_path, path))
    attended = (
        scoped(
            activity,
            ActivityParticipant,
            ActivityParticipant.member_id,
            literal("OFFLINE").label("source"),
            minutes_between(Activity.starts_at, Activity.ends_at).label("minutes"),
        )
        .join(Activity, Activity.id == ActivityParticipant.activity_id)
        .where(
            ActivityParticipant.signed_in_at.is_not(None),
            Activity.kind.in_(STUDY_TYPES),
            Activity.state.in_(HELD_STATES),
            Activity.starts_at >= start,
            Activity.starts_at < end,
        )
    )
    if path is not None:  # the organiser's path is on the row: the members' own is in `member`
        in_path = unscoped(
            select(Member.id), why="the subtree's members, to pick the scoped attendances above"
        ).where(subtree(Member.org_path, path))
        attended = attended.where(ActivityParticipant.member_id.in_(in_path))
    parts = [online, delivered, training, attended]
    if members is not None:
        parts = [
            part.where(column.in_(members))
            for part, column in zip(
                parts,
                (
                    StudySession.member_id,
                    StudyDelivery.member_id,
                    TrainingEnrolment.member_id,
                    ActivityParticipant.member_id,
                ),
                strict=True,
            )
        ]
    return union_all(*parts)  # type: ignore[return-value]


# ---- the maintained totals (study_total) ---------------------------------------------------

EVERYWHERE = Scope(everything=True)
SOURCES = {
    "ONLINE": "online",
    "OFFLINE": "offline",
    "DELIVERED": "delivered",
    "TRAINING": "training",
}
TOTAL_COLUMNS = ("member_id", "year", "org_path", *SOURCES.values(), "minutes")


def _totals(year: int, members: Any = None) -> Select:
    """Rows of `study_total` for `year` recomputed from every credit (`credits_under`, unscoped:
    a member's total is all their credits, whoever reads it): of `members`, each of them
    (0 where nothing is credited); without, of every member credited anything."""
    sub = credits_under(year, EVERYWHERE, EVERYWHERE, members=members).subquery("credited")
    why = "sums a member's every credit into their total (a cache, read through its scope)"
    by_source = [
        func.sum(case((sub.c.source == source, sub.c.minutes), else_=0)).label(name)
        for source, name in SOURCES.items()
    ]
    sums = (
        unscoped(
            select(sub.c.member_id, *by_source, func.sum(sub.c.minutes).label("minutes")), why=why
        )
        .group_by(sub.c.member_id)
        .subquery("sums")
    )
    figures = [func.coalesce(sums.c[name], 0) for name in (*SOURCES.values(), "minutes")]
    stmt = unscoped(
        select(Member.id, literal(year), Member.org_path, *figures), why=why
    ).select_from(Member)
    if members is None:  # WHERE also keeps SQLite from reading the upsert's ON as a join's
        return stmt.join(sums, sums.c.member_id == Member.id).where(true())
    return stmt.outerjoin(sums, sums.c.member_id == Member.id).where(Member.id.in_(members))


def _upsert(dialect: str, rows: Select) -> Any:
    """INSERT … SELECT `rows` into `study_total`, replacing a member's row of the year."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = unscoped(
        insert(StudyTotal), why="the totals of members whose credits changed, recomputed"
    ).from_select(list(TOTAL_COLUMNS), rows)
    replaced = {name: stmt.excluded[name] for name in TOTAL_COLUMNS[2:]}
    return stmt.on_conflict_do_update(index_elements=["member_id", "year"], set_=replaced)


async def refresh_totals(session: AsyncSession, members: Any, years: Iterable[int]) -> None:
    """Recompute the totals of `members` (ids, or a select of them) for `years` from their
    credits, in the caller's transaction: every write that changes a credit calls it. On
    PostgreSQL the members' rows are locked first (in id order), so of two writes crediting
    the same member at once the second recomputes after the first has committed."""
    lock = unscoped(
        select(Member.id), why="the members whose totals are recomputed, as a lock"
    ).where(Member.id.in_(members))
    await session.execute(lock.order_by(Member.id).with_for_update(key_share=True))
    for year in sorted(set(years)):
        await session.execute(_upsert(session.get_bind().dialect.name, _totals(year, members)))


async def fill_totals(conn: AsyncConnection, years: Iterable[int]) -> None:
    """Every member's totals for `years` (after a bulk load: seeding)."""
    for year in sorted(set(years)):
        await conn.execute(_upsert(conn.dialect.name, _totals(year)))


def year_of(moment: dt.datetime) -> int:
    """The business year of a stored moment."""
    return clock().local(moment).year


@dataclass(frozen=True)
class Hours:
    """A member's credited minutes of a year by source, against their target."""

    online: int
    offline: int
    delivered: int
    training: int
    target: int

    @property
    def total(self) -> int:
        return self.online + self.offline + self.delivered + self.training

    @property
    def remaining(self) -> int:
        return max(0, self.target - self.total)


@dataclass(frozen=True)
class HoursKey:
    member_id: int
    year: int
    party_post: PartyPost | None


async def load_hours(ctx: Context, keys: Sequence[HoursKey]) -> list[Hours]:
    """Several members' hours in one statement: their totals (`study_total`) of the years
    asked, where the caller's learning scope sees them (no row: nothing credited)."""
    stmt = scoped(
        learning_scope(ctx),
        StudyTotal,
        StudyTotal.member_id,
        StudyTotal.year,
        *(StudyTotal.__table__.c[name] for name in SOURCES.values()),
    ).where(
        StudyTotal.member_id.in_({k.member_id for k in keys}),
        StudyTotal.year.in_({k.year for k in keys}),
    )
    found = {(r.member_id, r.year): r for r in await ctx.session.execute(stmt)}
    out = []
    for k in keys:
        row = found.get((k.member_id, k.year))
        online, offline, delivered, training = (
            (row.online, row.offline, row.delivered, row.training) if row else (0, 0, 0, 0)
        )
        out.append(Hours(online, offline, delivered, training, target_minutes(k.party_post)))
    return out


async def hours(ctx: Context, key: HoursKey) -> Hours:
    return await ctx.load(load_hours, key)


def target_of(post: Any) -> ColumnElement[int]:
    """`domain.learning.target_minutes` in SQL."""
    return case((post.in_(OFFICER_POSTS), OFFICER_TARGET), else_=MEMBER_TARGET)


@dataclass(frozen=True)
class BoardRow:
    member_id: int
    name: str
    party_post: PartyPost | None
    minutes: int
    target: int


@dataclass(frozen=True)
class StudyBoard:
    year: int
    members: int
    met: int
    below: list[BoardRow]

    @property
    def rate(self) -> float | None:
        return None if self.members == 0 else self.met / self.members


@dataclass(frozen=True)
class StudyBoardKey:
    path: str
    year: int
    first: int


def _per_member(ctx: Context, year: int, path: str | None) -> Select:
    """Each Party member in the caller's member scope (of the subtree `path`, if given) with
    their credited minutes of `year` where the caller's learning scope sees their total, their
    target, and whether they met it."""
    totals = scoped(
        learning_scope(ctx), StudyTotal, StudyTotal.member_id, StudyTotal.minutes
    ).where(StudyTotal.year == year)
    members = scoped(
        ctx.scope(Resource.MEMBER, Action.READ),
        Member,
        Member.id.label("member_id"),
        Member.name,
        Member.party_post,
        Member.org_path.label("path"),
    ).where(Member.status.in_(PARTY_MEMBERS))
    if path is not None:
        totals = totals.where(subtree(StudyTotal.org_path, path))
        members = members.where(subtree(Member.org_path, path))
    sums = totals.subquery("totals")
    minutes = func.coalesce(sums.c.minutes, 0)
    target = target_of(Member.party_post)
    return members.add_columns(
        minutes.label("minutes"),
        target.label("target"),
        (target - minutes).label("remaining"),
        case((minutes >= target, 1), else_=0).label("met"),
    ).outerjoin(sums, sums.c.member_id == Member.id)


def _met(ctx: Context, year: int, path: str | None) -> Select:
    """The study-hours-met rate's rows: one per Party member (`_per_member`)."""
    per = _per_member(ctx, year, path).subquery("per_member")
    return unscoped(
        select(per.c.path, per.c.met.label("numerator"), literal(1).label("denominator")),
        why="the scoped members above",
    )


def study_source(ctx: Context, period: Period) -> Select:
    """The study-hours-met rate (学习学时达标率) of the year `period` ends in (targets are
    yearly; the study board's `met / members`): members who met their target ÷ Party members
    (正式 and 预备党员). A member's target is 32 hours (1,920 minutes) a year, 56 (3,360) for
    a secretary, deputy secretary or committee member (`domain.learning.target_minutes`);
    their minutes are every credit of the year (`credited`: online study, 结对送学, training
    classes, attendance at held 党课, 主题党日 and 党小组会), read from the maintained totals.
    Columns `path` (the member's org), `numerator` (1 if met), `denominator` (1), one row per
    member in the caller's member scope; minutes count where the caller's learning scope sees
    the member's total."""
    return _met(ctx, (period.end - dt.timedelta(days=1)).year, None)


def board_select(ctx: Context, key: StudyBoardKey) -> Select:
    """Each Party member of the board's subtree with minutes, target and what remains."""
    return _per_member(ctx, key.year, key.path)


async def load_study_boards(ctx: Context, keys: Sequence[StudyBoardKey]) -> list[StudyBoard]:
    """Two statements for any number of boards: the count of members and of those who met
    their target, and the members below target, worst first (most minutes remaining), at
    most `first` each."""
    totals, belows = [], []
    for key in keys:
        rate = _met(ctx, key.year, key.path).subquery("rate")
        per = board_select(ctx, key).subquery("per_member")
        why = "counts and orders the scoped members above"
        totals.append(
            unscoped(
                select(
                    func.coalesce(func.sum(rate.c.denominator), 0).label("members"),
                    func.sum(rate.c.numerator).label("met"),
                ),
                why=why,
            )
        )
        belows.append(
            unscoped(
                select(
                    per.c.member_id,
                    per.c.name,
                    per.c.party_post,
                    per.c.minutes,
                    per.c.target,
                    per.c.remaining,
                ),
                why=why,
            )
            .where(per.c.minutes < per.c.target)
            .order_by((per.c.target - per.c.minutes).desc(), per.c.member_id)
            .limit(min(max(key.first, 0), MAX_BOARD))
        )
    counted = await keyed_union(ctx.session, totals)
    listed = await keyed_union(ctx.session, belows, ["-remaining", "member_id"])
    out = []
    for key, (total,), below in zip(keys, counted, listed, strict=True):
        rows = [BoardRow(r.member_id, r.name, r.party_post, r.minutes, r.target) for r in below]
        out.append(StudyBoard(key.year, total.members, int(total.met or 0), rows))
    return out


async def study_board(ctx: Context, key: StudyBoardKey) -> StudyBoard:
    return await ctx.load(load_study_boards, key)


# ---- resources, deliveries, classes ----------------------------------------------------------

RESOURCE_COLUMNS = tuple(StudyResource.__table__.c)
DELIVERY_COLUMNS = tuple(StudyDelivery.__table__.c)
CLASS_COLUMNS = tuple(TrainingClass.__table__.c)


async def resource_select(ctx: Context) -> Select:
    """Resources the caller sees: published in their scope, or to them (their audience)."""
    scope = learning_scope(ctx)
    return scoped(scope, StudyResource, *RESOURCE_COLUMNS, reach=await caller_reach(ctx, scope))


async def load_resources(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, await resource_select(ctx), StudyResource.id, ids)


async def get_resource(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_resources, pk)


@dataclass(frozen=True)
class MemberResourcesKey:
    member_id: int
    window: Window


async def load_member_resource_pages(
    ctx: Context, keys: Sequence[MemberResourcesKey]
) -> list[Page[Row]]:
    """What each member may study (published by their org or one above it), of what the
    caller sees."""
    base = await resource_select(ctx)
    reaches = await ctx.loader(load_reaches).load_many(list({k.member_id for k in keys}))
    above = {r.member_id: r.ancestors for r in reaches if r is not None}
    return await page_batch(
        ctx.session,
        keys,
        lambda k: base.where(StudyResource.org_id.in_(above.get(k.member_id, ()))),
        RESOURCES_LATEST_FIRST,
    )


async def member_resources(ctx: Context, key: MemberResourcesKey) -> Page[Row]:
    return await ctx.loader(load_member_resource_pages).load(key)


def delivery_select(ctx: Context) -> Select:
    return scoped(learning_scope(ctx), StudyDelivery, *DELIVERY_COLUMNS)


async def load_deliveries(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, delivery_select(ctx), StudyDelivery.id, ids)


async def get_delivery(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_deliveries, pk)


@dataclass(frozen=True)
class OrgDeliveriesKey:
    path: str
    window: Window


async def load_org_delivery_pages(
    ctx: Context, keys: Sequence[OrgDeliveriesKey]
) -> list[Page[Row]]:
    base = delivery_select(ctx)
    return await page_batch(
        ctx.session,
        keys,
        lambda k: base.where(subtree(StudyDelivery.org_path, k.path)),
        DELIVERIES_LATEST_FIRST,
    )


async def org_deliveries(ctx: Context, key: OrgDeliveriesKey) -> Page[Row]:
    return await ctx.loader(load_org_delivery_pages).load(key)


async def load_classes(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    stmt = scoped(learning_scope(ctx), TrainingClass, *CLASS_COLUMNS)
    return await rows_by_id(ctx.session, stmt, TrainingClass.id, ids)


async def get_class(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_classes, pk)


async def load_enrolled_counts(ctx: Context, class_ids: Sequence[int]) -> list[int]:
    stmt = (
        scoped(learning_scope(ctx), TrainingEnrolment, TrainingEnrolment.class_id, func.count())
        .where(TrainingEnrolment.class_id.in_(class_ids))
        .group_by(TrainingEnrolment.class_id)
    )
    found = {c: n for c, n in await ctx.session.execute(stmt)}
    return [found.get(c, 0) for c in class_ids]


async def enrolled_count(ctx: Context, class_id: int) -> int:
    return await ctx.load(load_enrolled_counts, class_id)


# ---- writes ------------------------------------------------------------------------------------


async def _publisher(w: Write, org_id: int | None, levels: tuple, what: str) -> Row:
    org = await w.authorized(
        Organization,
        org_id,
        Action.WRITE,
        Organization.id,
        Organization.level,
        resource=Resource.LEARNING,
    )
    if org is None:
        raise Forbidden(f"{what} by the organisation's officials")
    if org.level not in levels:
        names = ", ".join(level.name.lower() for level in levels)
        raise RuleViolation(f"{what} by a {names} organisation")
    return org


@dataclass(frozen=True)
class ResourcePlan:
    """A study resource (input fields of the same names)."""

    kind: ResourceKind
    category: str
    title: str
    minutes: int


async def publish_resource(w: Write, org_id: int | None, plan: ResourcePlan) -> int:
    """The city or a district publishes a course, article or video to its subtree."""
    org = await _publisher(w, org_id, PUBLISHER_LEVELS, "study resources are published")
    check_minutes(plan.minutes, MAX_RESOURCE_MINUTES, "a resource")
    row = StudyResource(
        org_id=org.id,
        org_path=org._path,
        kind=plan.kind,
        category=required(plan.category, "category"),
        title=required(plan.title, "title"),
        minutes=plan.minutes,
        published_at=w.ctx.now,
        created_by=w.ctx.require().account_id,
    )
    w.session.add(row)
    await w.flush()
    w.record(
        to_global_id("StudyResource", row.id),
        org._path,
        after={"kind": plan.kind.name, "title": row.title, "minutes": plan.minutes},
    )
    return row.id


@dataclass(frozen=True)
class Progress:
    """A client's report of one online session (input fields of the same names)."""

    resource_id: int | None
    session_key: str
    started_at: dt.datetime
    ended_at: dt.datetime
    completed: bool


async def record_progress(w: Write, p: Progress) -> int:
    """A member's client reports a session (again as it goes on). It credits the minutes it
    adds to the union of the member's study time, at most what the resource has left: a
    replay, or a session overlapping another, credits nothing twice. The member's row is
    locked meanwhile, so two reports at once are counted one after the other."""
    ctx = w.ctx
    me = ctx.require().member_id
    reach = await reach_of(ctx, me)
    if reach is None or p.resource_id is None:
        raise NotFound("no such study resource")
    key = p.session_key.strip()
    if not 8 <= len(key) <= 80:
        raise BadUserInput("sessionKey must be 8 to 80 characters")
    own = Scope(member_id=reach.member_id)
    resource = (
        await ctx.session.execute(
            scoped(own, StudyResource, StudyResource.id, StudyResource.minutes, reach=reach).where(
                StudyResource.id == p.resource_id
            )
        )
    ).one_or_none()
    if resource is None:
        raise NotFound("no such study resource")
    why = "the caller's own member row and study sessions"
    # the member's row as a lock, taken before the sessions are read: a row lock on
    # PostgreSQL, the write lock on SQLite (whose transaction begins at the first write)
    lock = unscoped(update(Member), why="the caller's own member row, as a lock")
    await w.change(lock.where(Member.id == me).values(version=Member.version))
    sessions = (
        await ctx.session.execute(
            unscoped(select(*StudySession.__table__.c), why=why).where(
                StudySession.member_id == me,
                StudySession.started_at < p.ended_at,
                StudySession.ended_at > p.started_at - dt.timedelta(days=1),
            )
        )
    ).all()
    same = next((s for s in sessions if s.session_key == key), None)
    if same is None:
        same = (
            await ctx.session.execute(
                unscoped(select(*StudySession.__table__.c), why=why).where(
                    StudySession.member_id == me, StudySession.session_key == key
                )
            )
        ).one_or_none()
    if same is not None and (same.resource_id != p.resource_id or same.started_at != p.started_at):
        raise SessionKeyReused("this sessionKey was used for a different session")
    if same is not None and p.ended_at <= same.ended_at and (same.completed or not p.completed):
        return same.id  # a replay, or an older report: nothing new
    check_session(p.started_at, p.ended_at, ctx.now)
    spent = (
        await ctx.session.execute(
            unscoped(
                select(func.coalesce(func.sum(StudySession.credited_minutes), 0)), why=why
            ).where(StudySession.member_id == me, StudySession.resource_id == p.resource_id)
        )
    ).scalar_one()
    start = p.started_at if same is None else max(same.ended_at, p.started_at)
    covered = [(s.started_at, s.ended_at) for s in sessions]
    added = credit((start, p.ended_at), covered, resource.minutes - int(spent))
    if same is None:
        row = StudySession(
            member_id=reach.member_id,
            org_path=(await _own_path(ctx, reach.member_id)),
            resource_id=p.resource_id,
            session_key=key,
            started_at=p.started_at,
            ended_at=p.ended_at,
            completed=p.completed,
            credited_minutes=added,
            reported_at=ctx.now,
        )
        w.session.add(row)

        async def reported() -> int | None:
            """The same session reported at the same moment by a retry: its answer."""
            stmt = unscoped(select(StudySession.id), why=why).where(
                StudySession.member_id == me,
                StudySession.session_key == key,
                StudySession.resource_id == p.resource_id,
                StudySession.started_at == p.started_at,
            )
            return (await ctx.session.execute(stmt)).scalar_one_or_none()

        await w.flush(
            SessionKeyReused("this sessionKey was used for a different session"), reported
        )
        pk, path, total = row.id, row.org_path, added
    else:
        total = same.credited_minutes + added
        stmt = (
            unscoped(update(StudySession), why="the caller's own session read above")
            .where(StudySession.id == same.id, StudySession.ended_at == same.ended_at)
            .values(
                ended_at=max(p.ended_at, same.ended_at),
                completed=same.completed or p.completed,
                credited_minutes=total,
                reported_at=ctx.now,
            )
        )
        if await w.change(stmt) != 1:
            raise Conflict("this session was reported meanwhile: report it again")
        pk, path = same.id, same.org_path
    await refresh_totals(ctx.session, [reach.member_id], [year_of(p.started_at)])
    w.record(
        to_global_id("StudySession", pk),
        path,
        after={"resource_id": p.resource_id, "credited": added, "total": total},
    )
    return pk


async def _own_path(ctx: Context, member_id: int) -> str:
    stmt = unscoped(select(Member.org_path), why="the caller's own org path, copied")
    return (await ctx.session.execute(stmt.where(Member.id == member_id))).scalar_one()


async def _visible_member(ctx: Context, member_id: int | None, name: str) -> Row:
    member = None if member_id is None else await linked_member(ctx, member_id)
    if member is None:
        raise BadUserInput(f"{name} must name a member you can see")
    return member


async def pair(
    w: Write, member_id: int | None, deliverer_id: int | None, reason: str, started_on: dt.date
) -> int:
    """The member's org pairs a member who cannot attend with a deliverer (结对送学)."""
    ctx = w.ctx
    member = await w.authorized(
        Member, member_id, Action.WRITE, Member.id, resource=Resource.LEARNING, self_allowed=False
    )
    if member is None:
        raise NotFound("no such member")
    deliverer = await _visible_member(ctx, deliverer_id, "delivererId")
    if deliverer.id == member.id:
        raise RuleViolation("a member cannot deliver study to themselves")
    if started_on > ctx.today:
        raise RuleViolation("a pairing starts today or before")
    row = StudyPairing(
        member_id=member.id,
        org_path=member._path,
        deliverer_id=deliverer.id,
        reason=required(reason, "reason"),
        started_on=started_on,
        created_by=ctx.require().account_id,
    )
    w.session.add(row)
    await w.flush()
    w.record(
        to_global_id("Member", member.id),
        member._path,
        after={"pairing": row.id, "deliverer_id": deliverer.id, "reason": row.reason},
    )
    return row.id


@dataclass(frozen=True)
class Delivery:
    """One occasion of 送学 (input fields of the same names)."""

    delivered_on: dt.date
    content: str
    online: bool
    minutes: int
    feedback: str | None = None


async def record_delivery(w: Write, pairing_id: int | None, d: Delivery) -> int:
    """The member's org records a delivery: date, content, online or not, hours credited and
    the member's feedback for the branch; one a day per pairing."""
    ctx = w.ctx
    pairing = await w.authorized(
        StudyPairing,
        pairing_id,
        Action.WRITE,
        *StudyPairing.__table__.c,
        self_allowed=False,
    )
    if pairing is None:
        raise NotFound("no such pairing")
    if not pairing.started_on <= d.delivered_on <= ctx.today:
        raise RuleViolation("a delivery is dated between the pairing's start and today")
    check_minutes(d.minutes, MAX_DELIVERY_MINUTES, "a delivery")
    row = StudyDelivery(
        pairing_id=pairing.id,
        member_id=pairing.member_id,
        org_path=pairing.org_path,
        deliverer_id=pairing.deliverer_id,
        delivered_on=d.delivered_on,
        content=required(d.content, "content"),
        online=d.online,
        minutes=d.minutes,
        feedback=(d.feedback or "").strip() or None,
        recorded_by=ctx.require().account_id,
    )
    w.session.add(row)
    await w.flush(Conflict("a delivery of this pairing is recorded for that day already"))
    await refresh_totals(ctx.session, [pairing.member_id], [d.delivered_on.year])
    w.record(
        to_global_id("StudyDelivery", row.id),
        pairing.org_path,
        after={"on": d.delivered_on, "minutes": d.minutes, "online": d.online},
    )
    return row.id


@dataclass(frozen=True)
class ClassPlan:
    """A training class (input fields of the same names)."""

    title: str
    topics: tuple[str, ...]
    starts_on: dt.date
    ends_on: dt.date
    minutes: int


async def open_class(w: Write, org_id: int | None, plan: ClassPlan) -> int:
    """A street or district opens a class for its villages' and communities' committees."""
    org = await _publisher(w, org_id, TRAINING_LEVELS, "training classes are run")
    check_class(plan.starts_on, plan.ends_on)
    check_minutes(plan.minutes, MAX_CLASS_MINUTES, "a class")
    topics = [t.strip() for t in plan.topics if t.strip()]
    if not topics or any("\n" in t for t in topics):
        raise RuleViolation("a class has at least one topic, each on one line")
    row = TrainingClass(
        org_id=org.id,
        org_path=org._path,
        title=required(plan.title, "title"),
        topics="\n".join(topics),
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        minutes=plan.minutes,
        created_by=w.ctx.require().account_id,
    )
    w.session.add(row)
    await w.flush()
    w.record(
        to_global_id("TrainingClass", row.id),
        org._path,
        after={"title": row.title, "topics": topics, "minutes": plan.minutes},
    )
    return row.id


async def enrol(w: Write, class_id: int | None, member_id: int | None) -> int:
    """The organiser enrols a committee member (书记, 副书记, 委员) of its subtree; again: no
    change. Attendance is recorded with `credited` minutes (at most the class's)."""
    ctx = w.ctx
    klass = await w.authorized(TrainingClass, class_id, Action.WRITE, *TrainingClass.__table__.c)
    if klass is None:
        raise NotFound("no such training class")
    member = await _visible_member(ctx, member_id, "memberId")
    if not member.org_path.startswith(klass.org_path):
        raise RuleViolation("a class enrols members of its organiser's subtree")
    if member.party_post not in OFFICER_POSTS:
        raise RuleViolation("a class is for secretaries and committee members")
    found = (
        await ctx.session.execute(
            unscoped(
                select(TrainingEnrolment.id), why="enrolments of the class authorized above"
            ).where(
                TrainingEnrolment.class_id == klass.id, TrainingEnrolment.member_id == member.id
            )
        )
    ).scalar_one_or_none()
    if found is not None:
        return klass.id
    w.session.add(
        TrainingEnrolment(
            class_id=klass.id,
            member_id=member.id,
            org_path=klass.org_path,
            member_org_path=member.org_path,
            enrolled_at=ctx.now,
            credited_minutes=0,
        )
    )
    await w.flush(Conflict("the member was enrolled meanwhile"))
    w.record(to_global_id("TrainingClass", klass.id), klass.org_path, after={"member": member.id})
    return klass.id


async def record_attendance(
    w: Write, class_id: int | None, member_id: int | None, minutes: int
) -> int:
    """The organiser records the minutes an enrolled member attended (sessions signed in),
    at most the class's, once it has started."""
    klass = await w.authorized(TrainingClass, class_id, Action.WRITE, *TrainingClass.__table__.c)
    if klass is None:
        raise NotFound("no such training class")
    if w.ctx.today < klass.starts_on:
        raise RuleViolation("attendance is recorded once the class has started")
    if not 0 <= minutes <= klass.minutes:
        raise RuleViolation(f"attendance is between 0 and {klass.minutes} minutes")
    stmt = (
        unscoped(update(TrainingEnrolment), why="enrolments of the class authorized above")
        .where(TrainingEnrolment.class_id == klass.id, TrainingEnrolment.member_id == member_id)
        .values(credited_minutes=minutes)
    )
    if await w.change(stmt) != 1:
        raise NotFound("the member is not enrolled in this class")
    await refresh_totals(w.session, [member_id], [klass.starts_on.year])
    w.record(
        to_global_id("TrainingClass", klass.id),
        klass.org_path,
        after={"member": member_id, "minutes": minutes},
    )
    return klass.id


async def load_pairings(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    stmt = scoped(learning_scope(ctx), StudyPairing, *StudyPairing.__table__.c)
    return await rows_by_id(ctx.session, stmt, StudyPairing.id, ids)


async def get_pairing(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_pairings, pk)


async def load_sessions(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    stmt = scoped(learning_scope(ctx), StudySession, *StudySession.__table__.c)
    return await rows_by_id(ctx.session, stmt, StudySession.id, ids)


async def get_session(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_sessions, pk)
