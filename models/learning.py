"""Learning and training (学习培训): study resources published to a subtree, members' online
study sessions, one-on-one study delivery (结对送学) and training classes. Hours are whole
minutes everywhere (31.5 hours is 1890 minutes: no floats)."""

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, PathString, str_enum


class ResourceKind(enum.Enum):
    COURSE = "课程"
    ARTICLE = "文章"
    VIDEO = "视频"


class StudyResource(Base):
    """A course, article or video published by the city or a district (`org_path`) to its
    subtree, crediting up to `minutes` of study."""

    __tablename__ = "study_resource"
    __table_args__ = (Index("ix_study_resource_org_path_id", "org_path", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    kind: Mapped[ResourceKind] = mapped_column(str_enum(ResourceKind))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    minutes: Mapped[int]
    published_at: Mapped[dt.datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class StudySession(Base):
    """One online study session a member's client reports (by its `session_key`, again as it
    progresses); `credited_minutes` is what it added to the union of the member's study time."""

    __tablename__ = "study_session"
    __table_args__ = (
        # also finds a member's own sessions (a handful a week): no second member index, so
        # a move or transfer writes one entry fewer per session (migration 0018)
        UniqueConstraint("member_id", "session_key"),
        Index("ix_study_session_org_path_started_at", "org_path", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    resource_id: Mapped[int] = mapped_column(ForeignKey("study_resource.id"))
    session_key: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime]
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    credited_minutes: Mapped[int] = mapped_column(default=0)
    reported_at: Mapped[dt.datetime]


class StudyPairing(Base):
    """结对送学: a member who cannot attend (away for work, ill, elderly) paired with a
    deliverer; `org_path` is the member's own org."""

    __tablename__ = "study_pairing"
    __table_args__ = (Index("ix_study_pairing_member_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    deliverer_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    reason: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[dt.date]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class StudyDelivery(Base):
    """One occasion of study delivered to a paired member, with the member's feedback for
    the branch secretary; `org_path` is the member's own org."""

    __tablename__ = "study_delivery"
    __table_args__ = (
        UniqueConstraint("pairing_id", "delivered_on"),
        Index("ix_study_delivery_org_path_delivered_on", "org_path", "delivered_on"),
        Index("ix_study_delivery_member_id_delivered_on", "member_id", "delivered_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("study_pairing.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    deliverer_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    delivered_on: Mapped[dt.date]
    content: Mapped[str] = mapped_column(Text)
    online: Mapped[bool] = mapped_column(Boolean)
    minutes: Mapped[int]
    feedback: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class TrainingClass(Base):
    """A street's or district's class (培训班) for the committee members of its villages and
    communities; each member enrolled and attending is credited `minutes`."""

    __tablename__ = "training_class"
    __table_args__ = (Index("ix_training_class_org_path_starts_on", "org_path", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    title: Mapped[str] = mapped_column(String(120))
    topics: Mapped[str] = mapped_column(Text)  # one a line
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    minutes: Mapped[int]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class TrainingEnrolment(Base):
    """A member enrolled in a class; `org_path` copies the class's organiser (where the
    organiser sees it), `member_org_path` the member's own org."""

    __tablename__ = "training_enrolment"
    __table_args__ = (
        UniqueConstraint("class_id", "member_id"),
        Index("ix_training_enrolment_member_id", "member_id"),
        Index("ix_training_enrolment_member_org_path", "member_org_path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    member_org_path: Mapped[str] = mapped_column(PathString)
    enrolled_at: Mapped[dt.datetime]
    credited_minutes: Mapped[int] = mapped_column(default=0)


class StudyTotal(Base):
    """A member's credited minutes of a year, by source: the cache of
    `resolvers.learning.credited` (the definition), kept exact in the transaction of every
    write that changes it (`resolvers.learning.refresh_totals`), so boards and rates read one
    row per member. `org_path` is the member's own org and follows them; no row is 0."""

    __tablename__ = "study_total"
    __table_args__ = (  # a board reads a range of it, index only: who (to join) and how much
        Index("ix_study_total_year_org_path", "year", "org_path", "member_id", "minutes"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    org_path: Mapped[str] = mapped_column(PathString)
    online: Mapped[int]
    offline: Mapped[int]
    delivered: Mapped[int]
    training: Mapped[int]
    minutes: Mapped[int]  # the sum of the four
