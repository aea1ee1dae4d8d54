"""account versions: deactivation and force sign-out are versioned writes; one account a member

Revision ID: 0012
Revises: 0011

An administrator deactivates an account or signs it out everywhere (`token_version` + 1) with
the version they read (`expectedVersion`), as approvals are: two administrators acting on one
account at once cannot both succeed unawares. Accounts are opened for members now
(`createAccount`): two opened at once for one member would both pass a check, so the index on
`member_id` is unique (NULLs, accounts without a member, stay many).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.drop_index("ix_account_member_id")
        batch.create_index("ix_account_member_id", ["member_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.drop_index("ix_account_member_id")
        batch.create_index("ix_account_member_id", ["member_id"], unique=False)
        batch.drop_column("version")
