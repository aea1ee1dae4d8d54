"""GraphQL over HTTP: the reference audit (npm graphql-http) against a live server, and the
media types and status codes it does not cover."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Api
from tests.process import run, serving

AUDIT = Path(__file__).resolve().parent / "http_audit"


def test_reference_audit_passes(cli_env: dict[str, str], tmp_path: Path) -> None:
    if shutil.which("node") is None or not (AUDIT / "node_modules" / "graphql-http").exists():
        if os.environ.get("CI"):
            pytest.fail("node and tests/http_audit/node_modules are required in CI (make test)")
        pytest.skip("graphql-http is not installed (run `make test`)")
    env = {**cli_env, "DANGJIAN_DATABASE_URL": f"sqlite:///{tmp_path}/audit.db"}
    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "seed", "--scale", "demo").returncode == 0
    with serving(env) as base:
        audit = subprocess.run(
            ["node", str(AUDIT / "audit.mjs"), f"{base}/graphql"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert " 0 errors, 0 warnings" in audit.stdout


async def test_graphql_response_json_status_codes(api: Api) -> None:
    token = {"Authorization": f"Bearer {api.token('cq_admin')}"}
    grj = {"Accept": "application/graphql-response+json", **token}
    ok = await api.client.post("/graphql", json={"query": "{ viewer { username } }"}, headers=grj)
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("application/graphql-response+json")
    invalid = await api.client.post("/graphql", json={"query": "{ nope }"}, headers=grj)
    assert invalid.status_code == 400 and "data" not in invalid.json()
    legacy = await api.client.post("/graphql", json={"query": "{ nope }"}, headers=token)
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith(
        "application/json"
    )
    refused = await api.client.post(
        "/graphql", json={"query": "{ viewer { username } }"}, headers={"Accept": "text/xml"}
    )
    assert refused.status_code == 406


async def test_request_errors(api: Api) -> None:
    form = await api.client.post(
        "/graphql",
        content="query={viewer{username}}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
    broken = await api.client.post(
        "/graphql", content="{", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    put = await api.client.put("/graphql", json={"query": "{ __typename }"})
    assert put.status_code == 405
