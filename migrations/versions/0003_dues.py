"""party dues

Revision ID: 0003
Revises: 0002
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# 中组发〔2008〕3号, monthly; bases in fen, upper bounds inclusive, rates in basis points.
RULE_SET = "中组发〔2008〕3号"
RULES = [
    ("EMPLOYED", 300000, 50, None, None, None),
    ("EMPLOYED", 500000, 100, None, None, None),
    ("EMPLOYED", 1000000, 150, None, None, None),
    ("EMPLOYED", None, 200, None, None, None),
    ("RETIRED", 500000, 50, None, None, None),
    ("RETIRED", None, 100, None, None, None),
    ("STUDENT", None, None, 20, None, None),
    ("UNEMPLOYED", None, None, 20, None, None),
    ("SUBSISTENCE", None, None, 20, None, None),
    ("FARMER", None, None, None, 20, 100),
]


def upgrade() -> None:
    op.create_table(
        "dues_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_set", sa.String(length=40), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("upper_fen", sa.BigInteger(), nullable=True),
        sa.Column("rate_bp", sa.Integer(), nullable=True),
        sa.Column("fixed_fen", sa.Integer(), nullable=True),
        sa.Column("min_fen", sa.Integer(), nullable=True),
        sa.Column("max_fen", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dues_rule")),
    )
    with op.batch_alter_table("dues_rule", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dues_rule_rule_set_category", ["rule_set", "category"], unique=False
        )

    rule_table = sa.table(
        "dues_rule",
        sa.column("rule_set", sa.String),
        sa.column("effective_from", sa.Date),
        sa.column("category", sa.String),
        sa.column("upper_fen", sa.BigInteger),
        sa.column("rate_bp", sa.Integer),
        sa.column("fixed_fen", sa.Integer),
        sa.column("min_fen", sa.Integer),
        sa.column("max_fen", sa.Integer),
    )
    op.bulk_insert(
        rule_table,
        [
            {
                "rule_set": RULE_SET,
                "effective_from": dt.date(2008, 2, 1),
                "category": c,
                "upper_fen": u,
                "rate_bp": r,
                "fixed_fen": f,
                "min_fen": lo,
                "max_fen": hi,
            }
            for c, u, r, f, lo, hi in RULES
        ],
    )
    op.create_table(
        "dues_base",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("monthly_base_fen", sa.BigInteger(), nullable=True),
        sa.Column("monthly_payable_fen", sa.Integer(), nullable=False),
        sa.Column("owed_from", sa.Integer(), nullable=False),
        sa.Column("rule_set", sa.String(length=40), nullable=False),
        sa.Column("exempt", sa.Boolean(), nullable=False),
        sa.Column("exemption_reason", sa.String(length=200), nullable=True),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_dues_base_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["set_by"], ["account.id"], name=op.f("fk_dues_base_set_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dues_base")),
        sa.UniqueConstraint("member_id", "year", name=op.f("uq_dues_base_member_id_year")),
    )
    with op.batch_alter_table("dues_base", schema=None) as batch_op:
        batch_op.create_index("ix_dues_base_year_org_path", ["year", "org_path"], unique=False)

    op.create_table(
        "dues_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("PAYMENT", "REVERSAL", name="paymentkind", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("payer_member_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "WECHAT",
                "ALIPAY",
                "BANK",
                "CASH",
                name="paymentchannel",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("paid_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("idempotency_key", sa.String(length=80), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_dues_payment_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["payer_member_id"], ["member.id"], name=op.f("fk_dues_payment_payer_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["account.id"], name=op.f("fk_dues_payment_recorded_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["dues_payment.id"],
            name=op.f("fk_dues_payment_reverses_id_dues_payment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dues_payment")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_dues_payment_idempotency_key")),
    )
    with op.batch_alter_table("dues_payment", schema=None) as batch_op:
        batch_op.create_index("ix_dues_payment_member_id_id", ["member_id", "id"], unique=False)
        batch_op.create_index(
            "ix_dues_payment_org_path_paid_at", ["org_path", "paid_at"], unique=False
        )

    op.create_table(
        "dues_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("voided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_dues_month_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["dues_payment.id"], name=op.f("fk_dues_month_payment_id_dues_payment")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["dues_payment.id"], name=op.f("fk_dues_month_voided_by_dues_payment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dues_month")),
    )
    with op.batch_alter_table("dues_month", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dues_month_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index("ix_dues_month_period_org_path", ["period", "org_path"], unique=False)
        batch_op.create_index("ix_dues_month_org_path_period", ["org_path", "period"], unique=False)
        batch_op.create_index(
            "uq_dues_month_live",
            ["member_id", "period"],
            unique=True,
            sqlite_where=sa.text("voided_by IS NULL"),
            postgresql_where=sa.text("voided_by IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("dues_month", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_dues_month_live",
            sqlite_where=sa.text("voided_by IS NULL"),
            postgresql_where=sa.text("voided_by IS NULL"),
        )
        batch_op.drop_index("ix_dues_month_org_path_period")
        batch_op.drop_index("ix_dues_month_period_org_path")
        batch_op.drop_index(batch_op.f("ix_dues_month_payment_id"))

    op.drop_table("dues_month")
    with op.batch_alter_table("dues_payment", schema=None) as batch_op:
        batch_op.drop_index("ix_dues_payment_org_path_paid_at")
        batch_op.drop_index("ix_dues_payment_member_id_id")

    op.drop_table("dues_payment")
    with op.batch_alter_table("dues_base", schema=None) as batch_op:
        batch_op.drop_index("ix_dues_base_year_org_path")

    op.drop_table("dues_base")
    with op.batch_alter_table("dues_rule", schema=None) as batch_op:
        batch_op.drop_index("ix_dues_rule_rule_set_category")

    op.drop_table("dues_rule")
