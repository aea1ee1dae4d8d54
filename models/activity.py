"""Organisational life (组织生活): activities an organisation publishes (活动发布, 三会一课,
主题党日) and members' part in them (sign-up, leave, sign-in)."""

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, PathString, str_enum


class ActivityType(enum.Enum):
    """三会一课 and the other forms of organisational life."""

    THEME_DAY = "主题党日"
    GENERAL_MEETING = "支部党员大会"
    COMMITTEE_MEETING = "支委会"
    GROUP_MEETING = "党小组会"
    PARTY_LECTURE = "党课"
    LIFE_MEETING = "组织生活会"
    APPRAISAL = "民主评议"
    VOLUNTEER = "志愿服务"
    OTHER = "其他"


class ActivityState(enum.Enum):
    DRAFT = "草稿"
    PUBLISHED = "已发布"
    HELD = "已举行"
    RECORDED = "已归档"
    CANCELLED = "已取消"


class ActivityAudience(enum.Enum):
    """Who an activity is for, besides the members checked in at a community
    (`Activity.include_checked_in`)."""

    MEMBERS = "本组织党员"
    SUBTREE = "本组织及下级党员"


class ParticipationStatus(enum.Enum):
    SIGNED_UP = "已报名"
    CANCELLED = "已取消报名"
    LEAVE_REQUESTED = "请假待批"
    LEAVE_APPROVED = "已准假"
    LEAVE_REFUSED = "未准假"


class Activity(Base):
    """An activity, placed at its organiser's path (`org_path`); `signed_up` is the counter
    that holds `capacity` under concurrent sign-ups (one conditional UPDATE)."""

    __tablename__ = "activity"
    __table_args__ = (
        # covers the 三会一课 board's scan of a subtree's held activities (no table lookups)
        Index(
            "ix_activity_board",
            "org_path",
            "starts_at",
            "org_id",
            "kind",
            "state",
            "by_secretary",
        ),
        Index("ix_activity_org_id_starts_at", "org_id", "starts_at"),
        # covers a city-wide scan of one kind's held activities in a month (the cockpit's
        # THEME_DAY trend): a range of the month instead of every activity of the subtree
        Index("ix_activity_kind_starts_at", "kind", "starts_at", "state", "org_id", "org_path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    kind: Mapped[ActivityType] = mapped_column(str_enum(ActivityType))
    title: Mapped[str] = mapped_column(String(120))
    place: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    sign_up_opens_at: Mapped[dt.datetime | None]
    sign_up_closes_at: Mapped[dt.datetime | None]
    capacity: Mapped[int | None]
    signed_up: Mapped[int] = mapped_column(default=0)
    audience: Mapped[ActivityAudience] = mapped_column(str_enum(ActivityAudience))
    include_checked_in: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[ActivityState] = mapped_column(str_enum(ActivityState))
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    published_at: Mapped[dt.datetime | None]
    held_at: Mapped[dt.datetime | None]
    recorded_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    minutes: Mapped[str | None] = mapped_column(Text)
    resolutions: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[str | None] = mapped_column(Text)  # references, one a line
    lecturer_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    # whether the lecturer of a 党课 was the branch's secretary when it was recorded
    by_secretary: Mapped[bool] = mapped_column(Boolean, default=False)
    code_secret: Mapped[str] = mapped_column(String(64))
    code_counter: Mapped[int] = mapped_column(default=0)


class ActivityParticipant(Base):
    """A member's part in an activity; `org_path` copies the organiser's path (where the
    organiser's side sees it), the member sees their own."""

    __tablename__ = "activity_participant"
    __table_args__ = (
        UniqueConstraint("activity_id", "member_id"),
        Index("ix_activity_participant_member_id_activity_id", "member_id", "activity_id"),
        Index("ix_activity_participant_org_path_id", "org_path", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    status: Mapped[ParticipationStatus] = mapped_column(str_enum(ParticipationStatus))
    signed_up_at: Mapped[dt.datetime | None]
    signed_in_at: Mapped[dt.datetime | None]
    leave_reason: Mapped[str | None] = mapped_column(String(200))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decision_note: Mapped[str | None] = mapped_column(String(200))
