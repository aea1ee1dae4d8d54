"""governance: terms and elections (换届), term changes, assessments, rectification cases (软弱涣散)

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "org_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("regular_due_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_org_term_org_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_term")),
    )
    op.create_index("ix_org_term_due_on", "org_term", ["due_on"], unique=False)
    op.create_index("ix_org_term_org_path_id", "org_term", ["org_path", "id"], unique=False)
    op.create_index(
        "uq_org_term_current",
        "org_term",
        ["org_id"],
        unique=True,
        sqlite_where=sa.text("ended_on IS NULL"),
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.create_table(
        "rectification_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "PROPOSED",
                "RECTIFYING",
                "REDO",
                "ACCEPTED",
                "DISMISSED",
                name="rectificationstate",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("reasons", sa.String(length=200), nullable=False),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.Column("responsible_leader", sa.String(length=40), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("dissatisfied_pct", sa.Integer(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_rectification_case_org_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_case")),
        sa.UniqueConstraint("org_id", "year", name=op.f("uq_rectification_case_org_id_year")),
    )
    op.create_index(
        "ix_rectification_case_deadline", "rectification_case", ["deadline"], unique=False
    )
    op.create_index(
        "ix_rectification_case_org_path_id", "rectification_case", ["org_path", "id"], unique=False
    )
    op.create_table(
        "election",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("committee", sa.String(length=500), nullable=False),
        sa.Column("secretary_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_election_org_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["account.id"], name=op.f("fk_election_recorded_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["secretary_id"], ["member.id"], name=op.f("fk_election_secretary_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["org_term.id"], name=op.f("fk_election_term_id_org_term")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election")),
    )
    op.create_index("ix_election_org_path_id", "election", ["org_path", "id"], unique=False)
    op.create_table(
        "org_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_place", sa.Boolean(), nullable=False),
        sa.Column("satisfaction_pct", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_org_assessment_org_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["account.id"], name=op.f("fk_org_assessment_recorded_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_assessment")),
        sa.UniqueConstraint("org_id", "year", name=op.f("uq_org_assessment_org_id_year")),
    )
    op.create_index(
        "ix_org_assessment_org_path_id", "org_assessment", ["org_path", "id"], unique=False
    )
    op.create_table(
        "rectification_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["rectification_case.id"],
            name=op.f("fk_rectification_note_case_id_rectification_case"),
        ),
        sa.ForeignKeyConstraint(
            ["written_by"], ["account.id"], name=op.f("fk_rectification_note_written_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_note")),
    )
    op.create_index(
        "ix_rectification_note_case_id_id", "rectification_note", ["case_id", "id"], unique=False
    )
    op.create_table(
        "term_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "org_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum("POSTPONE", "ADVANCE", name="termchangekind", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("new_due_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "PENDING",
                "APPROVED",
                "REJECTED",
                name="termchangestate",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["account.id"], name=op.f("fk_term_change_decided_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_term_change_org_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["account.id"], name=op.f("fk_term_change_requested_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["org_term.id"], name=op.f("fk_term_change_term_id_org_term")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_change")),
    )
    op.create_index("ix_term_change_org_path_id", "term_change", ["org_path", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_term_change_org_path_id", table_name="term_change")
    op.drop_table("term_change")
    op.drop_index("ix_rectification_note_case_id_id", table_name="rectification_note")
    op.drop_table("rectification_note")
    op.drop_index("ix_org_assessment_org_path_id", table_name="org_assessment")
    op.drop_table("org_assessment")
    op.drop_index("ix_election_org_path_id", table_name="election")
    op.drop_table("election")
    op.drop_index("ix_rectification_case_org_path_id", table_name="rectification_case")
    op.drop_index("ix_rectification_case_deadline", table_name="rectification_case")
    op.drop_table("rectification_case")
    op.drop_index(
        "uq_org_term_current",
        table_name="org_term",
        sqlite_where=sa.text("ended_on IS NULL"),
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.drop_index("ix_org_term_org_path_id", table_name="org_term")
    op.drop_index("ix_org_term_due_on", table_name="org_term")
    op.drop_table("org_term")
