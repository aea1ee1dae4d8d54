"""persisted queries per account; rate-limit counters shared by all processes

Revision ID: 0011
Revises: 0010

A registration was global: any caller could probe a hash to learn whether someone had run that
text, and one account could fill the store for everyone. Registrations are per account now;
the old ones are dropped (clients register again on their next miss, as the protocol
provides). Rate-limit counters live beside them, in the database every process shares.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _persisted_query(*account: sa.Column[int]) -> None:
    op.create_table(
        "persisted_query",
        *account,
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            *(c.name for c in account), "hash", name=op.f("pk_persisted_query")
        ),
    )


def upgrade() -> None:
    op.drop_table("persisted_query")
    _persisted_query(
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey(
                "account.id", name=op.f("fk_persisted_query_account_id_account"), ondelete="CASCADE"
            ),
            nullable=False,
        )
    )
    op.create_table(
        "rate_window",
        sa.Column("caller", sa.String(length=80), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("caller", "minute", name=op.f("pk_rate_window")),
    )
    op.create_index("ix_rate_window_minute", "rate_window", ["minute"])


def downgrade() -> None:
    op.drop_index("ix_rate_window_minute", table_name="rate_window")
    op.drop_table("rate_window")
    op.drop_table("persisted_query")
    _persisted_query()
