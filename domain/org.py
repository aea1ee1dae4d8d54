"""Rules of the org tree (党组织设置): which levels a level may hold, what a branch is, when an
organisation may move or be dissolved. Plain Python; the resolvers pass in what they read."""

import datetime as dt

from domain.errors import RuleViolation
from models import BranchKind, OrgLevel

L = OrgLevel
# What a level may hold directly (DESIGN.md §5, hierarchy levels). The chain is city 市委 >
# district 区县委 > street 街道党工委 / township 乡镇党委 > community 社区党委 / village 村党组织 (a
# street on the city's edge holds villages too, e.g. 南彭街道's 鸳鸯村) >
# branch 党支部 > group 党小组. Beside it, base committees 基层党委 of organs, enterprises and
# schools sit under the city, a district, a street or township, or another base committee
# (a group company's committee over its subsidiaries'); general branches 党总支 under any
# committee; branches under any committee or general branch (a district's or street's own organ
# branch 机关党支部); groups only inside a branch.
CHILD_LEVELS: dict[OrgLevel, frozenset[OrgLevel]] = {
    L.CITY: frozenset({L.DISTRICT, L.BASE_COMMITTEE}),
    L.DISTRICT: frozenset({L.STREET, L.TOWNSHIP, L.BASE_COMMITTEE, L.GENERAL_BRANCH, L.BRANCH}),
    L.STREET: frozenset({L.COMMUNITY, L.VILLAGE, L.BASE_COMMITTEE, L.GENERAL_BRANCH, L.BRANCH}),
    L.TOWNSHIP: frozenset({L.VILLAGE, L.COMMUNITY, L.BASE_COMMITTEE, L.GENERAL_BRANCH, L.BRANCH}),
    L.COMMUNITY: frozenset({L.GENERAL_BRANCH, L.BRANCH}),
    L.VILLAGE: frozenset({L.GENERAL_BRANCH, L.BRANCH}),
    L.BASE_COMMITTEE: frozenset({L.BASE_COMMITTEE, L.GENERAL_BRANCH, L.BRANCH}),
    L.GENERAL_BRANCH: frozenset({L.BRANCH}),
    L.BRANCH: frozenset({L.GROUP}),
    L.GROUP: frozenset(),
}

# Length of a term (届) by level: 基层党委 5 years, 党总支/党支部 3, community and village
# bodies 5 (DESIGN.md §5, terms and re-election); committees above them alike 5.
TERM_YEARS: dict[OrgLevel, int] = {
    L.CITY: 5,
    L.DISTRICT: 5,
    L.STREET: 5,
    L.TOWNSHIP: 5,
    L.COMMUNITY: 5,
    L.VILLAGE: 5,
    L.BASE_COMMITTEE: 5,
    L.GENERAL_BRANCH: 3,
    L.BRANCH: 3,
}

# Members are enrolled in a branch (党员编入党支部); groups divide a branch's members, and a
# committee's own officials are members of one of its branches.
HOLDS_MEMBERS = frozenset({L.BRANCH})


def check_child(parent: OrgLevel, child: OrgLevel) -> None:
    """`parent` may hold an organisation of level `child` (`CHILD_LEVELS`)."""
    if child not in CHILD_LEVELS[parent]:
        allowed = ", ".join(sorted(level.name for level in CHILD_LEVELS[parent])) or "nothing"
        raise RuleViolation(
            f"a {parent.name} ({parent.value}) may not hold a {child.name} ({child.value}): "
            f"it holds {allowed}"
        )


def branch_kind_for(level: OrgLevel, kind: BranchKind | None) -> BranchKind | None:
    """The branch kind an org of `level` stores: only branches have one (REGULAR unless
    given)."""
    if level is not L.BRANCH:
        if kind is not None:
            raise RuleViolation("branchKind is only for branches (党支部)")
        return None
    return kind or BranchKind.REGULAR


def check_established(on: dt.date | None, today: dt.date) -> None:
    """An organisation cannot be founded after today (the business clock's)."""
    if on is not None and on > today:
        raise RuleViolation("establishedOn cannot be in the future")


def check_move(path: str, new_parent_path: str) -> None:
    """A subtree cannot move under itself: the new parent may not lie in it."""
    if new_parent_path.startswith(path):
        raise RuleViolation("an organisation cannot move under itself or its own subtree")


def check_merge_target(level: OrgLevel, path: str, target_path: str) -> None:
    """Members of a dissolved organisation go to a branch outside it (`HOLDS_MEMBERS`)."""
    if level not in HOLDS_MEMBERS:
        raise RuleViolation("mergeIntoId must name a branch (党支部): members are kept there")
    if target_path.startswith(path):
        raise RuleViolation("mergeIntoId must lie outside the organisation dissolved")


def check_dissolvable(children: int, members: int, merging: bool) -> None:
    """Only an empty organisation is dissolved: no live child organisations, and no member
    rows of any status (an archived member's record stays with a live organisation), unless
    its members are merged into another first."""
    if children:
        raise RuleViolation("dissolve or move its child organisations first")
    if members and not merging:
        raise RuleViolation("it still has members: give mergeIntoId to move them first")
