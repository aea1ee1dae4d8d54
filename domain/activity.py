"""Organisational life (组织生活): what an activity may be, how members take part, and the
三会一课 rules a branch is held to (DESIGN.md §5, "Organisational life"). No SQL: the
resolvers read what the rules need and hand it in."""

import datetime as dt
import enum
import hashlib
import hmac
from dataclasses import dataclass

from domain.calendar import Period, add_months
from domain.errors import RuleViolation
from models import ActivityState, ActivityType, OrgLevel, ParticipationStatus

# an activity lasts at most a day (a 主题党日 outing included)
MAX_DURATION = dt.timedelta(hours=24)
# members may sign in from this long before the start until the end
SIGN_IN_EARLY = dt.timedelta(minutes=30)
# the organiser's screen shows a new code at least this often (and after every use)
CODE_SECONDS = 60
CODE_DIGITS = 6
# a branch of at least 7 members has a committee (3–5 people), which meets monthly
COMMITTEE_MIN_MEMBERS = 7
COMMUNITY_LEVELS = (OrgLevel.COMMUNITY, OrgLevel.VILLAGE)

# state → the states it may move to: DRAFT → PUBLISHED → HELD → RECORDED, or CANCELLED
# before it is held; a RECORDED activity may be recorded again (its records amended)
TRANSITIONS: dict[ActivityState, frozenset[ActivityState]] = {
    ActivityState.DRAFT: frozenset({ActivityState.PUBLISHED, ActivityState.CANCELLED}),
    ActivityState.PUBLISHED: frozenset(
        {ActivityState.HELD, ActivityState.RECORDED, ActivityState.CANCELLED}
    ),
    ActivityState.HELD: frozenset({ActivityState.RECORDED}),
    ActivityState.RECORDED: frozenset({ActivityState.RECORDED}),
    ActivityState.CANCELLED: frozenset(),
}


class Attendance(enum.Enum):
    """How a member's part in a held activity counts."""

    PRESENT = "出席"
    EXCUSED = "请假"
    ABSENT = "缺席"
    EXPECTED = "待举行"


@dataclass(frozen=True)
class Schedule:
    """When and where an activity takes place, and its sign-up window and places."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    sign_up_opens_at: dt.datetime | None
    sign_up_closes_at: dt.datetime | None
    capacity: int | None


def check_schedule(s: Schedule) -> None:
    """An activity ends after it starts, within a day; sign-up closes by the start and opens
    before it closes; places, if limited, are at least one."""
    if s.ends_at <= s.starts_at:
        raise RuleViolation("endsAt must be after startsAt")
    if s.ends_at - s.starts_at > MAX_DURATION:
        raise RuleViolation("an activity lasts at most 24 hours")
    closes = s.sign_up_closes_at or s.starts_at
    if closes > s.starts_at:
        raise RuleViolation("sign-up must close by the start of the activity")
    if s.sign_up_opens_at is not None and s.sign_up_opens_at >= closes:
        raise RuleViolation("sign-up must open before it closes")
    if s.capacity is not None and not 1 <= s.capacity <= 100_000:
        raise RuleViolation("capacity must be between 1 and 100000")


def check_audience(level: OrgLevel, include_checked_in: bool) -> None:
    """Only a community or village (社区/村) has members checked in (在职党员到社区报到)."""
    if include_checked_in and level not in COMMUNITY_LEVELS:
        raise RuleViolation("only a community or village can invite its checked-in members")


def check_transition(state: ActivityState, to: ActivityState) -> None:
    if to not in TRANSITIONS[state]:
        raise RuleViolation(f"a {state.name.lower()} activity cannot become {to.name.lower()}")


def check_held(state: ActivityState, starts_at: dt.datetime, now: dt.datetime) -> None:
    """An activity is held (or recorded) only once it has started."""
    if now < starts_at:
        raise RuleViolation("an activity cannot be held or recorded before it starts")


def check_editable(state: ActivityState) -> None:
    """Schedule and place change only before the activity is held (versioned once published)."""
    if state not in (ActivityState.DRAFT, ActivityState.PUBLISHED):
        raise RuleViolation(f"a {state.name.lower()} activity can no longer be changed")


def check_sign_up(s: Schedule, state: ActivityState, now: dt.datetime) -> None:
    """Sign-up (and cancelling it) is open for a published activity inside its window: from
    `sign_up_opens_at` (publication if none) until `sign_up_closes_at` (the start if none)."""
    if state is not ActivityState.PUBLISHED:
        raise RuleViolation("sign-up is open only for a published activity")
    if s.sign_up_opens_at is not None and now < s.sign_up_opens_at:
        raise RuleViolation("sign-up has not opened yet")
    if now >= (s.sign_up_closes_at or s.starts_at):
        raise RuleViolation("sign-up has closed")


def check_leave(state: ActivityState, starts_at: dt.datetime, now: dt.datetime) -> None:
    """Leave (请假) is asked before the activity starts, while it is published."""
    if state is not ActivityState.PUBLISHED or now >= starts_at:
        raise RuleViolation("leave is asked for a published activity before it starts")


def check_decision(status: ParticipationStatus) -> None:
    if status is not ParticipationStatus.LEAVE_REQUESTED:
        raise RuleViolation("there is no leave request waiting for a decision")


def in_sign_in_window(starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> bool:
    """Members sign in from 30 minutes before the start until the end."""
    return starts_at - SIGN_IN_EARLY <= now < ends_at


def check_sign_in(
    state: ActivityState, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime
) -> None:
    if state not in (ActivityState.PUBLISHED, ActivityState.HELD):
        raise RuleViolation("sign-in is open only while the activity takes place")
    if not in_sign_in_window(starts_at, ends_at, now):
        raise RuleViolation("sign-in is open from 30 minutes before the start until the end")


def _slot(now: dt.datetime) -> int:
    return int(now.timestamp()) // CODE_SECONDS


def _code(secret: str, activity_id: int, counter: int, slot: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{activity_id}:{counter}:{slot}".encode(), hashlib.sha256
    ).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def sign_in_code(
    secret: str, activity_id: int, counter: int, now: dt.datetime
) -> tuple[str, dt.datetime]:
    """The code the organiser's screen shows now, and until when. It rotates every minute
    and after every use (`counter`): one code signs in one account, and a code photographed
    and passed on is stale within a minute."""
    slot = _slot(now)
    until = now.replace(microsecond=0) + dt.timedelta(
        seconds=CODE_SECONDS - int(now.timestamp()) % CODE_SECONDS
    )
    return _code(secret, activity_id, counter, slot), until


def code_matches(secret: str, activity_id: int, counter: int, now: dt.datetime, code: str) -> bool:
    """`code` is the current one, or the one of the minute before (read off the screen just
    as it rotated)."""
    slot = _slot(now)
    return any(
        hmac.compare_digest(code.strip(), _code(secret, activity_id, counter, s))
        for s in (slot, slot - 1)
    )


def attendance(
    state: ActivityState, status: ParticipationStatus, signed_in: bool
) -> Attendance | None:
    """Present if signed in; excused with approved leave; absent otherwise once the activity
    is held; expected before. A cancelled sign-up, or a cancelled activity, counts for
    nothing (None)."""
    if state is ActivityState.CANCELLED:
        return None
    if status is ParticipationStatus.CANCELLED and not signed_in:
        return None
    if signed_in:
        return Attendance.PRESENT
    if status is ParticipationStatus.LEAVE_APPROVED:
        return Attendance.EXCUSED
    if state in (ActivityState.HELD, ActivityState.RECORDED):
        return Attendance.ABSENT
    return Attendance.EXPECTED


# ---- 三会一课 compliance -----------------------------------------------------------------


class Due(enum.Enum):
    """Which branches a rule binds."""

    EVERY_BRANCH = "每个支部"
    WITH_COMMITTEE = "设支委会的支部"
    WITH_GROUPS = "设党小组的支部"


@dataclass(frozen=True)
class Rule:
    """An activity a branch must hold at least once in every cycle of `months` months."""

    kind: ActivityType
    months: int
    due: Due = Due.EVERY_BRANCH
    by_secretary: bool = False

    @property
    def key(self) -> str:
        return self.kind.name + ("_BY_SECRETARY" if self.by_secretary else "")


# DESIGN.md §5 "Organisational life": 支部党员大会 quarterly; 支委会 monthly; 党小组会 monthly;
# 党课 at least every 6 months, the secretary giving at least one a year; 主题党日 every month;
# 组织生活会 and 民主评议 yearly. A committee meets where a branch has one (≥7 members), groups
# where it is divided into groups (党小组).
RULES: tuple[Rule, ...] = (
    Rule(ActivityType.THEME_DAY, 1),
    Rule(ActivityType.GENERAL_MEETING, 3),
    Rule(ActivityType.COMMITTEE_MEETING, 1, Due.WITH_COMMITTEE),
    Rule(ActivityType.GROUP_MEETING, 1, Due.WITH_GROUPS),
    Rule(ActivityType.PARTY_LECTURE, 6),
    Rule(ActivityType.PARTY_LECTURE, 12, by_secretary=True),
    Rule(ActivityType.LIFE_MEETING, 12),
    Rule(ActivityType.APPRAISAL, 12),
)


def cycles(period: Period, months: int, today: dt.date) -> list[Period]:
    """The cycles of `months` months (calendar-aligned: months, quarters, halves, years) that
    lie wholly within `period` and have ended by `today`: what was due in the period. A cycle
    still running is not yet due."""
    out: list[Period] = []
    start = dt.date(period.start.year, 1, 1)
    while start < period.end:
        end = add_months(start, months)
        if start >= period.start and end <= period.end and end <= today:
            out.append(Period(start, end))
        start = end
    return out
