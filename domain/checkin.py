"""在职党员到社区报到: what a volunteer service record may be, and the hours target of a period
(local targets vary, e.g. 50 hours a year: a setting, pro-rated for shorter periods)."""

import datetime as dt
from collections.abc import Sequence
from itertools import pairwise

from domain.calendar import Period
from domain.clock import clock
from domain.errors import RuleViolation

MAX_SERVICE = dt.timedelta(hours=24)
MAX_DESCRIPTION = 500
MAX_HOURS_A_DAY = 12  # service one member may log on one business day (71 were logged in one)


def check_service(
    started_at: dt.datetime, ended_at: dt.datetime, description: str, today: dt.date
) -> tuple[int, str]:
    """A record's minutes and its description, trimmed: it ends after it starts, covers at
    most a day and starts no later than today (business time)."""
    if ended_at <= started_at:
        raise RuleViolation("endedAt must be after startedAt")
    if ended_at - started_at > MAX_SERVICE:
        raise RuleViolation("one service record may cover at most 24 hours")
    if started_at >= clock().start_of(today + dt.timedelta(days=1)):
        raise RuleViolation("service cannot start in the future")
    text = description.strip()
    if not text or len(text) > MAX_DESCRIPTION:
        raise RuleViolation(f"description must be 1 to {MAX_DESCRIPTION} characters")
    return int((ended_at - started_at).total_seconds() // 60), text


def days_touched(started_at: dt.datetime, ended_at: dt.datetime) -> tuple[dt.datetime, ...]:
    """The starts of the business days a record covers part of, and of the day after."""
    local = clock().local
    first, last = local(started_at).date(), local(ended_at - dt.timedelta(microseconds=1)).date()
    return tuple(clock().start_of(first + dt.timedelta(n)) for n in range((last - first).days + 2))


def check_day(
    started_at: dt.datetime,
    ended_at: dt.datetime,
    others: Sequence[tuple[dt.datetime, dt.datetime]],
) -> None:
    """A new record of a member overlaps none of their others (one person serves once at a
    time), and their service adds up to at most MAX_HOURS_A_DAY on each business day it
    touches. `others`: the member's records (not rejected) on those days."""
    if any(start < ended_at and started_at < end for start, end in others):
        raise RuleViolation("this service overlaps another record of yours")
    bounds = days_touched(started_at, ended_at)
    for day_start, day_end in pairwise(bounds):
        served = sum(
            (min(end, day_end) - max(start, day_start)).total_seconds()
            for start, end in ((started_at, ended_at), *others)
            if start < day_end and day_start < end
        )
        if served > MAX_HOURS_A_DAY * 3600:
            raise RuleViolation(f"at most {MAX_HOURS_A_DAY} hours of service a day")


def period_target(yearly_hours: float, period: Period) -> float:
    """The yearly hours target pro-rated to the period (a year or longer: the full target)."""
    return round(yearly_hours * min(1.0, period.days / 365), 2)
