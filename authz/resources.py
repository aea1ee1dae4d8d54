"""What the policy (`authz/policy.csv`) speaks of: resources and actions as enums, so a typo
is an error at once instead of an empty scope."""

from enum import StrEnum


class Resource(StrEnum):
    ORG = "org"
    MEMBER = "member"
    MEMBER_PII = "member.pii"
    CHECKIN = "checkin"
    DUES = "dues"
    DUES_BASE = "dues.base"
    DEVELOPMENT = "development"
    FLOATING = "floating"
    AUDIT = "audit"
    ACTIVITY = "activity"
    LEARNING = "learning"
    ACCOUNT = "account"
    TRANSFER = "transfer"
    GOVERNANCE = "governance"
    COCKPIT = "cockpit"


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    PAY = "pay"
    EXEMPT = "exempt"
    VERIFY = "verify"
    ACT_BRANCH = "act_branch"
    ACT_STREET = "act_street"
    ACT_DISTRICT = "act_district"
    GRANT = "grant"
    APPROVE = "approve"
    SWEEP = "sweep"


def known(resource: str, action: str) -> tuple[Resource, Action]:
    """The enums of a (resource, action) pair; ValueError for anything the policy lacks."""
    return Resource(resource), Action(action)
