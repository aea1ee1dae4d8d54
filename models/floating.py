"""Floating members (流动党员): outflow and inflow ledgers, pre-departure talks, certificates,
pairing contacts, yearly report-backs, symposiums and their suggestions (DESIGN.md §5)."""

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, PathString, str_enum


class FloatingState(enum.Enum):
    """A floating spell: recorded, active once the pre-departure talk is held (an arrival
    from outside the city is active at once), ended on return."""

    RECORDED = "已登记"
    ACTIVE = "流动中"
    ENDED = "已结束"


class PlacementState(enum.Enum):
    """The host side of a spell in the tree (推送 → 分流 → 接收)."""

    NOTIFIED = "已推送"
    ROUTED = "已分流"
    PLACED = "已接收"


class ContactChannel(enum.Enum):
    PHONE = "电话"
    WECHAT = "微信"
    VIDEO = "视频"
    VISIT = "走访"
    LETTER = "信函"


class SuggestionCategory(enum.Enum):
    LOCAL_RESOURCES = "本地资源"
    INDUSTRY = "产业发展"
    INFRASTRUCTURE = "基础设施"
    SERVICES = "便民服务"
    PARTY_WORK = "党建工作"
    OTHER = "其他"


class SuggestionStatus(enum.Enum):
    RECEIVED = "已收到"
    ADOPTED = "已采纳"
    ANSWERED = "已答复"


class FloatingRecord(Base):
    """One floating spell of a person, seen from both sides: the home org (`home_path`, the
    member's own org path; null for an arrival from outside the city, a record only) and the
    host (`host_path`, the street or district notified, when inside the tree; `placed_path`,
    the branch that took the member in)."""

    __tablename__ = "floating_record"
    __table_args__ = (
        Index("ix_floating_record_home_path_id", "home_path", "id"),
        Index("ix_floating_record_host_path_id", "host_path", "id"),
        Index("ix_floating_record_placed_path_id", "placed_path", "id"),
        Index("ix_floating_record_member_id_status", "member_id", "status"),
        Index("ix_floating_record_paired_member_id_status", "paired_member_id", "status"),
        # one open spell per member, held by the database under concurrent writes
        Index(
            "uq_floating_record_open_member",
            "member_id",
            unique=True,
            sqlite_where=text("status != 'ENDED'"),
            postgresql_where=text("status != 'ENDED'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    # an arrival from outside the city: who, and from where (a record only)
    name: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(20))
    origin: Mapped[str | None] = mapped_column(String(100))
    home_path: Mapped[str | None] = mapped_column(PathString)
    destination: Mapped[str] = mapped_column(String(100))
    host_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    host_path: Mapped[str | None] = mapped_column(PathString)
    placed_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    placed_path: Mapped[str | None] = mapped_column(PathString)
    reason: Mapped[str] = mapped_column(String(200))
    departed_on: Mapped[dt.date]
    contact: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[FloatingState] = mapped_column(str_enum(FloatingState))
    placement: Mapped[PlacementState | None] = mapped_column(str_enum(PlacementState))
    routed_on: Mapped[dt.date | None]
    placed_on: Mapped[dt.date | None]
    returned_on: Mapped[dt.date | None]
    talk_on: Mapped[dt.date | None]
    talk_by: Mapped[str | None] = mapped_column(String(40))
    talk_notes: Mapped[str | None] = mapped_column(Text)
    certificate_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    certificate_issued_on: Mapped[dt.date | None]
    certificate_valid_until: Mapped[dt.date | None]
    paired_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    paired_on: Mapped[dt.date | None]


class FloatingContact(Base):
    """The pairing ledger (结对联系台账): one contact with a floating member, kept by the home
    side (`org_path` copies the member's own org path); for an arrival from outside the city,
    by the host (its path)."""

    __tablename__ = "floating_contact"
    __table_args__ = (
        Index("ix_floating_contact_record_id_contacted_on", "record_id", "contacted_on"),
        Index("ix_floating_contact_org_path_id", "org_path", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("floating_record.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    contacted_on: Mapped[dt.date]
    channel: Mapped[ContactChannel] = mapped_column(str_enum(ContactChannel))
    content: Mapped[str] = mapped_column(String(500))
    by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class FloatingReport(Base):
    """A floating member's yearly report to the home org (每年至少向流出地党组织报告一次)."""

    __tablename__ = "floating_report"
    __table_args__ = (UniqueConstraint("record_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("floating_record.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    home_path: Mapped[str] = mapped_column(PathString, index=True)
    year: Mapped[int]
    reported_on: Mapped[dt.date]
    content: Mapped[str] = mapped_column(String(500))


class Symposium(Base):
    """A symposium (座谈会) an org holds with floating members, e.g. at the Mid-Autumn festival."""

    __tablename__ = "symposium"
    __table_args__ = (Index("ix_symposium_org_path_id", "org_path", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    title: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[dt.date]
    place: Mapped[str] = mapped_column(String(100))


class SymposiumAttendee(Base):
    """A floating member invited to a symposium, and whether they came."""

    __tablename__ = "symposium_attendee"
    __table_args__ = (UniqueConstraint("symposium_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(ForeignKey("symposium.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    attended: Mapped[bool] = mapped_column(Boolean)


class Suggestion(Base):
    """A suggestion raised at a symposium: RECEIVED, then ADOPTED or ANSWERED with a reply."""

    __tablename__ = "suggestion"
    __table_args__ = (
        Index("ix_suggestion_symposium_id_id", "symposium_id", "id"),
        Index("ix_suggestion_org_path_id", "org_path", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(ForeignKey("symposium.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    content: Mapped[str] = mapped_column(String(500))
    category: Mapped[SuggestionCategory] = mapped_column(str_enum(SuggestionCategory))
    handler: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[SuggestionStatus] = mapped_column(str_enum(SuggestionStatus))
    reply: Mapped[str | None] = mapped_column(String(500))
    answered_on: Mapped[dt.date | None]
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
