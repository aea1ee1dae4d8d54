"""Calendar rules in business time: reporting periods, month arithmetic, ages, working days."""

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from domain.clock import clock
from domain.errors import RuleViolation

FORMS = "YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD"


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


def _month_after(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1)


def parse_period(text: str | None, today: dt.date) -> Period:
    """The period named by `text`; the current calendar year when absent."""
    if text is None:
        return Period(dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1))
    value = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})", value):
            year = int(m[1])
            return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
            year, quarter = int(m[1]), int(m[2])
            return Period(dt.date(year, 3 * quarter - 2, 1), _month_after(year, 3 * quarter))
        if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
            year, month = int(m[1]), int(m[2])
            return Period(dt.date(year, month, 1), _month_after(year, month))
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", value):
            start, last = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
            if last >= start:
                return Period(start, last + dt.timedelta(days=1))
    except ValueError:
        pass
    raise RuleViolation(f"period must be {FORMS}")


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
    worked in exchange (`holidays`: day → worked, from the State Council's notices)."""
    count, day = 0, start
    while day <= end:
        count += holidays[day] if day in holidays else day.weekday() < 5
        day += dt.timedelta(days=1)
    return count
