"""Automatic Persisted Queries with Apollo's exact request shapes, persisted documents by
`documentId`, and the allow-list mode (manifests: tests/test_trusted_documents.py)."""

import hashlib
import json
import uuid

import httpx
import pytest

from server.app import create_app
from server.saved_queries import QUERIES_DIR
from server.settings import Settings
from tests.conftest import Api
from tests.process import run, serving

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


async def test_saved_queries_run_by_document_id(api: Api) -> None:
    """GraphQL-over-HTTP persisted documents: `sha256:<hex>` (or bare hex) of a saved query's
    text, by POST and GET, for every caller; an unknown id is a 400 with a code, and so is a
    request that also sends the text."""
    digest = hashlib.sha256(saved_text().encode()).hexdigest()
    variables = {"community": "T3JnYW5pemF0aW9uOjE="}
    by_text = await api.client.post(
        "/graphql", json={"query": saved_text(), "variables": variables}, headers=headers(api)
    )
    assert by_text.json()["data"]["organization"]["name"] == "中共重庆市委"
    for document_id in (f"sha256:{digest}", digest):
        posted = await api.client.post(
            "/graphql",
            json={"documentId": document_id, "variables": variables},
            headers=headers(api),
        )
        assert posted.json() == by_text.json()
    by_get = await api.client.get(
        "/graphql",
        params={"documentId": f"sha256:{digest}", "variables": json.dumps(variables)},
        headers=headers(api),
    )
    assert by_get.json() == by_text.json()
    unknown = await api.client.post("/graphql", json={"documentId": f"sha256:{HASH}"})
    assert unknown.status_code == 400 and "data" not in unknown.json()
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    both = await api.client.post(
        "/graphql", json={"documentId": digest, "query": saved_text()}, headers=headers(api)
    )
    assert both.status_code == 400
    assert both.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    not_text = await api.client.post("/graphql", json={"documentId": 1}, headers=headers(api))
    assert not_text.status_code == 400


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


async def test_registrations_are_per_account(api: Api) -> None:
    """A hash is a question about a text: another account's registration answers exactly like
    no registration, and an anonymous caller registers nothing."""
    query = "query Mine { viewer { username grants { role } } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    full = {"query": query, "extensions": extensions(digest)}
    hash_only = {"extensions": extensions(digest)}
    anonymous = await api.client.post("/graphql", json=full)
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    after_anonymous = await api.client.post("/graphql", json=hash_only, headers=headers(api))
    assert after_anonymous.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    mine = await api.client.post("/graphql", json=full, headers=headers(api))
    assert mine.json()["data"]["viewer"]["username"] == "cq_admin"
    again = await api.client.post("/graphql", json=hash_only, headers=headers(api))
    assert again.json() == mine.json()
    other = await api.client.post(
        "/graphql", json=hash_only, headers=headers(api, "huxi_secretary")
    )
    never = await api.client.post(
        "/graphql",
        json={"extensions": extensions("f" * 64)},
        headers=headers(api, "huxi_secretary"),
    )
    assert other.json() == never.json()
    assert other.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert (await api.client.post("/graphql", json=hash_only)).json() == never.json()


async def test_a_full_quota_stops_only_its_own_account(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_PER_ACCOUNT an account's documents still run, unregistered; nobody else's
    registrations are displaced."""
    monkeypatch.setattr("server.shared.MAX_PER_ACCOUNT", 2)
    theirs = "query Theirs { viewer { displayName username } }"
    their_hash = hashlib.sha256(theirs.encode()).hexdigest()
    kept = await api.client.post(
        "/graphql",
        json={"query": theirs, "extensions": extensions(their_hash)},
        headers=headers(api, "jiangjin_admin"),
    )
    assert "errors" not in kept.json()
    for n in range(4):  # a flood of distinct documents from one account
        query = f"query Flood{n} {{ viewer {{ username }} }}"
        digest = hashlib.sha256(query.encode()).hexdigest()
        ran = await api.client.post(
            "/graphql",
            json={"query": query, "extensions": extensions(digest)},
            headers=headers(api, "banan_admin"),
        )
        assert ran.json()["data"]["viewer"]["username"] == "banan_admin"
    last = await api.client.post(
        "/graphql", json={"extensions": extensions(digest)}, headers=headers(api, "banan_admin")
    )
    assert last.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    fresh = create_app(api.settings, engine=api.engine)  # another process: the store only
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fresh), base_url="http://other.test"
    ) as client:
        still = await client.post(
            "/graphql",
            json={"extensions": extensions(their_hash)},
            headers=headers(api, "jiangjin_admin"),
        )
    assert still.json() == kept.json()


def test_a_registration_on_one_process_runs_on_another(shared_database: dict[str, str]) -> None:
    """Two API processes share nothing but the database: a hash registered on one runs by
    hash on the other (behind a load balancer, the retry may go anywhere)."""
    # a text of this run only: Redis outlives the test
    query = f"query Who {{ viewer {{ username displayName }} }} # {uuid.uuid4()}"
    digest = hashlib.sha256(query.encode()).hexdigest()
    token = run(shared_database, "token", "jiangjin_admin").stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    with serving(shared_database) as one, serving(shared_database) as other:
        unknown = httpx.post(
            f"{other}/graphql", json={"extensions": extensions(digest)}, headers=auth
        ).json()
        assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        registered = httpx.post(
            f"{one}/graphql",
            json={"query": query, "extensions": extensions(digest)},
            headers=auth,
        ).json()
        assert registered["data"]["viewer"]["username"] == "jiangjin_admin"
        by_hash = httpx.post(
            f"{other}/graphql", json={"extensions": extensions(digest)}, headers=auth
        ).json()
        assert by_hash == registered
        token = run(shared_database, "token", "jiangjin_auditor").stdout.strip()
        someone_else = httpx.post(
            f"{other}/graphql",
            json={"extensions": extensions(digest)},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert someone_else == unknown
