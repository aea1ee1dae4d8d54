"""Protection on every request: limits, masking, introspection and GraphiQL by environment."""

import httpx
import pytest

from resolvers import org as org_resolvers
from server.app import create_app
from server.settings import Settings
from tests.conftest import Api


async def first_error(api: Api, query: str, user: str | None = "cq_admin") -> dict:
    body = await api.post(query, user=user)
    assert body.get("data") is None, body
    return body["errors"][0]


async def test_depth_limit(api: Api) -> None:
    nested = "parent { " * 14 + "name" + " }" * 14
    error = await first_error(api, f"{{ organizations {{ edges {{ node {{ {nested} }} }} }} }}")
    assert "exceeds maximum operation depth" in error["message"]


async def test_alias_limit(api: Api) -> None:
    aliases = " ".join(f"a{i}: viewer {{ username }}" for i in range(40))
    error = await first_error(api, f"{{ {aliases} }}")
    assert "aliases found" in error["message"]


async def test_token_limit(api: Api) -> None:
    error = await first_error(api, "{ viewer { " + "username " * 4000 + "} }")
    assert "token" in error["message"].lower()


async def test_directive_limit(api: Api) -> None:
    many = " ".join(f"v{i}: viewer @include(if: true) {{ username }}" for i in range(25))
    error = await first_error(api, f"{{ {many} }}")
    assert error["message"] == "more than 20 directives"


async def test_node_budget_multiplies_page_sizes(api: Api) -> None:
    query = """query($n: Int) { organizations(first: 100) { edges { node {
        children(first: 100) { edges { node { members(first: $n) { totalCount } } } } } } } }"""
    body = await api.post(query, {"n": 100}, user="cq_admin")
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    small = await api.post(
        query.replace("first: 100) { edges { node {\n", "first: 2) { edges { node {\n"),
        {"n": 1},
        user="cq_admin",
    )
    assert "errors" not in small


async def test_no_field_suggestions(api: Api) -> None:
    for user in (None, "cq_admin"):
        body = await api.post("{ memberz { totalCount } }", user=user)
        message = body["errors"][0]["message"]
        assert "Did you mean" not in message and "members" not in message


async def test_unexpected_errors_are_masked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_args, **_kwargs):
        raise RuntimeError("password=hunter2 at /srv/db")

    monkeypatch.setattr(org_resolvers, "list_orgs", broken)
    body = await api.post("{ organizations { totalCount } }", user="cq_admin")
    assert body["errors"] == [
        {
            "message": "internal error",
            "locations": [{"line": 1, "column": 3}],
            "path": ["organizations"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    assert "hunter2" not in str(body)


async def test_get_queries_and_graphiql_in_development(api: Api) -> None:
    token = api.token("jiangjin_admin")
    response = await api.client.get(
        "/graphql",
        params={"query": "{ viewer { username } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json() == {"data": {"viewer": {"username": "jiangjin_admin"}}}
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_health_and_readiness(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    assert (await api.client.get("/readyz")).json() == {"status": "ready"}


async def test_production_disables_introspection_and_graphiql(api: Api) -> None:
    prod = Settings(database_url="", jwt_secret=api.settings.jwt_secret, env="production")
    app = create_app(prod, engine=api.engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://prod.test"
    ) as client:
        headers = {"Authorization": f"Bearer {api.token('cq_admin')}"}
        body = (
            await client.post(
                "/graphql", json={"query": "{ __schema { types { name } } }"}, headers=headers
            )
        ).json()
        assert "introspection" in body["errors"][0]["message"].lower()
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        ok = (
            await client.post(
                "/graphql", json={"query": "{ viewer { username } }"}, headers=headers
            )
        ).json()
        assert ok == {"data": {"viewer": {"username": "cq_admin"}}}


async def test_responses_are_utf8_json(api: Api) -> None:
    token = api.token("huxi_secretary")
    response = await api.client.post(
        "/graphql",
        json={"query": "{ viewer { displayName } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert "殷江洪".encode() in response.content
    assert response.headers["content-type"].startswith("application/json")


async def test_readyz_names_a_database_behind_the_code(tmp_path, settings) -> None:
    import httpx

    from server.app import create_app
    from server.db import make_engine, upgrade

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/behind.db")
    await upgrade(engine, "0006")
    app = create_app(settings, engine=engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://dangjian.test"
    ) as client:
        answer = await client.get("/readyz")
    await engine.dispose()
    assert answer.status_code == 503
    assert answer.json()["reason"].startswith("database at revision 0006, expected")
