"""Login accounts and their role grants (user → role @ scope org)."""

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Account(Base):
    """A login; bumping `token_version` revokes every token issued before. `version` counts
    an administrator's changes to it (deactivation, sign-out): they take `expectedVersion`."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True, unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    token_version: Mapped[int] = mapped_column(default=1)
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class RoleGrant(Base):
    """A role held over the subtree of one organisation."""

    __tablename__ = "role_grant"
    __table_args__ = (
        Index("uq_role_grant_account_id_role_org_id", "account_id", "role", "org_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    role: Mapped[str] = mapped_column(String(32))
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)


class AuthzEpoch(Base):
    """One row counting the changes to what a principal is read from: accounts, grants and
    the paths of organisations. PostgreSQL triggers bump it (migration 0021), so an API
    process may use a principal it read again while the count stands (`server/auth.py`)."""

    __tablename__ = "authz_epoch"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
