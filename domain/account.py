"""Who may grant which role where, and which grant a party post calls for.

The tiers follow the organisation departments' chain (党管干部, each committee appoints within
its own organisation): the city 市委组织部 (tier 0), a district or county 区县委组织部 (1), a street
or township 街道党工委 / 乡镇党委 (2), the grassroots committees 社区/村党组织, 基层党委 (3),
the branches 党总支/党支部 (4). A role fits the organisations of its tier only; an administrator
grants roles at or below their own tier, inside their own subtree (the subtree is checked by
the policy, `authz`): so only a city administrator grants city roles. Nobody grants a role to
themselves or revokes their own (`domain.errors.recuse`).
"""

import re
from collections.abc import Iterable

from domain.errors import RuleViolation
from models import OrgLevel, PartyPost

SELF_ROLE = "member"  # the self role: given with the account, never granted by hand

# the organisation levels each grantable role fits (DESIGN.md §2: roles are contract names)
FITS: dict[str, frozenset[OrgLevel]] = {
    "city_admin": frozenset({OrgLevel.CITY}),
    "district_admin": frozenset({OrgLevel.DISTRICT}),
    "street_admin": frozenset({OrgLevel.STREET, OrgLevel.TOWNSHIP}),
    "community_secretary": frozenset(
        {OrgLevel.COMMUNITY, OrgLevel.VILLAGE, OrgLevel.BASE_COMMITTEE}
    ),
    "branch_secretary": frozenset({OrgLevel.GENERAL_BRANCH, OrgLevel.BRANCH}),
    # audits are kept by the organisation departments and the street committees
    "auditor": frozenset({OrgLevel.CITY, OrgLevel.DISTRICT, OrgLevel.STREET, OrgLevel.TOWNSHIP}),
}

TIER: dict[OrgLevel, int] = {
    OrgLevel.CITY: 0,
    OrgLevel.DISTRICT: 1,
    OrgLevel.STREET: 2,
    OrgLevel.TOWNSHIP: 2,
    OrgLevel.COMMUNITY: 3,
    OrgLevel.VILLAGE: 3,
    OrgLevel.BASE_COMMITTEE: 3,
    OrgLevel.GENERAL_BRANCH: 4,
    OrgLevel.BRANCH: 4,
    OrgLevel.GROUP: 5,
}

# the administrators' own tiers: the roles that grant (the policy's `account, grant` lines)
GRANTOR_TIER: dict[str, int] = {"city_admin": 0, "district_admin": 1, "street_admin": 2}

# the secretary (书记) of an organisation at a level holds this role there
SECRETARY_ROLE: dict[OrgLevel, str] = {
    OrgLevel.CITY: "city_admin",
    OrgLevel.DISTRICT: "district_admin",
    OrgLevel.STREET: "street_admin",
    OrgLevel.TOWNSHIP: "street_admin",
    OrgLevel.COMMUNITY: "community_secretary",
    OrgLevel.VILLAGE: "community_secretary",
    OrgLevel.BASE_COMMITTEE: "community_secretary",
    OrgLevel.GENERAL_BRANCH: "branch_secretary",
    OrgLevel.BRANCH: "branch_secretary",
}

USERNAME = re.compile(r"[a-z][a-z0-9_]{2,63}")


def check_fits(role: str, level: OrgLevel) -> None:
    """A role is held at an organisation of its tier (e.g. district_admin at a DISTRICT)."""
    if role == SELF_ROLE:
        raise RuleViolation("the member role comes with the member's account; it is not granted")
    if role not in FITS:
        raise RuleViolation(f"role must be one of {', '.join(FITS)}")
    if level not in FITS[role]:
        fits = ", ".join(sorted(level.name for level in FITS[role]))
        raise RuleViolation(f"{role} is held at an organisation of level {fits}, not {level.name}")


def may_grant(held: Iterable[str], role: str, level: OrgLevel) -> bool:
    """Whether an administrator holding the roles `held` over an organisation (at it or an
    ancestor) may grant `role` there: their own tier is at or above the organisation's."""
    tiers = [GRANTOR_TIER[r] for r in held if r in GRANTOR_TIER]
    return bool(tiers) and role in FITS and min(tiers) <= TIER[level]


def offered_role(post: PartyPost | None, level: OrgLevel) -> str | None:
    """The role a party post calls for at its organisation: the secretary (书记) of a branch
    is its branch_secretary, of a community its community_secretary, …; other posts none."""
    return SECRETARY_ROLE.get(level) if post is PartyPost.SECRETARY else None


def check_username(username: str) -> str:
    """A login name: 3–64 of lower-case letters, digits and `_`, starting with a letter (as
    the demo accounts, `huxi_secretary`): no look-alikes of another name."""
    name = username.strip()
    if not USERNAME.fullmatch(name):
        raise RuleViolation(
            "username must be 3 to 64 lower-case letters, digits or _, starting with a letter"
        )
    return name
