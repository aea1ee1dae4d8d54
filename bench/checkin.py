"""The community check-in composite view (50 rows) vs the raw SQL returning the same rows.

Usage: python -m bench.checkin DATABASE_URL [--runs 30]   (a Chongqing-scale database)
"""

import argparse
import asyncio
import base64

from sqlalchemy import text

from bench.common import graphql_call, summary, this_year, timed
from server.db import make_engine
from server.settings import async_url

USER = "huxi_secretary"
QUERY = """query($id: ID!) { organization(id: $id) { checkIns(first: 50) {
  edges { node { id reportedOn verifiedHours serviceCount lastServiceAt
    member { name phone } employer { name } } } } } }"""
RAW = """
SELECT c.id, c.reported_on, m.name, m.phone, e.name,
  (SELECT COALESCE(SUM(s.minutes), 0) FROM service_record s WHERE s.check_in_id = c.id
     AND s.status = 'VERIFIED' AND s.started_at >= :a AND s.started_at < :b),
  (SELECT COUNT(*) FROM service_record s WHERE s.check_in_id = c.id
     AND s.status = 'VERIFIED' AND s.started_at >= :a AND s.started_at < :b),
  (SELECT MAX(s.started_at) FROM service_record s WHERE s.check_in_id = c.id
     AND s.status = 'VERIFIED' AND s.started_at >= :a AND s.started_at < :b)
FROM check_in c JOIN member m ON m.id = c.member_id JOIN organization e ON e.id = c.employer_org_id
WHERE c.community_path >= :p AND c.community_path < :q
ORDER BY c.id LIMIT 50"""


async def main(url: str, runs: int) -> None:

    engine = make_engine(url)
    async with engine.connect() as conn:
        org_id, path = (
            await conn.execute(
                text("SELECT id, path FROM organization WHERE name = '中共浒溪社区党委'")
            )
        ).one()
    params = {
        "p": path,
        "q": path[:-1] + "0",
        **this_year(),
    }

    async def raw() -> None:
        async with engine.connect() as conn:
            rows = (await conn.execute(text(RAW), params)).all()
        assert len(rows) == 50

    gid = base64.b64encode(f"Organization:{org_id}".encode()).decode()
    gql = await timed(graphql_call(engine, USER, QUERY, {"id": gid}), runs)
    sql = await timed(raw, runs)
    g = summary(f"GraphQL composite view ({engine.dialect.name})", gql)
    s = summary(f"raw SQL, same rows ({engine.dialect.name})", sql)
    print(f"ratio GraphQL / raw SQL: {g['median_ms'] / s['median_ms']:.2f}")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(async_url(args.url), args.runs))
