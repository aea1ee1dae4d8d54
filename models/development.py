"""Member development (发展党员): one case per applicant through the 25 steps, with every
action recorded."""

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, PathString, str_enum


class CaseStatus(enum.Enum):
    OPEN = "进行中"
    REJECTED = "未通过"
    DONE = "已完成"


class Decision(enum.Enum):
    PASS = "通过"
    RETURN = "退回"
    REJECT = "不予通过"


class ActingLevel(enum.Enum):
    """Joint review tiers (联审): branch → street/township committee → district department."""

    BRANCH = "党支部"
    STREET = "街道/乡镇党(工)委"
    DISTRICT = "区县委组织部"


class DevelopmentCase(Base):
    """An applicant's way to full membership; `next_*` describe the one open step."""

    __tablename__ = "development_case"
    __table_args__ = (
        Index("ix_development_case_org_path_id", "org_path", "id"),
        Index(
            "uq_development_case_open_member",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'OPEN'"),
            postgresql_where=text("status = 'OPEN'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus))
    next_step: Mapped[int]  # 1–25; 26 once done
    next_level: Mapped[ActingLevel | None] = mapped_column(str_enum(ActingLevel))
    next_earliest_on: Mapped[dt.date | None]
    next_due_on: Mapped[dt.date | None]
    extension_months: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    opened_on: Mapped[dt.date]


class DevelopmentRecord(Base):
    """One action on a case: who, at which level, what, when, with its evidence."""

    __tablename__ = "development_record"
    __table_args__ = (Index("ix_development_record_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("development_case.id"))
    step: Mapped[int]
    decision: Mapped[Decision] = mapped_column(str_enum(Decision))
    level: Mapped[ActingLevel] = mapped_column(str_enum(ActingLevel))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    acted_on: Mapped[dt.date]
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(String(500))
    notice_from: Mapped[dt.date | None]
    notice_to: Mapped[dt.date | None]
    votes_due: Mapped[int | None]
    votes_present: Mapped[int | None]
    votes_yes: Mapped[int | None]
    class_hours: Mapped[int | None]
    people: Mapped[str | None] = mapped_column(String(200))  # member ids: sponsors, contacts


class Holiday(Base):
    """Public holidays (and the extra working days swapped for them) for working-day counts;
    a deployment adds its own years."""

    __tablename__ = "holiday"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    working: Mapped[bool] = mapped_column(Boolean, default=False)  # a swapped working weekend day
