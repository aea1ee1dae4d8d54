"""The org tree: single orgs, lists, children, breadcrumbs, member counts and stats; and its
changes (create, update, move, dissolve) through the write template.

A dissolved organisation is kept, marked `dissolved_on` (audit rows, payments and past
records name it): `node`/`organization(id:)` still answer it, the tree's lists (`LIVE`) and
the community directory leave it out, and nothing is written to it."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Row, Select, bindparam, func, select, update

from authz.enforcer import can
from authz.paths import make_path, parent_path, path_ids, subtree
from authz.registry import in_scope, scoped, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.calendar import born_before
from domain.org import (
    TERM_YEARS,
    branch_kind_for,
    check_child,
    check_dissolvable,
    check_established,
    check_merge_target,
    check_move,
)
from models import (
    BranchKind,
    CheckIn,
    CheckInStatus,
    Education,
    Gender,
    Member,
    MemberStatus,
    Organization,
    OrgLevel,
    OrgType,
    PartyPost,
    Standing,
)
from models.base import Column
from resolvers.batch import count_rows, keyed_union, page_batch, rows_by_id
from resolvers.context import Context
from resolvers.errors import BadUserInput, Conflict, NotFound, required
from resolvers.ids import pk_of, to_global_id
from resolvers.pagination import Order, Page, Window, make_page, paged
from resolvers.rehome import move_subtree, rehome_members
from resolvers.write import Write, rewrites_paths

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
    Organization.contact_person,
    Organization.contact_phone,
    Organization.address,
    Organization.secretary_id,
    Organization.secretary_vacant_since,
    Organization.dissolved_on,
    Organization.version,
)
LIVE = Organization.dissolved_on.is_(None)  # the tree as it stands: dissolved ones left out
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
    stmt = scoped_orgs(ctx).where(LIVE)
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
        lambda k: scoped_orgs(ctx).where(Organization.parent_id == k.parent_id, LIVE),
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
        .where(subtree(Organization.path, path), LIVE)
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


# ---- writes ------------------------------------------------------------------------------


async def _writable(w: Write, org_id: int | None, argument: str) -> Row:
    """A live org the caller may change (`org.write` over it); anything else, missing, out of
    scope or dissolved, is answered alike."""
    row = await w.authorized(Organization, org_id, Action.WRITE, *ORG_COLUMNS)
    if row is None or row.dissolved_on is not None:
        raise NotFound(f"{argument} names no organisation you may change")
    return row


def _text(value: str | None) -> str | None:
    """Trimmed text; empty is None (a contact field cleared)."""
    return (value or "").strip() or None


@dataclass(frozen=True)
class NewOrg:
    """`createOrganization`'s input (fields named as the input's)."""

    parent_id: int | None
    name: str
    code: str
    level: OrgLevel
    org_type: OrgType
    branch_kind: BranchKind | None = None
    established_on: dt.date | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    address: str | None = None


async def create_org(w: Write, new: NewOrg) -> int:
    """A new organisation under a parent the caller may change: a level the parent may hold
    (`domain.org.CHILD_LEVELS`), a code no other organisation has (CONFLICT)."""
    ctx = w.ctx
    parent = await _writable(w, new.parent_id, "parentId")
    check_child(parent.level, new.level)
    kind = branch_kind_for(new.level, new.branch_kind)
    check_established(new.established_on, ctx.today)
    code = required(new.code, "code")
    taken = Conflict(f"code {code} is taken by another organisation")
    row = Organization(
        parent_id=parent.id,
        code=code,
        name=required(new.name, "name"),
        level=new.level,
        org_type=new.org_type,
        branch_kind=kind,
        path=f"{parent.path}~{code}/",  # provisional, unique like the code: the id comes next
        depth=parent.depth + 1,
        established_on=new.established_on,
        term_years=TERM_YEARS.get(new.level),
        contact_person=_text(new.contact_person),
        contact_phone=_text(new.contact_phone),
        address=_text(new.address),
        version=1,
    )
    ctx.session.add(row)
    await w.flush(taken)
    row.path = make_path(parent.path, row.id)
    await w.flush(taken)
    w.record(
        to_global_id("Organization", row.id),
        row.path,
        after={
            "parent_id": parent.id,
            "code": code,
            "name": row.name,
            "level": new.level.name,
            "org_type": new.org_type.name,
            "branch_kind": kind.name if kind else None,
            "established_on": new.established_on,
        },
    )
    return row.id


@dataclass(frozen=True)
class OrgChanges:
    """`updateOrganization`'s input: None leaves a field as it is (an empty contact field
    clears it)."""

    name: str | None = None
    org_type: OrgType | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    address: str | None = None
    secretary_id: int | None = None
    vacate_secretary: bool = False


def _stale(version: int) -> Conflict:
    return Conflict(f"the organisation has changed since version {version}: reload it")


async def eligible_secretary(w: Write, org: Row, member_id: int) -> Row:
    """The member to hold `org`'s secretary post: one the caller sees, a full member (正式党员)
    of the org or below it."""
    member = await w.authorized(
        Member, member_id, Action.READ, Member.id, Member.org_id, Member.status, Member.party_post
    )
    if member is None or not member._path.startswith(org.path):
        raise BadUserInput("secretaryId must name a member of this organisation or below it")
    if member.status is not MemberStatus.FULL:
        raise BadUserInput("the secretary (书记) must be a full member (正式党员)")
    return member


async def set_party_post(w: Write, member_id: int, org_id: int, post: PartyPost | None) -> None:
    """The SECRETARY party post of a member of the org itself (a committee's secretary sits
    in one of its branches, whose post stays as it is): given, or taken away."""
    stmt = unscoped(update(Member), why="the secretary of an org authorized above").where(
        Member.id == member_id, Member.org_id == org_id
    )
    if post is None:
        stmt = stmt.where(Member.party_post == PartyPost.SECRETARY)
    await w.change(stmt.values(party_post=post))


async def update_org(w: Write, org_id: int | None, expected_version: int, c: OrgChanges) -> int:
    """Name, type, contact and the secretary post of an organisation, at `expected_version`.
    The post holds a member of the org or below it, or is vacant since a day (the weak-org
    sweep asks how long); a branch's own secretary carries the SECRETARY party post."""
    ctx = w.ctx
    org = await _writable(w, org_id, "organizationId")
    if org.version != expected_version:
        raise _stale(expected_version)
    if c.secretary_id is not None and c.vacate_secretary:
        raise BadUserInput("give secretaryId or vacateSecretary, not both")
    values: dict = {}
    if c.name is not None:
        values["name"] = required(c.name, "name")
    if c.org_type is not None:
        values["org_type"] = c.org_type
    for field in ("contact_person", "contact_phone", "address"):
        if (given := getattr(c, field)) is not None:
            values[field] = _text(given)
    old_secretary = org.secretary_id
    if c.secretary_id is not None and c.secretary_id != old_secretary:
        member = await eligible_secretary(w, org, c.secretary_id)
        values.update(secretary_id=member.id, secretary_vacant_since=None)
        if old_secretary is not None:
            await set_party_post(w, old_secretary, org.id, None)
        await set_party_post(w, member.id, org.id, PartyPost.SECRETARY)
    if c.vacate_secretary and (old_secretary is not None or org.secretary_vacant_since is None):
        values.update(secretary_id=None, secretary_vacant_since=ctx.today)
        if old_secretary is not None:
            await set_party_post(w, old_secretary, org.id, None)
    changed = {k: v for k, v in values.items() if getattr(org, k) != v}
    if not changed:
        return org.id
    stmt = (
        unscoped(update(Organization), why="the organisation authorized above")
        .where(Organization.id == org.id, Organization.version == expected_version)
        .values(**changed, version=Organization.version + 1)
    )
    if await w.change(stmt) == 0:
        raise _stale(expected_version)
    w.record(
        to_global_id("Organization", org.id),
        org.path,
        before={k: _plain(getattr(org, k)) for k in changed},
        after={k: _plain(v) for k, v in changed.items()},
    )
    return org.id


def _plain(value):
    return value.name if isinstance(value, OrgType) else value


@rewrites_paths
async def move_org(
    w: Write, organization_id: int | None, new_parent_id: int | None, expected_version: int | None
) -> int:
    """A subtree to a new parent: path and depth of every descendant and every copy of their
    paths rewritten in this transaction (`resolvers.rehome.move_subtree`), the tree held
    alone. The caller administers both the old and the new parent; an org outside that is
    answered as missing. Refused under its own subtree and where the new parent's level may
    not hold it."""
    principal = w.ctx.require()
    org = await _writable(w, organization_id, "organizationId")
    if org.parent_id is None:
        raise BadUserInput("the root organisation cannot move")
    old_parent = parent_path(org.path) or "/"
    if not can(principal, Resource.ORG, Action.WRITE, old_parent):
        w.refuse(to_global_id("Organization", org.id), org.path)
        raise NotFound("organizationId names no organisation you may change")
    parent = await _writable(w, new_parent_id, "newParentId")
    if expected_version is not None and org.version != expected_version:
        raise _stale(expected_version)
    check_move(org.path, parent.path)
    check_child(parent.level, org.level)
    if parent.id == org.parent_id:
        return org.id
    new_path = make_path(parent.path, org.id)
    await w.change(
        unscoped(update(Organization), why="the organisation authorized above")
        .where(Organization.id == org.id)
        .values(parent_id=parent.id, version=Organization.version + 1)
    )
    moved = await move_subtree(w.session, org.path, new_path)
    w.record(
        to_global_id("Organization", org.id),
        new_path,
        before={"parent_id": org.parent_id, "path": org.path},
        after={"parent_id": parent.id, "path": new_path, "organizations": moved},
    )
    return org.id


def _count(model: type, *where: ColumnElement[bool]) -> Select:
    return unscoped(
        select(func.count()).select_from(model).where(*where),
        why="what an organisation authorized above still holds",
    )


@rewrites_paths
async def dissolve_org(
    w: Write, organization_id: int | None, merge_into_id: int | None, expected_version: int | None
) -> int:
    """Dissolve an empty organisation (`domain.org.check_dissolvable`), or one whose members
    are first moved, with every copy of their path, into `merge_into_id`: a branch in the
    caller's scope outside it. It is kept, marked dissolved (the module docstring)."""
    ctx = w.ctx
    org = await _writable(w, organization_id, "organizationId")
    if org.parent_id is None:
        raise BadUserInput("the root organisation cannot be dissolved")
    if expected_version is not None and org.version != expected_version:
        raise _stale(expected_version)
    session = w.session
    children = await session.scalar(_count(Organization, Organization.parent_id == org.id, LIVE))
    members = await session.scalar(_count(Member, Member.org_id == org.id)) or 0
    check_dissolvable(children or 0, members, merge_into_id is not None)
    hosted = CheckIn.community_id == org.id, CheckIn.status == CheckInStatus.ACTIVE
    if await session.scalar(_count(CheckIn, *hosted)):
        raise BadUserInput("members are checked in here (报到): end their check-ins first")
    target = None
    if merge_into_id is not None:
        target = await _writable(w, merge_into_id, "mergeIntoId")
        check_merge_target(target.level, org.path, target.path)
        into = await session.get(Organization, target.id)
        ids = unscoped(select(Member.id), why="the members of the org authorized above")
        await rehome_members(session, ids.where(Member.org_id == org.id), into)  # type: ignore[arg-type]
    await w.change(
        unscoped(update(Organization), why="the organisation authorized above")
        .where(Organization.id == org.id)
        .values(
            dissolved_on=ctx.today,
            secretary_id=None,
            secretary_vacant_since=None,
            version=Organization.version + 1,
        )
    )
    w.record(
        to_global_id("Organization", org.id),
        org.path,
        before={"dissolved_on": None},
        after={
            "dissolved_on": ctx.today,
            "merged_into": target.id if target else None,
            "members_moved": members if target else 0,
        },
    )
    return org.id
