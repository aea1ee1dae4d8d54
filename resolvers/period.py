"""Reporting periods: `2026`, `2026-Q3`, `2026-10`, or `2026-03-01..2026-06-30`."""

import datetime as dt
import re
from dataclasses import dataclass

from domain.clock import clock
from resolvers.errors import BadUserInput

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
    raise BadUserInput(f"period must be {FORMS}")
