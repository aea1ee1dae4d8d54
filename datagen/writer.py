"""Bulk loading: COPY on PostgreSQL, executemany on SQLite — never ORM objects one by one."""

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.clock import clock
from models.base import as_stored

# the formats SQLAlchemy's Date and DateTime write on SQLite (stored moments compare as text)
sqlite3.register_adapter(dt.date, dt.date.isoformat)
sqlite3.register_adapter(dt.datetime, lambda v: v.isoformat(" ", "microseconds"))


def stored(day: dt.date, at: dt.time) -> dt.datetime:
    """The moment `at` on `day` in business time, as `Instant` stores it (naive UTC): rows
    go straight through the driver, past the column type."""
    return as_stored(dt.datetime.combine(day, at, tzinfo=clock().zone))


TABLES = (
    "organization",
    "member",
    "account",
    "role_grant",
    "check_in",
    "service_team",
    "service_record",
    "volunteer_post",
    "dues_base",
    "dues_payment",
    "dues_month",
    "development_case",
    "development_record",
    "floating_record",
    "floating_contact",
    "floating_report",
    "symposium",
    "symposium_attendee",
    "suggestion",
    "activity",
    "activity_participant",
    "study_resource",
    "study_session",
    "study_pairing",
    "study_delivery",
    "training_class",
    "training_enrolment",
    "org_term",
    "election",
    "term_change",
    "org_assessment",
    "rectification_case",
    "rectification_note",
)  # parents first; dues_rule is reference data from the migrations
DERIVED = ("study_total",)  # computed from the loaded rows at the end: no id sequence
# the cockpit's tallies (`resolvers/tally.py`), left empty: the loads marked every path, and
# a month is computed whole on first use
TALLIES = ("cockpit_dirty", "cockpit_tally_month", "cockpit_tally")


class BulkWriter:
    """Writes tuples straight through the driver inside the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    async def insert(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        rows = list(rows)
        if not rows:
            return 0
        raw = await self.conn.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg's or aiosqlite's own connection
        if self.postgres:
            await driver.copy_records_to_table(table, records=rows, columns=list(columns))
        else:
            marks = ", ".join("?" * len(columns))
            await driver.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )
        return len(rows)

    async def clear(self) -> None:
        """Empty every seeded table, children first, and the audit trail, whose rows name
        accounts (append-only forbids changing a row, not deleting it: the trigger is on
        UPDATE only, as retention deletes too)."""
        tables = (*TABLES, *DERIVED, *TALLIES, "audit_log")
        if self.postgres:
            await self.conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return
        await self.conn.execute(text("UPDATE organization SET secretary_id = NULL"))
        for table in reversed(tables):
            await self.conn.execute(text(f"DELETE FROM {table}"))

    async def link_secretaries(self) -> None:
        """Each organisation's secretary post (书记): the member of its roll who holds it."""
        await self.conn.execute(
            text(
                "UPDATE organization SET secretary_id = (SELECT min(m.id) FROM member m"
                " WHERE m.org_id = organization.id AND m.party_post = 'SECRETARY')"
            )
        )

    async def last_elections(self) -> None:
        """Each organisation's last election: the start of its term in force."""
        await self.conn.execute(
            text(
                "UPDATE organization SET last_election_on = (SELECT t.started_on FROM org_term t"
                " WHERE t.org_id = organization.id AND t.ended_on IS NULL)"
                " WHERE id IN (SELECT org_id FROM org_term)"
            )
        )

    async def finish(self) -> None:
        """Empty the tallies, move id sequences past the loaded ids and refresh planner
        statistics."""
        for table in TALLIES:
            await self.conn.execute(text(f"DELETE FROM {table}"))
        if self.postgres:
            for table in TABLES:
                await self.conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                    )
                )
            # its own tables only: a database-wide ANALYZE deadlocks with a suite seeding beside
            analysed = (*TABLES, *DERIVED, "dues_rule", "holiday")
            await self.conn.execute(text(f"ANALYZE {', '.join(analysed)}"))
            return
        await self.conn.execute(text("ANALYZE"))


def batched(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    """Consecutive lists of at most `size` rows (itertools.batched arrives in 3.12)."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk
