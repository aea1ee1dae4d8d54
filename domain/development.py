"""Member development (发展党员工作细则, 2014): the 25 steps, their tiers, deadlines and
evidence, and what a decision does to a case. Pure rules: the resolvers load and store."""

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.calendar import within_calendar, working_days
from domain.errors import RuleViolation
from models import ActingLevel, CaseStatus, Decision, MemberStatus

BRANCH, STREET, DISTRICT = ActingLevel.BRANCH, ActingLevel.STREET, ActingLevel.DISTRICT
NOTICE_WORKING_DAYS = 5
DONE_STEP = 26


@dataclass(frozen=True)
class Step:
    number: int
    stage: str
    name: str
    level: ActingLevel
    notice: bool = False  # a public notice of ≥5 working days precedes the decision
    vote: bool = False  # a branch general meeting votes
    people: tuple[int, int] = (0, 0)  # how many contact persons or sponsors are named
    min_hours: int = 0
    status_after: MemberStatus | None = None


STAGES = ("APPLICATION", "ACTIVIST", "CANDIDATE", "ADMISSION", "PROBATION")
STEPS: tuple[Step, ...] = (
    Step(1, "APPLICATION", "递交入党申请书", BRANCH),
    Step(2, "APPLICATION", "党组织派人谈话", BRANCH),
    Step(
        3, "ACTIVIST", "确定入党积极分子", BRANCH, notice=True, status_after=MemberStatus.ACTIVIST
    ),
    Step(4, "ACTIVIST", "报上级党委备案", STREET),
    Step(5, "ACTIVIST", "指定培养联系人", BRANCH, people=(1, 2)),
    Step(6, "ACTIVIST", "培养教育考察", BRANCH),
    Step(7, "CANDIDATE", "确定发展对象", BRANCH, notice=True, status_after=MemberStatus.CANDIDATE),
    Step(8, "CANDIDATE", "报上级党委备案", STREET),
    Step(9, "CANDIDATE", "确定入党介绍人", BRANCH, people=(2, 2)),
    Step(10, "CANDIDATE", "进行政治审查", STREET),
    Step(11, "CANDIDATE", "开展集中培训", STREET, min_hours=24),
    Step(12, "ADMISSION", "支部委员会审查", BRANCH),
    Step(13, "ADMISSION", "上级党委预审", STREET),
    Step(14, "ADMISSION", "填写入党志愿书", BRANCH),
    Step(15, "ADMISSION", "支部大会讨论", BRANCH, notice=True, vote=True),
    Step(16, "ADMISSION", "上级党委派人谈话", STREET),
    Step(17, "ADMISSION", "上级党委审批", STREET, status_after=MemberStatus.PROBATIONARY),
    Step(18, "ADMISSION", "报上级组织部门备案", DISTRICT),
    Step(19, "PROBATION", "编入党支部和党小组", BRANCH),
    Step(20, "PROBATION", "入党宣誓", BRANCH),
    Step(21, "PROBATION", "继续教育考察", BRANCH),
    Step(22, "PROBATION", "提出转正申请", BRANCH),
    Step(23, "PROBATION", "支部大会讨论", BRANCH, notice=True, vote=True),
    Step(24, "PROBATION", "上级党委审批", STREET, status_after=MemberStatus.FULL),
    Step(25, "PROBATION", "材料归档", STREET),
)


def step(number: int) -> Step:
    if not 1 <= number <= len(STEPS):
        raise RuleViolation(f"steps are numbered 1 to {len(STEPS)}")
    return STEPS[number - 1]


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def probation_end(history: dict[int, dt.date], extension_months: int) -> dt.date | None:
    """Probation is one year from the branch meeting (step 15), extendable once by 6–12
    months."""
    return add_months(history[15], 12 + extension_months) if 15 in history else None


def earliest(n: int, history: dict[int, dt.date], extension_months: int) -> dt.date | None:
    """The first day step `n` may happen: after the previous step, and the time rules."""
    if n in (6, 7) and 3 in history:  # at least a year as activist
        return add_months(history[3], 12)
    if n == 22:  # confirmation when probation ends
        return probation_end(history, extension_months)
    return history.get(n - 1)


def due(n: int, history: dict[int, dt.date], extension_months: int) -> dt.date | None:
    """When step `n` is due (a later action is recorded as late)."""
    if n == 2 and 1 in history:  # talk within a month of the application
        return add_months(history[1], 1)
    if n in (4, 8, 18) and n - 1 in history:  # filing within a month
        return add_months(history[n - 1], 1)
    if n == 15 and 10 in history:  # political review is valid for a year
        return add_months(history[10], 12)
    if n == 17 and 15 in history:  # approval within 3 months
        return add_months(history[15], 3)
    if n == 22:
        end = probation_end(history, extension_months)
        return add_months(end, 1) if end else None
    if n == 24 and 23 in history:
        return add_months(history[23], 3)
    if n == 25 and 24 in history:  # archived within a week
        return history[24] + dt.timedelta(days=7)
    return None


def hard_limit(n: int, history: dict[int, dt.date]) -> tuple[dt.date, str] | None:
    """Deadlines that may not be passed at all."""
    if n == 15 and 10 in history:
        return add_months(history[10], 12), "the political review is older than a year"
    if n == 17 and 15 in history:
        return add_months(history[15], 6), "approval must come within 6 months of the meeting"
    if n == 24 and 23 in history:
        return add_months(history[23], 6), "approval must come within 6 months of the meeting"
    return None


def return_target(n: int) -> int:
    """A returned step goes back to the branch step before it."""
    return next(s.number for s in reversed(STEPS[: n - 1]) if s.level is BRANCH)


@dataclass
class Evidence:
    notes: str | None = None
    notice_from: dt.date | None = None
    notice_to: dt.date | None = None
    votes_due: int | None = None
    votes_present: int | None = None
    votes_yes: int | None = None
    class_hours: int | None = None
    people: list[int] = field(default_factory=list)


def history_of(rows: Iterable[Any]) -> dict[int, dt.date]:
    """Dates of the steps in force: the latest pass of each, dropping steps a return undid."""
    history: dict[int, dt.date] = {}
    for r in rows:
        if r.decision is Decision.PASS and r.step:
            history[r.step] = r.acted_on
        elif r.decision is Decision.RETURN:
            for n in range(return_target(r.step), r.step + 1):
                history.pop(n, None)
    return history


def next_state(n: int, history: dict[int, dt.date], extension: int) -> dict:
    """The case columns for open step `n`."""
    if n >= DONE_STEP:
        return {
            "next_step": DONE_STEP,
            "next_level": None,
            "next_earliest_on": None,
            "next_due_on": None,
            "status": CaseStatus.DONE,
        }
    return {
        "next_step": n,
        "next_level": step(n).level,
        "next_earliest_on": earliest(n, history, extension),
        "next_due_on": due(n, history, extension),
    }


def check_step(
    case: Any,
    number: int,
    decision: Decision,
    acted_on: dt.date,
    today: dt.date,
    history: Mapping[int, dt.date],
) -> "Step":
    """The step `number` may be taken on `acted_on` with `decision` in this open case (its
    `status`, `next_step` and `extension_months`); its definition."""
    s = step(number)
    if case.status is not CaseStatus.OPEN:
        raise RuleViolation("this case is closed")
    if number != case.next_step:
        raise RuleViolation(
            f"step {case.next_step} ({step(case.next_step).name}) is next, not step {number}"
        )
    if decision is Decision.RETURN and s.level is BRANCH:
        raise RuleViolation("only the street and district tiers return a case")
    if acted_on > today:
        raise RuleViolation("a step cannot be dated in the future")
    first = earliest(number, dict(history), case.extension_months)
    if first and acted_on < first:
        raise RuleViolation(f"step {number} ({s.name}) cannot happen before {first}")
    limit = hard_limit(number, dict(history))
    if decision is Decision.PASS and limit and acted_on > limit[0]:
        raise RuleViolation(limit[1])
    return s


def check_evidence(
    s: "Step",
    decision: Decision,
    acted_on: dt.date,
    ev: "Evidence",
    member_id: int,
    holidays: Mapping[dt.date, bool],
) -> None:
    """Notice, votes, class hours and named people as the step requires (that the people are
    members of the organisation is the caller's to check); `holidays` covers the notice."""
    if s.notice and decision is Decision.PASS:
        if ev.notice_from is None or ev.notice_to is None:
            raise RuleViolation(
                f"step {s.number} needs a public notice first (noticeFrom, noticeTo)"
            )
        within_calendar(ev.notice_from, ev.notice_to, what="a public notice")
        if not ev.notice_from <= ev.notice_to < acted_on:
            raise RuleViolation("the public notice must end before the decision")
        if working_days(ev.notice_from, ev.notice_to, holidays) < NOTICE_WORKING_DAYS:
            raise RuleViolation("the public notice must last at least 5 working days")
    if s.vote:
        due_, present, yes = ev.votes_due, ev.votes_present, ev.votes_yes
        if due_ is None or present is None or yes is None:
            raise RuleViolation(
                "the meeting's votes are required (votesDue, votesPresent, votesYes)"
            )
        if not 0 <= yes <= present <= due_ or due_ < 1:
            raise RuleViolation("votes must satisfy 0 ≤ yes ≤ present ≤ due")
        if present * 2 <= due_:
            raise RuleViolation(
                "quorum not reached: more than half of the voting members must attend"
            )
        if decision is Decision.PASS and yes * 2 <= due_:
            raise RuleViolation(
                "the vote did not pass: more than half of the voting members must agree"
            )
    if decision is Decision.PASS and s.min_hours and (ev.class_hours or 0) < s.min_hours:
        raise RuleViolation(f"training needs at least {s.min_hours} class hours (or 3 days)")
    low, high = s.people
    if decision is Decision.PASS and high:
        people = set(ev.people)
        if not low <= len(people) <= high or member_id in people:
            raise RuleViolation(f"step {s.number} names {low}–{high} other members")


def people_wanted(s: "Step") -> tuple[MemberStatus, ...]:
    """Sponsors (step 9) are full members; contact persons Party members."""
    return (MemberStatus.FULL,) if s.number == 9 else (MemberStatus.FULL, MemberStatus.PROBATIONARY)


def outcome(
    s: "Step", decision: Decision, acted_on: dt.date, history: dict[int, dt.date], extension: int
) -> tuple[dict, dict | None]:
    """The case's new columns and the member's (status, dates), if the decision changes them;
    `history` is updated in place."""
    if decision is Decision.REJECT:
        values = {
            "status": CaseStatus.REJECTED,
            "next_level": None,
            "next_due_on": None,
            "next_earliest_on": None,
        }
        return values, None
    if decision is Decision.RETURN:
        back = return_target(s.number)
        for n in range(back, s.number):
            history.pop(n, None)
        return next_state(back, history, extension), None
    history[s.number] = acted_on
    values = next_state(s.number + 1, history, extension)
    if s.status_after is MemberStatus.PROBATIONARY:
        return values, {"status": s.status_after, "joined_on": history[15]}
    if s.status_after is MemberStatus.FULL:
        return values, {"status": s.status_after, "confirmed_on": probation_end(history, extension)}
    return values, {"status": s.status_after} if s.status_after else None
