"""Floating members (流动党员), DESIGN.md §5: "relationship not transferred and unable to attend
the home branch for ≥6 consecutive months. Before leaving: a pre-departure talk (行前谈话) and a
流动党员活动证. The home org keeps contact (a committee member paired with 3–5 floating members,
contact ledger); the host org helps manage (一方隶属、多重组织生活). Inflow members are routed into
a grid branch, a non-public-enterprise org or a floating-member branch. Report to the home org
at least yearly." No SQL here: the resolvers pass in what a rule needs."""

import datetime as dt

from domain.calendar import add_months, within_calendar
from domain.errors import RuleViolation
from models import (
    BranchKind,
    FloatingState,
    OrgLevel,
    OrgType,
    PartyPost,
    SuggestionStatus,
)

LOST_CONTACT_MONTHS = 6  # "lost contact after >6 months without contact" (§5, member status)
PAIRING_GUIDE = (3, 5)  # "a committee member paired with 3–5 floating members"
COMMITTEE_POSTS = (PartyPost.SECRETARY, PartyPost.DEPUTY_SECRETARY, PartyPost.COMMITTEE_MEMBER)
CERTIFICATE_YEARS = 5  # the longest validity a certificate may be given


def text(value: str, field: str, most: int) -> str:
    """`value` trimmed; 1 to `most` characters."""
    trimmed = value.strip()
    if not trimmed or len(trimmed) > most:
        raise RuleViolation(f"{field} must be 1 to {most} characters")
    return trimmed


def check_day(day: dt.date, today: dt.date, field: str) -> None:
    """A day of the ledger: within the calendar and not in the future."""
    within_calendar(day, what=field)
    if day > today:
        raise RuleViolation(f"{field} must not be in the future")


def lost_contact_before(day: dt.date) -> dt.date:
    """The floating members whose latest contact (or departure, if never contacted) is before
    this day are lost contact on `day` (失联: more than 6 months without contact). Computed
    from the contact log every time: no flag is set by hand."""
    return add_months(day, -LOST_CONTACT_MONTHS)


def check_talk(
    state: FloatingState, departed_on: dt.date, talk_on: dt.date, today: dt.date
) -> None:
    """The pre-departure talk (行前谈话) comes before leaving: held on or before the departure
    day, once, while the outflow is only recorded; holding it makes the outflow ACTIVE."""
    check_day(talk_on, today, "talkOn")
    if state is not FloatingState.RECORDED:
        raise RuleViolation("the pre-departure talk is held once, before the outflow is active")
    if talk_on > departed_on:
        raise RuleViolation("the pre-departure talk (行前谈话) must be held before departure")


def check_certificate(
    state: FloatingState, talk_on: dt.date | None, issued_on: dt.date, valid_until: dt.date
) -> None:
    """The 流动党员活动证 is issued by the home branch after the talk, for an outflow not ended,
    valid after its issue day for at most CERTIFICATE_YEARS years."""
    within_calendar(issued_on, valid_until, what="certificate dates")
    if talk_on is None or state is FloatingState.RECORDED:
        raise RuleViolation("the certificate follows the pre-departure talk")
    if state is FloatingState.ENDED:
        raise RuleViolation("this outflow has ended")
    if issued_on < talk_on:
        raise RuleViolation("issuedOn must not be before the pre-departure talk")
    if not issued_on < valid_until <= add_months(issued_on, 12 * CERTIFICATE_YEARS):
        raise RuleViolation(
            f"validUntil must be after issuedOn and within {CERTIFICATE_YEARS} years of it"
        )


def check_committee_member(post: PartyPost | None, paired_org_path: str, home_path: str) -> None:
    """The home side pairs a committee member (书记, 副书记, 委员) of the member's own branch or
    an org above it."""
    if post not in COMMITTEE_POSTS or not home_path.startswith(paired_org_path):
        raise RuleViolation(
            "committeeMemberId must name a committee member (支委) of the member's home org"
        )


def pairing_warnings(paired_after: int) -> list[str]:
    """The guide is 3–5 floating members per committee member: beyond 5, a warning (the
    pairing stands: a branch with few committee members may need it)."""
    most = PAIRING_GUIDE[1]
    if paired_after > most:
        return [f"this committee member is now paired with {paired_after} floating members "
                f"(the guide is {PAIRING_GUIDE[0]}–{most})"]  # fmt: skip
    return []


def check_contact(state: FloatingState, departed_on: dt.date, on: dt.date, today: dt.date) -> None:
    """A contact of the ledger: with an active floating member, not before they left."""
    check_day(on, today, "contactedOn")
    if state is not FloatingState.ACTIVE:
        raise RuleViolation("contacts are logged for active floating members")
    if on < departed_on:
        raise RuleViolation("contactedOn must not be before the departure")


def check_report(state: FloatingState, year: int, on: dt.date, today: dt.date) -> None:
    """The yearly report-back to the home org (at least once a year): one per year, made in
    that year, by an active floating member."""
    check_day(on, today, "reportedOn")
    if state is not FloatingState.ACTIVE:
        raise RuleViolation("reports back come from active floating members")
    if on.year != year:
        raise RuleViolation("reportedOn must lie in the year reported for")


def check_return(state: FloatingState, departed_on: dt.date, on: dt.date, today: dt.date) -> None:
    """Return ends the outflow (or the stay): once, not before departure."""
    check_day(on, today, "returnedOn")
    if state is FloatingState.ENDED:
        raise RuleViolation("this floating record has already ended")
    if on < departed_on:
        raise RuleViolation("returnedOn must not be before the departure")


def check_route_target(
    level: OrgLevel, kind: BranchKind | None, org_type: OrgType, host_path: str, target_path: str
) -> None:
    """Inflow members are routed into a grid branch (网格党支部), a non-public-enterprise org
    (非公企业党组织) or a floating-member branch (流动党员党支部) within the host's subtree."""
    fits = (level is OrgLevel.BRANCH and kind in (BranchKind.GRID, BranchKind.FLOATING)) or (
        org_type is OrgType.PRIVATE and level is not OrgLevel.GROUP
    )
    if not fits or not target_path.startswith(host_path):
        raise RuleViolation(
            "orgId must name a grid branch, a non-public-enterprise org or a floating-member "
            "branch of the host"
        )


def check_attendance(invited: set[int], attended: set[int]) -> None:
    """Who came is among who was invited."""
    if not attended <= invited:
        raise RuleViolation("attendedMemberIds must be among invitedMemberIds")
    if not invited:
        raise RuleViolation("a symposium invites at least one floating member")


def check_answer(status: SuggestionStatus, decision: SuggestionStatus) -> bool:
    """A suggestion moves RECEIVED → ADOPTED or ANSWERED, once; False when it is already in
    `decision` (a repeat changes nothing), RuleViolation for any other move."""
    if decision is SuggestionStatus.RECEIVED:
        raise RuleViolation("decision must be ADOPTED or ANSWERED")
    if status is decision:
        return False
    if status is not SuggestionStatus.RECEIVED:
        raise RuleViolation("this suggestion has already been answered")
    return True
