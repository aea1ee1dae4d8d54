"""study totals: each member's credited minutes of a year, maintained, backfilled

Revision ID: 0020
Revises: 0019

The backfill is the computation of `resolvers.learning.credited` as it stands at this
revision, in SQL (a migration does not import the resolvers, whose code moves on); the test
of the totals compares the two (`tests/test_study_totals.py`).
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.clock import clock
from models.base import as_stored

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MINUTES = {
    "postgresql": "CAST(FLOOR(EXTRACT(EPOCH FROM (a.ends_at - a.starts_at)) / 60) AS INTEGER)",
    "sqlite": "CAST(ROUND((julianday(a.ends_at) - julianday(a.starts_at)) * 1440) AS INTEGER)",
}

BACKFILL = """
INSERT INTO study_total
    (member_id, year, org_path, online, offline, delivered, training, minutes)
SELECT m.id, :year, m.org_path,
    SUM(CASE WHEN c.source = 'ONLINE' THEN c.minutes ELSE 0 END),
    SUM(CASE WHEN c.source = 'OFFLINE' THEN c.minutes ELSE 0 END),
    SUM(CASE WHEN c.source = 'DELIVERED' THEN c.minutes ELSE 0 END),
    SUM(CASE WHEN c.source = 'TRAINING' THEN c.minutes ELSE 0 END),
    SUM(c.minutes)
FROM (
    SELECT member_id, 'ONLINE' AS source, credited_minutes AS minutes FROM study_session
    WHERE started_at >= :start AND started_at < :end
    UNION ALL
    SELECT member_id, 'DELIVERED', minutes FROM study_delivery
    WHERE delivered_on >= :first AND delivered_on < :next
    UNION ALL
    SELECT e.member_id, 'TRAINING', e.credited_minutes
    FROM training_enrolment e JOIN training_class k ON k.id = e.class_id
    WHERE k.starts_on >= :first AND k.starts_on < :next
    UNION ALL
    SELECT p.member_id, 'OFFLINE', {minutes}
    FROM activity_participant p JOIN activity a ON a.id = p.activity_id
    WHERE p.signed_in_at IS NOT NULL
        AND a.kind IN ('PARTY_LECTURE', 'THEME_DAY', 'GROUP_MEETING')
        AND a.state IN ('HELD', 'RECORDED')
        AND a.starts_at >= :start AND a.starts_at < :end
) c JOIN member m ON m.id = c.member_id
GROUP BY m.id, m.org_path
"""

SPAN = """
SELECT MIN(lo) AS lo, MAX(hi) AS hi FROM (
    SELECT MIN(started_at) AS lo, MAX(started_at) AS hi FROM study_session
    UNION ALL SELECT MIN(starts_at), MAX(starts_at) FROM activity
) moments
"""


def upgrade() -> None:
    op.create_table(
        "study_total",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("online", sa.Integer(), nullable=False),
        sa.Column("offline", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("training", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_study_total_member_id_member")
        ),
        sa.PrimaryKeyConstraint("member_id", "year", name=op.f("pk_study_total")),
    )
    with op.batch_alter_table("study_total", schema=None) as batch_op:
        batch_op.create_index(
            "ix_study_total_year_org_path",
            ["year", "org_path", "member_id", "minutes"],
            unique=False,
        )
    backfill()
    op.execute("ANALYZE study_total")  # a full table: plans from its statistics at once


def backfill() -> None:
    """Every member's totals of every year with credits (moments and dates of the data)."""
    conn = op.get_bind()
    span = conn.execute(sa.text(SPAN).columns(lo=sa.DateTime(), hi=sa.DateTime())).one()
    days = conn.execute(
        sa.text(
            "SELECT MIN(lo) AS lo, MAX(hi) AS hi FROM ("
            "SELECT MIN(delivered_on) AS lo, MAX(delivered_on) AS hi FROM study_delivery"
            " UNION ALL SELECT MIN(starts_on), MAX(starts_on) FROM training_class) days"
        ).columns(lo=sa.Date(), hi=sa.Date())
    ).one()
    years = {v.year for v in (*span, *days) if v is not None}
    if not years:
        return
    fill = sa.text(BACKFILL.format(minutes=MINUTES[conn.dialect.name])).bindparams(
        sa.bindparam("start", type_=sa.DateTime()),
        sa.bindparam("end", type_=sa.DateTime()),
        sa.bindparam("first", type_=sa.Date()),
        sa.bindparam("next", type_=sa.Date()),
    )
    for year in range(min(years) - 1, max(years) + 2):  # a UTC moment may lie in the next year
        first, following = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        conn.execute(
            fill,
            {
                "year": year,
                "start": as_stored(clock().start_of(first)),
                "end": as_stored(clock().start_of(following)),
                "first": first,
                "next": following,
            },
        )


def downgrade() -> None:
    with op.batch_alter_table("study_total", schema=None) as batch_op:
        batch_op.drop_index("ix_study_total_year_org_path")
    op.drop_table("study_total")
