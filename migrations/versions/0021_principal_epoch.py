"""the authorization epoch: one counter that PostgreSQL bumps on every change to accounts,
grants or organisation paths, so that API processes may keep principals they read

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# what a principal is read from (authz/principal.py); statement-level, so a bulk change (a
# subtree move, a seed) bumps once per statement. A new account names no cached principal.
TRIGGERS = {
    "authz_epoch_account": "UPDATE OR DELETE OR TRUNCATE ON account",
    "authz_epoch_grant": "INSERT OR UPDATE OR DELETE OR TRUNCATE ON role_grant",
    "authz_epoch_org": "UPDATE OF path OR DELETE OR TRUNCATE ON organization",
}


def upgrade() -> None:
    op.create_table(
        "authz_epoch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authz_epoch")),
    )
    op.execute("INSERT INTO authz_epoch (id, n) VALUES (1, 0)")
    # only PostgreSQL's API processes keep principals (server/auth.py), so only it counts
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION authz_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN UPDATE authz_epoch SET n = n + 1 WHERE id = 1; RETURN NULL; END $$"
        )
        for name, on in TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} AFTER {on} FOR EACH STATEMENT "
                "EXECUTE FUNCTION authz_epoch_bump()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, on in TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {on.rsplit(' ', 1)[1]}")
        op.execute("DROP FUNCTION IF EXISTS authz_epoch_bump()")
    op.drop_table("authz_epoch")
