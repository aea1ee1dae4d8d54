"""Independent answers computed from the raw tables by walking parent pointers in Python."""

from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ADMIN_ROLES = {
    "city_admin",
    "district_admin",
    "street_admin",
    "community_secretary",
    "branch_secretary",
    "auditor",
}


class TreeOracle:
    """The org tree and member placement, read with plain SQL; no authz code involved."""

    def __init__(
        self, parents: dict[int, int | None], member_orgs: dict[int, int], statuses: dict[int, str]
    ) -> None:
        self.parents = parents
        self.member_orgs = member_orgs
        self.statuses = statuses
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for org, parent in parents.items():
            self.children[parent].append(org)

    @classmethod
    async def load(cls, engine: AsyncEngine) -> "TreeOracle":
        async with engine.connect() as conn:
            orgs = (await conn.execute(text("SELECT id, parent_id FROM organization"))).all()
            members = (await conn.execute(text("SELECT id, org_id, status FROM member"))).all()
        return cls(
            dict(orgs),
            {m: o for m, o, _ in members},  # type: ignore[arg-type]
            {m: s for m, _, s in members},
        )

    def subtree(self, root: int) -> set[int]:
        seen, stack = set(), [root]
        while stack:
            org = stack.pop()
            seen.add(org)
            stack.extend(self.children[org])
        return seen

    def members_under(self, roots: list[int]) -> set[int]:
        orgs = set().union(*(self.subtree(r) for r in roots)) if roots else set()
        return {m for m, o in self.member_orgs.items() if o in orgs}

    def visible_members(
        self, grants: list[tuple[str, int]], me: int | None, roles: set[str]
    ) -> set[int]:
        """Members under the grants of `roles`, plus the caller's own record."""
        found = self.members_under([o for r, o in grants if r in roles])
        return found | ({me} if me is not None else set())

    async def grants(
        self, engine: AsyncEngine, username: str
    ) -> tuple[list[tuple[str, int]], int | None]:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT g.role, g.org_id FROM role_grant g"
                        " JOIN account a ON a.id = g.account_id"
                        " WHERE a.username = :u"
                    ),
                    {"u": username},
                )
            ).all()
            me = await conn.scalar(
                text("SELECT member_id FROM account WHERE username = :u"), {"u": username}
            )
        return [(r, o) for r, o in rows], me
