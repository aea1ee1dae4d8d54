"""One log line per request, no tracebacks for the caller's mistakes, one for ours, and the
request id returned to the caller."""

import dataclasses
import json
import logging
import re

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from resolvers import org as org_resolvers
from server.app import create_app
from server.observe import LineFormatter
from server.settings import Settings
from tests.conftest import Api, api_over

MEMBERS = "query Directory { members(first: 5) { edges { node { name } } } }"


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [r.fields for r in caplog.records if r.name == "dangjian.request"]  # type: ignore[attr-defined]


async def test_request_id_is_echoed_or_made(api: Api) -> None:
    given = await api.client.get("/healthz", headers={"X-Request-ID": "trace-42"})
    assert given.headers["x-request-id"] == "trace-42"
    made = await api.client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    odd = await api.client.get("/healthz", headers={"X-Request-ID": "no spaces please"})
    assert odd.headers["x-request-id"] != "no spaces please"


async def test_one_line_per_request_with_what_happened(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dangjian")
    response = await api.client.post(
        "/graphql",
        json={"query": MEMBERS},
        headers={"Authorization": f"Bearer {api.token('jiangjin_admin')}", "X-Request-ID": "r-1"},
    )
    assert response.status_code == 200
    [line] = request_lines(caplog)
    assert line["request_id"] == "r-1" and line["status"] == 200
    assert line["account"] == "jiangjin_admin" and line["operation"] == "Directory"
    assert line["statements"] >= 1 and line["errors"] == []


async def test_access_log_off_keeps_the_metrics(
    api: Api, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """DANGJIAN_ACCESS_LOG=0: no line for an answered request; the metrics still count it."""
    quiet = dataclasses.replace(settings, access_log=False)
    caplog.set_level(logging.INFO, logger="dangjian")
    async with api_over(api.engine, quiet) as off:
        count = "dangjian_request_statements_count"
        before = sample((await off.client.get("/metrics")).text, count)
        await off.data(MEMBERS, user="jiangjin_admin")
        after = sample((await off.client.get("/metrics")).text, count)
    assert request_lines(caplog) == []
    assert after > before


async def test_client_errors_log_no_traceback(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    body = (await api.client.post("/graphql", json={"query": MEMBERS})).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    bad = await api.post("{ members(first: 1000) { totalCount } }", user="ouli")
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert [line["errors"] for line in request_lines(caplog)] == [
        ["UNAUTHENTICATED"],
        ["BAD_USER_INPUT"],
    ]
    assert not [r for r in caplog.records if r.exc_info], "a client error printed a traceback"


async def test_internal_errors_log_one_traceback_with_the_request_id(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(org_resolvers, "list_orgs", broken)
    caplog.set_level(logging.INFO)
    response = await api.client.post(
        "/graphql",
        json={"query": "{ organizations { totalCount } }"},
        headers={"Authorization": f"Bearer {api.token('cq_admin')}"},
    )
    body = response.json()
    assert body["errors"][0]["message"] == "internal error"  # masked for the caller
    traced = [r for r in caplog.records if r.exc_info]
    assert len(traced) == 1 and "disk on fire" in str(traced[0].exc_info[1])  # type: ignore[index]
    assert traced[0].fields["request_id"] == response.headers["x-request-id"]  # type: ignore[attr-defined]
    assert request_lines(caplog)[-1]["errors"] == ["INTERNAL_SERVER_ERROR"]


def test_production_lines_are_json() -> None:
    record = logging.LogRecord("dangjian.request", logging.INFO, "", 0, "request", (), None)
    record.fields = {"request_id": "r-9", "status": 200, "errors": []}  # type: ignore[attr-defined]
    assert json.loads(LineFormatter(as_json=True).format(record)) == {
        "level": "info",
        "msg": "request",
        "request_id": "r-9",
        "status": 200,
        "errors": [],
    }
    assert (
        LineFormatter(as_json=False).format(record)
        == "level=info msg=request request_id=r-9 status=200"
    )


def sample(text: str, name: str) -> float:
    """A sample's value in Prometheus text (0 when it has not appeared yet)."""
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(found[1]) if found else 0.0


PROBE = "query MetricsProbe { members(first: 3) { edges { node { name } } } }"
SAMPLES = (
    'dangjian_requests_total{operation="MetricsProbe",outcome="ok"}',
    'dangjian_requests_total{operation="MetricsProbe",outcome="client_error"}',
    'dangjian_persisted_queries_total{result="miss"}',
    "dangjian_request_statements_count",
    'dangjian_request_seconds_count{path="/graphql"}',
)


async def test_metrics_count_requests_statements_and_persisted_queries(api: Api) -> None:
    async def now() -> dict[str, float]:
        text = (await api.client.get("/metrics")).text
        return {s: sample(text, s) for s in SAMPLES}

    headers = {"Authorization": f"Bearer {api.token('jiangjin_admin')}"}
    before = await now()
    await api.client.post("/graphql", json={"query": PROBE}, headers=headers)
    await api.client.post("/graphql", json={"query": PROBE})  # UNAUTHENTICATED
    miss = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    await api.client.post("/graphql", json={"extensions": miss}, headers=headers)
    after = await now()
    # the /metrics read in between is a request too: 4 requests, 3 of them to /graphql
    assert {s: after[s] - before[s] for s in SAMPLES} == {
        SAMPLES[0]: 1,
        SAMPLES[1]: 1,
        SAMPLES[2]: 1,
        SAMPLES[3]: 4,
        SAMPLES[4]: 3,
    }


async def test_metrics_are_closed_in_production_without_the_token(
    db: AsyncEngine, settings: Settings
) -> None:
    for token, bearer, status in [
        (None, None, 404),
        ("m-secret", "wrong", 404),
        ("m-secret", "m-secret", 200),
        ("m-secret", "café", 404),  # not ASCII: refused, not a server error
    ]:
        prod = dataclasses.replace(settings, env="production", metrics_token=token)
        app = create_app(prod, engine=db)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://dangjian.test"
        ) as client:
            headers = {"Authorization": f"Bearer {bearer}".encode()} if bearer else {}
            answer = await client.get("/metrics", headers=headers)
        assert answer.status_code == status, (token, bearer)
