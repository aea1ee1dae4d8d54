"""member statistics index

Revision ID: 0006
Revises: 0005

Subtree statistics group a district's members by status, gender, education and age: with
these columns in the index after `org_path`, both databases answer from the index alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["org_path", "status", "gender", "education", "birth_date"]


def upgrade() -> None:
    op.create_index("ix_member_stats", "member", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_member_stats", table_name="member")
