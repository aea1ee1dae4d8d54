"""Org tree reads: single orgs, lists, children, breadcrumbs, member counts and stats."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Row, Select, bindparam, func, select

from authz.paths import path_ids, subtree
from authz.registry import in_scope, scoped, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.calendar import born_before
from models import (
    Education,
    Gender,
    Member,
    MemberStatus,
    Organization,
    OrgLevel,
    OrgType,
    Standing,
)
from models.base import Column
from resolvers.batch import count_rows, keyed_union, page_batch, rows_by_id
from resolvers.context import Context
from resolvers.errors import BadUserInput
from resolvers.ids import pk_of
from resolvers.pagination import Order, Page, Window, make_page, paged

ORG_COLUMNS = (
    Organization.id,
    Organization.parent_id,
    Organization.code,
    Organization.name,
    Organization.level,
    Organization.org_type,
    Organization.branch_kind,
    Organization.path,
    Organization.depth,
    Organization.established_on,
    Organization.term_years,
    Organization.last_election_on,
)
BY_ID = Order(None, Organization.id)
BY_PATH = Order(Organization.path, Organization.id)  # tree order, served by the path index


def org_scope(ctx: Context) -> Scope:
    return ctx.scope(Resource.ORG, Action.READ)


def scoped_orgs(ctx: Context, *columns) -> Select:
    """`SELECT columns FROM organization` limited to the caller's org scope."""
    return scoped(org_scope(ctx), Organization, *(columns or ORG_COLUMNS))


async def load_orgs(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, scoped_orgs(ctx), Organization.id, ids)


async def get_org(ctx: Context, org_id: int | None) -> Row | None:
    """One visible org, or None (missing and out of scope look the same)."""
    return await ctx.load(load_orgs, org_id)


def breadcrumb_ids(ctx: Context) -> set[int]:
    """Orgs on the way down to the caller's grants and own record: visible as breadcrumbs."""
    return {i for g in ctx.require().grants for i in path_ids(g.path)}


async def load_breadcrumbs(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    stmt = unscoped(
        select(Organization.id, Organization.name, Organization.level),
        why="names of the caller's ancestors are visible as breadcrumbs (the OR below)",
    )
    pred = in_scope(org_scope(ctx), Organization)
    if pred is not None:
        stmt = stmt.where(pred | Organization.id.in_(breadcrumb_ids(ctx)))
    return await rows_by_id(ctx.session, stmt, Organization.id, ids)


async def breadcrumb(ctx: Context, org_id: int) -> Row | None:
    """(id, name, level) of an org in scope or on the caller's trail, or None."""
    return await ctx.load(load_breadcrumbs, org_id)


async def breadcrumbs(ctx: Context, ids: Sequence[int]) -> list[Row]:
    """(id, name, level) of orgs the caller may see at least as breadcrumbs."""
    rows = await ctx.loader(load_breadcrumbs).load_many(list(ids))
    return [r for r in rows if r is not None]


async def ancestors(ctx: Context, path: str) -> list[Row]:
    """Breadcrumb trail from the root down to the parent of the org at `path`."""
    return await breadcrumbs(ctx, path_ids(path)[:-1])


async def visible_path(ctx: Context, org_id: int) -> str | None:
    """The path of an org usable as `under`: in scope or on the way down to it."""
    org = await get_org(ctx, org_id)
    if org is not None:
        return org.path
    if org_id not in breadcrumb_ids(ctx):
        return None
    return await ctx.session.scalar(
        unscoped(
            select(Organization.path).where(Organization.id == org_id),
            why="an ancestor of the caller's grants: a breadcrumb, usable as `under`",
        )
    )


NOWHERE = "/-/"  # sorts before every real path: a subtree that holds nothing


async def under_path(ctx: Context, under: str | None) -> str | None:
    """The path of an `under` argument (a global ID). An org the caller cannot see — missing
    or out of scope alike — yields a subtree that holds nothing."""
    if under is None:
        return None
    pk = pk_of(under, "Organization")
    path = await visible_path(ctx, pk) if pk is not None else None
    return path if path is not None else NOWHERE


MAX_NAME_FILTER = 100  # characters: the longest name is a fraction of it


def name_contains(column: Column[str], text: str, argument: str) -> ColumnElement[bool]:
    """Names containing `text`, of a bounded length (SQLite refuses LIKE patterns past
    50,000 bytes; a long one is a scan for nothing anyway)."""
    if len(text) > MAX_NAME_FILTER:
        raise BadUserInput(f"{argument} must be at most {MAX_NAME_FILTER} characters")
    return column.contains(text, autoescape=True)


@dataclass(frozen=True)
class OrgQuery:
    under: str | None = None  # a visible path
    level: OrgLevel | None = None
    org_type: OrgType | None = None
    search: str | None = None


async def list_orgs(ctx: Context, q: OrgQuery, window: Window) -> Page[Row]:
    """Visible orgs matching `q`."""
    stmt = scoped_orgs(ctx)
    if q.under:
        stmt = stmt.where(subtree(Organization.path, q.under))
    if q.level:
        stmt = stmt.where(Organization.level == q.level)
    if q.org_type:
        stmt = stmt.where(Organization.org_type == q.org_type)
    if q.search:
        stmt = stmt.where(name_contains(Organization.name, q.search, "search"))
    rows = (await ctx.session.execute(paged(stmt, BY_PATH, window))).all()
    return make_page(rows, BY_PATH, window, lambda: count_rows(ctx.session, stmt))


@dataclass(frozen=True)
class ChildrenKey:
    parent_id: int
    window: Window


async def load_children(ctx: Context, keys: Sequence[ChildrenKey]) -> list[Page[Row]]:
    return await page_batch(
        ctx.session,
        keys,
        lambda k: scoped_orgs(ctx).where(Organization.parent_id == k.parent_id),
        BY_ID,
    )


async def children(ctx: Context, parent_id: int, window: Window) -> Page[Row]:
    return await ctx.loader(load_children).load(ChildrenKey(parent_id, window))


# ---- member counts and stats over an org's subtree -------------------------------------


def member_scope(ctx: Context) -> Scope:
    return ctx.scope(Resource.MEMBER, Action.READ)


def scoped_members(ctx: Context, *columns) -> Select:
    """`SELECT columns FROM member` limited to the caller's member scope (subtrees + self)."""
    return members_in(member_scope(ctx), *columns)


def members_in(scope: Scope, *columns) -> Select:
    return scoped(scope, Member, *columns)


# active counts and lists (在册); inline, so that the planner matches the partial
# `ix_member_stats` whatever the parameters of a prepared statement
ON_ROLL = Member.standing == bindparam(
    "on_roll", Standing.ACTIVE, type_=Member.standing.type, literal_execute=True
)


def members_of(stmt: Select, org_id: int, path: str, in_subtree: bool) -> Select:
    """An org's members on the active roll: who left it keeps an archive, not a place."""
    where = subtree(Member.org_path, path) if in_subtree else Member.org_id == org_id
    return stmt.where(where, ON_ROLL)


@dataclass(frozen=True)
class CountKey:
    org_id: int
    path: str
    subtree: bool
    status: MemberStatus | None


async def load_member_counts(ctx: Context, keys: Sequence[CountKey]) -> list[int]:
    stmts = []
    for k in keys:
        stmt = members_of(scoped_members(ctx, func.count().label("n")), k.org_id, k.path, k.subtree)
        stmts.append(stmt.where(Member.status == k.status) if k.status else stmt)
    return [rows[0].n for rows in await keyed_union(ctx.session, stmts)]


async def member_count(ctx: Context, key: CountKey) -> int:
    return await ctx.loader(load_member_counts).load(key)


AGE_BANDS = ((30, "UNDER_30"), (40, "30_39"), (50, "40_49"), (60, "50_59"), (70, "60_69"))


# (dimension, column, values): the member counts of a subtree's statistics
STAT_COUNTS = (
    ("status", Member.status, tuple(MemberStatus)),
    ("gender", Member.gender, tuple(Gender)),
    ("education", Member.education, tuple(Education)),
)


def member_stats_select(ctx: Context, path: str) -> Select:
    """One row counting the caller's members of the subtree at `path`: in all, per status,
    gender and education, and younger than each age-band boundary this year (ages by the year
    of birth: `born_before`). Filtered aggregates over the index `ix_member_stats` alone, with
    no grouping (a grouped scan sorted every member)."""
    counts = [func.count().label("total")]
    for dim, column, values in STAT_COUNTS:
        counts += [func.count().filter(column == v).label(f"{dim}_{v.name}") for v in values]
    counts += [
        func.count()
        .filter(Member.birth_date >= born_before(ctx.today.year, age))
        .label(f"age_{age}")
        for age, _ in AGE_BANDS
    ]
    return scoped_members(ctx, *counts).where(subtree(Member.org_path, path), ON_ROLL)


def member_stats(row: Row) -> dict[str, dict[str, int]]:
    """The counts of a `member_stats_select` row by dimension and key, zeros left out."""
    out = {
        dim: {v.name: getattr(row, f"{dim}_{v.name}") for v in values}
        for dim, _, values in STAT_COUNTS
    }
    bands, younger = {}, 0
    for age, name in AGE_BANDS:  # born after each boundary: cumulative, youngest first
        born_after = getattr(row, f"age_{age}")
        bands[name], younger = born_after - younger, born_after
    bands["70_PLUS"] = row.total - younger
    out["age_band"] = bands
    return {dim: {k: n for k, n in counts.items() if n} for dim, counts in out.items()}


async def load_stats(ctx: Context, keys: Sequence[tuple[int, str]]) -> list[dict[str, dict]]:
    """Per org subtree: member counts by status, gender, education and age band (one pass
    over the members), and org counts by level — two statements whatever the number of
    orgs."""
    stmts = [member_stats_select(ctx, path) for _, path in keys]
    out = [member_stats(rows[0]) for rows in await keyed_union(ctx.session, stmts)]
    stmts = [
        scoped_orgs(ctx, Organization.level.label("k"), func.count().label("n"))
        .where(subtree(Organization.path, path))
        .group_by(Organization.level)
        for _, path in keys
    ]
    for i, rows in enumerate(await keyed_union(ctx.session, stmts)):
        out[i]["level"] = {_key(r.k): r.n for r in rows}
    return out


def _key(value) -> str:
    return value if isinstance(value, str) else value.name


async def stats(ctx: Context, org_id: int, path: str) -> dict[str, dict]:
    return await ctx.loader(load_stats).load((org_id, path))
