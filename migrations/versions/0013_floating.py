"""floating members: outflow and inflow ledgers, contacts, reports, symposiums, suggestions;
lost contact is computed from the contact log, so the member's stored flag goes

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "symposium",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_symposium_org_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_symposium")),
    )
    with op.batch_alter_table("symposium", schema=None) as batch_op:
        batch_op.create_index("ix_symposium_org_path_id", ["org_path", "id"], unique=False)

    op.create_table(
        "floating_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=40), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("origin", sa.String(length=100), nullable=True),
        sa.Column(
            "home_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("destination", sa.String(length=100), nullable=False),
        sa.Column("host_org_id", sa.Integer(), nullable=True),
        sa.Column(
            "host_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("placed_org_id", sa.Integer(), nullable=True),
        sa.Column(
            "placed_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("departed_on", sa.Date(), nullable=False),
        sa.Column("contact", sa.String(length=20), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "RECORDED", "ACTIVE", "ENDED", name="floatingstate", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column(
            "placement",
            sa.Enum(
                "NOTIFIED", "ROUTED", "PLACED", name="placementstate", native_enum=False, length=24
            ),
            nullable=True,
        ),
        sa.Column("routed_on", sa.Date(), nullable=True),
        sa.Column("placed_on", sa.Date(), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("talk_on", sa.Date(), nullable=True),
        sa.Column("talk_by", sa.String(length=40), nullable=True),
        sa.Column("talk_notes", sa.Text(), nullable=True),
        sa.Column("certificate_number", sa.String(length=32), nullable=True),
        sa.Column("certificate_issued_on", sa.Date(), nullable=True),
        sa.Column("certificate_valid_until", sa.Date(), nullable=True),
        sa.Column("paired_member_id", sa.Integer(), nullable=True),
        sa.Column("paired_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_org_id"],
            ["organization.id"],
            name=op.f("fk_floating_record_host_org_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_floating_record_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["paired_member_id"],
            ["member.id"],
            name=op.f("fk_floating_record_paired_member_id_member"),
        ),
        sa.ForeignKeyConstraint(
            ["placed_org_id"],
            ["organization.id"],
            name=op.f("fk_floating_record_placed_org_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floating_record")),
        sa.UniqueConstraint(
            "certificate_number", name=op.f("uq_floating_record_certificate_number")
        ),
    )
    with op.batch_alter_table("floating_record", schema=None) as batch_op:
        batch_op.create_index("ix_floating_record_home_path_id", ["home_path", "id"], unique=False)
        batch_op.create_index("ix_floating_record_host_path_id", ["host_path", "id"], unique=False)
        batch_op.create_index(
            "ix_floating_record_member_id_status", ["member_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_floating_record_paired_member_id_status",
            ["paired_member_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            "ix_floating_record_placed_path_id", ["placed_path", "id"], unique=False
        )
        batch_op.create_index(
            "uq_floating_record_open_member",
            ["member_id"],
            unique=True,
            sqlite_where=sa.text("status != 'ENDED'"),
            postgresql_where=sa.text("status != 'ENDED'"),
        )

    op.create_table(
        "symposium_attendee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("symposium_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_symposium_attendee_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["symposium_id"],
            ["symposium.id"],
            name=op.f("fk_symposium_attendee_symposium_id_symposium"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_symposium_attendee")),
        sa.UniqueConstraint(
            "symposium_id", "member_id", name=op.f("uq_symposium_attendee_symposium_id_member_id")
        ),
    )
    with op.batch_alter_table("symposium_attendee", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_symposium_attendee_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "floating_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "PHONE",
                "WECHAT",
                "VIDEO",
                "VISIT",
                "LETTER",
                name="contactchannel",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("content", sa.String(length=500), nullable=False),
        sa.Column("by_member_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_member_id"], ["member.id"], name=op.f("fk_floating_contact_by_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_floating_contact_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["floating_record.id"],
            name=op.f("fk_floating_contact_record_id_floating_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floating_contact")),
    )
    with op.batch_alter_table("floating_contact", schema=None) as batch_op:
        batch_op.create_index("ix_floating_contact_org_path_id", ["org_path", "id"], unique=False)
        batch_op.create_index(
            "ix_floating_contact_record_id_contacted_on",
            ["record_id", "contacted_on"],
            unique=False,
        )

    op.create_table(
        "floating_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "home_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("content", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_floating_report_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["floating_record.id"],
            name=op.f("fk_floating_report_record_id_floating_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floating_report")),
        sa.UniqueConstraint("record_id", "year", name=op.f("uq_floating_report_record_id_year")),
    )
    with op.batch_alter_table("floating_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_floating_report_home_path"), ["home_path"], unique=False
        )

    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("symposium_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.String(length=500), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "LOCAL_RESOURCES",
                "INDUSTRY",
                "INFRASTRUCTURE",
                "SERVICES",
                "PARTY_WORK",
                "OTHER",
                name="suggestioncategory",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("handler", sa.String(length=40), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "RECEIVED",
                "ADOPTED",
                "ANSWERED",
                name="suggestionstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("reply", sa.String(length=500), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["account.id"], name=op.f("fk_suggestion_answered_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_suggestion_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["symposium_id"], ["symposium.id"], name=op.f("fk_suggestion_symposium_id_symposium")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion")),
    )
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.create_index("ix_suggestion_org_path_id", ["org_path", "id"], unique=False)
        batch_op.create_index("ix_suggestion_symposium_id_id", ["symposium_id", "id"], unique=False)

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("lost_contact")


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lost_contact", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.drop_index("ix_suggestion_symposium_id_id")
        batch_op.drop_index("ix_suggestion_org_path_id")

    op.drop_table("suggestion")
    with op.batch_alter_table("floating_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_floating_report_home_path"))

    op.drop_table("floating_report")
    with op.batch_alter_table("floating_contact", schema=None) as batch_op:
        batch_op.drop_index("ix_floating_contact_record_id_contacted_on")
        batch_op.drop_index("ix_floating_contact_org_path_id")

    op.drop_table("floating_contact")
    with op.batch_alter_table("symposium_attendee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_symposium_attendee_member_id"))

    op.drop_table("symposium_attendee")
    with op.batch_alter_table("floating_record", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_floating_record_open_member",
            sqlite_where=sa.text("status != 'ENDED'"),
            postgresql_where=sa.text("status != 'ENDED'"),
        )
        batch_op.drop_index("ix_floating_record_placed_path_id")
        batch_op.drop_index("ix_floating_record_paired_member_id_status")
        batch_op.drop_index("ix_floating_record_member_id_status")
        batch_op.drop_index("ix_floating_record_host_path_id")
        batch_op.drop_index("ix_floating_record_home_path_id")

    op.drop_table("floating_record")
    with op.batch_alter_table("symposium", schema=None) as batch_op:
        batch_op.drop_index("ix_symposium_org_path_id")

    op.drop_table("symposium")
