"""The Party organisation tree (党组织), stored with materialised paths."""

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, PathString, str_enum


class OrgLevel(enum.Enum):
    """Hierarchy levels: city 市委, district 区县委, street 街道党工委 / township 乡镇党委 …"""

    CITY = "市委"
    DISTRICT = "区县委"
    STREET = "街道党工委"
    TOWNSHIP = "乡镇党委"
    COMMUNITY = "社区党委"
    VILLAGE = "村党组织"
    BASE_COMMITTEE = "基层党委"
    GENERAL_BRANCH = "党总支"
    BRANCH = "党支部"
    GROUP = "党小组"


class OrgType(enum.Enum):
    """The kind of unit an organisation is built in."""

    ORGAN = "机关"
    SOE = "国企"
    PRIVATE = "非公"
    INSTITUTION = "事业"
    SCHOOL = "学校"
    RURAL = "农村"
    COMMUNITY = "街道社区"
    SOCIAL = "社会组织"


class BranchKind(enum.Enum):
    """Special kinds of branch (only set on BRANCH level orgs)."""

    REGULAR = "党支部"
    GRID = "网格党支部"
    FLOATING = "流动党员党支部"
    JOINT = "联合党支部"


class Organization(Base):
    """One Party organisation; `path` lists ancestor ids root first, e.g. `/1/17/233/`."""

    __tablename__ = "organization"
    __table_args__ = (Index("ix_organization_parent_id_id", "parent_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    level: Mapped[OrgLevel] = mapped_column(str_enum(OrgLevel))
    org_type: Mapped[OrgType] = mapped_column(str_enum(OrgType))
    branch_kind: Mapped[BranchKind | None] = mapped_column(str_enum(BranchKind))
    path: Mapped[str] = mapped_column(PathString, unique=True)
    depth: Mapped[int]
    established_on: Mapped[dt.date | None]
    term_years: Mapped[int | None]
    last_election_on: Mapped[dt.date | None]
    contact_person: Mapped[str | None] = mapped_column(String(40))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    # the secretary post (书记): the member holding it, or since when it has been vacant (the
    # weak-org sweep asks for "vacant over 3 months"); both null: not recorded
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", use_alter=True))
    secretary_vacant_since: Mapped[dt.date | None]
    # kept, not deleted: audit rows, payments and past records name it (docs/ARCHITECTURE.md)
    dissolved_on: Mapped[dt.date | None]
    version: Mapped[int] = mapped_column(server_default=text("1"))
