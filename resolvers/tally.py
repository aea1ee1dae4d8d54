"""The cockpit's maintained counts (`models.cockpit`): a month-based indicator's source run
for the whole tree, one month at a time, summed by the path it emits, so that the cockpit
sums a row per organisation and month instead of the source's rows (docs/ARCHITECTURE.md,
"The cockpit").

The figures stay the source's own: a tally row is `source(everywhere, month)` summed by
path, and the cockpit reads it only where the caller's scope of every area the source limits
covers the whole subtree asked (`covered`), where the caller's rows there are all of them.
Freshness, checked by every cockpit read before it sums (`prepare`):
- triggers on the source tables mark the paths whose figures may have moved (migration
  0024); the marked paths are recomputed for every month held;
- a month's tallies stand on `stands`: `closed` once the month has ended (a source's "ended
  by today" and "in force on the last day" no longer move), else the day they were computed
  for, so the month under way is recomputed whole on a new day;
- a month not held is computed whole on first use, one statement per indicator and month
  (none near the statement timeout: a month of the city is one pass of its source)."""

import datetime as dt
import enum
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, literal, or_, select, union_all

from authz.paths import subtree
from authz.registry import unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.calendar import Period, add_months
from models import CockpitDirty, CockpitTally, CockpitTallyMonth
from resolvers.context import Context

Source = Callable[[Context, Period], Select | Awaitable[Select]]
EVERYWHERE = Scope(everything=True)
MAX_MONTHS = 24  # a longer period reads the live source: no request computes years of months
MAX_MARKED = 1000  # more marked paths of one key: its months are dropped, recomputed on use
TALLY_LOCK = 0x74616C6C  # PostgreSQL advisory lock of the tallies ("tall"): one refresher
# roll-ups: each org's subtree summed at these depths (districts, streets), so that a cockpit
# whose children lie there reads a row per child and month (the city: 38 districts)
ROLLED_UP = (1, 2)


class Span(enum.Enum):
    """How a period's figure is made of its months' tallies."""

    ADDITIVE = "the sum of its months"  # counted per ended month: dues, theme days
    LAST_MONTH = "its last month's"  # stands on the period's last day: check-ins in force
    ONE_MONTH = "a month's only"  # over the period against its target: volunteer hours
    YEAR = "its year's"  # the year the period ends in, held at its first day: study hours


@dataclass(frozen=True)
class Tallied:
    """An indicator kept in tallies: how its months make a period, the area scopes its
    source applies (a tally serves a caller who holds each of them over the subtree), and
    the setting its formula reads, if any (another value recomputes its months)."""

    span: Span
    scopes: tuple[tuple[Resource, Action], ...]
    setting: Callable[[Context], object] | None = None


def tally_months(span: Span, period: Period) -> list[dt.date] | None:
    """The first days of the months whose tallies make `period`'s figure; None for a period
    they do not make (not whole months, or too long), which reads the live source."""
    if span is Span.YEAR:
        return [dt.date((period.end - dt.timedelta(days=1)).year, 1, 1)]
    if period.end.day != 1:
        return None
    if span is Span.LAST_MONTH:
        return [add_months(period.end, -1)]
    if period.start.day != 1:
        return None
    if span is Span.ONE_MONTH:
        return [period.start] if add_months(period.start, 1) == period.end else None
    months: list[dt.date] = []
    month = period.start
    while month < period.end and len(months) <= MAX_MONTHS:
        months.append(month)
        month = add_months(month, 1)
    return months if len(months) <= MAX_MONTHS else None


def covered(ctx: Context, tallied: Tallied, path: str) -> bool:
    """Whether the caller's scopes for the source hold the whole subtree at `path`: then the
    source's rows they see there are every row there, the tallies' (self access adds none
    outside the subtree's paths)."""
    return all(ctx.scope(resource, action).covers(path) for resource, action in tallied.scopes)


def rolled(key: str, depth: int) -> str:
    """The key of `key`'s roll-up at `depth`."""
    return f"{key}@{depth}"


def depth_of(path: str) -> int:
    return path.count("/") - 2  # the root, `/1/`, is 0


def ancestor(path: str, depth: int) -> str | None:
    """The org at `depth` whose subtree holds `path` (itself at that depth); None above."""
    ids = path.strip("/").split("/")
    return "/" + "/".join(ids[: depth + 1]) + "/" if len(ids) > depth else None


def read(key: str, months: Iterable[dt.date], under: str) -> Select:
    """The tallies of `key` for `months`, shaped as a source (`path`, `numerator`,
    `denominator`); the cockpit limits them to `under`. Where `under`'s children lie at a
    rolled-up depth, their roll-ups and `under`'s own rows: every deeper path lies in the
    subtree of exactly one org at that depth (dissolved ones too, counted in the total as
    the source's rows are)."""
    why = "the whole tree's tallies, read only under a subtree the caller's scopes cover"
    columns = (CockpitTally.path, CockpitTally.numerator, CockpitTally.denominator)
    at = CockpitTally.month.in_(sorted(months))
    depth = depth_of(under) + 1
    if depth not in ROLLED_UP:
        return unscoped(select(*columns).where(CockpitTally.key == key, at), why=why)
    own = and_(CockpitTally.key == key, CockpitTally.path == under)
    return unscoped(
        select(*columns).where(at, or_(own, CockpitTally.key == rolled(key, depth))), why=why
    )


@dataclass
class Everywhere(Context):
    """The request's context with the whole tree for every scope: a source run for the
    tallies, which are read through the caller's scopes (`covered`)."""

    def scope(self, resource: Resource, action: Action) -> Scope:
        return EVERYWHERE


def stands(month: dt.date, today: dt.date) -> str:
    """What a month's tallies stand on: nothing once it has ended, else today."""
    return "closed" if add_months(month, 1) <= today else today.isoformat()


HELD = unscoped(
    select(CockpitTallyMonth.key, CockpitTallyMonth.month, CockpitTallyMonth.stands),
    why="the tallies' own bookkeeping: which months are held",
)
ANY_MARK = unscoped(select(CockpitDirty.id).limit(1), why="whether any tally is marked")
TAKE_MARKS = unscoped(
    delete(CockpitDirty).returning(CockpitDirty.key, CockpitDirty.path),
    why="takes every mark it will recompute (a mark written meanwhile stays for the next)",
)


async def _built(source: Source, ctx: Context, period: Period) -> Select:
    stmt = source(ctx, period)
    return await stmt if inspect.isawaitable(stmt) else stmt


class Refresh:
    """One bringing up to date of the tallies, in the request's transaction."""

    def __init__(self, ctx: Context, sources: Mapping[str, tuple[Source, Tallied]]) -> None:
        self.ctx = ctx
        self.sources = sources
        self.everywhere = Everywhere(
            session=ctx.session,
            principal=ctx.principal,
            now=ctx.now,
            hours_target=ctx.hours_target,
            transfer_deadline_days=ctx.transfer_deadline_days,
        )
        self.held: dict[tuple[str, dt.date], str] = {}

    async def read_held(self) -> None:
        self.held = {(r.key, r.month): r.stands for r in await self.ctx.session.execute(HELD)}

    def stands(self, key: str, month: dt.date) -> str:
        """What `key`'s tallies of `month` stand on today (`stands`), with its setting."""
        setting = self.sources[key][1].setting
        today = stands(month, self.ctx.today)
        return today if setting is None else f"{today} {setting(self.ctx)}"

    def missing(self, wanted: Mapping[str, set[dt.date]]) -> list[tuple[str, dt.date]]:
        return sorted(
            (key, month)
            for key, months in wanted.items()
            for month in months
            if self.held.get((key, month)) != self.stands(key, month)
        )

    async def compute(self, key: str, month: dt.date, paths: set[str] | None) -> None:
        """`key`'s tallies of `month` recomputed: at `paths`, or whole (then held as standing
        on what it stands on today)."""
        session = self.ctx.session
        why = "the tallies' own rows, the whole tree's"
        at = [CockpitTally.key == key, CockpitTally.month == month]
        if paths is not None:
            at.append(CockpitTally.path.in_(sorted(paths)))
        await session.execute(unscoped(delete(CockpitTally).where(*at), why=why))
        src = (
            await _built(self.sources[key][0], self.everywhere, Period(month, add_months(month, 1)))
        ).subquery()
        summed = unscoped(
            select(
                literal(key),
                literal(month),
                src.c.path,
                func.sum(src.c.numerator),
                func.sum(src.c.denominator),
            ),
            why="sums a source run for the whole tree",
        ).group_by(src.c.path)
        if paths is not None:
            summed = summed.where(src.c.path.in_(sorted(paths)))
        columns = ["key", "month", "path", "numerator", "denominator"]
        await session.execute(unscoped(insert(CockpitTally).from_select(columns, summed), why=why))
        await (self.roll_up_all(key, month) if paths is None else self.roll_up(key, month, paths))
        if paths is None:
            await self.hold(key, [month], self.stands(key, month))

    async def roll_up_all(self, key: str, month: dt.date) -> None:
        """`key`'s roll-ups of `month` at every rolled-up depth, from its rows summed here
        (one read of a row per path: a range join of the rows to the orgs at a depth was
        planned as minutes of nested loops over rows just written)."""
        session = self.ctx.session
        why = "the tallies' own rows, the whole tree's"
        keys = [rolled(key, d) for d in ROLLED_UP]
        gone = [CockpitTally.key.in_(keys), CockpitTally.month == month]
        await session.execute(unscoped(delete(CockpitTally).where(*gone), why=why))
        rows = await session.execute(
            unscoped(
                select(CockpitTally.path, CockpitTally.numerator, CockpitTally.denominator).where(
                    CockpitTally.key == key, CockpitTally.month == month
                ),
                why=why,
            )
        )
        sums: dict[tuple[str, str], list[int]] = {}
        for path, n, d in rows:
            for depth in ROLLED_UP:
                if (top := ancestor(path, depth)) is not None:
                    figure = sums.setdefault((rolled(key, depth), top), [0, 0])
                    figure[0] += int(n)
                    figure[1] += int(d)
        if sums:
            await session.execute(
                unscoped(insert(CockpitTally), why=why),
                [
                    {"key": k, "month": month, "path": p, "numerator": n, "denominator": d}
                    for (k, p), (n, d) in sums.items()
                ],
            )

    async def roll_up(self, key: str, month: dt.date, paths: set[str]) -> None:
        """`key`'s roll-ups of `month` of the orgs above `paths`, each summed from its
        subtree's rows (an index range)."""
        session = self.ctx.session
        why = "the tallies' own rows, the whole tree's"
        figures = (func.sum(CockpitTally.numerator), func.sum(CockpitTally.denominator))
        rows_of = (CockpitTally.key == key, CockpitTally.month == month)
        for depth in ROLLED_UP:
            key_at = rolled(key, depth)
            tops = sorted({a for p in paths if (a := ancestor(p, depth))})
            if not tops:
                continue
            at = (CockpitTally.key == key_at, CockpitTally.month == month)
            await session.execute(
                unscoped(delete(CockpitTally).where(*at, CockpitTally.path.in_(tops)), why=why)
            )
            parts = [
                unscoped(select(literal(key_at), literal(month), literal(top), *figures), why=why)
                .where(*rows_of, subtree(CockpitTally.path, top))
                .having(func.count() > 0)
                for top in tops
            ]
            summed: Any = parts[0] if len(parts) == 1 else union_all(*parts)
            columns = ["key", "month", "path", "numerator", "denominator"]
            await session.execute(
                unscoped(insert(CockpitTally).from_select(columns, summed), why=why)
            )

    async def hold(self, key: str, months: list[dt.date], standing: str | None) -> None:
        """Record `months` of `key` as held standing on `standing`; None: no longer held."""
        session = self.ctx.session
        why = "the tallies' own bookkeeping"
        here = [CockpitTallyMonth.key == key, CockpitTallyMonth.month.in_(months)]
        await session.execute(unscoped(delete(CockpitTallyMonth).where(*here), why=why))
        if standing is None:
            keys = [key, *(rolled(key, d) for d in ROLLED_UP)]
            gone = [CockpitTally.key.in_(keys), CockpitTally.month.in_(months)]
            await session.execute(unscoped(delete(CockpitTally).where(*gone), why=why))
        else:
            rows = [{"key": key, "month": m, "stands": standing} for m in months]
            await session.execute(unscoped(insert(CockpitTallyMonth), why=why), rows)
        for month in months:
            if standing is None:
                self.held.pop((key, month), None)
            else:
                self.held[(key, month)] = standing

    async def recompute_marked(self) -> None:
        """Every marked path of a tallied key, for each month it holds that still stands;
        months standing on another day are dropped (recomputed whole when next asked)."""
        marked: dict[str, set[str]] = {}
        for key, path in await self.ctx.session.execute(TAKE_MARKS):
            marked.setdefault(key, set()).add(path)
        for key, paths in marked.items():
            if key not in self.sources:
                continue
            months = sorted(m for k, m in self.held if k == key)
            fresh = [m for m in months if self.held[(key, m)] == self.stands(key, m)]
            if len(paths) > MAX_MARKED:
                fresh = []
            stale = [m for m in months if m not in fresh]
            if stale:
                await self.hold(key, stale, None)
            for month in fresh:
                await self.compute(key, month, paths)


async def prepare(
    ctx: Context,
    wanted: Mapping[str, set[dt.date]],
    sources: Mapping[str, tuple[Source, Tallied]],
) -> None:
    """Bring the tallies the cockpit is about to read up to date, in the request's
    transaction, kept at its end (`Context.keep`): first the marked paths, then each wanted
    month not held (or standing on another day), whole. Two reads when nothing is to be
    done. On PostgreSQL refreshes take turns (an advisory lock of the transaction, held to
    the request's end): the second finds the first's work done. The caller holds
    `ctx.serial` through its reads of the tallies."""
    refresh = Refresh(ctx, sources)
    await refresh.read_held()
    session = ctx.session
    if not refresh.missing(wanted) and (await session.execute(ANY_MARK)).first() is None:
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            unscoped(select(func.pg_advisory_xact_lock(TALLY_LOCK)), why="a lock, no rows")
        )
        await refresh.read_held()
    await refresh.recompute_marked()
    for key, month in refresh.missing(wanted):
        await refresh.compute(key, month, None)
    ctx.keep = True
