"""Automatic Persisted Queries with Apollo's exact request shapes, and the allow-list mode."""

import hashlib
import json

import httpx

from server.app import create_app
from server.saved_queries import QUERIES_DIR
from server.settings import Settings
from tests.conftest import Api

QUERY = "query Me { viewer { username } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()


def extensions(digest: str = HASH) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def headers(api: Api, user: str = "cq_admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(user)}"}


async def test_round_trip_post_and_get(api: Api) -> None:
    query = QUERY.replace("username", "username displayName")
    digest = hashlib.sha256(query.encode()).hexdigest()
    hash_only = {"operationName": "Me", "variables": {}, "extensions": extensions(digest)}
    missing = await api.client.post("/graphql", json=hash_only, headers=headers(api))
    assert missing.status_code == 200
    assert missing.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    registered = await api.client.post(
        "/graphql", json={**hash_only, "query": query}, headers=headers(api)
    )
    assert registered.json()["data"]["viewer"]["username"] == "cq_admin"
    again = await api.client.post("/graphql", json=hash_only, headers=headers(api))
    assert again.json() == registered.json()
    params = {
        "operationName": "Me",
        "variables": "{}",
        "extensions": json.dumps(extensions(digest)),
    }
    by_get = await api.client.get("/graphql", params=params, headers=headers(api))
    assert by_get.json() == registered.json()


async def test_get_registration(api: Api) -> None:
    query = "query Me { viewer { displayName } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    params = {"query": query, "extensions": json.dumps(extensions(digest))}
    first = await api.client.get("/graphql", params=params, headers=headers(api))
    assert first.json()["data"]["viewer"]["displayName"] == "重庆市委组织部"
    hash_only = await api.client.get(
        "/graphql", params={"extensions": params["extensions"]}, headers=headers(api)
    )
    assert hash_only.json() == first.json()


async def test_hash_mismatch_is_400(api: Api) -> None:
    response = await api.client.post(
        "/graphql", json={"query": QUERY, "extensions": extensions("0" * 64)}, headers=headers(api)
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "provided sha does not match query"


async def test_invalid_document_is_not_registered(api: Api) -> None:
    bad = "query Bad { viewer { nope } }"
    digest = hashlib.sha256(bad.encode()).hexdigest()
    first = await api.client.post(
        "/graphql", json={"query": bad, "extensions": extensions(digest)}, headers=headers(api)
    )
    assert "Cannot query field" in first.json()["errors"][0]["message"]
    after = await api.client.post(
        "/graphql", json={"extensions": extensions(digest)}, headers=headers(api)
    )
    assert after.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def saved_text() -> str:
    return (QUERIES_DIR / "checkin" / "community_checkins.graphql").read_text()


async def test_saved_queries_are_preregistered(api: Api) -> None:
    digest = hashlib.sha256(saved_text().encode()).hexdigest()
    response = await api.client.post(
        "/graphql",
        json={"extensions": extensions(digest), "variables": {"community": "T3JnYW5pemF0aW9uOjE="}},
        headers=headers(api),
    )
    assert response.json()["data"]["organization"]["name"] == "中共重庆市委"


async def test_allow_list_mode(api: Api) -> None:
    strict = Settings(
        database_url="", jwt_secret=api.settings.jwt_secret, env="development", allow_list=True
    )
    app = create_app(strict, engine=api.engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://strict.test"
    ) as client:
        refused = await client.post("/graphql", json={"query": QUERY}, headers=headers(api))
        assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
        digest = hashlib.sha256(QUERY.encode()).hexdigest()
        not_saved = await client.post(
            "/graphql",
            json={"query": QUERY, "extensions": extensions(digest)},
            headers=headers(api),
        )
        assert not_saved.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
        variables = {"community": "T3JnYW5pemF0aW9uOjE="}
        by_text = await client.post(
            "/graphql", json={"query": saved_text(), "variables": variables}, headers=headers(api)
        )
        assert "errors" not in by_text.json()
        saved_hash = hashlib.sha256(saved_text().encode()).hexdigest()
        by_hash = await client.post(
            "/graphql",
            json={"extensions": extensions(saved_hash), "variables": variables},
            headers=headers(api),
        )
        assert by_hash.json() == by_text.json()
        by_name = await client.get(
            "/queries/community_checkins", headers=headers(api, "huxi_secretary")
        )
        assert by_name.status_code == 200 and "errors" not in by_name.json()
