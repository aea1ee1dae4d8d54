"""Keyset pagination (Relay Cursor Connections): `first` after a cursor or `last` before one
(default 20, max 100), cursors over (sort key, id) that name the list and order they belong
to."""

import base64
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, literal, tuple_

from models.base import Column
from resolvers.errors import BadUserInput
from resolvers.ids import MAX_ID

T = TypeVar("T")
DEFAULT_FIRST = 20
MAX_FIRST = 100
MAX_CURSOR = 1000  # characters; this API's cursors are a few dozen


@dataclass(frozen=True)
class Window:
    """The part of a list a connection field asks for: the `first` items after `after`, or
    the `last` before `before` (either cursor may bound either direction). `field` names the
    list (`Query.members`): a cursor is only valid in the list and order that issued it."""

    field: str
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def __post_init__(self) -> None:
        if self.first is not None and self.last is not None:
            raise BadUserInput("pass first or last, not both")
        for name, value in (("first", self.first), ("last", self.last)):
            if value is not None and not 0 <= value <= MAX_FIRST:
                raise BadUserInput(f"{name} must be between 0 and {MAX_FIRST}")

    @property
    def backward(self) -> bool:
        """Counted back from the end (`last`): rows are read in reverse order."""
        return self.last is not None

    @property
    def size(self) -> int:
        size = self.last if self.backward else self.first
        return DEFAULT_FIRST if size is None else size


@dataclass
class Page(Generic[T]):
    """One page of rows; `count` runs the total count and `cursor` encodes an item's
    position, each only if a caller asks for it."""

    items: list[T]
    order: "Order"
    window: Window
    has_next: bool
    has_previous: bool
    count: Callable[[], Awaitable[int]]

    def cursor(self, item: T) -> str:
        return self.order.cursor(item, self.window.field)


@dataclass(frozen=True)
class Order:
    """Sort by `key` (then id as tie-breaker), ascending or descending."""

    key: Column[Any] | None  # a column, or a labelled expression of one
    id_col: Column[int]
    descending: bool = False

    @property
    def tag(self) -> str:
        """What a cursor records of its order (`name desc`): the key's name, which with the
        list's field tells one order from another."""
        col = self.key if self.key is not None else self.id_col
        return f"{col.key}{' desc' if self.descending else ''}"

    def columns(self, backward: bool = False) -> list[ColumnElement[Any]]:
        """ORDER BY of the order, reversed to read a window backward."""
        cols = [self.key, self.id_col] if self.key is not None else [self.id_col]
        down = self.descending != backward
        return [c.desc() if down else c.asc() for c in cols]

    def bounds(self, window: Window) -> list[ColumnElement[bool]]:
        """Rows strictly after `after` and strictly before `before`, positions as literals."""
        out = []
        for cursor, ahead in ((window.after, True), (window.before, False)):
            if cursor:
                value, pk = self.position(cursor, window.field)
                key = literal(value, self.key.type) if self.key is not None else None
                out.append(self._beyond(key, literal(pk), ahead))
        return out

    def parameter_bounds(self, after: bool, before: bool) -> list[ColumnElement[bool]]:
        """`bounds` with the positions as parameters, given at execution as
        `parameter_values(window)`: one statement serves every cursor."""
        out = []
        for name, given, ahead in (("after", after, True), ("before", before, False)):
            if given:
                key = None if self.key is None else bindparam(f"{name}_key", type_=self.key.type)
                pk = bindparam(f"{name}_id", type_=self.id_col.type)
                out.append(self._beyond(key, pk, ahead))
        return out

    def parameter_values(self, window: Window) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for name, cursor in (("after", window.after), ("before", window.before)):
            if cursor:
                value, pk = self.position(cursor, window.field)
                params[f"{name}_id"] = pk
                if self.key is not None:
                    params[f"{name}_key"] = value
        return params

    def position(self, cursor: str, field: str) -> tuple[Any, int]:
        """The (sort key, id) a cursor of `field` encodes, the key in its column's Python type
        (a moment as written: aware, so its column type stores it in UTC)."""
        issuer, tag, value, last_id = decode_cursor(cursor)
        if (issuer, tag) != (field, self.tag):
            raise BadUserInput("this cursor belongs to another list or order")
        if value is None:  # a row without a sort key (a birth date not recorded)
            return value, last_id
        if self.key is None or not isinstance(value, _carried(self.key)):
            raise BadUserInput("malformed cursor")  # a key of its column's kind, no other
        if isinstance(value, bool) or (isinstance(value, int) and abs(value) > MAX_ID):
            raise BadUserInput("malformed cursor")
        kind = _temporal(self.key)
        if kind is not None and isinstance(value, str):  # temporal keys travel as text
            try:
                value = kind.fromisoformat(value)
            except ValueError:
                raise BadUserInput("malformed cursor") from None
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                raise BadUserInput("malformed cursor")
        return value, last_id

    def _beyond(
        self, value: ColumnElement[Any] | None, pk: ColumnElement[int], ahead: bool
    ) -> ColumnElement[bool]:
        """Rows after (`ahead`) or before (`value`, `pk`) in this order; `value` is None when
        ordered by id alone."""
        greater = ahead != self.descending
        if self.key is None:
            return self.id_col > pk if greater else self.id_col < pk
        # a row-value comparison keeps the (key, id) index usable as a range
        position, mark = tuple_(self.key, self.id_col), tuple_(value, pk)
        return position > mark if greater else position < mark

    def cursor(self, row: Any, field: str) -> str:
        key = getattr(row, str(self.key.key)) if self.key is not None else None
        return encode_cursor(field, self.tag, key, getattr(row, str(self.id_col.key)))


def _carried(col: Column[Any]) -> type:
    """How a cursor carries a key of `col`: whole numbers as numbers, everything else as
    text (dates and moments in ISO form)."""
    try:
        python = col.type.python_type
    except NotImplementedError:
        return str
    return int if python is int else str


def _temporal(col: Column[Any]) -> type[dt.date] | None:
    """dt.date or dt.datetime when the column holds one (cursors carry them as text)."""
    kind = getattr(col.type, "python_type", None)
    return kind if kind in (dt.date, dt.datetime) else None


def encode_cursor(field: str, tag: str, key: Any, pk: int) -> str:
    if isinstance(key, dt.date):
        key = key.isoformat()
    return base64.urlsafe_b64encode(json.dumps([field, tag, key, pk]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, str, Any, int]:
    """(list, order, sort key, id) of a cursor; anything else, in whatever shape, is a
    malformed cursor."""
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError
        field, tag, key, pk = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):  # binascii.Error and orjson.JSONDecodeError among them
        raise BadUserInput("malformed cursor") from None
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 <= pk <= MAX_ID:
        raise BadUserInput("malformed cursor")
    return field, tag, key, pk


def paged(stmt: Select, order: Order, window: Window) -> Select:
    """`stmt` cut to the window (+1 row to detect more beyond it)."""
    return cut(stmt.where(*order.bounds(window)), order, window.size, window.backward)


def cut(stmt: Select, order: Order, size: int, backward: bool = False) -> Select:
    """`stmt` in `order` (reversed to read backward), limited to `size` rows and one more.

    The limit is rendered as a literal: a bound LIMIT made SQLite choose a full scan
    for an OR of path ranges (docs/performance.md).
    """
    limit: BindParameter[int] = bindparam("page_limit", size + 1, literal_execute=True)
    return stmt.order_by(*order.columns(backward)).limit(limit)


def make_page(
    rows: Sequence[T], order: Order, window: Window, count: Callable[[], Awaitable[int]]
) -> Page[T]:
    """The page of `rows` read for `window` (in reading order: backward for `last`). Past a
    cursor there are items on its side (Relay: the server may say so without looking)."""
    items = list(rows[: window.size])
    more = len(rows) > window.size
    if window.backward:
        items.reverse()
    return Page(
        items=items,
        order=order,
        window=window,
        has_next=(more and not window.backward) or window.before is not None,
        has_previous=(more and window.backward) or window.after is not None,
        count=count,
    )
