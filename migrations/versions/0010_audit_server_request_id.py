"""the server's request id beside the caller's in the audit trail

Revision ID: 0010
Revises: 0009

`request_id` is the caller's `X-Request-ID` when it is a plain token: a client chooses it, and
may reuse another request's. The id the server gave the request is kept beside it; rows written
before have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("server_request_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # in place (SQLite ≥ 3.35 too): rebuilding the table would drop its append-only trigger
    op.drop_column("audit_log", "server_request_id")
