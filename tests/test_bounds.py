"""Requests bounded by their size, not only by their shape (issue 16, items 4, 5 and 12): the
body and query string before any parsing, the variables before the document, the node budget
over defaults and lists, the response, each statement's time, and every input that used to
reach the database or a loop unchecked."""

import asyncio
import base64
import dataclasses
import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from resolvers import org as org_resolvers
from resolvers.ids import to_global_id
from schema import query as query_module
from server import graphql_http
from server.db import make_engine
from server.settings import Settings
from tests.conftest import PG_SCHEMA, Api, api_over, postgres_url

LIMIT = 1_048_576  # the default of DANGJIAN_MAX_BODY_BYTES
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"


def ids(n: int) -> list[str]:
    return [to_global_id("Organization", i) for i in range(1, n + 1)]


def bearer(api: Api, user: str = "cq_admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(user)}"}


# item 4: the size of a request, refused before any work


async def test_a_body_past_the_limit_is_refused_unread(api: Api) -> None:
    """A million ids (24 MB) used to be read, parsed and coerced before anyone asked who
    sent them."""
    body = json.dumps({"query": NODES, "variables": {"ids": ids(100_000)}}).encode()
    assert len(body) > LIMIT
    response = await api.client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_a_chunked_body_is_cut_at_the_limit(api: Api) -> None:
    """No Content-Length: the body is counted as it arrives and reading stops at the limit."""
    chunk, sent = b" " * 65536, 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ __typename }"'
        for _ in range(100 * LIMIT // len(chunk)):
            sent += len(chunk)
            yield chunk

    response = await api.client.post(
        "/graphql", content=endless(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "content-length" not in response.request.headers
    assert sent <= LIMIT + len(chunk)  # read no further than the limit


async def test_a_query_string_past_the_limit_is_refused(
    db: AsyncEngine, settings: Settings
) -> None:
    """With DANGJIAN_MAX_BODY_BYTES=4096 (a client refuses URLs of a mebibyte itself)."""
    async with api_over(db, dataclasses.replace(settings, max_body_bytes=4096)) as api:
        client = api.client
        for path, params in [
            ("/graphql", {"query": "{ __typename }", "month": "x" * 4096}),
            ("/queries/arrears_list", {"month": "x" * 4096}),
        ]:
            response = await client.get(path, params=params, headers=bearer(api))
            assert response.status_code == 414, path
            assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
            params["month"] = "2026-11"
            assert (await client.get(path, params=params, headers=bearer(api))).status_code == 200


async def test_variables_are_bounded_before_the_document_is_parsed(api: Api) -> None:
    """The document here does not even parse: the variables are refused first."""
    for variables, message in [
        ({"ids": ids(5000)}, "more than 2000 values in the variables"),
        ({"deep": nested(460)}, "variables nest deeper than 16 levels"),
    ]:
        response = await api.client.post(
            "/graphql", json={"query": "{ nodes(ids: $ids", "variables": variables}
        )
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert (error["message"], error["extensions"]["code"]) == (message, "BAD_USER_INPUT")


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


async def test_unauthenticated_ids_are_not_decoded(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[str] = []
    decode = query_module.from_global_id

    def counting(gid: str) -> tuple[str, int]:
        decoded.append(gid)
        return decode(gid)

    monkeypatch.setattr(query_module, "from_global_id", counting)
    body = await api.post(NODES, {"ids": ids(100)})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert decoded == []
    assert len((await api.post(NODES, {"ids": ids(3)}, user="cq_admin"))["data"]["nodes"]) == 3
    assert len(decoded) == 3


# item 5: the node budget, the response and the statements


async def test_the_node_budget_counts_variable_defaults(api: Api) -> None:
    """`$n` absent: its default (100) is what the resolvers see, not the page size of 20."""
    query = """query($n: Int = 100) { organizations(first: $n) { edges { node {
        children(first: $n) { edges { node { members(first: $n) { totalCount } } } } } } } }"""
    body = await api.post(query, user="cq_admin")
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "1010100 nodes" in body["errors"][0]["message"]


async def test_the_node_budget_multiplies_lists(api: Api) -> None:
    """30 aliases × `nodes` of 100 ids × 100 members each: 303,000 nodes, not 3,000."""
    fields = " ".join(
        f"a{i}: nodes(ids: $ids) {{ ... on Organization {{ members(first: 100) {{ edges {{ "
        "node { name } } } } }"
        for i in range(30)
    )
    body = await api.post(f"query($ids: [ID!]!) {{ {fields} }}", {"ids": ids(100)}, user="cq_admin")
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "303000 nodes" in body["errors"][0]["message"]
    small = await api.post(
        """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Organization {
        members(first: 2) { edges { node { name } } } } } }""",
        {"ids": ids(3)},
        user="cq_admin",
    )
    assert "errors" not in small and len(small["data"]["nodes"]) == 3


async def test_a_response_past_the_cap_is_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = "{ members(first: 100) { edges { node { name phone address } } } }"
    monkeypatch.setattr(graphql_http, "MAX_RESPONSE_BYTES", 4096)
    response = await api.client.post("/graphql", json={"query": page}, headers=bearer(api))
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "RESPONSE_TOO_LARGE" and "data" not in response.json()
    saved = await api.client.get("/queries/arrears_list", headers=bearer(api, "jiangjin_admin"))
    assert saved.json()["errors"][0]["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    small = await api.post("{ viewer { username } }", user="cq_admin")
    assert small == {"data": {"viewer": {"username": "cq_admin"}}}


SLOW = {
    # never ends by itself: only the deadline stops it
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
    "SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(60)",
}


@pytest.fixture
async def timed(db: AsyncEngine, settings: Settings) -> AsyncIterator[Api]:
    """The demo database through an engine whose statements stop after 300 ms."""
    if db.dialect.name == "sqlite":
        engine = make_engine(db.url.render_as_string(), statement_timeout_ms=300)
    else:
        schema = {"server_settings": {"search_path": f"{PG_SCHEMA}_demo"}}
        engine = make_engine(postgres_url(), connect_args=schema, statement_timeout_ms=300)
    async with api_over(engine, settings) as api:
        yield api
    await engine.dispose()


async def test_a_statement_past_the_timeout_is_cut_with_a_clean_error(
    timed: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow(ctx, *_args):
        await ctx.session.execute(text(SLOW[timed.engine.dialect.name]))

    monkeypatch.setattr(org_resolvers, "list_orgs", slow)
    query = "{ organizations { totalCount } members(first: 1) { totalCount } }"
    body = await asyncio.wait_for(timed.post(query, user="cq_admin"), 30)
    codes = {e["path"][0]: e["extensions"]["code"] for e in body["errors"]}
    # on PostgreSQL the transaction is aborted: what follows fails too, and says why
    assert codes["organizations"] == "TIMEOUT" and set(codes.values()) == {"TIMEOUT"}
    assert "time limit" in body["errors"][0]["message"]
    monkeypatch.undo()
    after = await timed.post("{ organizations(first: 1) { totalCount } }", user="cq_admin")
    assert "errors" not in after  # the connection serves the next request


# item 12: inputs that reached the database or a loop unchecked


def cursor(key: object, pk: object) -> str:
    return base64.urlsafe_b64encode(json.dumps([key, pk]).encode()).decode()


HUGE_ID = base64.b64encode(f"Member:{10**30}".encode()).decode()
MEMBERS_AFTER = "query($c: String) { members(first: 2, after: $c) { totalCount } }"


@pytest.mark.parametrize(
    "query, variables, message",
    [
        (MEMBERS_AFTER, {"c": cursor({"a": 1}, 5)}, "malformed cursor"),
        (MEMBERS_AFTER, {"c": cursor("/1/", 10**30)}, "malformed cursor"),
        (MEMBERS_AFTER, {"c": cursor("/1/", True)}, "malformed cursor"),
        (MEMBERS_AFTER, {"c": base64.urlsafe_b64encode(b"[" * 5000).decode()}, "malformed cursor"),
        ("query($i: ID!) { node(id: $i) { id } }", {"i": HUGE_ID}, "is out of range"),
        (NODES, {"ids": [HUGE_ID]}, "is out of range"),
        (
            """{ organizations(first: 1) { edges { node {
            checkInSummary(period: "9999-12-31..9999-12-31") { verifiedHours } } } } }""",
            {},
            "a period must lie between 1900-01-01 and 2100-12-31",
        ),
        (
            "query($n: String) { members(filter: {name: $n}) { totalCount } }",
            {"n": "x" * 50_000},
            "filter.name must be at most 100 characters",
        ),
        (
            "query($n: String) { organizations(search: $n) { totalCount } }",
            {"n": "x" * 50_000},
            "search must be at most 100 characters",
        ),
    ],
)
async def test_bad_inputs_are_the_callers_error(
    api: Api, query: str, variables: dict, message: str
) -> None:
    body = await api.post(query, variables, user="cq_admin")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert message in error["message"]


async def test_deep_json_in_a_query_string_is_refused(api: Api) -> None:
    """GET variables go through a parser with bounded nesting (json's recursed)."""
    response = await api.client.get(
        "/graphql",
        params={"query": "{ __typename }", "variables": "[" * 5000 + "]" * 5000},
        headers=bearer(api),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "variables must be JSON"


async def test_deep_variables_get_a_json_error(api: Api) -> None:
    """Not the bare-text 500 of a recursion: a caller's error like any other."""
    body = await api.client.post(
        "/graphql",
        json={"query": "query($x: Int) { viewer { username } }", "variables": {"x": nested(460)}},
        headers=bearer(api),
    )
    assert body.status_code == 400
    assert body.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
