"""Declarative base, naming convention and shared column types."""

import enum
from typing import Any

from sqlalchemy import Enum, MetaData, String
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Materialised tree paths compare bytewise: on PostgreSQL the column must be COLLATE "C",
# otherwise range predicates over the index silently return wrong rows (DESIGN §1).
PathString = String(255).with_variant(String(255, collation="C"), "postgresql")


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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
