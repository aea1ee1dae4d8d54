"""The comparison server: a plain JSON endpoint running the same SQL as the district member
page, with no GraphQL, no auth and no scoping (the physical limit of the HTTP stack)."""

import os

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.operations import MEMBER_SQL
from server.db import make_engine
from server.settings import async_url

engine = make_engine(async_url(os.environ["DANGJIAN_DATABASE_URL"]))
SQL = text(MEMBER_SQL.format(where="org_path >= :p AND org_path < :q"))


async def members(request: Request) -> JSONResponse:
    path = request.query_params["path"]
    async with engine.connect() as conn:
        rows = (await conn.execute(SQL, {"p": path, "q": path[:-1] + "0"})).all()
    return JSONResponse(
        {
            "members": [
                {
                    "id": r.id,
                    "name": r.name,
                    "gender": r.gender,
                    "birthDate": r.birth_date.isoformat()
                    if hasattr(r.birth_date, "isoformat")
                    else r.birth_date,
                    "status": r.status,
                    "phone": r.phone,
                }
                for r in rows[:100]
            ]
        }
    )


app = Starlette(routes=[Route("/members", members)])


if __name__ == "__main__":
    import argparse

    from server.serving import serve

    parser = argparse.ArgumentParser(description="the plain JSON comparison server")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve("127.0.0.1", args.port, args.workers, "bench.plain:app", factory=False)
