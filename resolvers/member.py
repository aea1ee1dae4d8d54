"""Member directory reads: single members, filtered lists, an org's members; PII masking."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import ColumnElement, Integer, Row, Select, cast, extract, func, null

from authz.masking import mask_address, mask_id_card, mask_phone
from authz.paths import subtree
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.calendar import born_before
from models import DuesCategory, FloatingStatus, Gender, Member, MemberStatus
from resolvers.batch import page_batch, rows_by_id
from resolvers.context import Context
from resolvers.errors import BadUserInput
from resolvers.org import member_scope, members_in, members_of, name_contains, scoped_members
from resolvers.pagination import Order, Page, Window, cut, make_page

MEMBER_COLUMNS = tuple(Member.__table__.c)
# the year alone: an order (and its cursors) by the full date would tell birthdays
BIRTH_YEAR = cast(extract("year", Member.birth_date), Integer).label("birth_year")
SORT_KEYS = {
    "TREE": Member.org_path,
    "ID": None,
    "NAME": Member.name,
    "BIRTH_DATE": BIRTH_YEAR,
}


def order_by(field: str = "TREE", descending: bool = False) -> Order:
    """Tree order (org path, then id) is the default: the (org_path, id) index serves both
    the subtree filter and the order, so a page reads only its own rows."""
    return Order(SORT_KEYS[field], Member.id, descending)


def pii(
    ctx: Context,
    org_path: str,
    member_id: int,
    id_card: str | None,
    phone: str | None,
    address: str | None,
    born: dt.date | None,
) -> tuple[str | None, str | None, str | None, dt.date | None]:
    """(ID-card number, phone, address, birth date) as the caller may see them: masked, and
    the birth date withheld (it is 8 digits of the ID card), without `member.pii` for the
    member's org; None where the column was not read."""
    if ctx.scope(Resource.MEMBER_PII, Action.READ).covers(org_path, member_id):
        return id_card, phone, address, born
    return (
        id_card and mask_id_card(id_card),
        phone and mask_phone(phone),
        address and mask_address(address),
        None,
    )


def projected(columns: frozenset[str] | None, order: Order) -> tuple[ColumnElement, ...]:
    """The member columns, those outside `columns` (None: all) read as NULL under their own
    name: rows keep one shape, and a page reads and decodes only what its fields need. The id,
    the org path (scope, masking) and the sort key are always read (cursors), the key after
    the columns where it is an expression (the year of birth)."""
    key = order.key.key if order.key is not None else "id"
    derived = (order.key,) if order.key is BIRTH_YEAR else ()
    if columns is None:
        return MEMBER_COLUMNS + derived
    keep = columns | {"id", "org_path", key}
    return tuple(c if c.key in keep else null().label(c.key) for c in MEMBER_COLUMNS) + derived


async def load_members(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, scoped_members(ctx, *MEMBER_COLUMNS), Member.id, ids)


async def get_member(ctx: Context, member_id: int | None) -> Row | None:
    """One visible member, or None (missing and out of scope look the same)."""
    return await ctx.load(load_members, member_id)


@dataclass(frozen=True)
class MemberQuery:
    """Directory filters; `under` is a visible org path."""

    under: str | None = None
    status: tuple[MemberStatus, ...] = ()
    gender: Gender | None = None
    dues_category: DuesCategory | None = None
    floating: FloatingStatus | None = None
    joined_from: dt.date | None = None
    joined_to: dt.date | None = None
    age_min: int | None = None
    age_max: int | None = None
    name: str | None = None

    def apply(self, stmt: Select, today: dt.date) -> Select:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise BadUserInput("ageMin must not exceed ageMax")
        if self.joined_from and self.joined_to and self.joined_from > self.joined_to:
            raise BadUserInput("joinedFrom must not be after joinedTo")
        for age in (self.age_min, self.age_max):
            if age is not None and not 0 <= age <= 150:
                raise BadUserInput("ages must be between 0 and 150")
        conds = []
        if self.under:
            conds.append(subtree(Member.org_path, self.under))
        if self.status:
            conds.append(Member.status.in_(self.status))
        for col, value in (
            (Member.gender, self.gender),
            (Member.dues_category, self.dues_category),
            (Member.floating, self.floating),
        ):
            if value is not None:
                conds.append(col == value)
        if self.joined_from:
            conds.append(Member.joined_on >= self.joined_from)
        if self.joined_to:
            conds.append(Member.joined_on <= self.joined_to)
        if self.age_min is not None:
            conds.append(Member.birth_date < born_before(today.year, self.age_min))
        if self.age_max is not None:
            conds.append(Member.birth_date >= born_before(today.year, self.age_max + 1))
        if self.name:
            conds.append(name_contains(Member.name, self.name, "filter.name"))
        return stmt.where(*conds)


@lru_cache(maxsize=512)
def page_select(
    scope: Scope,
    q: MemberQuery,
    order: Order,
    columns: frozenset[str] | None,
    today: dt.date,
    size: int,
    bounds: tuple[bool, bool],
    backward: bool,
) -> Select:
    """A directory page's statement, built once per scope, query, order, columns and window
    shape: `bounds` says whether there is an `after` and a `before` cursor, whose positions
    are parameters (`Order.parameter_values`)."""
    stmt = q.apply(members_in(scope, *projected(columns, order)), today)
    return cut(stmt.where(*order.parameter_bounds(*bounds)), order, size, backward)


async def list_members(
    ctx: Context,
    q: MemberQuery,
    order: Order,
    window: Window,
    columns: frozenset[str] | None = None,
) -> Page[Row]:
    """Visible members matching `q`, reading `columns` (None: all, see `projected`)."""
    bounds = (bool(window.after), bool(window.before))
    stmt = page_select(
        member_scope(ctx), q, order, columns, ctx.today, window.size, bounds, window.backward
    )
    rows = (await ctx.session.execute(stmt, order.parameter_values(window) or None)).all()

    async def count() -> int:
        counted = q.apply(scoped_members(ctx, func.count()), ctx.today)
        return await ctx.session.scalar(counted) or 0

    return make_page(rows, order, window, count)


@dataclass(frozen=True)
class OrgMembersKey:
    org_id: int
    path: str
    subtree: bool
    window: Window


BY_ID = order_by()


async def load_org_members(ctx: Context, keys: Sequence[OrgMembersKey]) -> list[Page[Row]]:
    """Pages of several orgs' members in one statement."""
    return await page_batch(
        ctx.session,
        keys,
        lambda k: members_of(scoped_members(ctx, *MEMBER_COLUMNS), k.org_id, k.path, k.subtree),
        BY_ID,
    )


async def org_members(ctx: Context, key: OrgMembersKey) -> Page[Row]:
    return await ctx.loader(load_org_members).load(key)
