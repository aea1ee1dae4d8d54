"""org tree, members, accounts and role grants

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "CITY",
                "DISTRICT",
                "STREET",
                "TOWNSHIP",
                "COMMUNITY",
                "VILLAGE",
                "BASE_COMMITTEE",
                "GENERAL_BRANCH",
                "BRANCH",
                "GROUP",
                name="orglevel",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "org_type",
            sa.Enum(
                "ORGAN",
                "SOE",
                "PRIVATE",
                "INSTITUTION",
                "SCHOOL",
                "RURAL",
                "COMMUNITY",
                "SOCIAL",
                name="orgtype",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "branch_kind",
            sa.Enum(
                "REGULAR",
                "GRID",
                "FLOATING",
                "JOINT",
                name="branchkind",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column(
            "path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=True),
        sa.Column("term_years", sa.Integer(), nullable=True),
        sa.Column("last_election_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["organization.id"], name=op.f("fk_organization_parent_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
        sa.UniqueConstraint("code", name=op.f("uq_organization_code")),
        sa.UniqueConstraint("path", name=op.f("uq_organization_path")),
    )
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organization_name"), ["name"], unique=False)
        batch_op.create_index("ix_organization_parent_id_id", ["parent_id", "id"], unique=False)

    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column(
            "gender",
            sa.Enum("MALE", "FEMALE", name="gender", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("ethnicity", sa.String(length=16), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column(
            "education",
            sa.Enum(
                "PRIMARY",
                "JUNIOR_HIGH",
                "SENIOR_HIGH",
                "JUNIOR_COLLEGE",
                "BACHELOR",
                "POSTGRADUATE",
                name="education",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("id_card_number", sa.String(length=18), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "APPLICANT",
                "ACTIVIST",
                "CANDIDATE",
                "PROBATIONARY",
                "FULL",
                name="memberstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "dues_category",
            sa.Enum(
                "EMPLOYED",
                "RETIRED",
                "FARMER",
                "STUDENT",
                "UNEMPLOYED",
                "SUBSISTENCE",
                name="duescategory",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "party_post",
            sa.Enum(
                "SECRETARY",
                "DEPUTY_SECRETARY",
                "COMMITTEE_MEMBER",
                "GROUP_LEADER",
                name="partypost",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("employer_org_id", sa.Integer(), nullable=True),
        sa.Column("residential_org_id", sa.Integer(), nullable=True),
        sa.Column(
            "floating",
            sa.Enum(
                "NONE", "OUTFLOW", "INFLOW", name="floatingstatus", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("lost_contact", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_org_id"],
            ["organization.id"],
            name=op.f("fk_member_employer_org_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_member_org_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["residential_org_id"],
            ["organization.id"],
            name=op.f("fk_member_residential_org_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index("ix_member_employer_org_id", ["employer_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_name"), ["name"], unique=False)
        batch_op.create_index("ix_member_org_id_id", ["org_id", "id"], unique=False)
        batch_op.create_index("ix_member_org_path_id", ["org_path", "id"], unique=False)
        batch_op.create_index("ix_member_residential_org_id", ["residential_org_id"], unique=False)

    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_account_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("username", name=op.f("uq_account_username")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_member_id"), ["member_id"], unique=False)

    op.create_table(
        "role_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_role_grant_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_role_grant_org_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grant")),
    )
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_grant_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "uq_role_grant_account_id_role_org_id", ["account_id", "role", "org_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.drop_index("uq_role_grant_account_id_role_org_id")
        batch_op.drop_index(batch_op.f("ix_role_grant_org_id"))

    op.drop_table("role_grant")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_member_id"))

    op.drop_table("account")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_residential_org_id")
        batch_op.drop_index("ix_member_org_path_id")
        batch_op.drop_index("ix_member_org_id_id")
        batch_op.drop_index(batch_op.f("ix_member_name"))
        batch_op.drop_index("ix_member_employer_org_id")

    op.drop_table("member")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_index("ix_organization_parent_id_id")
        batch_op.drop_index(batch_op.f("ix_organization_name"))

    op.drop_table("organization")
