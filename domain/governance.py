"""Rules of governance (DESIGN.md §5): terms and re-election (换届) and the rectification of
weak and lax organisations (软弱涣散). Plain Python; the resolvers pass in what they read."""

import datetime as dt
import enum

from domain.calendar import add_months
from domain.errors import RuleViolation
from models import OrgLevel, RectificationState, TermChangeKind

L = OrgLevel
# Terms are kept for grass-roots organisations (基层党组织), whose on-time re-election the
# cockpit counts: 基层党委 and community/village bodies 5 years, 党总支/党支部 3. City,
# district and street committees are elected by Party congresses (党代会) and are not
# counted here; groups (党小组) have no term. `Organization.term` is null for them.
TERM_YEARS: dict[OrgLevel, int] = {
    L.COMMUNITY: 5,
    L.VILLAGE: 5,
    L.BASE_COMMITTEE: 5,
    L.GENERAL_BRANCH: 3,
    L.BRANCH: 3,
}
REMINDER_MONTHS = 6  # the reminder list looks this far ahead (换届提醒, ~6 months)
MAX_CHANGE_MONTHS = 12  # a postponement or an advance moves the due date by a year at most
CANDIDATE_MARGIN = (6, 5)  # candidates ≥ seats × 1.2 (差额选举), as a fraction
VACANT_MONTHS = 3  # secretary post vacant over 3 months
DEVELOPMENT_YEARS = 2  # no development candidate (发展对象) for 2 years
# whose subtree is expected to name a development candidate every 2 years: the bodies that
# develop members (社区/村党组织, 基层党委). A single 党支部 or 党总支 is not held to it: about
# 19,000 candidates in 2 years over ~63,000 branches at Chongqing scale would flag four
# branches in five, where the rule (村(社区)党组织两年以上未发展党员) is about the bodies.
DEVELOPING_LEVELS = frozenset({L.COMMUNITY, L.VILLAGE, L.BASE_COMMITTEE})
SATISFACTION_MIN = 60  # percent
PASS_SCORE = 70  # acceptance: score ≥ 70 …
MAX_DISSATISFIED = 50  # … and at most 50% dissatisfied, else redo


class WeakReason(enum.Enum):
    """Why the yearly sweep proposes an organisation as weak and lax (软弱涣散)."""

    SECRETARY_VACANT = "书记长期空缺"
    LIFE_NOT_HELD = "三会一课不落实"
    NO_DEVELOPMENT = "两年未发展党员"
    MISSED_REELECTION = "未按期换届"
    LAST_IN_ASSESSMENT = "考核排名末位"
    LOW_SATISFACTION = "群众满意度低于60%"


def regular_due(started_on: dt.date, years: int) -> dt.date:
    """The regular end of a term begun at an election on `started_on`."""
    return add_months(started_on, 12 * years)


def check_change(kind: TermChangeKind, regular_due_on: dt.date, new_due_on: dt.date) -> None:
    """A postponement moves the due date later, an advance earlier, by at most a year from
    the regular due date (换届须经上级批准，延期或提前一般不超过1年)."""
    later = new_due_on > regular_due_on
    if kind is TermChangeKind.POSTPONE and not later:
        raise RuleViolation("a postponement must set a due date after the regular one")
    if kind is TermChangeKind.ADVANCE and new_due_on >= regular_due_on:
        raise RuleViolation("an advance must set a due date before the regular one")
    low = add_months(regular_due_on, -MAX_CHANGE_MONTHS)
    high = add_months(regular_due_on, MAX_CHANGE_MONTHS)
    if not low <= new_due_on <= high:
        raise RuleViolation(
            f"the due date may move by at most {MAX_CHANGE_MONTHS} months from the regular "
            f"one ({regular_due_on})"
        )


def check_election(
    held_on: dt.date,
    today: dt.date,
    term_started_on: dt.date | None,
    seats: int,
    candidates: int,
    committee: list[int],
    secretary_id: int,
) -> None:
    """An election: in the past, after the term it ends began; candidates at least seats ×
    1.2 (差额选举); as many elected as seats, the secretary among them."""
    if held_on > today:
        raise RuleViolation("heldOn must not be in the future")
    if term_started_on is not None and held_on <= term_started_on:
        raise RuleViolation(f"heldOn must come after the last election ({term_started_on})")
    if seats < 1:
        raise RuleViolation("seats must be at least 1")
    num, den = CANDIDATE_MARGIN
    if candidates * den < seats * num:
        raise RuleViolation(
            f"candidates must be at least seats × 1.2 (差额选举): {candidates} for {seats} seats"
        )
    if len(set(committee)) != len(committee) or len(committee) != seats:
        raise RuleViolation(f"committee must name {seats} different members, one per seat")
    if secretary_id not in committee:
        raise RuleViolation("the secretary must be one of the committee elected")


def sweep_day(year: int, today: dt.date) -> dt.date:
    """The day a sweep of `year` stands on: the year's last day, or today within it."""
    if year > today.year:
        raise RuleViolation("year must not be in the future")
    return min(today, dt.date(year, 12, 31))


def check_assessment(satisfaction_pct: int) -> None:
    if not 0 <= satisfaction_pct <= 100:
        raise RuleViolation("satisfactionPercent must lie between 0 and 100")


def check_opening(state: RectificationState | None, deadline: dt.date, today: dt.date) -> None:
    """A case is confirmed from a proposed candidate (or opened directly), with a deadline
    ahead."""
    if state is not None and state is not RectificationState.PROPOSED:
        raise RuleViolation(f"the case is {state.name}, not PROPOSED: it is confirmed already")
    if deadline <= today:
        raise RuleViolation("deadline must lie in the future")


def check_dismissal(state: RectificationState) -> None:
    if state is not RectificationState.PROPOSED:
        raise RuleViolation(f"only a PROPOSED candidate may be dismissed; the case is {state.name}")


def acceptance(state: RectificationState, score: int, dissatisfied_pct: int) -> bool:
    """Whether an acceptance check (验收) passes: score ≥ 70 and at most 50% dissatisfied;
    otherwise the case is redone (REDO)."""
    if state not in (RectificationState.RECTIFYING, RectificationState.REDO):
        raise RuleViolation(f"a {state.name} case is not under rectification")
    if not 0 <= score <= 100 or not 0 <= dissatisfied_pct <= 100:
        raise RuleViolation("score and dissatisfiedPercent must lie between 0 and 100")
    return score >= PASS_SCORE and dissatisfied_pct <= MAX_DISSATISFIED
