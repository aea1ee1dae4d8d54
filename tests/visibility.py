"""What each caller may see, computed from the raw tables with plain SQL and a tree walk:
the independent oracle of the leak tests."""

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.oracle import ADMIN_ROLES, TreeOracle

# global-ID type → (table, path columns placing a row in a subtree, member column for self)
DUAL = {
    "CheckIn": ("check_in", ("community_path", "member_org_path"), "member_id"),
    "ServiceRecord": ("service_record", ("community_path", "member_org_path"), "member_id"),
    "DuesPayment": ("dues_payment", ("org_path",), "member_id"),
    "DevelopmentCase": ("development_case", ("org_path",), "member_id"),
}


@dataclass
class Visible:
    """Ids a caller may receive, per global-ID type."""

    ids: dict[str, set[int]] = field(default_factory=dict)
    strict_orgs: set[int] = field(default_factory=set)  # orgs shown in full, not as crumbs

    def allows(self, kind: str, pk: int) -> bool:
        return pk in self.ids.get(kind, set())


async def visible_to(engine: AsyncEngine, username: str) -> Visible:
    oracle = await TreeOracle.load(engine)
    grants, me = await oracle.grants(engine, username)
    roots = [o for r, o in grants if r in ADMIN_ROLES]
    orgs = set().union(*(oracle.subtree(r) for r in roots)) if roots else set()
    async with engine.connect() as conn:
        paths = dict((await conn.execute(text("SELECT id, path FROM organization"))).all())
        out = Visible(
            {"Organization": set(orgs), "Member": oracle.visible_members(grants, me, ADMIN_ROLES)},
            strict_orgs=set(orgs),
        )
        granted = [paths[r] for r in roots]

        def within(path: str) -> bool:
            return any(path.startswith(p) for p in granted)

        for kind, (table, cols, member_col) in DUAL.items():
            rows = (
                await conn.execute(text(f"SELECT id, {member_col}, {', '.join(cols)} FROM {table}"))
            ).all()
            out.ids[kind] = {r[0] for r in rows if r[1] == me or any(within(p) for p in r[2:])}
        check_ins = (
            await conn.execute(
                text(
                    "SELECT id, member_id, community_id, employer_org_id, grid_org_id FROM check_in"
                )
            )
        ).all()
        seen = [c for c in check_ins if c[0] in out.ids["CheckIn"]]
        # members and org names reached through a visible check-in (dual visibility)
        out.ids["Member"] |= {c[1] for c in seen}
        crumbs = {o for c in seen for o in c[2:] if o is not None}
        crumbs |= {int(p) for g in granted for p in g.strip("/").split("/")}
        services = (await conn.execute(text("SELECT id, community_id FROM service_record"))).all()
        crumbs |= {s[1] for s in services if s[0] in out.ids["ServiceRecord"]}
        teams = (await conn.execute(text("SELECT id, community_path FROM service_team"))).all()
        out.ids["ServiceTeam"] = {t[0] for t in teams if within(t[1])}
        out.ids["Activity"] = await visible_activities(conn, oracle, within, me)
        out.ids["Organization"] |= crumbs
        if me is not None:  # your own grants' orgs (a member's branch) as breadcrumbs
            out.ids["Organization"] |= {o for _, o in grants}
        # breadcrumbs, under their own ids: what an organisation's id shows at least
        out.ids["Breadcrumb"] = set(out.ids["Organization"])
        account = text("SELECT id FROM account WHERE username = :u")
        out.ids["Viewer"] = set((await conn.execute(account, {"u": username})).scalars())
    return out


async def visible_activities(conn, oracle: TreeOracle, within, me: int | None) -> set[int]:
    """Activities placed in a granted subtree (drafts too), and the published ones the
    caller's member is invited to: by their own org, an org above it for its subtree, or a
    community they are checked in at (found here by walking parent pointers)."""
    rows = (
        await conn.execute(
            text("SELECT id, org_id, org_path, audience, include_checked_in, state FROM activity")
        )
    ).all()
    own_org = oracle.member_orgs.get(me) if me is not None else None
    above: set[int] = set()
    org = own_org
    while org is not None:
        above.add(org)
        org = oracle.parents.get(org)
    communities = set()
    if me is not None:
        found = await conn.execute(
            text("SELECT community_id FROM check_in WHERE member_id = :m AND status = 'ACTIVE'"),
            {"m": me},
        )
        communities = set(found.scalars())

    def invited(org_id: int, audience: str, checked_in: bool, state: str) -> bool:
        if own_org is None or state == "DRAFT":
            return False
        return (
            org_id == own_org
            or (audience == "SUBTREE" and org_id in above)
            or (bool(checked_in) and org_id in communities)
        )

    return {r[0] for r in rows if within(r[2]) or invited(r[1], r[3], r[4], r[5])}
