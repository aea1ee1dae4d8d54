"""organisational life: activities and their participants

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "THEME_DAY",
                "GENERAL_MEETING",
                "COMMITTEE_MEETING",
                "GROUP_MEETING",
                "PARTY_LECTURE",
                "LIFE_MEETING",
                "APPRAISAL",
                "VOLUNTEER",
                "OTHER",
                name="activitytype",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("sign_up_opens_at", sa.DateTime(), nullable=True),
        sa.Column("sign_up_closes_at", sa.DateTime(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("signed_up", sa.Integer(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("MEMBERS", "SUBTREE", name="activityaudience", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("include_checked_in", sa.Boolean(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "DRAFT",
                "PUBLISHED",
                "HELD",
                "RECORDED",
                "CANCELLED",
                name="activitystate",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("held_at", sa.DateTime(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("resolutions", sa.Text(), nullable=True),
        sa.Column("photos", sa.Text(), nullable=True),
        sa.Column("lecturer_member_id", sa.Integer(), nullable=True),
        sa.Column("by_secretary", sa.Boolean(), nullable=False),
        sa.Column("code_secret", sa.String(length=64), nullable=False),
        sa.Column("code_counter", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["account.id"], name=op.f("fk_activity_created_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["lecturer_member_id"],
            ["member.id"],
            name=op.f("fk_activity_lecturer_member_id_member"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_activity_org_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index("ix_activity_org_id_starts_at", ["org_id", "starts_at"], unique=False)
        batch_op.create_index(
            "ix_activity_board",
            ["org_path", "starts_at", "org_id", "kind", "state", "by_secretary"],
            unique=False,
        )

    op.create_table(
        "activity_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "SIGNED_UP",
                "CANCELLED",
                "LEAVE_REQUESTED",
                "LEAVE_APPROVED",
                "LEAVE_REFUSED",
                name="participationstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("signed_up_at", sa.DateTime(), nullable=True),
        sa.Column("signed_in_at", sa.DateTime(), nullable=True),
        sa.Column("leave_reason", sa.String(length=200), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_activity_participant_activity_id_activity"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["account.id"], name=op.f("fk_activity_participant_decided_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_activity_participant_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_participant")),
        sa.UniqueConstraint(
            "activity_id", "member_id", name=op.f("uq_activity_participant_activity_id_member_id")
        ),
    )
    with op.batch_alter_table("activity_participant", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_participant_member_id_activity_id",
            ["member_id", "activity_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_activity_participant_org_path_id", ["org_path", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("activity_participant", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_participant_org_path_id")
        batch_op.drop_index("ix_activity_participant_member_id_activity_id")

    op.drop_table("activity_participant")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_board")
        batch_op.drop_index("ix_activity_org_id_starts_at")

    op.drop_table("activity")
