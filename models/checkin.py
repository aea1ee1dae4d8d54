"""In-service members reporting to their residential community (在职党员到社区报到) and their
volunteer service records (三提三知)."""

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, PathString, str_enum


class CheckInStatus(enum.Enum):
    ACTIVE = "在册"
    ENDED = "已结束"


class ServiceMethod(enum.Enum):
    """三提三知: the three ways a reporting member gets to know the neighbourhood."""

    KNOW_HOUSEHOLD = "提户知人"
    KNOW_PERSON = "提人知事"
    KNOW_MATTER = "提事知情"


class ServiceStatus(enum.Enum):
    PENDING = "待审核"
    VERIFIED = "已认定"
    REJECTED = "未通过"


class CheckIn(Base):
    """A member's report to a residential community; visible to both the community's subtree
    and the member's own org subtree (`member_org_path`)."""

    __tablename__ = "check_in"
    __table_args__ = (
        Index("ix_check_in_community_path_id", "community_path", "id"),
        Index("ix_check_in_member_org_path_id", "member_org_path", "id"),
        Index("ix_check_in_member_id_status", "member_id", "status"),
        # one active check-in per member, enforced by the database under concurrent reports
        Index(
            "uq_check_in_active_member",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'ACTIVE'"),
            postgresql_where=text("status = 'ACTIVE'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    community_path: Mapped[str] = mapped_column(PathString)
    member_org_path: Mapped[str] = mapped_column(PathString)
    employer_org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    grid_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    reported_on: Mapped[dt.date]
    status: Mapped[CheckInStatus] = mapped_column(str_enum(CheckInStatus))
    ended_on: Mapped[dt.date | None]


VERIFIED_LINKED = "check_in_id IS NOT NULL AND status = 'VERIFIED'"


class ServiceRecord(Base):
    """Volunteer service in a community: by a checked-in member or one of its own members."""

    __tablename__ = "service_record"
    __table_args__ = (
        Index("ix_service_record_community_path_started_at", "community_path", "started_at"),
        # reads by check-in name one: a community's own members' records (none) stay out
        Index(
            "ix_service_record_check_in_id_started_at",
            "check_in_id",
            "started_at",
            sqlite_where=text("check_in_id IS NOT NULL"),
            postgresql_where=text("check_in_id IS NOT NULL"),
        ),
        Index("ix_service_record_member_org_path_started_at", "member_org_path", "started_at"),
        Index("ix_service_record_member_id_started_at", "member_id", "started_at"),
        # a check-in's verified minutes in a period, index-only (the cockpit's volunteer hours)
        Index(
            "ix_service_record_verified",
            "check_in_id",
            "started_at",
            "minutes",
            sqlite_where=text(VERIFIED_LINKED),
            postgresql_where=text(VERIFIED_LINKED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_in.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    community_path: Mapped[str] = mapped_column(PathString)
    member_org_path: Mapped[str] = mapped_column(PathString)
    method: Mapped[ServiceMethod] = mapped_column(str_enum(ServiceMethod))
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime]
    minutes: Mapped[int]
    description: Mapped[str] = mapped_column(String(500))
    status: Mapped[ServiceStatus] = mapped_column(str_enum(ServiceStatus))
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    verified_at: Mapped[dt.datetime | None]
    review_note: Mapped[str | None] = mapped_column(String(200))


class ServiceTeam(Base):
    """A community's 红岩先锋 volunteer service team."""

    __tablename__ = "service_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    community_path: Mapped[str] = mapped_column(PathString, index=True)
    name: Mapped[str] = mapped_column(String(80))
    leader_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class VolunteerPost(Base):
    """A grid volunteer post (网格志愿者岗) held by a checked-in member."""

    __tablename__ = "volunteer_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_in.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("service_team.id"))
    grid_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    title: Mapped[str] = mapped_column(String(40))
    started_on: Mapped[dt.date]
