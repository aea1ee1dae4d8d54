"""idempotency keys per account

Revision ID: 0009
Revises: 0008

A key was unique city-wide: reusing another account's key answered IDEMPOTENCY_KEY_REUSED or
that account's payment, which told a caller what someone else had sent. A key now names one
request of the account that records it; every stored key keeps naming its payment. (SQLite
rebuilds the table: `server.db` turns foreign keys off for a migration.)
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dues_payment", schema=None) as batch_op:
        batch_op.drop_constraint("uq_dues_payment_idempotency_key", type_="unique")
        batch_op.create_unique_constraint(
            "uq_dues_payment_recorded_by_idempotency_key", ["recorded_by", "idempotency_key"]
        )


def downgrade() -> None:
    """Fails where two accounts have used one key since: there is no going back from that."""
    with op.batch_alter_table("dues_payment", schema=None) as batch_op:
        batch_op.drop_constraint("uq_dues_payment_recorded_by_idempotency_key", type_="unique")
        batch_op.create_unique_constraint("uq_dues_payment_idempotency_key", ["idempotency_key"])
