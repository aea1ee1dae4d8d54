"""Keyset pagination: `first` (default 20, max 100) / `after`, cursors over (sort key, id)."""

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


@dataclass
class Page(Generic[T]):
    """One page of rows; `count` runs the total count and `cursor` encodes an item's
    position, each only if a caller asks for it."""

    items: list[T]
    order: "Order"
    has_next: bool
    has_previous: bool
    count: Callable[[], Awaitable[int]]

    def cursor(self, item: T) -> str:
        return self.order.cursor(item)


@dataclass(frozen=True)
class Order:
    """Sort by `key` (then id as tie-breaker), ascending or descending."""

    key: Column[Any] | None  # a column, or a labelled expression of one
    id_col: Column[int]
    descending: bool = False

    def columns(self) -> list[ColumnElement[Any]]:
        cols = [self.key, self.id_col] if self.key is not None else [self.id_col]
        return [c.desc() if self.descending else c.asc() for c in cols]

    def after(self, cursor: str) -> ColumnElement[bool]:
        """Rows strictly after the cursor position."""
        value, last_id = self.position(cursor)
        key = literal(value, self.key.type) if self.key is not None else None
        return self._after(key, literal(last_id))

    def after_bound(self) -> ColumnElement[bool]:
        """`after` with the position as parameters, given at execution as
        `after_params(cursor)`: one statement serves every cursor."""
        key = bindparam("after_key", type_=self.key.type) if self.key is not None else None
        return self._after(key, bindparam("after_id", type_=self.id_col.type))

    def after_params(self, cursor: str) -> dict[str, Any]:
        value, last_id = self.position(cursor)
        return (
            {"after_id": last_id} if self.key is None else {"after_key": value, "after_id": last_id}
        )

    def position(self, cursor: str) -> tuple[Any, int]:
        """The (sort key, id) a cursor encodes, the key in its column's Python type (a moment
        as written: aware, so its column type stores it in UTC)."""
        value, last_id = decode_cursor(cursor)
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

    def _after(
        self, value: ColumnElement[Any] | None, last_id: ColumnElement[int]
    ) -> ColumnElement[bool]:
        """Rows after (`value`, `last_id`); `value` is None when ordered by id alone."""
        if self.key is None:
            return self.id_col < last_id if self.descending else self.id_col > last_id
        # a row-value comparison keeps the (key, id) index usable as a range
        position, mark = tuple_(self.key, self.id_col), tuple_(value, last_id)
        return position < mark if self.descending else position > mark

    def cursor(self, row: Any) -> str:
        key = getattr(row, str(self.key.key)) if self.key is not None else None
        return encode_cursor(key, getattr(row, str(self.id_col.key)))


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


def encode_cursor(key: Any, pk: int) -> str:
    if isinstance(key, dt.date):
        key = key.isoformat()
    return base64.urlsafe_b64encode(json.dumps([key, pk]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[Any, int]:
    """(sort key, id) of a cursor; anything else, in whatever shape, is a malformed cursor."""
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError
        key, pk = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):  # binascii.Error and orjson.JSONDecodeError among them
        raise BadUserInput("malformed cursor") from None
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 <= pk <= MAX_ID:
        raise BadUserInput("malformed cursor")
    return key, pk


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_FIRST
    if first < 0 or first > MAX_FIRST:
        raise BadUserInput(f"first must be between 0 and {MAX_FIRST}")
    return first


def paged(stmt: Select, order: Order, first: int | None, after: str | None) -> tuple[Select, int]:
    """`stmt` ordered and cut to one page (+1 row to detect a next page).

    The limit is rendered as a literal: a bound LIMIT made SQLite choose a full scan
    for an OR of path ranges (docs/performance.md).
    """
    size = page_size(first)
    if after:
        stmt = stmt.where(order.after(after))
    return cut(stmt, order, size), size


def cut(stmt: Select, order: Order, size: int) -> Select:
    """`stmt` in `order`, limited to `size` rows and one more (there is a next page)."""
    limit: BindParameter[int] = bindparam("page_limit", size + 1, literal_execute=True)
    return stmt.order_by(*order.columns()).limit(limit)


def make_page(
    rows: Sequence[T],
    size: int,
    order: Order,
    after: str | None,
    count: Callable[[], Awaitable[int]],
) -> Page[T]:
    items = list(rows[:size])
    return Page(
        items=items,
        order=order,
        has_next=len(rows) > size,
        has_previous=after is not None,
        count=count,
    )
