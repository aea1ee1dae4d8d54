"""Migrations build the schema on both databases, and revert."""

import base64
import datetime as dt
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from datagen.seed import seed
from models import AuditEntry, DuesPayment, Member, PaymentChannel, PaymentKind, ServiceRecord
from models.base import Base, as_stored
from server.db import downgrade, upgrade
from tests.conftest import fresh_engine

TABLES = {
    "activity",
    "activity_participant",
    "study_resource",
    "study_session",
    "study_pairing",
    "study_delivery",
    "study_total",
    "cockpit_tally",
    "cockpit_tally_month",
    "cockpit_dirty",
    "training_class",
    "training_enrolment",
    "org_term",
    "election",
    "term_change",
    "org_assessment",
    "rectification_case",
    "rectification_note",
    "audit_log",
    "holiday",
    "development_case",
    "development_record",
    "dues_rule",
    "dues_base",
    "dues_payment",
    "dues_month",
    "member_transfer",
    "organization",
    "member",
    "account",
    "role_grant",
    "authz_epoch",
    "check_in",
    "service_record",
    "service_team",
    "volunteer_post",
    "alembic_version",
    "persisted_query",
    "rate_window",
    "floating_record",
    "floating_contact",
    "floating_report",
    "symposium",
    "symposium_attendee",
    "suggestion",
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
    """Every materialised-path column compares bytewise (docs/performance.md)."""
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


MOMENTS = (
    "SELECT MIN(started_at), MAX(ended_at), MAX(verified_at) FROM service_record WHERE id > 1",
    "SELECT MIN(paid_at) FROM dues_payment",
    "SELECT paid_at FROM dues_payment WHERE idempotency_key = 'api-stamped'",
    "SELECT verified_at FROM service_record WHERE id = 1",
    "SELECT at FROM audit_log",
)
API_STAMP = dt.datetime.fromisoformat("2027-01-01T07:30:00+08:00")


async def moments(engine: AsyncEngine) -> list[dt.datetime]:
    """The stored (naive) values of seeded, client-given and server-stamped moments."""
    async with engine.connect() as conn:
        values = [v for q in MOMENTS for v in (await conn.execute(text(q))).one()]
    return [v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(v) for v in values]


async def stamp_like_the_api(engine: AsyncEngine) -> None:
    """A payment, a review and an audit row as the API recorded them (server stamps)."""
    async with AsyncSession(engine) as session:
        member = (await session.execute(select(Member.id, Member.org_path).limit(1))).one()
        session.add(
            DuesPayment(
                kind=PaymentKind.PAYMENT,
                member_id=member.id,
                org_path=member.org_path,
                payer_member_id=member.id,
                amount_fen=100,
                channel=PaymentChannel.CASH,
                paid_at=API_STAMP,
                idempotency_key="api-stamped",
            )
        )
        record = base64.b64encode(b"ServiceRecord:1").decode()
        session.add(
            AuditEntry(
                at=API_STAMP,
                roles="",
                scope_path="/1/",
                operation="reviewService",
                target=record,
                success=True,
                request_id="r",
            )
        )
        await session.execute(
            update(ServiceRecord).where(ServiceRecord.id == 1).values(verified_at=API_STAMP)
        )
        await session.commit()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_moments_move_to_utc_and_back(backend: str, tmp_path, monkeypatch) -> None:
    """0007 reads seeded and client times as China time and server stamps as host time (here
    Los Angeles, UTC-8 in winter), and stores both in UTC; its downgrade restores them."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    engine = await fresh_engine(backend, str(tmp_path), "moments")
    try:
        await seed(engine, "demo")
        await stamp_like_the_api(engine)
        utc = await moments(engine)
        assert utc[4] == utc[5] == utc[6] == as_stored(API_STAMP)
        await downgrade(engine, "0006")
        china, host = dt.timedelta(hours=8), dt.timedelta(hours=-8)
        shifts = [china, china, china, china, host, host, host]
        assert await moments(engine) == [v + d for v, d in zip(utc, shifts, strict=True)]
        await upgrade(engine)
        assert await moments(engine) == utc
    finally:
        await engine.dispose()
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_models_and_migrations_agree(backend: str, tmp_path) -> None:
    """Alembic finds nothing to generate: the models and the migrations describe one schema."""
    engine = await fresh_engine(backend, str(tmp_path), "drift")

    planted = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(planted)
    Table("planted", planted, Column("id", Integer, primary_key=True))

    def differences(sync, metadata: MetaData) -> list:
        return compare_metadata(MigrationContext.configure(sync), metadata)

    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(differences, Base.metadata) == []
            found = await conn.run_sync(differences, planted)
            assert [d[0] for d in found] == ["add_table"]  # a drift is seen
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_shared_id_card_numbers_stop_the_archive_migration(backend: str, tmp_path) -> None:
    """0014 makes ID-card numbers unique; members sharing one stop it with a message naming
    them, before it changes anything, and it passes once they are resolved."""
    engine = await fresh_engine(backend, str(tmp_path), "shared_cards")
    try:
        await seed(engine, "demo")
        await downgrade(engine, "0013")
        async with engine.begin() as conn:
            first = (await conn.execute(text("SELECT id, id_card_number FROM member"))).first()
            assert first is not None
            await conn.execute(
                text("UPDATE member SET id_card_number = :n WHERE id = :i"),
                {"n": first.id_card_number, "i": first.id + 1},
            )
        with pytest.raises(RuntimeError, match="1 ID-card numbers are held by more than one"):
            await upgrade(engine)
        async with engine.begin() as conn:
            assert await conn.scalar(text("SELECT version_num FROM alembic_version")) == "0013"
            await conn.execute(
                text("UPDATE member SET id_card_number = :n WHERE id = :i"),
                {"n": "110101199003070011", "i": first.id + 1},
            )
        await upgrade(engine)
    finally:
        await engine.dispose()
