"""Declarative base, naming convention and shared column types."""

import datetime as dt
import enum
from typing import Any, ClassVar, TypeVar

from sqlalchemy import ColumnElement, DateTime, Enum, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")
# a column as helpers take it: a Core expression or a mapped attribute (`Member.org_path`)
Column = ColumnElement[T] | QueryableAttribute[T]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Materialised tree paths compare bytewise: on PostgreSQL the column must be COLLATE "C",
# otherwise range predicates over the index silently return wrong rows (docs/performance.md).
PathString = String(255).with_variant(String(255, collation="C"), "postgresql")

# characters of free text (a `Text` column, which has no length of its own) a write may store:
# a page of remarks; the write template refuses more (`max_chars`)
MAX_FREE_TEXT = 2_000


def max_chars(column: Any) -> int | None:
    """The most characters a write may store in `column`: a `String(n)` column's n, a `Text`
    column's MAX_FREE_TEXT; None for any other type. SQLite stores any length, PostgreSQL
    refuses past n: the write template holds both to this."""
    if isinstance(column.type, Text):
        return MAX_FREE_TEXT
    return column.type.length if isinstance(column.type, String) else None


class NameEnum(Enum):
    """An enum stored as its member names in a VARCHAR, read back with one dict lookup per
    value (SQLAlchemy's generic processor makes a Python call per value: a measurable share
    of a 100-row page)."""

    cache_ok = True

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if String.result_processor(self, dialect, coltype) is not None:
            return super().result_processor(dialect, coltype)
        return {None: None, **self._object_lookup}.__getitem__


def str_enum(cls: type[enum.Enum]) -> Enum:
    """A portable enum column stored as its member names in a VARCHAR."""
    return NameEnum(cls, native_enum=False, length=24, validate_strings=True)


def as_stored(value: dt.datetime) -> dt.datetime:
    """An aware moment as it is stored: naive UTC (bulk loaders write through the driver)."""
    if value.tzinfo is None:
        raise ValueError("a moment must carry its time zone to be stored")
    return value.astimezone(dt.UTC).replace(tzinfo=None)


class Instant(TypeDecorator[dt.datetime]):
    """A moment in time, stored as naive UTC on every database (one form on SQLite and
    PostgreSQL, comparable as stored) and read back aware, in UTC; output converts it to
    business time. A naive value is refused: it would be a guess about its zone."""

    impl = DateTime
    cache_ok = True

    @property
    def python_type(self) -> type[dt.datetime]:
        return dt.datetime

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else as_stored(value)

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: Instant}
