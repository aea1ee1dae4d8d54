"""Migrations build the schema on both databases, and revert."""

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import downgrade, upgrade
from tests.conftest import fresh_engine

TABLES = {
    "audit_log",
    "holiday",
    "development_case",
    "development_record",
    "dues_rule",
    "dues_base",
    "dues_payment",
    "dues_month",
    "organization",
    "member",
    "account",
    "role_grant",
    "check_in",
    "service_record",
    "service_team",
    "volunteer_post",
    "alembic_version",
}


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_downgrade_round_trip(tmp_path) -> None:
    engine = await fresh_engine("sqlite", str(tmp_path), "mig")
    assert await table_names(engine) == TABLES
    await downgrade(engine)
    assert await table_names(engine) == {"alembic_version"}
    await upgrade(engine)
    assert await table_names(engine) == TABLES
    await engine.dispose()


async def test_postgres_paths_collate_c(db: AsyncEngine) -> None:
    """Every materialised-path column compares bytewise (DESIGN §1)."""
    if db.dialect.name != "postgresql":
        pytest.skip("collations are a PostgreSQL matter")
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT table_name, column_name, collation_name FROM information_schema.columns"
                    " WHERE column_name LIKE '%path' AND table_schema = current_schema()"
                )
            )
        ).all()
    assert {
        ("organization", "path"),
        ("member", "org_path"),
        ("check_in", "community_path"),
        ("dues_month", "org_path"),
    } <= {(t, c) for t, c, _ in rows}
    assert {coll for *_, coll in rows} == {"C"}
