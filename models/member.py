"""Party members and applicants (党员 / 入党申请人)."""

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, PathString, str_enum


class Gender(enum.Enum):
    MALE = "男"
    FEMALE = "女"


class Education(enum.Enum):
    PRIMARY = "小学"
    JUNIOR_HIGH = "初中"
    SENIOR_HIGH = "高中/中专"
    JUNIOR_COLLEGE = "大专"
    BACHELOR = "本科"
    POSTGRADUATE = "研究生"


class MemberStatus(enum.Enum):
    """Pipeline position (发展党员工作细则); only PROBATIONARY and FULL are Party members."""

    APPLICANT = "入党申请人"
    ACTIVIST = "入党积极分子"
    CANDIDATE = "发展对象"
    PROBATIONARY = "预备党员"
    FULL = "正式党员"


class DuesCategory(enum.Enum):
    """Dues bands apply per category (中组发〔2008〕3号)."""

    EMPLOYED = "在职"
    RETIRED = "离退休"
    FARMER = "农民"
    STUDENT = "学生"
    UNEMPLOYED = "下岗失业"
    SUBSISTENCE = "低保"


class PartyPost(enum.Enum):
    SECRETARY = "书记"
    DEPUTY_SECRETARY = "副书记"
    COMMITTEE_MEMBER = "委员"
    GROUP_LEADER = "党小组长"


class FloatingStatus(enum.Enum):
    NONE = "非流动"
    OUTFLOW = "流出"
    INFLOW = "流入"


class Standing(enum.Enum):
    """Whether a member is on the active roll (在册); the others keep their archive but leave
    every active count (lists by default, counts, statistics, dues due)."""

    ACTIVE = "在册"
    DECEASED = "去世"
    STOPPED = "停止党籍"
    EXPELLED = "出党"
    TRANSFERRED_OUT = "转出本市"


class AdditionMethod(enum.Enum):
    """How a member entered the archive (增加方式)."""

    DEVELOPED = "发展"
    TRANSFERRED_IN = "转入"
    RESTORED = "恢复党籍"


class Member(Base):
    """A person in the Party's books; `org_path` copies the org's path for subtree filters.
    Lost contact (失联) is no column: it is computed from the floating contact log
    (`resolvers.floating.lost_on`)."""

    __tablename__ = "member"
    __table_args__ = (
        Index("ix_member_org_path_id", "org_path", "id"),
        Index("ix_member_org_id_id", "org_id", "id"),
        Index("ix_member_residential_org_id", "residential_org_id"),
        Index("ix_member_employer_org_id", "employer_org_id"),
        # subtree statistics read only the index (migration 0006), of the active roll (0013)
        Index(
            "ix_member_stats",
            "org_path",
            "status",
            "gender",
            "education",
            "birth_date",
            "standing",  # SQLite covers only with every column the statement names
            sqlite_where=text("standing = 'ACTIVE'"),
            postgresql_where=text("standing = 'ACTIVE'"),
        ),
        Index("uq_member_id_card_number", "id_card_number", unique=True),
        # the few who left the roll: dues due leave them out by this index (migration 0014)
        Index(
            "ix_member_left",
            "id",
            "standing_on",
            sqlite_where=text("standing <> 'ACTIVE'"),
            postgresql_where=text("standing <> 'ACTIVE'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    gender: Mapped[Gender] = mapped_column(str_enum(Gender))
    ethnicity: Mapped[str] = mapped_column(String(16))
    birth_date: Mapped[dt.date]
    education: Mapped[Education] = mapped_column(str_enum(Education))
    id_card_number: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    status: Mapped[MemberStatus] = mapped_column(str_enum(MemberStatus))
    dues_category: Mapped[DuesCategory] = mapped_column(str_enum(DuesCategory))
    party_post: Mapped[PartyPost | None] = mapped_column(str_enum(PartyPost))
    applied_on: Mapped[dt.date | None]
    joined_on: Mapped[dt.date | None]
    confirmed_on: Mapped[dt.date | None]
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    employer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    residential_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    floating: Mapped[FloatingStatus] = mapped_column(str_enum(FloatingStatus))
    standing: Mapped[Standing] = mapped_column(
        str_enum(Standing), default=Standing.ACTIVE, server_default=text("'ACTIVE'")
    )
    standing_on: Mapped[dt.date | None]
    standing_reason: Mapped[str | None] = mapped_column(String(200))
    added_how: Mapped[AdditionMethod | None] = mapped_column(str_enum(AdditionMethod))
    # optimistic concurrency of archive edits (`expectedVersion`)
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
