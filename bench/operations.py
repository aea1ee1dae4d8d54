"""The measured operations: each a GraphQL request as a realistic caller, and the raw SQL that
returns the same rows."""

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import this_year
from domain.calendar import born_before
from domain.clock import clock
from models import Education, Gender, MemberStatus

MEMBER_PAGE = """query($after: String) { members(first: 100, after: $after) {
  edges { node { id name gender birthDate status phone } } pageInfo { endCursor } } }"""
MEMBER_SQL = """SELECT id, name, gender, birth_date, status, phone, org_path FROM member
  WHERE {where} ORDER BY org_path, id LIMIT 101"""
NEXT = "(org_path, id) > (:lp, :li)"
CHECKINS = """query($id: ID!) { organization(id: $id) { checkIns(first: 50) {
  edges { node { id reportedOn verifiedHours serviceCount lastServiceAt
    member { name phone } employer { name } } } } } }"""
CHECKINS_SQL = """SELECT c.id, c.reported_on, m.name, m.phone, e.name,
  (SELECT COALESCE(SUM(s.minutes), 0) FROM service_record s WHERE s.check_in_id = c.id
     AND s.status = 'VERIFIED' AND s.started_at >= :a AND s.started_at < :b),
  (SELECT COUNT(*) FROM service_record s WHERE s.check_in_id = c.id
     AND s.status = 'VERIFIED' AND s.started_at >= :a AND s.started_at < :b),
  (SELECT MAX(s.started_at) FROM service_record s WHERE s.check_in_id = c.id
     AND s.status = 'VERIFIED' AND s.started_at >= :a AND s.started_at < :b)
FROM check_in c JOIN member m ON m.id = c.member_id JOIN organization e ON e.id = c.employer_org_id
WHERE c.community_path >= :p AND c.community_path < :q ORDER BY c.id LIMIT 51"""
SUMMARY = """query($id: ID!) { organization(id: $id) { checkInSummary {
  checkedInMembers employersRepresented verifiedHours membersMeetingTarget
  ownMembersServing } } }"""
SUMMARY_SQL = """SELECT
 (SELECT COUNT(DISTINCT member_id) FROM check_in WHERE status = 'ACTIVE'
    AND community_path >= :p AND community_path < :q),
 (SELECT COALESCE(SUM(minutes), 0) FROM service_record WHERE status = 'VERIFIED'
    AND community_path >= :p AND community_path < :q AND started_at >= :a AND started_at < :b)"""
STATS = """query($id: ID!) { organization(id: $id) { stats { memberTotal
  byLevel { key count } byStatus { key count } byGender { key count }
  byAgeBand { key count } byEducation { key count } } } }"""
STATS_SQL = (
    "SELECT COUNT(*), "
    + ", ".join(
        [f"COUNT(*) FILTER (WHERE status = '{v.name}')" for v in MemberStatus]
        + [f"COUNT(*) FILTER (WHERE gender = '{v.name}')" for v in Gender]
        + [f"COUNT(*) FILTER (WHERE education = '{v.name}')" for v in Education]
        + [f"COUNT(*) FILTER (WHERE birth_date >= :b{age})" for age in (30, 40, 50, 60, 70)]
    )
    + " FROM member WHERE org_path >= :p AND org_path < :q"
)
LEVELS_SQL = """SELECT level, COUNT(*) FROM organization WHERE path >= :p AND path < :q
  GROUP BY level"""
COUNT = "{ members(first: 1) { totalCount } }"
COUNT_SQL = "SELECT COUNT(*) FROM member"
NODE = "query($id: ID!) { node(id: $id) { id ... on Member { name status } } }"
NODE_SQL = "SELECT id, name, status, org_path FROM member WHERE id = :m"


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


@dataclass
class Operation:
    name: str
    user: str
    query: str
    variables: dict[str, Any]
    raw: Callable[[AsyncEngine], Awaitable[Any]]
    pages: int = 1  # requests of 100 rows chained by cursor


async def operations(engine: AsyncEngine) -> list[Operation]:
    """The fixed set, with the ids and paths of the story's places in this database."""
    async with engine.connect() as conn:

        def org(name: str):
            return conn.execute(
                text("SELECT id, path FROM organization WHERE name = :n"), {"n": name}
            )

        jiangjin = (await org("中共重庆市江津区委员会")).one()
        huxi = (await org("中共浒溪社区党委")).one()
        banan = (await org("中共重庆市巴南区委员会")).one()
        inside = await conn.scalar(
            text("SELECT id FROM member WHERE org_path >= :p AND org_path < :q LIMIT 1"),
            {"p": jiangjin.path, "q": jiangjin.path[:-1] + "0"},
        )
        outside = await conn.scalar(
            text("SELECT id FROM member WHERE org_path >= :p AND org_path < :q LIMIT 1"),
            {"p": banan.path, "q": banan.path[:-1] + "0"},
        )
    j = {"p": jiangjin.path, "q": jiangjin.path[:-1] + "0"}
    born_after = {f"b{age}": born_before(clock().today().year, age) for age in (30, 40, 50, 60, 70)}
    h = {
        "p": huxi.path,
        "q": huxi.path[:-1] + "0",
        **this_year(),
    }

    def sql(*statements: str, params: dict | None = None):
        """The statements on one connection, in turn (each read to the end)."""

        async def run(eng: AsyncEngine) -> Any:
            async with eng.connect() as conn:
                return [(await conn.execute(text(s), params or {})).all() for s in statements]

        return run

    def member_pages(where: str, params: dict, pages: int = 1):
        """Pages of 100 members, the later ones by keyset from the last row, like the API."""
        first = MEMBER_SQL.format(where=where or "1 = 1")
        later = MEMBER_SQL.format(where=f"{where} AND {NEXT}" if where else NEXT)

        async def run(eng: AsyncEngine) -> Any:
            async with eng.connect() as conn:
                rows = (await conn.execute(text(first), params)).all()
                for _ in range(pages - 1):
                    rows = (
                        await conn.execute(
                            text(later), {**params, "lp": rows[99].org_path, "li": rows[99].id}
                        )
                    ).all()
            return rows

        return run

    district = "org_path >= :p AND org_path < :q"
    return [
        Operation(
            "members 100, district", "jiangjin_admin", MEMBER_PAGE, {}, member_pages(district, j)
        ),
        Operation(
            "members 1,000, district",
            "jiangjin_admin",
            MEMBER_PAGE,
            {},
            member_pages(district, j, 10),
            pages=10,
        ),
        Operation("members 100, city", "cq_admin", MEMBER_PAGE, {}, member_pages("", {})),
        Operation(
            "members 1,000, city", "cq_admin", MEMBER_PAGE, {}, member_pages("", {}, 10), pages=10
        ),
        Operation(
            "check-in view 50",
            "huxi_secretary",
            CHECKINS,
            {"id": gid("Organization", huxi.id)},
            sql(CHECKINS_SQL, params=h),
        ),
        Operation(
            "check-in summary",
            "huxi_secretary",
            SUMMARY,
            {"id": gid("Organization", huxi.id)},
            sql(SUMMARY_SQL, params=h),
        ),
        Operation(
            "district stats",
            "jiangjin_admin",
            STATS,
            {"id": gid("Organization", jiangjin.id)},
            sql(STATS_SQL, LEVELS_SQL, params={**j, **born_after}),
        ),
        Operation("city-wide count", "cq_admin", COUNT, {}, sql(COUNT_SQL)),
        Operation(
            "node in scope",
            "jiangjin_admin",
            NODE,
            {"id": gid("Member", inside)},
            sql(NODE_SQL, params={"m": inside}),
        ),
        Operation(
            "node out of scope",
            "jiangjin_admin",
            NODE,
            {"id": gid("Member", outside)},
            sql(NODE_SQL, params={"m": outside}),
        ),
    ]
