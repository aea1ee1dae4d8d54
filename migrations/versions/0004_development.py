"""member development

Revision ID: 0004
Revises: 0003
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Public holidays of the State Council's notices (国务院办公厅关于部分节假日安排的通知), with
# the weekend days worked in exchange; a deployment adds later years the same way.
HOLIDAYS = [
    *[(dt.date(2025, 10, d), "国庆节、中秋节", False) for d in range(1, 9)],
    (dt.date(2025, 9, 28), "国庆节调休上班", True),
    (dt.date(2025, 10, 11), "国庆节调休上班", True),
    (dt.date(2026, 1, 1), "元旦", False),
    (dt.date(2026, 1, 2), "元旦", False),
    *[(dt.date(2026, 2, d), "春节", False) for d in range(15, 24)],
    (dt.date(2026, 2, 14), "春节调休上班", True),
    (dt.date(2026, 2, 28), "春节调休上班", True),
    *[(dt.date(2026, 4, d), "清明节", False) for d in range(4, 7)],
    *[(dt.date(2026, 5, d), "劳动节", False) for d in range(1, 6)],
    (dt.date(2026, 5, 9), "劳动节调休上班", True),
    *[(dt.date(2026, 6, d), "端午节", False) for d in range(19, 22)],
    *[(dt.date(2026, 9, d), "中秋节", False) for d in range(25, 28)],
    *[(dt.date(2026, 10, d), "国庆节", False) for d in range(1, 8)],
    (dt.date(2026, 10, 10), "国庆节调休上班", True),
]


# Public holidays of the State Council's notices (国务院办公厅关于部分节假日安排的通知), with
# the weekend days worked in exchange; a deployment adds later years the same way.
HOLIDAYS = [
    *[(dt.date(2025, 10, d), "国庆节、中秋节", False) for d in range(1, 9)],
    (dt.date(2025, 9, 28), "国庆节调休上班", True),
    (dt.date(2025, 10, 11), "国庆节调休上班", True),
    (dt.date(2026, 1, 1), "元旦", False),
    (dt.date(2026, 1, 2), "元旦", False),
    *[(dt.date(2026, 2, d), "春节", False) for d in range(15, 24)],
    (dt.date(2026, 2, 14), "春节调休上班", True),
    (dt.date(2026, 2, 28), "春节调休上班", True),
    *[(dt.date(2026, 4, d), "清明节", False) for d in range(4, 7)],
    *[(dt.date(2026, 5, d), "劳动节", False) for d in range(1, 6)],
    (dt.date(2026, 5, 9), "劳动节调休上班", True),
    *[(dt.date(2026, 6, d), "端午节", False) for d in range(19, 22)],
    *[(dt.date(2026, 9, d), "中秋节", False) for d in range(25, 28)],
    *[(dt.date(2026, 10, d), "国庆节", False) for d in range(1, 8)],
    (dt.date(2026, 10, 10), "国庆节调休上班", True),
]


def upgrade() -> None:
    holiday = op.create_table(
        "holiday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_holiday")),
    )
    op.bulk_insert(holiday, [{"day": d, "name": n, "working": w} for d, n, w in HOLIDAYS])
    op.create_table(
        "development_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("OPEN", "REJECTED", "DONE", name="casestatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("next_step", sa.Integer(), nullable=False),
        sa.Column(
            "next_level",
            sa.Enum(
                "BRANCH", "STREET", "DISTRICT", name="actinglevel", native_enum=False, length=24
            ),
            nullable=True,
        ),
        sa.Column("next_earliest_on", sa.Date(), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("extension_months", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_development_case_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_development_case")),
    )
    with op.batch_alter_table("development_case", schema=None) as batch_op:
        batch_op.create_index("ix_development_case_org_path_id", ["org_path", "id"], unique=False)
        batch_op.create_index(
            "uq_development_case_open_member",
            ["member_id"],
            unique=True,
            sqlite_where=sa.text("status = 'OPEN'"),
            postgresql_where=sa.text("status = 'OPEN'"),
        )

    op.create_table(
        "development_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum("PASS", "RETURN", "REJECT", name="decision", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column(
            "level",
            sa.Enum(
                "BRANCH", "STREET", "DISTRICT", name="actinglevel", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("acted_on", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=True),
        sa.Column("notice_from", sa.Date(), nullable=True),
        sa.Column("notice_to", sa.Date(), nullable=True),
        sa.Column("votes_due", sa.Integer(), nullable=True),
        sa.Column("votes_present", sa.Integer(), nullable=True),
        sa.Column("votes_yes", sa.Integer(), nullable=True),
        sa.Column("class_hours", sa.Integer(), nullable=True),
        sa.Column("people", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["account.id"], name=op.f("fk_development_record_actor_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["development_case.id"],
            name=op.f("fk_development_record_case_id_development_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_development_record")),
    )
    with op.batch_alter_table("development_record", schema=None) as batch_op:
        batch_op.create_index("ix_development_record_case_id_id", ["case_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("development_record", schema=None) as batch_op:
        batch_op.drop_index("ix_development_record_case_id_id")

    op.drop_table("development_record")
    with op.batch_alter_table("development_case", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_development_case_open_member",
            sqlite_where=sa.text("status = 'OPEN'"),
            postgresql_where=sa.text("status = 'OPEN'"),
        )
        batch_op.drop_index("ix_development_case_org_path_id")

    op.drop_table("development_case")
    op.drop_table("holiday")
