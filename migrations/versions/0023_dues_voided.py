"""an index on the reversal that voided a dues month: a payment's months without a table scan

Revision ID: 0023
Revises: 0022

`DuesPayment.months` reads the months a payment settled or, for a reversal, voided
(`payment_id IN … OR voided_by IN …`). `voided_by` had no index, so the OR scanned every
settlement (5.1 million at Chongqing scale) for any page of payments. Partial: only the few
voided months have an entry, so a subtree move rewriting settlements writes none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_dues_month_voided_by"
VOIDED = sa.text("voided_by IS NOT NULL")


def upgrade() -> None:
    op.create_index(NAME, "dues_month", ["voided_by"], sqlite_where=VOIDED, postgresql_where=VOIDED)


def downgrade() -> None:
    op.drop_index(NAME, table_name="dues_month")
