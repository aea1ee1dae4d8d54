"""The audit trail: one append-only row per mutation, written with the change it records."""

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, PathString


class AuditEntry(Base):
    """Who did what to which object, as what, and whether it worked; PII never stored."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_scope_path_id", "scope_path", "id"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    username: Mapped[str | None] = mapped_column(String(64))
    roles: Mapped[str] = mapped_column(String(200))
    # the target's org when it happened: who may read it; a move leaves it (append-only)
    scope_path: Mapped[str] = mapped_column(PathString, info={"history": True})
    operation: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(120))
    success: Mapped[bool] = mapped_column(Boolean)
    error_code: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str] = mapped_column(String(64))  # X-Request-ID: the caller's if valid
    # ours, beside the caller's (which a client chooses); NULL only on rows before it was kept
    server_request_id: Mapped[str | None] = mapped_column(String(32))
