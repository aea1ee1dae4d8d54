"""Rules of the member archive (党员档案) and of transfers (组织关系转接): what a record may
hold, which standing changes are allowed, how long a receiving branch has to answer. Plain
rules, no database: uniqueness in the city is the database's (a unique index)."""

import datetime as dt
import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from domain.calendar import add_months
from domain.errors import RuleViolation
from models import (
    AdditionMethod,
    DuesCategory,
    Education,
    Gender,
    MemberStatus,
    OrgLevel,
    Standing,
)

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

# GB 11643-1999: weights of the first 17 digits, and the check character of the sum mod 11
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_SHAPE = re.compile(r"[1-9]\d{16}[\dX]")
PHONE_SHAPE = re.compile(r"1[3-9]\d{9}")
PARTY_MEMBERS = (MemberStatus.PROBATIONARY, MemberStatus.FULL)
# the orgs members belong to: a branch (党支部) keeps the roll
MEMBER_ORG_LEVELS = (OrgLevel.BRANCH,)
ADULT = 18  # years: the youngest age at which one joins the Party
LEFT = {
    Standing.DECEASED: "去世",
    Standing.STOPPED: "停止党籍",
    Standing.EXPELLED: "出党",
}


def id_card_check(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_card_problems(number: str, birth_date: dt.date | None, gender: Gender | None) -> list[str]:
    """What is wrong with an 18-character citizen ID number beside the record's birth date and
    gender: its shape, its check character, the birth date it embeds, the parity of the
    sequence digit (odd for men)."""
    if not ID_SHAPE.fullmatch(number):
        return ["idCardNumber must be 18 characters: 17 digits and a digit or X"]
    problems = []
    if id_card_check(number[:17]) != number[17]:
        problems.append("idCardNumber fails its check character (GB 11643)")
    try:
        embedded: dt.date | None = dt.date(
            int(number[6:10]), int(number[10:12]), int(number[12:14])
        )
    except ValueError:
        embedded = None
        problems.append("idCardNumber embeds no valid birth date")
    if embedded is not None and birth_date is not None and embedded != birth_date:
        problems.append("idCardNumber's birth date differs from birthDate")
    if gender is not None and (int(number[16]) % 2 == 1) != (gender is Gender.MALE):
        problems.append("idCardNumber's sequence digit does not match the gender (odd for men)")
    return problems


def normal_id_card(number: str) -> str:
    """As stored: no spaces, a capital X."""
    return number.strip().upper()


@dataclass(frozen=True)
class Facts:
    """What an added member's archive says; the fields of `addMember` and of an import row."""

    name: str
    gender: Gender
    ethnicity: str
    birth_date: dt.date
    id_card_number: str
    phone: str
    address: str
    status: MemberStatus
    added_how: AdditionMethod
    applied_on: dt.date | None = None
    joined_on: dt.date | None = None
    confirmed_on: dt.date | None = None


def problems_of(f: Facts, today: dt.date) -> list[str]:
    """Every problem of a new record (an import reports them all, row by row)."""
    out = []
    if not f.name.strip():
        out.append("name is required")
    if not f.ethnicity.strip():
        out.append("ethnicity is required")
    if not f.address.strip():
        out.append("address is required")
    if f.birth_date > today:
        out.append("birthDate is in the future")
    out += id_card_problems(f.id_card_number, f.birth_date, f.gender)
    if not PHONE_SHAPE.fullmatch(f.phone.strip()):
        out.append("phone must be an 11-digit mobile number")
    member = f.status in PARTY_MEMBERS
    if f.added_how is not AdditionMethod.DEVELOPED and not member:
        out.append(
            "only Party members are transferred in or restored: status must be 预备党员 or 正式党员"
        )
    if member and f.joined_on is None:
        out.append("joinedOn (入党日期) is required for a Party member")
    if f.status is MemberStatus.FULL and f.confirmed_on is None:
        out.append("confirmedOn (转正日期) is required for a full member")
    if f.status is not MemberStatus.FULL and f.confirmed_on is not None:
        out.append("confirmedOn is only for full members")
    if not member and f.joined_on is not None:
        out.append("joinedOn is only for Party members")
    for label, day in (("appliedOn", f.applied_on), ("joinedOn", f.joined_on),
                       ("confirmedOn", f.confirmed_on)):  # fmt: skip
        if day is not None and day > today:
            out.append(f"{label} is in the future")
    if f.joined_on is not None and f.joined_on < add_months(f.birth_date, 12 * ADULT):
        out.append(f"joinedOn is before the member's {ADULT}th birthday")
    if f.joined_on and f.confirmed_on and f.confirmed_on < f.joined_on:
        out.append("confirmedOn is before joinedOn")
    if f.applied_on and f.joined_on and f.applied_on > f.joined_on:
        out.append("appliedOn is after joinedOn")
    return out


def check_new(f: Facts, today: dt.date) -> None:
    if problems := problems_of(f, today):
        raise RuleViolation("; ".join(problems))


def check_member_org(level: OrgLevel) -> None:
    """Members are kept on a branch's roll."""
    if level not in MEMBER_ORG_LEVELS:
        raise RuleViolation("members belong to a Party branch (党支部)")


def check_phone(phone: str) -> None:
    if not PHONE_SHAPE.fullmatch(phone):
        raise RuleViolation("phone must be an 11-digit mobile number")


def check_active(standing: Standing) -> None:
    """Only a member on the active roll is edited, transferred or leaves it."""
    if standing is not Standing.ACTIVE:
        raise RuleViolation(f"the member is no longer on the active roll ({standing.value})")


def check_leaving(
    standing: Standing,
    new: Standing,
    status: MemberStatus,
    joined_on: dt.date | None,
    on: dt.date,
    reason: str | None,
    today: dt.date,
) -> None:
    """Leaving the active roll: death for anyone, 停止党籍 and 出党 for Party members, with a
    reason; dated, not in the future nor before the member joined."""
    check_active(standing)
    if new not in LEFT:
        raise RuleViolation(
            "standing must be DECEASED, STOPPED or EXPELLED (transfers move members)"
        )
    if new is not Standing.DECEASED and status not in PARTY_MEMBERS:
        raise RuleViolation(f"{LEFT[new]} applies to Party members only")
    if new is not Standing.DECEASED and not (reason or "").strip():
        raise RuleViolation(f"{LEFT[new]} needs a reason")
    if on > today:
        raise RuleViolation("the date is in the future")
    if joined_on is not None and on < joined_on:
        raise RuleViolation("the date is before the member joined")


def transfer_due(issued_on: dt.date, days: int) -> dt.date:
    """By when the receiving organisation answers a letter of introduction."""
    return issued_on + dt.timedelta(days=days)


def check_destination(
    to_level: OrgLevel | None, to_path: str | None, from_path: str, destination: str | None
) -> None:
    """A transfer names a branch of the city other than the member's own, or a destination
    outside the city as text; not both."""
    if (to_level is None) == (not (destination or "").strip()):
        raise RuleViolation("give either toOrganizationId or destination (outside the city)")
    if to_level is not None:
        check_member_org(to_level)
        if to_path == from_path:
            raise RuleViolation("the member is already in that organisation")


# ---- a row of the national system's member table (批量导入) -------------------------------

# (column, required): the national member-management system's column set, in template order
COLUMNS = (
    ("姓名", True),
    ("身份证号", True),
    ("性别", True),
    ("民族", True),
    ("出生日期", True),
    ("学历", True),
    ("人员类别", False),  # 正式党员 / 预备党员; without it, inferred from 转正日期
    ("入党日期", True),
    ("转正日期", False),
    ("手机", True),
    ("家庭住址", True),
    ("所在党组织编码", True),
    ("党费类别", False),  # 在职 by default
    ("增加方式", False),  # 转入 by default: a branch onboarding its members
)
EDUCATION_NAMES = {e.value: e for e in Education} | {
    "高中": Education.SENIOR_HIGH,
    "中专": Education.SENIOR_HIGH,
    "硕士": Education.POSTGRADUATE,
    "博士": Education.POSTGRADUATE,
    "研究生": Education.POSTGRADUATE,
}
# 2026-11-25, 2026/11/25, 2026.11.25, 20261125
DATE_SHAPES = tuple(
    re.compile(rf"(\d{{4}}){sep}(\d{{{width}}}){sep}(\d{{{width}}})")
    for sep, width in (("-", "1,2"), ("/", "1,2"), (r"\.", "1,2"), ("", "2"))
)


@dataclass(frozen=True)
class Parsed:
    """An import row as read: the facts (None when a required one is unreadable), the
    archive fields beside them, and every problem found."""

    facts: Facts | None
    education: Education | None
    dues_category: DuesCategory
    org_code: str
    problems: tuple[str, ...]


def parse_date(text: str) -> dt.date:
    for shape in DATE_SHAPES:
        if m := shape.fullmatch(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError(text)


def _by_value(kind: type[E], text: str) -> E:
    for value in kind:
        if text in (value.value, value.name):
            return value
    raise ValueError(text)


def parse_row(cells: dict[str, str]) -> Parsed:
    """Read one row (cells as text, by column name); every problem is reported, none
    stops the reading."""
    problems: list[str] = []
    text = {name: (cells.get(name) or "").strip() for name, _ in COLUMNS}
    for name, required in COLUMNS:
        if required and not text[name]:
            problems.append(f"{name} is required")

    def read(name: str, parse: Callable[[str], T]) -> T | None:
        if not text[name]:
            return None
        try:
            return parse(text[name])
        except ValueError:
            problems.append(f"{name} {text[name]!r} cannot be read")
            return None

    gender = read("性别", lambda t: _by_value(Gender, t))
    birth = read("出生日期", parse_date)
    joined = read("入党日期", parse_date)
    confirmed = read("转正日期", parse_date)
    education = (
        read("学历", EDUCATION_NAMES.__getitem__) if text["学历"] in EDUCATION_NAMES else None
    )
    if text["学历"] and education is None:
        problems.append(f"学历 {text['学历']!r} cannot be read")
    status = read("人员类别", lambda t: _by_value(MemberStatus, t))
    if status is None:
        status = MemberStatus.FULL if confirmed else MemberStatus.PROBATIONARY
    dues = read("党费类别", lambda t: _by_value(DuesCategory, t)) or DuesCategory.EMPLOYED
    added = (
        read("增加方式", lambda t: _by_value(AdditionMethod, t)) or AdditionMethod.TRANSFERRED_IN
    )
    facts = None
    if gender is not None and birth is not None:
        facts = Facts(
            name=text["姓名"],
            gender=gender,
            ethnicity=text["民族"],
            birth_date=birth,
            id_card_number=normal_id_card(text["身份证号"]),
            phone=text["手机"],
            address=text["家庭住址"],
            status=status,
            added_how=added,
            joined_on=joined,
            confirmed_on=confirmed,
        )
    return Parsed(facts, education, dues, text["所在党组织编码"], tuple(problems))
