"""fewer index entries per moved row: a redundant study-session index, a partial check-in one

Revision ID: 0019
Revises: 0018

A subtree move rewrites every path copy under it, and on PostgreSQL each rewritten row is a
non-HOT update that writes an entry into every index of its table (docs/performance.md,
"Moving a subtree"). Two of those indexes bought nothing for their entries:
- `ix_study_session_member_id_started_at`: a member's own sessions are found by the unique
  `(member_id, session_key)` index as well (a member has a handful a week; the time filter
  reads them all, the index only saved reading that handful);
- `ix_service_record_check_in_id_started_at` held a NULL entry for every record of a
  community's own member (no check-in, a fifth of them); every read by check-in names one,
  so the index keeps only the records that have one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK_IN = "ix_service_record_check_in_id_started_at"
LINKED = sa.text("check_in_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_study_session_member_id_started_at", table_name="study_session")
    op.drop_index(CHECK_IN, table_name="service_record")
    op.create_index(
        CHECK_IN,
        "service_record",
        ["check_in_id", "started_at"],
        sqlite_where=LINKED,
        postgresql_where=LINKED,
    )


def downgrade() -> None:
    op.drop_index(CHECK_IN, table_name="service_record")
    op.create_index(CHECK_IN, "service_record", ["check_in_id", "started_at"])
    op.create_index(
        "ix_study_session_member_id_started_at", "study_session", ["member_id", "started_at"]
    )
