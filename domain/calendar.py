"""Calendar rules in business time: reporting periods, month arithmetic, ages, working days."""

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from domain.clock import clock
from domain.errors import RuleViolation

FORMS = "YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD"
# the days this API reasons about: the Party's records begin after 1900, and nothing it plans
# reaches past 2100; beyond, date arithmetic overflows (9999-12-31 has no next day)
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def within_calendar(*days: dt.date, what: str = "dates") -> None:
    """RuleViolation unless every day lies between EARLIEST and LATEST."""
    if not all(EARLIEST <= day <= LATEST for day in days):
        raise RuleViolation(f"{what} must lie between {EARLIEST} and {LATEST}")


@dataclass(frozen=True)
class Period:
    """[start, end) in days."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def start_at(self) -> dt.datetime:
        return clock().start_of(self.start)

    @property
    def end_at(self) -> dt.datetime:
        return clock().start_of(self.end)


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def parse_period(text: str | None, today: dt.date) -> Period:
    """The period named by `text`; the current calendar year when absent."""
    if text is None:
        return Period(dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1))
    value = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})", value):
            first, last = dt.date(int(m[1]), 1, 1), dt.date(int(m[1]), 12, 31)
        elif m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
            first = dt.date(int(m[1]), 3 * int(m[2]) - 2, 1)
            last = _month_end(add_months(first, 2))
        elif m := re.fullmatch(r"(\d{4})-(\d{2})", value):
            first = dt.date(int(m[1]), int(m[2]), 1)
            last = _month_end(first)
        elif m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", value):
            first, last = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
        else:
            raise ValueError
    except ValueError:
        raise RuleViolation(f"period must be {FORMS}") from None
    if last < first:
        raise RuleViolation(f"period must be {FORMS}, its end not before its start")
    within_calendar(first, last, what="a period")
    return Period(first, last + dt.timedelta(days=1))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day (31 January + 1 → 28/29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def born_before(year: int, age: int) -> dt.date:
    """Members born before this day reach `age` or more in `year`. Ages count as the Party
    statistics count them, at the year's end (this year − year of birth): by the year alone,
    so no age filter or band tells a birthday (`member.pii`, docs/ARCHITECTURE.md)."""
    return dt.date(year - age + 1, 1, 1)


def working_days(start: dt.date, end: dt.date, holidays: Mapping[dt.date, bool]) -> int:
    """Mon–Fri between the dates (inclusive), less public holidays, plus the weekend days
    worked in exchange (`holidays`: day → worked, from the State Council's notices). Counted
    by weeks, then the days of `holidays`: the time does not grow with the span."""
    if end < start:
        return 0
    weeks, rest = divmod((end - start).days + 1, 7)
    count = 5 * weeks + sum((start.weekday() + i) % 7 < 5 for i in range(rest))
    for day, worked in holidays.items():
        if start <= day <= end:
            count += worked - (day.weekday() < 5)
    return count
