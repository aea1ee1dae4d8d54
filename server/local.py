"""Saved queries from the shell: the HTTP routes driven in-process as a given account."""

import sys
from urllib.parse import urlencode

import httpx
from sqlalchemy import select

from authz.tokens import issue_token
from models import Account
from server.app import create_app
from server.db import make_engine
from server.settings import Settings


async def run_saved(
    settings: Settings, name: str, username: str, values: dict[str, list[str]], fmt: str
) -> int:
    """Print the result of `GET /queries/<name>` as `username`; 0 on success."""
    engine = make_engine(settings.database_url)
    async with engine.connect() as conn:
        version = await conn.scalar(
            select(Account.token_version).where(Account.username == username)
        )
    if version is None:
        print(f"no account {username!r}", file=sys.stderr)
        await engine.dispose()
        return 1
    token = issue_token(settings.jwt_secret, username, version, ttl=300)
    params = [(k, v) for k, vs in values.items() for v in vs] + [("format", fmt)]
    app = create_app(settings, engine=engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://local"
    ) as client:
        response = await client.get(
            f"/queries/{name}?{urlencode(params)}", headers={"Authorization": f"Bearer {token}"}
        )
    await engine.dispose()
    sys.stdout.write(response.text if fmt == "csv" else response.text + "\n")
    return 0 if response.status_code == 200 and '"errors"' not in response.text[:2000] else 1
