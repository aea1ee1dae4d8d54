"""cockpit fast: each settled dues month says whether it was paid on time; activities by kind
and time

Revision ID: 0022
Revises: 0021

The cockpit's DUES_ON_TIME looked up each live month's payment to learn when it was paid (6M
lookups city-wide at Chongqing scale, 25 s). A payment's time never changes, so whether it
settled a month on time is fixed when the month row is written (`resolvers.dues.pay`); the
backfill computes it as `pay` does: paid before the start, in business time, of the month
after the settled one. A partial index serves the count per member index-only.

THEME_DAY's trend scanned every activity of the city once per month (a seq scan of 1.55M
rows, 0.35 s a month); `ix_activity_kind_starts_at` gives the month's theme days as a range.
VOLUNTEER_HOURS_MET reads a check-in's verified minutes index-only (`ix_service_record_verified`).
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.clock import clock
from models.base import as_stored

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERIFIED_LINKED = "check_in_id IS NOT NULL AND status = 'VERIFIED'"

BACKFILL = sa.text(
    """
UPDATE dues_month SET on_time = TRUE
FROM dues_payment p
WHERE p.id = dues_month.payment_id AND dues_month.period = :period AND p.paid_at < :ends
"""
).bindparams(sa.bindparam("ends", type_=sa.DateTime()))


def upgrade() -> None:
    with op.batch_alter_table("dues_month", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("on_time", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    conn = op.get_bind()
    periods = conn.execute(sa.text("SELECT DISTINCT period FROM dues_month")).scalars().all()
    for period in periods:
        following = period + 1
        ends = as_stored(clock().start_of(dt.date(following // 12, following % 12 + 1, 1)))
        conn.execute(BACKFILL, {"period": period, "ends": ends})
    with op.batch_alter_table("dues_month", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dues_month_on_time",
            ["member_id", "period"],
            unique=False,
            sqlite_where=sa.text("voided_by IS NULL AND on_time = 1"),
            postgresql_where=sa.text("voided_by IS NULL AND on_time"),
        )
        batch_op.create_index(
            "ix_dues_month_on_time_period",
            ["period", "member_id"],
            unique=False,
            sqlite_where=sa.text("voided_by IS NULL AND on_time = 1"),
            postgresql_where=sa.text("voided_by IS NULL AND on_time"),
        )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_kind_starts_at",
            ["kind", "starts_at", "state", "org_id", "org_path"],
            unique=False,
        )
    with op.batch_alter_table("service_record", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_record_verified",
            ["check_in_id", "started_at", "minutes"],
            unique=False,
            sqlite_where=sa.text(VERIFIED_LINKED),
            postgresql_where=sa.text(VERIFIED_LINKED),
        )
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("ANALYZE dues_month"))


def downgrade() -> None:
    with op.batch_alter_table("service_record", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_service_record_verified",
            sqlite_where=sa.text(VERIFIED_LINKED),
            postgresql_where=sa.text(VERIFIED_LINKED),
        )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_kind_starts_at")
    with op.batch_alter_table("dues_month", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_dues_month_on_time_period",
            sqlite_where=sa.text("voided_by IS NULL AND on_time = 1"),
            postgresql_where=sa.text("voided_by IS NULL AND on_time"),
        )
        batch_op.drop_index(
            "ix_dues_month_on_time",
            sqlite_where=sa.text("voided_by IS NULL AND on_time = 1"),
            postgresql_where=sa.text("voided_by IS NULL AND on_time"),
        )
        batch_op.drop_column("on_time")
