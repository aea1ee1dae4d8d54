"""learning and training: study resources, sessions, pairings, deliveries, classes

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "study_pairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("deliverer_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["account.id"], name=op.f("fk_study_pairing_created_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["deliverer_id"], ["member.id"], name=op.f("fk_study_pairing_deliverer_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_study_pairing_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_pairing")),
    )
    with op.batch_alter_table("study_pairing", schema=None) as batch_op:
        batch_op.create_index("ix_study_pairing_member_id", ["member_id"], unique=False)

    op.create_table(
        "study_resource",
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
                "COURSE", "ARTICLE", "VIDEO", name="resourcekind", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["account.id"], name=op.f("fk_study_resource_created_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_study_resource_org_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_resource")),
    )
    with op.batch_alter_table("study_resource", schema=None) as batch_op:
        batch_op.create_index("ix_study_resource_org_path_id", ["org_path", "id"], unique=False)

    op.create_table(
        "training_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["account.id"], name=op.f("fk_training_class_created_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_training_class_org_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_class")),
    )
    with op.batch_alter_table("training_class", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_class_org_path_starts_on", ["org_path", "starts_on"], unique=False
        )

    op.create_table(
        "study_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("deliverer_id", sa.Integer(), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deliverer_id"], ["member.id"], name=op.f("fk_study_delivery_deliverer_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_study_delivery_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["study_pairing.id"],
            name=op.f("fk_study_delivery_pairing_id_study_pairing"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["account.id"], name=op.f("fk_study_delivery_recorded_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_delivery")),
        sa.UniqueConstraint(
            "pairing_id", "delivered_on", name=op.f("uq_study_delivery_pairing_id_delivered_on")
        ),
    )
    with op.batch_alter_table("study_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_study_delivery_member_id_delivered_on", ["member_id", "delivered_on"], unique=False
        )
        batch_op.create_index(
            "ix_study_delivery_org_path_delivered_on", ["org_path", "delivered_on"], unique=False
        )

    op.create_table(
        "study_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("session_key", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("credited_minutes", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_study_session_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["study_resource.id"],
            name=op.f("fk_study_session_resource_id_study_resource"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_session")),
        sa.UniqueConstraint(
            "member_id", "session_key", name=op.f("uq_study_session_member_id_session_key")
        ),
    )
    with op.batch_alter_table("study_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_study_session_member_id_started_at", ["member_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "ix_study_session_org_path_started_at", ["org_path", "started_at"], unique=False
        )

    op.create_table(
        "training_enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "member_org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("credited_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["training_class.id"],
            name=op.f("fk_training_enrolment_class_id_training_class"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_training_enrolment_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_enrolment")),
        sa.UniqueConstraint(
            "class_id", "member_id", name=op.f("uq_training_enrolment_class_id_member_id")
        ),
    )
    with op.batch_alter_table("training_enrolment", schema=None) as batch_op:
        batch_op.create_index("ix_training_enrolment_member_id", ["member_id"], unique=False)
        batch_op.create_index(
            "ix_training_enrolment_member_org_path", ["member_org_path"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("training_enrolment", schema=None) as batch_op:
        batch_op.drop_index("ix_training_enrolment_member_org_path")
        batch_op.drop_index("ix_training_enrolment_member_id")

    op.drop_table("training_enrolment")
    with op.batch_alter_table("study_session", schema=None) as batch_op:
        batch_op.drop_index("ix_study_session_org_path_started_at")
        batch_op.drop_index("ix_study_session_member_id_started_at")

    op.drop_table("study_session")
    with op.batch_alter_table("study_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_study_delivery_org_path_delivered_on")
        batch_op.drop_index("ix_study_delivery_member_id_delivered_on")

    op.drop_table("study_delivery")
    with op.batch_alter_table("training_class", schema=None) as batch_op:
        batch_op.drop_index("ix_training_class_org_path_starts_on")

    op.drop_table("training_class")
    with op.batch_alter_table("study_resource", schema=None) as batch_op:
        batch_op.drop_index("ix_study_resource_org_path_id")

    op.drop_table("study_resource")
    with op.batch_alter_table("study_pairing", schema=None) as batch_op:
        batch_op.drop_index("ix_study_pairing_member_id")

    op.drop_table("study_pairing")
