"""Governance (换届 and 软弱涣散): terms and elections of grass-roots organisations, requests to
change a due date, assessment inputs and the rectification cases of weak organisations."""

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, PathString, str_enum


class TermChangeKind(enum.Enum):
    POSTPONE = "延期换届"
    ADVANCE = "提前换届"


class TermChangeState(enum.Enum):
    PENDING = "待审批"
    APPROVED = "已批准"
    REJECTED = "不予批准"


class RectificationState(enum.Enum):
    PROPOSED = "拟列入"  # a candidate of the yearly sweep, not yet confirmed
    RECTIFYING = "整改中"
    REDO = "重新整改"  # an acceptance that failed (score < 70 or > 50% dissatisfied)
    ACCEPTED = "已验收"
    DISMISSED = "不予列入"


class OrgTerm(Base):
    """One term (届) of an organisation: from an election to the next. `regular_due_on` is
    the election plus the level's term; `due_on` the due date in force (an approved change's,
    else the regular one); `ended_on` the next election's date."""

    __tablename__ = "org_term"
    __table_args__ = (
        Index("ix_org_term_org_path_id", "org_path", "id"),
        Index("ix_org_term_due_on", "due_on"),
        Index(
            "uq_org_term_current",
            "org_id",
            unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    years: Mapped[int]
    started_on: Mapped[dt.date]
    regular_due_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    ended_on: Mapped[dt.date | None]
    version: Mapped[int] = mapped_column(server_default=text("1"))


class Election(Base):
    """An election (选举) that started a term: seats, candidates, the committee elected and
    its secretary (member ids)."""

    __tablename__ = "election"
    __table_args__ = (Index("ix_election_org_path_id", "org_path", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    term_id: Mapped[int] = mapped_column(ForeignKey("org_term.id"))
    held_on: Mapped[dt.date]
    seats: Mapped[int]
    candidates: Mapped[int]
    committee: Mapped[str] = mapped_column(String(500))  # member ids, comma-separated
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class TermChange(Base):
    """A request to postpone or advance a term's due date, and its decision above."""

    __tablename__ = "term_change"
    __table_args__ = (Index("ix_term_change_org_path_id", "org_path", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("org_term.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    kind: Mapped[TermChangeKind] = mapped_column(str_enum(TermChangeKind))
    new_due_on: Mapped[dt.date]
    reason: Mapped[str] = mapped_column(String(500))
    state: Mapped[TermChangeState] = mapped_column(str_enum(TermChangeState))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    requested_on: Mapped[dt.date]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_on: Mapped[dt.date | None]
    version: Mapped[int] = mapped_column(server_default=text("1"))


class OrgAssessment(Base):
    """The recorded inputs of a year's assessment (考核) of an organisation: last place among
    its peers, and the share of members and residents satisfied (满意度, percent)."""

    __tablename__ = "org_assessment"
    __table_args__ = (
        UniqueConstraint("org_id", "year"),
        Index("ix_org_assessment_org_path_id", "org_path", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    year: Mapped[int]
    last_place: Mapped[bool]
    satisfaction_pct: Mapped[int]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class RectificationCase(Base):
    """A weak organisation's case (软弱涣散党组织整顿): the reasons found, problems, measures,
    the responsible leader, the deadline and the acceptance. One per organisation and year."""

    __tablename__ = "rectification_case"
    __table_args__ = (
        UniqueConstraint("org_id", "year"),
        Index("ix_rectification_case_org_path_id", "org_path", "id"),
        Index("ix_rectification_case_deadline", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    year: Mapped[int]
    state: Mapped[RectificationState] = mapped_column(str_enum(RectificationState))
    reasons: Mapped[str] = mapped_column(String(200))  # WeakReason names, comma-separated
    problems: Mapped[str | None] = mapped_column(Text)
    measures: Mapped[str | None] = mapped_column(Text)
    responsible_leader: Mapped[str | None] = mapped_column(String(40))
    deadline: Mapped[dt.date | None]
    proposed_on: Mapped[dt.date]
    opened_on: Mapped[dt.date | None]
    score: Mapped[int | None]
    dissatisfied_pct: Mapped[int | None]
    accepted_on: Mapped[dt.date | None]
    version: Mapped[int] = mapped_column(server_default=text("1"))


class RectificationNote(Base):
    """A progress note on a case (整改进展)."""

    __tablename__ = "rectification_note"
    __table_args__ = (Index("ix_rectification_note_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rectification_case.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    written_on: Mapped[dt.date]
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
