"""moments stored in UTC

Revision ID: 0007
Revises: 0006

Until now a moment was stored naive in whichever zone wrote it: seeded and client-given times
in business time (China), server stamps (`datetime.now()`) in the host's zone. From here every
moment is naive UTC on both databases (`models.base.Instant`). Service times and seeded
payments and reviews are read as business time; payments the API recorded (with an
idempotency key or a recording account), reviews the audit trail shows the API made, and audit
times as host time. Offsets are the zones' present ones: right for China time, which keeps no
daylight saving, and for a host on UTC.
"""

import base64
import binascii
import time
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.clock import clock

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API_PAYMENT = "idempotency_key IS NOT NULL OR recorded_by IS NOT NULL"
CHUNK = 500


def _shift(table: str, columns: Sequence[str], seconds: int, where: str = "") -> None:
    """Move every value of `columns` by `seconds`, keeping the stored text form on SQLite."""
    if seconds == 0:
        return
    if op.get_bind().dialect.name == "sqlite":
        moved = (
            "strftime('%Y-%m-%d %H:%M:%S', {c}, '{s:+d} seconds') "
            "|| '.' || substr({c} || '.000000', 21, 6)"
        )
    else:
        moved = "{c} + interval '{s:d} seconds'"
    sets = ", ".join(f"{c} = " + moved.format(c=c, s=seconds) for c in columns)
    op.execute(f"UPDATE {table} SET {sets}" + (f" WHERE {where}" if where else ""))


def _reviewed_by_api() -> list[int]:
    """Service records whose review the API stamped: the targets of `reviewService` rows."""
    rows = op.get_bind().execute(
        sa.text("SELECT DISTINCT target FROM audit_log WHERE operation = 'reviewService'")
    )
    found = set()
    for (target,) in rows:
        try:
            kind, pk = base64.b64decode(target or "").decode().split(":")
            if kind == "ServiceRecord":
                found.add(int(pk))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
    return sorted(found)


def _move(sign: int) -> None:
    """Every moment from its old zone to UTC (sign -1) or back (sign +1)."""
    offset = clock().now().utcoffset()
    business = int(offset.total_seconds()) if offset else 0
    host = -time.timezone
    _shift("service_record", ("started_at", "ended_at", "verified_at"), sign * business)
    _shift("dues_payment", ("paid_at",), sign * business)
    _shift("dues_payment", ("paid_at",), sign * (host - business), API_PAYMENT)
    reviewed = _reviewed_by_api()
    for i in range(0, len(reviewed), CHUNK):
        ids = ", ".join(str(pk) for pk in reviewed[i : i + CHUNK])
        _shift("service_record", ("verified_at",), sign * (host - business), f"id IN ({ids})")
    _shift_audit(sign * host)


def _shift_audit(seconds: int) -> None:
    """Audit times, past the append-only trigger for this one change of representation."""
    if seconds == 0:
        return
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        _shift("audit_log", ("at",), seconds)
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update")
        return
    op.execute("DROP TRIGGER audit_log_no_update")
    _shift("audit_log", ("at",), seconds)
    op.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    )


def upgrade() -> None:
    _move(-1)


def downgrade() -> None:
    _move(+1)
