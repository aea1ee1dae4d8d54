"""Bulk loading: COPY on PostgreSQL, executemany on SQLite — never ORM objects one by one."""

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

sqlite3.register_adapter(dt.date, dt.date.isoformat)  # the format SQLAlchemy's Date reads back

TABLES = ("organization", "member", "account", "role_grant")  # parents first


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
        driver = raw.driver_connection
        if self.postgres:
            await driver.copy_records_to_table(table, records=rows, columns=list(columns))
        else:
            marks = ", ".join("?" * len(columns))
            await driver.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )
        return len(rows)

    async def clear(self) -> None:
        """Empty every seeded table (children first)."""
        if self.postgres:
            await self.conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(TABLES):
            await self.conn.execute(text(f"DELETE FROM {table}"))

    async def finish(self) -> None:
        """Move id sequences past the loaded ids and refresh planner statistics."""
        if self.postgres:
            for table in TABLES:
                await self.conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                    )
                )
        await self.conn.execute(text("ANALYZE"))
