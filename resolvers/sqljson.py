"""A members page compiled to one SQL statement that returns the connection's JSON text
(issue 24, item 1): masking, enums, global ids and cursors are computed by the database, and
the text is spliced into the response as it is (`orjson.Fragment`), with no Python object per
row or field.

The JSON is built by concatenating text, not with `json_build_object`: PostgreSQL writes its
JSON with `" : "` and `", "` separators and the response must be byte for byte what orjson
writes on the general path (`tests/test_sqljson.py` compares both). Every value goes through
the database's own JSON quoting (`to_json`, `json_quote`), whose escapes are orjson's for the
text this archive holds. SQLite has no base64: `SQLITE_FUNCTIONS` adds it on each connection
(`server/db.py`), the one per-row step in Python.

What it covers is what `compile_page` accepts: the root `members` connection in tree, id or
birth-year order, plain member fields and `organization { plain fields }`; anything else
answers None and the caller takes the general path.
"""

import base64
import datetime as dt
import json
import typing
from collections.abc import Callable
from functools import lru_cache, reduce
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.util import ClauseAdapter

from authz.registry import in_scope, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from models import Member, Organization
from resolvers.context import Context
from resolvers.member import BIRTH_YEAR, MemberQuery, page_select
from resolvers.org import member_scope, members_in, org_scope
from resolvers.pagination import Order, Window

SQLITE_FUNCTIONS: dict[str, Callable[[str], str]] = {
    "dj_b64": lambda s: base64.b64encode(s.encode()).decode(),
    "dj_b64url": lambda s: base64.urlsafe_b64encode(s.encode()).decode(),
}


class NotCompiled(Exception):
    """A field the compiler does not answer, asked on the compiled route (`Context.direct`)."""


class Pick(NamedTuple):
    """One selected field: its response key, its name and its own selection (objects)."""

    key: str
    name: str
    picks: "tuple[Pick, ...] | None"


Picks = tuple[Pick, ...]
SQL = ColumnElement[Any]

# GraphQL field -> (column, how it is shown); the GraphQL nullability of each is the column's
MEMBER_LEAVES: dict[str, tuple[str, str]] = {
    "name": ("name", "plain"), "gender": ("gender", "plain"),
    "ethnicity": ("ethnicity", "plain"), "birthDate": ("birth_date", "birth"),
    "birthYear": ("birth_date", "year"), "education": ("education", "plain"),
    "idCardNumber": ("id_card_number", "id_card"), "phone": ("phone", "phone"),
    "address": ("address", "address"), "status": ("status", "plain"),
    "duesCategory": ("dues_category", "plain"), "partyPost": ("party_post", "plain"),
    "appliedOn": ("applied_on", "plain"), "joinedOn": ("joined_on", "plain"),
    "confirmedOn": ("confirmed_on", "plain"), "floating": ("floating", "plain"),
    "standing": ("standing", "plain"), "standingOn": ("standing_on", "plain"),
    "standingReason": ("standing_reason", "plain"), "addedHow": ("added_how", "plain"),
    "version": ("version", "plain"),
}  # fmt: skip
ORG_LEAVES: dict[str, str] = {
    "name": "name", "code": "code", "level": "level", "orgType": "org_type",
    "branchKind": "branch_kind", "depth": "depth", "establishedOn": "established_on",
    "termYears": "term_years", "lastElectionOn": "last_election_on",
    "contactPerson": "contact_person", "contactPhone": "contact_phone", "address": "address",
    "secretaryVacantSince": "secretary_vacant_since", "dissolvedOn": "dissolved_on",
    "version": "version",
}  # fmt: skip
PAGE_INFO = {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"}
STARS = "'" + "*" * 255 + "'"  # no masked column is longer (VARCHAR(200) at most)
# cursors this compiler writes: a key json.dumps writes as the database does (no non-ASCII)
ORDER_KEYS = (None, Member.org_path, BIRTH_YEAR)


class Dialect:
    """The few expressions PostgreSQL and SQLite spell differently."""

    def __init__(self, name: str) -> None:
        self.pg = name == "postgresql"

    def json(self, value: SQL) -> SQL:
        """`value` as JSON text (`null` for NULL)."""
        if self.pg:
            return func.coalesce(cast(func.to_json(value), Text), const("null"))
        return func.json_quote(value)

    def b64(self, text: SQL, url: bool = False) -> SQL:
        if not self.pg:
            return func.dj_b64url(text) if url else func.dj_b64(text)
        coded = func.encode(func.convert_to(text, const("UTF8")), const("base64"))
        # PostgreSQL breaks base64 lines at 76 characters: a cursor may be longer
        to = const("-_" if url else "+/")
        return func.translate(coded, literal_column("'+/' || chr(10)"), to)

    def stars(self, n: SQL) -> SQL:
        return func.repeat(const("*"), n) if self.pg else func.substr(literal_column(STARS), 1, n)

    def joined(self, value: SQL, where: ColumnElement[bool], order: SQL) -> SQL:
        """The `value`s of the rows `where` holds, joined by commas in `order` ('' for none)."""
        if self.pg:
            agg = func.string_agg(value, aggregate_order_by(const(","), order))
            return func.coalesce(over(agg).where(where).scalar_subquery(), const(""))
        # SQLite 3.40 has no ORDER BY inside an aggregate (3.44 has): as a window over the
        # whole frame, group_concat takes the rows in the window's order
        whole = func.group_concat(value, const(",")).over(order_by=order, rows=(None, None))
        return func.coalesce(over(whole).where(where).limit(1).scalar_subquery(), const(""))


def over(*columns: Any) -> Select:
    """A statement over the page statement `p` (scoped by the registry) or rows made of it."""
    return unscoped(select(*columns), why="reads the scoped page statement p")


def const(text: str) -> SQL:
    """A SQL literal of our own text: type names, separators, and response keys, the only
    client text here, which GraphQL's grammar limits to [_A-Za-z0-9] (checked all the same)."""
    if "'" in text or "\\" in text:
        raise ValueError(text)
    return literal_column(f"'{text}'", Text)


def concat(parts: list[SQL]) -> SQL:
    return reduce(lambda a, b: a.op("||")(b), parts)


def obj(entries: list[tuple[str, SQL]]) -> SQL:
    """A JSON object of (key, JSON text) entries, in order."""
    parts: list[SQL] = []
    for i, (key, value) in enumerate(entries):
        parts += [const(("{" if i == 0 else ",") + orjson.dumps(key).decode() + ":"), value]
    return concat([*parts, const("}")]) if parts else const("{}")


def flag(cond: ColumnElement[bool] | None, given: bool) -> SQL:
    """A Boolean known before the statement (`given`), or else `cond`'s (None: false)."""
    if given or cond is None:
        return const("true" if given else "false")
    return case((cond, const("true")), else_=const("false"))


def masked(d: Dialect, how: str, value: SQL, pii: ColumnElement[bool] | None) -> SQL:
    """`value` as a caller without `member.pii` for the member's org sees it (the Python
    masks of `authz.masking`, written in SQL); `pii` None: the caller sees every member's."""
    n = func.length(value)
    hidden: SQL
    if how == "id_card":
        shown = func.substr(value, 1, 3).op("||")(d.stars(n - 3))
        hidden = case((n <= 7, d.stars(n)), else_=shown)
    elif how == "phone":
        shown = d.stars(n - 4).op("||")(func.substr(value, n - 3))
        hidden = case((n <= 7, d.stars(n)), else_=shown)
    elif how == "address":
        shown = func.substr(value, 1, 6).op("||")(const("****"))
        hidden = case((value == const(""), value), else_=shown)
    else:  # the birth date is withheld
        hidden = cast(None, value.type)
    return value if pii is None else case((pii, value), else_=hidden)


def member_node(d: Dialect, picks: Picks, p: Any, pii: ColumnElement[bool] | None) -> SQL | None:
    entries: list[tuple[str, SQL]] = []
    for pick in picks:
        if pick.name == "__typename":
            entries.append((pick.key, const('"Member"')))
        elif pick.name == "id":
            entries.append((pick.key, d.json(d.b64(const("Member:").op("||")(cast(p.c.id, Text))))))
        elif pick.name == "organization" and pick.picks is not None:
            org = org_node(d, pick.picks)
            if org is None:
                return None
            entries.append((pick.key, case((Organization.id.is_(None), const("null")), else_=org)))
        elif pick.name in MEMBER_LEAVES and pick.picks is None:
            column, how = MEMBER_LEAVES[pick.name]
            value = p.c[column]
            if how == "year":
                value = cast(func.extract("year", value), BIRTH_YEAR.type)
            elif how != "plain":
                value = masked(d, how, value, pii)
            entries.append((pick.key, d.json(value)))
        else:
            return None
    return obj(entries)


def org_node(d: Dialect, picks: Picks) -> SQL | None:
    entries: list[tuple[str, SQL]] = []
    for pick in picks:
        if pick.picks is not None:
            return None
        if pick.name == "__typename":
            entries.append((pick.key, const('"Organization"')))
        elif pick.name == "id":
            gid = const("Organization:").op("||")(cast(Organization.id, Text))
            entries.append((pick.key, d.json(d.b64(gid))))
        elif pick.name in ORG_LEAVES:
            entries.append((pick.key, d.json(Organization.__table__.c[ORG_LEAVES[pick.name]])))
        else:
            return None
    return obj(entries)


def selected(picks: Picks, name: str) -> list[Pick]:
    return [p for p in picks if p.name == name]


def member_columns(picks: Picks) -> frozenset[str]:
    """The member columns the node's picks read (the page statement's projection)."""
    columns = set()
    for pick in picks:
        if pick.name == "organization":
            columns.add("org_id")
        elif pick.name in MEMBER_LEAVES:
            columns.add(MEMBER_LEAVES[pick.name][0])
    return frozenset(columns)


class Scopes(NamedTuple):
    """The caller's scopes the statement applies: members, their PII, organisations."""

    members: Scope
    pii: Scope
    orgs: Scope


class Shape(NamedTuple):
    """What a window contributes to the statement (its cursors' positions are parameters)."""

    field: str
    size: int
    after: bool
    before: bool
    backward: bool


@lru_cache(maxsize=512)
def compile_page(
    dialect: str, scopes: Scopes, q: MemberQuery, order: Order, window: Shape, picks: Picks,
    today: dt.date,
) -> Select | None:  # fmt: skip
    """The statement answering the `members` connection `picks` as one JSON text, or None
    where this compiler does not cover the selection (the general path answers); built once
    per caller's scopes, query, order, window shape and selection, as `page_select`."""
    if not any(order.key is k for k in ORDER_KEYS) or len(selected(picks, "edges")) > 1:
        return None  # a name order's cursors escape non-ASCII; one `edges` shape per page
    d = Dialect(dialect)
    nodes: Picks = ()
    for pick in picks:
        if pick.name == "edges" and pick.picks is not None:
            for sub in pick.picks:
                if sub.name == "node" and sub.picks is not None:
                    nodes += sub.picks
                elif sub.name not in ("cursor", "__typename"):
                    return None
        elif pick.name == "pageInfo" and pick.picks is not None:
            if any(sub.name not in PAGE_INFO or sub.picks for sub in pick.picks):
                return None
        elif pick.name not in ("totalCount", "__typename") or pick.picks is not None:
            return None
    bounds = (window.after, window.before)
    columns = member_columns(nodes)
    p = page_select(
        scopes.members, q, order, columns, today, window.size, bounds, window.backward
    ).subquery("p")
    pii = in_scope(scopes.pii, Member)
    if pii is not None:
        pii = ClauseAdapter(p).traverse(pii)
    key = p.c[str(order.key.key)] if order.key is not None else None
    cursor = d.b64(
        concat(
            [
                const(json.dumps([window.field, order.tag])[:-1] + ", "),  # as `encode_cursor`
                d.json(key) if key is not None else const("null"),
                const(", "),
                cast(p.c.id, Text),
                const("]"),
            ]
        ),
        url=True,
    )
    edges: list[tuple[str, SQL]] = []
    for edge in selected(picks, "edges"):
        for sub in edge.picks or ():
            if sub.name == "__typename":
                edges.append((sub.key, const('"MemberEdge"')))
            elif sub.name == "cursor":
                edges.append((sub.key, d.json(cursor)))
            else:
                node = member_node(d, sub.picks or (), p, pii)
                if node is None:
                    return None
                edges.append((sub.key, node))
    sort = [key, p.c.id] if key is not None else [p.c.id]
    down = order.descending != window.backward
    n = func.row_number().over(order_by=[c.desc() if down else c.asc() for c in sort])
    source: Any = p
    if "org_id" in columns:  # `organization`: null outside the caller's org scope
        visible = in_scope(scopes.orgs, Organization)
        on = Organization.id == p.c.org_id
        source = p.outerjoin(Organization, on if visible is None else on & visible)
    rows = over(obj(edges).label("e"), cursor.label("c"), n.label("n")).select_from(source).cte("w")
    size = window.size
    kept = rows.c.n <= size
    last = over(rows.c.c).where(kept).order_by(rows.c.n.desc()).limit(1).scalar_subquery()
    first = over(rows.c.c).where(kept, rows.c.n == 1).scalar_subquery()
    more = over(func.count()).select_from(rows).scalar_subquery() > size
    start, end = (last, first) if window.backward else (first, last)
    has_next, has_previous = (None, more) if window.backward else (more, None)
    fields: list[tuple[str, SQL]] = []
    for pick in picks:
        if pick.name == "__typename":
            fields.append((pick.key, const('"MemberConnection"')))
        elif pick.name == "totalCount":
            counted = q.apply(members_in(scopes.members, func.count()), today).scalar_subquery()
            fields.append((pick.key, d.json(counted)))
        elif pick.name == "edges":
            shown = rows.c.n.desc() if window.backward else rows.c.n.asc()
            items = d.joined(rows.c.e, kept, shown)
            fields.append((pick.key, concat([const("["), items, const("]")])))
        else:
            info: list[tuple[str, SQL]] = []
            for sub in pick.picks or ():
                if sub.name == "__typename":
                    info.append((sub.key, const('"PageInfo"')))
                elif sub.name == "hasNextPage":
                    info.append((sub.key, flag(has_next, window.before)))
                elif sub.name == "hasPreviousPage":
                    info.append((sub.key, flag(has_previous, window.after)))
                else:
                    info.append((sub.key, d.json(start if sub.name == "startCursor" else end)))
            fields.append((pick.key, obj(info)))
    return over(obj(fields))


async def page_json(
    ctx: Context, q: MemberQuery, order: Order, window: Window, picks: Picks
) -> orjson.Fragment | None:
    """The connection's JSON from one statement; None where the compiler does not cover it."""
    dialect = ctx.session.get_bind().dialect
    scopes = Scopes(member_scope(ctx), ctx.scope(Resource.MEMBER_PII, Action.READ), org_scope(ctx))
    shape = Shape(
        window.field, window.size, bool(window.after), bool(window.before), window.backward
    )
    stmt = compile_page(dialect.name, scopes, q, order, shape, picks, ctx.today)
    if stmt is None:
        return None
    sql = driver_sql(stmt, dialect)
    state = sql.construct_expanded_state(order.parameter_values(window) or None)
    convert = typing.cast(  # as SQLAlchemy's execution: the expanded ones' processors added
        dict[str, Callable[[Any], Any]],
        {**sql._bind_processors, **state.processors} if state.processors else sql._bind_processors,
    )
    values = state.parameters
    args = tuple(
        convert[name](values[name]) if name in convert else values[name]
        for name in state.positiontup or ()
    )
    connection = await ctx.session.connection()
    return orjson.Fragment((await connection.exec_driver_sql(state.statement, args)).scalar_one())


@lru_cache(maxsize=512)
def driver_sql(stmt: Select, dialect: DefaultDialect) -> SQLCompiler:
    """`stmt` compiled once, run as the driver's text with positional values: SQLAlchemy's
    per-execution work on a statement this size (its compiled-cache lookup, result setup)
    cost more CPU than the driver's round trip. `construct_expanded_state` renders the
    literal and expanding parameters, and gives the cursor positions their places."""
    compiled = stmt.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    return compiled
