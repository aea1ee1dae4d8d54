"""the org tree changes: contact, secretary post, dissolution, version

Revision ID: 0016
Revises: 0015

Organisations are written now (`createOrganization`, `updateOrganization`, `moveOrganization`,
`dissolveOrganization`): contact fields, the secretary post (its holder, or since when it is
vacant), the day it was dissolved (a dissolved organisation is kept: history names it) and a
version for `expectedVersion`. Branch secretaries already on the rolls hold their branch's post.
`dues_base.org_path` gets an index of its own: a move rewrites a subtree of every year, and the
`(year, org_path)` index does not serve that range (a full scan per move).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POST_HOLDER_FK = "_".join(("fk", "organization", "secretary_id", "member"))  # the convention's
POST_HOLDERS = (
    "UPDATE organization SET secretary_id = (SELECT min(m.id) FROM member m"
    " WHERE m.org_id = organization.id AND m.party_post = 'SECRETARY')"
)


def upgrade() -> None:
    op.add_column("organization", sa.Column("contact_person", sa.String(length=40)))
    op.add_column("organization", sa.Column("contact_phone", sa.String(length=20)))
    op.add_column("organization", sa.Column("address", sa.String(length=200)))
    if op.get_bind().dialect.name == "sqlite":  # a column's own REFERENCES: no table rebuild
        op.execute(
            "ALTER TABLE organization ADD COLUMN secretary_id INTEGER"
            f" CONSTRAINT {POST_HOLDER_FK} REFERENCES member (id)"
        )
    else:
        op.add_column("organization", sa.Column("secretary_id", sa.Integer()))
        op.create_foreign_key(POST_HOLDER_FK, "organization", "member", ["secretary_id"], ["id"])
    op.add_column("organization", sa.Column("secretary_vacant_since", sa.Date()))
    op.add_column("organization", sa.Column("dissolved_on", sa.Date()))
    op.add_column(
        "organization",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.execute(POST_HOLDERS)
    op.create_index("ix_dues_base_org_path_id", "dues_base", ["org_path", "id"])


def downgrade() -> None:
    op.drop_index("ix_dues_base_org_path_id", table_name="dues_base")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(POST_HOLDER_FK, "organization", type_="foreignkey")
    for column in (
        "version",
        "dissolved_on",
        "secretary_vacant_since",
        "secretary_id",
        "address",
        "contact_phone",
        "contact_person",
    ):
        op.drop_column("organization", column)
