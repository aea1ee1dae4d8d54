"""Transfers of the membership relation (组织关系转接): one row per letter of introduction."""

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, PathString, str_enum


class TransferStatus(enum.Enum):
    PENDING = "待接收"
    ACCEPTED = "已接收"
    RETURNED = "已退回"
    OUT_OF_CITY = "转出本市"


class MemberTransfer(Base):
    """A member's move from one organisation to another, or out of the city: seen from the
    sending subtree (`from_path`) and the receiving one (`to_path`); the member's archive
    moves only on acceptance."""

    __tablename__ = "member_transfer"
    __table_args__ = (
        Index("ix_member_transfer_from_path_id", "from_path", "id"),
        Index("ix_member_transfer_to_path_id", "to_path", "id"),
        Index("ix_member_transfer_member_id_id", "member_id", "id"),
        # one open letter per member at a time
        Index(
            "uq_member_transfer_open",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'PENDING'"),
            postgresql_where=text("status = 'PENDING'"),
        ),
        # keys name one request of the account that sent it
        UniqueConstraint("issued_by", "issue_key"),
        UniqueConstraint("decided_by", "decision_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    from_path: Mapped[str] = mapped_column(PathString)
    to_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    to_path: Mapped[str | None] = mapped_column(PathString)
    destination: Mapped[str | None] = mapped_column(String(200))
    letter_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[TransferStatus] = mapped_column(str_enum(TransferStatus))
    issued_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    decided_on: Mapped[dt.date | None]
    reason: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int]
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    issue_key: Mapped[str] = mapped_column(String(80))
    issue_hash: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decision_key: Mapped[str | None] = mapped_column(String(80))
    decision_hash: Mapped[str | None] = mapped_column(String(64))
