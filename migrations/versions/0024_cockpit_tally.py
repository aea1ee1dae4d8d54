"""cockpit tally: the month-based indicators maintained per organisation and month, with
dirty marks written by triggers on their source tables

Revision ID: 0024
Revises: 0023

The tallies start empty: the cockpit computes a month on first use, one statement per
indicator and month (`resolvers/tally.py`). The triggers mark, for each indicator, the paths
of the rows whose change may move its figures (a row's old and new path): PostgreSQL once
per statement from its transition tables (a subtree move marks each distinct path once),
SQLite per row, a path not yet marked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TALLY_PATH = sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql")

# table → (indicator, the path column its source emits for the row, the columns its figures
# read); an UPDATE that changes none of them marks nothing
WATCHED: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "member": [
        ("DUES_ON_TIME", "org_path", ("standing", "standing_on", "org_path")),
        ("CHECK_IN", "org_path", ("standing", "employer_org_id", "org_path")),
        ("STUDY_HOURS_MET", "org_path", ("status", "party_post", "org_path")),
    ],
    "study_total": [("STUDY_HOURS_MET", "org_path", ("year", "minutes", "org_path"))],
    "dues_base": [
        (
            "DUES_ON_TIME",
            "org_path",
            ("member_id", "year", "owed_from", "exempt", "monthly_payable_fen", "org_path"),
        )
    ],
    "dues_month": [
        ("DUES_ON_TIME", "org_path", ("member_id", "period", "voided_by", "on_time", "org_path"))
    ],
    "check_in": [
        (
            "CHECK_IN",
            "member_org_path",
            ("member_id", "reported_on", "ended_on", "member_org_path"),
        ),
        ("VOLUNTEER_HOURS_MET", "community_path", ("reported_on", "ended_on", "community_path")),
    ],
    # a service record's community is its check-in's (`resolvers.checkin.log_service`)
    "service_record": [
        (
            "VOLUNTEER_HOURS_MET",
            "community_path",
            ("check_in_id", "status", "started_at", "minutes", "community_path"),
        )
    ],
    "activity": [("THEME_DAY", "org_path", ("org_id", "kind", "state", "starts_at", "org_path"))],
    "organization": [("THEME_DAY", "path", ("level", "path"))],
}
EVENTS = {"ins": "INSERT", "upd": "UPDATE", "del": "DELETE"}
ROW_KEYS = {"study_total": ("member_id", "year")}  # how an UPDATE's old and new rows pair; else id


def _changed(cols: tuple[str, ...], old: str, new: str, distinct: str) -> str:
    """Whether any of `cols` differs between the `old` and the `new` row."""
    before, after = (", ".join(f"{row}.{c}" for c in cols) for row in (old, new))
    return f"({before}) {distinct} ({after})"


def _postgres_marks(table: str, event: str) -> str:
    """The INSERT of a statement's marks, from its transition tables."""
    parts = []
    for key, path, cols in WATCHED[table]:
        if event == "ins":
            parts.append(f"SELECT '{key}', n.{path} FROM new_rows n")
        elif event == "del":
            parts.append(f"SELECT '{key}', o.{path} FROM old_rows o")
        else:
            same = " AND ".join(f"n.{c} = o.{c}" for c in ROW_KEYS.get(table, ("id",)))
            pair = f"old_rows o JOIN new_rows n ON {same} WHERE " + _changed(
                cols, "o", "n", "IS DISTINCT FROM"
            )
            parts += [f"SELECT '{key}', {row}.{path} FROM {pair}" for row in ("o", "n")]
    return "INSERT INTO cockpit_dirty (key, path) " + " UNION ".join(parts)


def _sqlite_marks(table: str, event: str) -> list[str]:
    """The body of a row trigger: each mark unless already there."""
    out = []
    for key, path, cols in WATCHED[table]:
        rows = {"ins": ["NEW"], "del": ["OLD"], "upd": ["OLD", "NEW"]}[event]
        when = f" AND {_changed(cols, 'OLD', 'NEW', 'IS NOT')}" if event == "upd" else ""
        for row in rows:
            out.append(
                f"INSERT INTO cockpit_dirty (key, path) SELECT '{key}', {row}.{path} WHERE NOT"
                f" EXISTS (SELECT 1 FROM cockpit_dirty WHERE key = '{key}' AND path = {row}.{path})"
                f"{when};"
            )
    return out


def upgrade() -> None:
    op.create_table(
        "cockpit_tally",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("path", TALLY_PATH, nullable=False),
        sa.Column("numerator", sa.BigInteger(), nullable=False),
        sa.Column("denominator", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", "month", "path", name=op.f("pk_cockpit_tally")),
    )
    op.create_index(
        "ix_cockpit_tally_cover",
        "cockpit_tally",
        ["key", "month", "path", "numerator", "denominator"],
    )
    op.create_table(
        "cockpit_tally_month",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("stands", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", "month", name=op.f("pk_cockpit_tally_month")),
    )
    op.create_table(
        "cockpit_dirty",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("path", TALLY_PATH, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cockpit_dirty")),
    )
    op.create_index("ix_cockpit_dirty_key_path", "cockpit_dirty", ["key", "path"])
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        for short, event in EVENTS.items():
            name = f"cockpit_dirty_{table}_{short}"
            if postgres:
                refs = {"ins": "NEW TABLE AS new_rows", "del": "OLD TABLE AS old_rows"}.get(
                    short, "OLD TABLE AS old_rows NEW TABLE AS new_rows"
                )
                op.execute(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN {_postgres_marks(table, short)}; RETURN NULL; END $$"
                )
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {refs} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
                )
            else:
                body = " ".join(_sqlite_marks(table, short))
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN {body} END"
                )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        for short in EVENTS:
            name = f"cockpit_dirty_{table}_{short}"
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
            if postgres:
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index("ix_cockpit_dirty_key_path", table_name="cockpit_dirty")
    op.drop_table("cockpit_dirty")
    op.drop_table("cockpit_tally_month")
    op.drop_index("ix_cockpit_tally_cover", table_name="cockpit_tally")
    op.drop_table("cockpit_tally")
