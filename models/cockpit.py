"""The cockpit's maintained counts: its month-based indicators summed per organisation and
month (`resolvers/tally.py` keeps them; docs/ARCHITECTURE.md, "The cockpit")."""

import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

# An org path as the tallies hold it: compared bytewise like `PathString`, but not that type,
# so a subtree move leaves it alone (a move marks the old and new paths to be recomputed:
# the tally is a cache of the sources, never a copy of a row's placement)
TallyPath = String(255).with_variant(String(255, collation="C"), "postgresql")


class CockpitTally(Base):
    """An indicator's source (`resolvers.cockpit.SOURCES`) over one month, computed for the
    whole tree and summed by the path it emits: the cache the cockpit sums instead of the
    source's rows, where the caller's scope covers the subtree asked."""

    __tablename__ = "cockpit_tally"
    __table_args__ = (  # a subtree's month is a range of it, index only
        Index("ix_cockpit_tally_cover", "key", "month", "path", "numerator", "denominator"),
    )

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[dt.date] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(TallyPath, primary_key=True)
    numerator: Mapped[int] = mapped_column(BigInteger)
    denominator: Mapped[int] = mapped_column(BigInteger)


class CockpitTallyMonth(Base):
    """A month whose tallies are held, with what they stand on (`stands`: `closed` for a
    month ended, else the day they were computed for, and a formula's setting): a month
    whose `stands` differs from the one asked is recomputed whole."""

    __tablename__ = "cockpit_tally_month"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[dt.date] = mapped_column(primary_key=True)
    stands: Mapped[str] = mapped_column(String(64))


class CockpitDirty(Base):
    """A path whose tallies of `key` changed, written by database triggers on the source
    tables (migration 0024): no unique key, so a writer never waits for a cockpit read that
    is taking marks away."""

    __tablename__ = "cockpit_dirty"
    __table_args__ = (Index("ix_cockpit_dirty_key_path", "key", "path"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )  # a rowid on SQLite
    key: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(TallyPath)
