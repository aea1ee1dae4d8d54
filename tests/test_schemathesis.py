"""schemathesis, from the exported SDL, against the ASGI app: every query and mutation with
generated arguments; no 5xx, no masked internal error, every client error carries a code."""

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy.pool import NullPool

from authz.tokens import issue_token
from server.app import create_app
from server.db import make_engine
from server.settings import Settings
from tests.process import run

SDL = (Path(__file__).resolve().parent.parent / "schema.graphql").read_text()
SECRET = "schemathesis-secret-0123456789abcdef0123"
DB_FILE = Path(tempfile.mkdtemp(prefix="dangjian-schemathesis-")) / "st.db"
URL = f"sqlite+aiosqlite:///{DB_FILE}"
# the app is attached before the operations are collected, so every call goes through ASGI
schema = schemathesis.graphql.from_file(SDL)
schema.app = create_app(
    Settings(database_url=URL, jwt_secret=SECRET, env="development"),
    engine=make_engine(URL, poolclass=NullPool),
)
TOKEN = issue_token(SECRET, "jiangjin_admin", 1, ttl=3600)


@pytest.fixture(scope="module", autouse=True)
def seeded(cli_env: dict[str, str]) -> Iterator[None]:
    """A seeded SQLite file of its own (the run writes), one connection per request."""
    env = {**cli_env, "DANGJIAN_DATABASE_URL": f"sqlite:///{DB_FILE}"}
    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "seed").returncode == 0
    yield
    shutil.rmtree(DB_FILE.parent, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call(
        base_url="http://127.0.0.1/graphql",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code < 500, response.text
    errors = json.loads(response.text).get("errors", [])
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        assert code != "INTERNAL_SERVER_ERROR", (case.body, error)
        if error.get("path"):  # raised by a resolver: a client error with its code
            assert code, (case.body, error)
