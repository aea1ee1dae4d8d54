"""在职党员到社区报到: what a volunteer service record may be, and the hours target of a period
(local targets vary, e.g. 50 hours a year: a setting, pro-rated for shorter periods)."""

import datetime as dt

from domain.calendar import Period
from domain.clock import clock
from domain.errors import RuleViolation

MAX_SERVICE = dt.timedelta(hours=24)
MAX_DESCRIPTION = 500


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


def period_target(yearly_hours: float, period: Period) -> float:
    """The yearly hours target pro-rated to the period (a year or longer: the full target)."""
    return round(yearly_hours * min(1.0, period.days / 365), 2)
