"""the member archive: standing, how a member was added, a version; transfers

Revision ID: 0014
Revises: 0013

Members leave the active roll (death, 停止党籍, 出党, a transfer out of the city) but keep
their archive: `standing` says which, with its date and reason, beside the pipeline `status`.
The statistics index keeps the active roll only (a partial index): active counts stay
index-only. ID-card
numbers are unique in the city. `member_transfer` holds the letters of 组织关系转接.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATS = ["org_path", "status", "gender", "education", "birth_date"]


def _path() -> sa.types.TypeEngine:
    return sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql")


def _enum(*names: str) -> sa.Enum:
    return sa.Enum(*names, native_enum=False, length=24)


def _refuse_shared_id_cards() -> None:
    """Stop with the numbers to resolve when members share an ID-card number: which record is
    the person's is for the archive's keepers to decide, never for a migration."""
    shared = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT id_card_number, COUNT(*) FROM member GROUP BY id_card_number "
                "HAVING COUNT(*) > 1 ORDER BY id_card_number"
            )
        )
        .all()
    )
    if shared:
        sample = ", ".join(f"{number[:6]}… ×{n}" for number, n in shared[:5])
        raise RuntimeError(
            f"{len(shared)} ID-card numbers are held by more than one member ({sample}): "
            "each person has one archive, so resolve them before upgrading (demo data: "
            "drop the database, then `dangjian db upgrade` and `dangjian seed` afresh)"
        )


def upgrade() -> None:
    _refuse_shared_id_cards()  # before any change: SQLite's DDL is not rolled back
    standing = _enum("ACTIVE", "DECEASED", "STOPPED", "EXPELLED", "TRANSFERRED_OUT")
    op.add_column(
        "member",
        sa.Column("standing", standing, nullable=False, server_default=sa.text("'ACTIVE'")),
    )
    op.add_column("member", sa.Column("standing_on", sa.Date(), nullable=True))
    op.add_column("member", sa.Column("standing_reason", sa.String(length=200), nullable=True))
    added = _enum("DEVELOPED", "TRANSFERRED_IN", "RESTORED")
    op.add_column("member", sa.Column("added_how", added, nullable=True))
    op.add_column(
        "member", sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
    )
    op.drop_index("ix_member_stats", table_name="member")
    op.create_index(
        "ix_member_stats",
        "member",
        [*STATS, "standing"],
        sqlite_where=sa.text("standing = 'ACTIVE'"),
        postgresql_where=sa.text("standing = 'ACTIVE'"),
    )
    op.create_index("uq_member_id_card_number", "member", ["id_card_number"], unique=True)
    op.create_index(
        "ix_member_left",
        "member",
        ["id", "standing_on"],
        sqlite_where=sa.text("standing <> 'ACTIVE'"),
        postgresql_where=sa.text("standing <> 'ACTIVE'"),
    )
    op.create_table(
        "member_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("from_org_id", sa.Integer(), nullable=False),
        sa.Column("from_path", _path(), nullable=False),
        sa.Column("to_org_id", sa.Integer(), nullable=True),
        sa.Column("to_path", _path(), nullable=True),
        sa.Column("destination", sa.String(length=200), nullable=True),
        sa.Column("letter_number", sa.String(length=40), nullable=False),
        sa.Column(
            "status", _enum("PENDING", "ACCEPTED", "RETURNED", "OUT_OF_CITY"), nullable=False
        ),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issue_key", sa.String(length=80), nullable=False),
        sa.Column("issue_hash", sa.String(length=64), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision_key", sa.String(length=80), nullable=True),
        sa.Column("decision_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_member_transfer_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["from_org_id"],
            ["organization.id"],
            name=op.f("fk_member_transfer_from_org_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["to_org_id"],
            ["organization.id"],
            name=op.f("fk_member_transfer_to_org_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["account.id"], name=op.f("fk_member_transfer_issued_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["account.id"], name=op.f("fk_member_transfer_decided_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_transfer")),
        sa.UniqueConstraint(
            "issued_by", "issue_key", name=op.f("uq_member_transfer_issued_by_issue_key")
        ),
        sa.UniqueConstraint(
            "decided_by", "decision_key", name=op.f("uq_member_transfer_decided_by_decision_key")
        ),
    )
    op.create_index("ix_member_transfer_from_path_id", "member_transfer", ["from_path", "id"])
    op.create_index("ix_member_transfer_to_path_id", "member_transfer", ["to_path", "id"])
    op.create_index("ix_member_transfer_member_id_id", "member_transfer", ["member_id", "id"])
    op.create_index(
        "uq_member_transfer_open",
        "member_transfer",
        ["member_id"],
        unique=True,
        sqlite_where=sa.text("status = 'PENDING'"),
        postgresql_where=sa.text("status = 'PENDING'"),
    )


def downgrade() -> None:
    op.drop_table("member_transfer")
    op.drop_index("ix_member_left", table_name="member")
    op.drop_index("uq_member_id_card_number", table_name="member")
    op.drop_index("ix_member_stats", table_name="member")
    op.create_index("ix_member_stats", "member", STATS)
    with op.batch_alter_table("member") as batch:
        for column in ("version", "added_how", "standing_reason", "standing_on", "standing"):
            batch.drop_column(column)
