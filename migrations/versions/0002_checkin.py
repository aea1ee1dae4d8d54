"""check-ins and volunteer service

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column(
            "community_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "member_org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("employer_org_id", sa.Integer(), nullable=False),
        sa.Column("grid_org_id", sa.Integer(), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("ACTIVE", "ENDED", name="checkinstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["organization.id"],
            name=op.f("fk_check_in_community_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_org_id"],
            ["organization.id"],
            name=op.f("fk_check_in_employer_org_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["grid_org_id"], ["organization.id"], name=op.f("fk_check_in_grid_org_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_check_in_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in")),
    )
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.create_index(
            "ix_check_in_community_path_id", ["community_path", "id"], unique=False
        )
        batch_op.create_index("ix_check_in_member_id_status", ["member_id", "status"], unique=False)
        batch_op.create_index(
            "uq_check_in_active_member",
            ["member_id"],
            unique=True,
            sqlite_where=sa.text("status = 'ACTIVE'"),
            postgresql_where=sa.text("status = 'ACTIVE'"),
        )
        batch_op.create_index(
            "ix_check_in_member_org_path_id", ["member_org_path", "id"], unique=False
        )

    op.create_table(
        "service_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column(
            "community_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("leader_member_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["organization.id"],
            name=op.f("fk_service_team_community_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["leader_member_id"],
            ["member.id"],
            name=op.f("fk_service_team_leader_member_id_member"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_team")),
    )
    with op.batch_alter_table("service_team", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_team_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_team_community_path"), ["community_path"], unique=False
        )

    op.create_table(
        "service_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column(
            "community_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "member_org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "method",
            sa.Enum(
                "KNOW_HOUSEHOLD",
                "KNOW_PERSON",
                "KNOW_MATTER",
                name="servicemethod",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "VERIFIED",
                "REJECTED",
                name="servicestatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("review_note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_in_id"], ["check_in.id"], name=op.f("fk_service_record_check_in_id_check_in")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["organization.id"],
            name=op.f("fk_service_record_community_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_service_record_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["account.id"], name=op.f("fk_service_record_verified_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_record")),
    )
    with op.batch_alter_table("service_record", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_record_check_in_id_started_at", ["check_in_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "ix_service_record_community_path_started_at",
            ["community_path", "started_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_service_record_member_id_started_at", ["member_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "ix_service_record_member_org_path_started_at",
            ["member_org_path", "started_at"],
            unique=False,
        )

    op.create_table(
        "volunteer_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("grid_org_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=40), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_in_id"], ["check_in.id"], name=op.f("fk_volunteer_post_check_in_id_check_in")
        ),
        sa.ForeignKeyConstraint(
            ["grid_org_id"],
            ["organization.id"],
            name=op.f("fk_volunteer_post_grid_org_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["service_team.id"], name=op.f("fk_volunteer_post_team_id_service_team")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_post")),
    )
    with op.batch_alter_table("volunteer_post", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_post_check_in_id"), ["check_in_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("volunteer_post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_post_check_in_id"))

    op.drop_table("volunteer_post")
    with op.batch_alter_table("service_record", schema=None) as batch_op:
        batch_op.drop_index("ix_service_record_member_org_path_started_at")
        batch_op.drop_index("ix_service_record_member_id_started_at")
        batch_op.drop_index("ix_service_record_community_path_started_at")
        batch_op.drop_index("ix_service_record_check_in_id_started_at")

    op.drop_table("service_record")
    with op.batch_alter_table("service_team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_team_community_path"))
        batch_op.drop_index(batch_op.f("ix_service_team_community_id"))

    op.drop_table("service_team")
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_index("uq_check_in_active_member")
        batch_op.drop_index("ix_check_in_member_org_path_id")
        batch_op.drop_index("ix_check_in_member_id_status")
        batch_op.drop_index("ix_check_in_community_path_id")

    op.drop_table("check_in")
