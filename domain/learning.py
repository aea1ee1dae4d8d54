"""Learning (学习培训, DESIGN.md §5 "Learning"): yearly class-hour targets and how online study
is credited. Hours are whole minutes (31.5 hours = 1890): sums stay exact. No SQL: the
resolvers read what the rules need and hand it in."""

import datetime as dt
from collections.abc import Iterable

from domain.errors import RuleViolation
from models import ActivityType, OrgLevel, PartyPost

MINUTES_PER_HOUR = 60
# ≥32 class hours a year per member; ≥56 for secretaries and committee members
MEMBER_TARGET = 32 * MINUTES_PER_HOUR
OFFICER_TARGET = 56 * MINUTES_PER_HOUR
OFFICER_POSTS = (PartyPost.SECRETARY, PartyPost.DEPUTY_SECRETARY, PartyPost.COMMITTEE_MEMBER)
# the activities whose attendees are credited their duration (offline study, 线下集中)
STUDY_TYPES = (ActivityType.PARTY_LECTURE, ActivityType.THEME_DAY, ActivityType.GROUP_MEETING)
# who publishes resources (to their subtree) and who runs training classes
PUBLISHER_LEVELS = (OrgLevel.CITY, OrgLevel.DISTRICT)
TRAINING_LEVELS = (OrgLevel.DISTRICT, OrgLevel.STREET)
MAX_RESOURCE_MINUTES = 24 * MINUTES_PER_HOUR
MAX_DELIVERY_MINUTES = 8 * MINUTES_PER_HOUR
MAX_CLASS_MINUTES = 200 * MINUTES_PER_HOUR
# a client may report a session up to this long after it ended (offline, then synced)
REPORT_WINDOW = dt.timedelta(days=7)

Interval = tuple[dt.datetime, dt.datetime]


def target_minutes(post: PartyPost | None) -> int:
    """The member's yearly target: 56 hours for a secretary, deputy or committee member."""
    return OFFICER_TARGET if post in OFFICER_POSTS else MEMBER_TARGET


def minutes_between(start: dt.datetime, end: dt.datetime) -> int:
    """Whole minutes elapsed (a part-minute is not credited)."""
    return max(0, int((end - start).total_seconds()) // 60)


def uncovered(new: Interval, covered: Iterable[Interval]) -> int:
    """Minutes of `new` outside every interval of `covered`: what a session adds to the union
    of the member's study time. Overlapping sessions credit the time once, so no day credits
    more than the day has."""
    start, end = new
    cuts = sorted((max(s, start), min(e, end)) for s, e in covered if s < end and e > start)
    free, at = 0, start
    for s, e in cuts:
        if s > at:
            free += minutes_between(at, s)
        at = max(at, e)
    return free + minutes_between(at, end) if at < end else free


def credit(new: Interval, covered: Iterable[Interval], left_on_resource: int) -> int:
    """What a report credits: its new time, at most what the resource has left to credit."""
    return max(0, min(uncovered(new, covered), left_on_resource))


def check_session(started_at: dt.datetime, ended_at: dt.datetime, now: dt.datetime) -> None:
    """A session ends after it starts, not in the future, and is reported within a week."""
    if ended_at <= started_at:
        raise RuleViolation("endedAt must be after startedAt")
    if ended_at > now:
        raise RuleViolation("a session cannot end in the future")
    if now - ended_at > REPORT_WINDOW:
        raise RuleViolation("study is reported within 7 days of the session")
    if ended_at - started_at > dt.timedelta(days=1):
        raise RuleViolation("a session lasts at most 24 hours")


def check_minutes(minutes: int, most: int, what: str) -> None:
    if not 1 <= minutes <= most:
        raise RuleViolation(f"{what} must credit between 1 and {most} minutes")


def check_class(starts_on: dt.date, ends_on: dt.date) -> None:
    if ends_on < starts_on:
        raise RuleViolation("endsOn must not be before startsOn")
