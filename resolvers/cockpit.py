"""The cockpit (驾驶舱): every indicator of DESIGN.md §5 for a scope and a period, by child
organisation and as a 12-month trend.

An indicator is defined once, by a *source* in the area that owns its data
(`docs/ARCHITECTURE.md`, "The cockpit"): `source(ctx, period)` returns a SELECT of `path`,
`numerator` and `denominator`, already limited to the caller's scope for that area. The
cockpit adds only `under` and sums: per scope and child of `under` in one statement for the
period (every source a term of one UNION ALL, grouped by path first and then by the child's
path range), and one statement for the trend (every source once per month)."""

import datetime as dt
import enum
import inspect
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    case,
    column,
    func,
    literal_column,
    null,
    select,
    union_all,
)

from authz.paths import subtree
from authz.registry import unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.calendar import Period, add_months
from models import Organization, OrgLevel
from resolvers.activity import theme_day_source
from resolvers.checkin import check_in_source, volunteer_hours_source
from resolvers.context import Context
from resolvers.development import overdue_source
from resolvers.dues import dues_on_time_source
from resolvers.errors import Forbidden
from resolvers.floating import enrolment_source
from resolvers.governance import rectification_source, reelection_source
from resolvers.learning import study_source
from resolvers.org import LIVE, get_org, scoped_orgs
from resolvers.pagination import Order, Page, Window, make_page
from resolvers.tally import MAX_MONTHS, Span, Tallied, covered, prepare, read, tally_months

TREND_MONTHS = 12
T = TypeVar("T")


class IndicatorKey(enum.Enum):
    """The indicators of DESIGN.md §5 (contract names); the value is the Chinese term."""

    ON_TIME_REELECTION = "基层党组织按期换届率"
    ON_TIME_RECTIFICATION = "软弱涣散基层党组织按期整改率"
    DUES_ON_TIME = "党费按时缴纳率"
    CHECK_IN = "在职党员到社区报到率"
    VOLUNTEER_HOURS_MET = "志愿服务时长达标率"
    THEME_DAY = "主题党日开展率"
    FLOATING_ENROLMENT = "流动党员纳管率"
    DEVELOPMENT_OVERDUE = "发展党员逾期率"
    STUDY_HOURS_MET = "学习学时达标率"


Source = Callable[[Context, Period], Select | Awaitable[Select]]


def same_period(period: Period) -> Hashable:
    return period


def year_of(period: Period) -> Hashable:
    """The year a period ends in: what a yearly indicator stands on."""
    return (period.end - dt.timedelta(days=1)).year


@dataclass(frozen=True)
class Indicator:
    """A registered source; `stands_on` names what its figures depend on in a period, so that
        trend months with the same one are computed once (a yearly target: the year); `tally`, how
    it is kept in maintained counts, if it is."""

    source: Source
    stands_on: Callable[[Period], Hashable] = same_period
    higher_is_worse: bool = False
    tally: Tallied | None = None  # kept in maintained counts (`resolvers/tally.py`)


def hours_target(ctx: Context) -> float:
    """The yearly volunteer-hours target, which VOLUNTEER_HOURS_MET's tallies stand on."""
    return ctx.hours_target


# the one table of sources
SOURCES: dict[IndicatorKey, Indicator] = {
    IndicatorKey.ON_TIME_REELECTION: Indicator(reelection_source),
    IndicatorKey.ON_TIME_RECTIFICATION: Indicator(rectification_source),
    IndicatorKey.DUES_ON_TIME: Indicator(
        dues_on_time_source, tally=Tallied(Span.ADDITIVE, ((Resource.DUES, Action.READ),))
    ),
    IndicatorKey.CHECK_IN: Indicator(
        check_in_source, tally=Tallied(Span.LAST_MONTH, ((Resource.CHECKIN, Action.READ),))
    ),
    IndicatorKey.VOLUNTEER_HOURS_MET: Indicator(
        volunteer_hours_source,
        tally=Tallied(Span.ONE_MONTH, ((Resource.CHECKIN, Action.READ),), hours_target),
    ),
    IndicatorKey.THEME_DAY: Indicator(
        theme_day_source,
        tally=Tallied(
            Span.ADDITIVE, ((Resource.ORG, Action.READ), (Resource.ACTIVITY, Action.READ))
        ),
    ),
    IndicatorKey.FLOATING_ENROLMENT: Indicator(enrolment_source),
    IndicatorKey.DEVELOPMENT_OVERDUE: Indicator(overdue_source, higher_is_worse=True),
    IndicatorKey.STUDY_HOURS_MET: Indicator(
        study_source,
        stands_on=year_of,
        tally=Tallied(
            Span.YEAR, ((Resource.MEMBER, Action.READ), (Resource.LEARNING, Action.READ))
        ),
    ),
}


def formula(key: IndicatorKey) -> str:
    """The indicator's definition: its source's docstring (the one place it is written)."""
    return " ".join((inspect.getdoc(SOURCES[key].source) or "").split())


@dataclass(frozen=True)
class Figure:
    key: IndicatorKey
    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        if not self.denominator:
            return None
        return round(self.numerator / self.denominator, 4)


@dataclass(frozen=True)
class Child:
    org_id: int
    path: str
    name: str
    level: OrgLevel
    figures: list[Figure]


@dataclass(frozen=True)
class Month:
    start: dt.date
    figures: list[Figure]


@dataclass(frozen=True)
class Cockpit:
    under_id: int
    under_path: str
    period: Period


def cockpit_scope(ctx: Context) -> Scope:
    return ctx.scope(Resource.COCKPIT, Action.READ)


async def open_cockpit(ctx: Context, under_id: int | None, period: Period) -> Cockpit | None:
    """The cockpit under an organisation of the caller's cockpit scope (by default its root:
    the first subtree of the scope, the city for a city-wide one); FORBIDDEN without any
    cockpit scope; None for an organisation outside it, as for a missing one."""
    scope = cockpit_scope(ctx)
    if not (scope.everything or scope.paths):  # a member's own scope holds no subtree
        raise Forbidden(
            "the cockpit is for administrators and auditors of a city, district or street"
        )
    if under_id is None:
        root = (
            unscoped(
                select(Organization.id).where(Organization.parent_id.is_(None)),
                why="the tree's root, for a city-wide cockpit scope",
            )
            if scope.everything
            else unscoped(
                select(Organization.id).where(Organization.path == scope.paths[0]),
                why="the org of the caller's own grant",
            )
        )
        under_id = await ctx.session.scalar(root.order_by(Organization.id).limit(1))
    org = await get_org(ctx, under_id)
    if org is None or not scope.covers(org.path):
        return None
    return Cockpit(org.id, org.path, period)


def trend_months(period: Period) -> list[Period]:
    """The 12 months ending with the period's last month, oldest first."""
    last = (period.end - dt.timedelta(days=1)).replace(day=1)
    firsts = [add_months(last, -i) for i in range(TREND_MONTHS - 1, -1, -1)]
    return [Period(f, add_months(f, 1)) for f in firsts]


def _mark(n: int) -> Any:
    """An integer constant inlined into the SQL (no bound parameter: PostgreSQL must see the
    same expression in a compound's terms, and a constant types itself)."""
    return literal_column(str(int(n)))


def _tallied(ctx: Context, entry: Indicator, cockpit: Cockpit, period: Period) -> Any:
    """The months whose tallies give the caller's figure of `period` under the cockpit's
    org, or None where the live source must answer (not tallied, a scope that does not
    cover the subtree, a period the months do not make)."""
    if entry.tally is None or not covered(ctx, entry.tally, cockpit.under_path):
        return None
    return tally_months(entry.tally.span, period)


async def _source(
    ctx: Context, key: IndicatorKey, entry: Indicator, cockpit: Cockpit, period: Period
) -> Any:
    """The indicator's rows for the period: its tallies where they serve, else its source."""
    months = _tallied(ctx, entry, cockpit, period)
    if months is not None:
        return read(key.name, months, cockpit.under_path).subquery()
    stmt = entry.source(ctx, period)
    return (await stmt if inspect.isawaitable(stmt) else stmt).subquery()


def tallied_sources() -> dict[str, tuple[Source, Tallied]]:
    return {key.name: (e.source, e.tally) for key, e in SOURCES.items() if e.tally is not None}


async def freshen(ctx: Context, asked: Iterable[tuple[Cockpit, Period]]) -> None:
    """The statements' planning settings for the transaction (`plan_each`), then the
    tallies the cockpits will read brought up to date (`tally.prepare`)."""
    wanted: dict[str, set[dt.date]] = {}
    for cockpit, period in asked:
        for key, entry in SOURCES.items():
            months = _tallied(ctx, entry, cockpit, period)
            if months is not None:
                wanted.setdefault(key.name, set()).update(months)
    await plan_each(ctx)
    await prepare(ctx, wanted, tallied_sources())


async def warm(ctx: Context, months: int = MAX_MONTHS) -> int:
    """Every tally the cockpit reads for the `months` months up to this one computed ahead
    (`dangjian cockpit-warm`, run by `dangjian seed`), so that no first cockpit read pays for
    them: a city's first read computes its months whole (47 s at Chongqing scale). Committed
    here; returns the (indicator, month) pairs wanted."""
    this_month = ctx.today.replace(day=1)
    wanted: dict[str, set[dt.date]] = {}
    for i in range(months):
        first = add_months(this_month, -i)
        for key, (_, tallied) in tallied_sources().items():
            wanted.setdefault(key, set()).update(
                tally_months(tallied.span, Period(first, add_months(first, 1))) or ()
            )
    await plan_each(ctx)
    await prepare(ctx, wanted, tallied_sources())
    await ctx.settle()
    return sum(len(m) for m in wanted.values())


def _child_of(path: ColumnElement[str], children: Sequence[tuple[int, str]]) -> Any:
    """The id of the child whose subtree holds `path`; null for `under` itself."""
    if not children:
        return null()
    return case(*((subtree(path, p), _mark(i)) for i, p in children), else_=null())


def _figures(found: dict[IndicatorKey, tuple[int, int]]) -> list[Figure]:
    """Every key in enum order, summed (0/0 without rows)."""
    return [Figure(key, *found.get(key, (0, 0))) for key in IndicatorKey]


KEYS = list(IndicatorKey)


async def children(ctx: Context, cockpit: Cockpit) -> list[tuple[int, str, str, OrgLevel]]:
    """The live children of `under` the caller sees, in tree order."""
    rows = await ctx.session.execute(
        scoped_orgs(ctx, Organization.id, Organization.path, Organization.name, Organization.level)
        .where(Organization.parent_id == cockpit.under_id, LIVE)
        .order_by(Organization.path)
    )
    return [(r.id, r.path, r.name, r.level) for r in rows]


PLANNING = unscoped(
    select(
        func.set_config("jit", "off", True),
        func.set_config("plan_cache_mode", "force_custom_plan", True),
    ),
    why="settings of the request's transaction, no rows: see `plan_each`",
)


async def plan_each(ctx: Context) -> None:
    """PostgreSQL's JIT compiles the cockpit's wide statements (hundreds of expressions) for
    far longer than they run: 62 s against 1.8 s for a district at Chongqing scale; and the
    generic plan a prepared statement may get after five runs cannot see the months' time
    ranges: a repeated city THEME_DAY trend ran over 5 minutes (cancelled), 1.3 s planned
    for its values every time (docs/performance.md). Both off for the request's transaction
    (`SET LOCAL`, as `set_config(…, true)`); SQLite has neither."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        await ctx.session.execute(PLANNING)


async def load_periods(
    ctx: Context, keys: Sequence[Cockpit]
) -> list[tuple[list[Figure], list[Child]]]:
    """Per cockpit: its figures and its children's, in one statement over every source."""
    async with ctx.serial:
        await freshen(ctx, ((c, c.period) for c in keys))
        return [await _period_figures(ctx, c) for c in keys]


async def _period_figures(ctx: Context, cockpit: Cockpit) -> tuple[list[Figure], list[Child]]:
    kids = await children(ctx, cockpit)
    parts = []
    for key, entry in SOURCES.items():
        src = await _source(ctx, key, entry, cockpit, cockpit.period)
        why = "sums a scoped indicator source"
        per_path = (
            unscoped(
                select(
                    src.c.path,
                    func.sum(src.c.numerator).label("n"),
                    func.sum(src.c.denominator).label("d"),
                ),
                why=why,
            )
            .where(subtree(src.c.path, cockpit.under_path))
            .group_by(src.c.path)
            .subquery()
        )
        placed = unscoped(
            select(
                _child_of(per_path.c.path, [(k[0], k[1]) for k in kids]).label("child"),
                per_path.c.n,
                per_path.c.d,
            ),
            why=why,
        ).subquery()
        parts.append(
            unscoped(
                select(
                    _mark(KEYS.index(key)).label("k"),
                    placed.c.child,
                    func.sum(placed.c.n).label("n"),
                    func.sum(placed.c.d).label("d"),
                ),
                why=why,
            ).group_by(placed.c.child)
        )
    total: dict[IndicatorKey, tuple[int, int]] = {}
    by_child: dict[int, dict[IndicatorKey, tuple[int, int]]] = {}
    if parts:
        for row in await ctx.session.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
            key, n, d = KEYS[row.k], int(row.n or 0), int(row.d or 0)
            tn, td = total.get(key, (0, 0))
            total[key] = (tn + n, td + d)
            if row.child is not None:
                by_child.setdefault(int(row.child), {})[key] = (n, d)
    return _figures(total), [
        Child(i, p, name, level, _figures(by_child.get(i, {}))) for i, p, name, level in kids
    ]


async def load_trends(ctx: Context, keys: Sequence[Cockpit]) -> list[list[Month]]:
    """Per cockpit: each trend month's figures, in one statement over every source."""
    async with ctx.serial:
        await freshen(ctx, ((c, m) for c in keys for m in trend_months(c.period)))
        return [await _trend(ctx, c) for c in keys]


async def _trend(ctx: Context, cockpit: Cockpit) -> list[Month]:
    months = trend_months(cockpit.period)
    parts = []
    shared: dict[tuple[IndicatorKey, int], int] = {}  # (key, month) → the month computed
    for key, entry in SOURCES.items():
        first_of: dict[Hashable, int] = {}
        for i, month in enumerate(months):
            mark = entry.stands_on(month)
            if mark in first_of:
                shared[(key, i)] = first_of[mark]
                continue
            first_of[mark] = shared[(key, i)] = i
            src = await _source(ctx, key, entry, cockpit, month)
            parts.append(
                unscoped(
                    select(
                        _mark(KEYS.index(key)).label("k"),
                        _mark(i).label("m"),
                        func.sum(src.c.numerator).label("n"),
                        func.sum(src.c.denominator).label("d"),
                    ),
                    why="sums a scoped indicator source",
                ).where(subtree(src.c.path, cockpit.under_path))
            )
    found: dict[tuple[IndicatorKey, int], tuple[int, int]] = {}
    if parts:
        for row in await ctx.session.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
            found[(KEYS[row.k], row.m)] = (int(row.n or 0), int(row.d or 0))
    out = []
    for i, month in enumerate(months):
        per_key = {key: found.get((key, shared[(key, i)]), (0, 0)) for key in SOURCES}
        out.append(Month(month.start, _figures(per_key)))
    return out


async def figures(ctx: Context, cockpit: Cockpit) -> tuple[list[Figure], list[Child]]:
    return await ctx.load(load_periods, cockpit)


async def trend(ctx: Context, cockpit: Cockpit) -> list[Month]:
    return await ctx.load(load_trends, cockpit)


@dataclass(frozen=True)
class Ranked(Generic[T]):
    """An item at its place in a short list: the place is what a cursor carries."""

    position: int
    item: T


POSITION = Order(None, column("position", Integer))


def list_page(items: Sequence[T], window: Window) -> Page[Ranked[T]]:
    """One page of a short list built in memory (children: a few dozen, at most a few
    hundred; months: 12), cursors carrying the place; `window.field` names the list and its
    sort, so a cursor of another one is refused."""
    ranked = [Ranked(i, item) for i, item in enumerate(items)]
    for cursor, ahead in ((window.after, True), (window.before, False)):
        if cursor:
            _, place = POSITION.position(cursor, window.field)
            ranked = [r for r in ranked if (r.position > place if ahead else r.position < place)]
    rows = ranked[::-1] if window.backward else ranked

    async def count() -> int:
        return len(items)

    return make_page(rows[: window.size + 1], POSITION, window, count)


def sort_children(items: list[Child], key: IndicatorKey | None) -> list[Child]:
    """Worst first by `key`'s rate (the highest for an indicator where higher is worse), no
    rate last; tree order among equals and without a key."""
    if key is None:
        return items
    worse_high = SOURCES[key].higher_is_worse
    index = KEYS.index(key)

    def order(child: Child) -> tuple[bool, float, str]:
        rate = child.figures[index].rate
        if rate is None:
            return (True, 0.0, child.path)
        return (False, -rate if worse_high else rate, child.path)

    return sorted(items, key=order)
