"""What a browser front-end and a slow network need from the HTTP layer: CORS preflights
answered for the allowed origins only, and compressed responses."""

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from server.app import create_app
from server.settings import Settings
from tests.conftest import Api

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type",
}
PAGE = "{ members(first: 100) { edges { node { id name status organization { name } } } } }"


async def client_for(db: AsyncEngine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://dangjian.test"
    ) as client:
        yield client


async def preflight(client: httpx.AsyncClient, origin: str) -> httpx.Response:
    return await client.options("/graphql", headers={"Origin": origin, **PREFLIGHT})


async def test_development_allows_local_front_ends(api: Api) -> None:
    ok = await preflight(api.client, "http://localhost:5173")
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    refused = await preflight(api.client, "https://elsewhere.example")
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    response = await api.client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Origin": "http://127.0.0.1:3000", "Authorization": f"Bearer {api.token('ouli')}"},
    )
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:3000"
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    "origins, allowed, refused",
    [
        (None, [], ["http://localhost:5173", "https://app.example"]),
        (("https://app.example",), ["https://app.example"], ["http://localhost:5173"]),
    ],
)
async def test_production_allows_only_the_configured_origins(
    db: AsyncEngine, settings: Settings, origins, allowed: list[str], refused: list[str]
) -> None:
    prod = dataclasses.replace(settings, env="production", cors_origins=origins)
    async for client in client_for(db, prod):
        for origin in allowed:
            assert (await preflight(client, origin)).status_code == 200
        for origin in refused:
            answer = await preflight(client, origin)
            assert "access-control-allow-origin" not in answer.headers, origin


async def test_large_responses_are_compressed(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.token('jiangjin_admin')}", "Accept-Encoding": "gzip"}
    page = await api.client.post("/graphql", json={"query": PAGE}, headers=headers)
    assert page.headers["content-encoding"] == "gzip"
    assert len(page.json()["data"]["members"]["edges"]) == 100
    plain = await api.client.post(
        "/graphql", json={"query": PAGE}, headers={**headers, "Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers and plain.json() == page.json()
    csv = await api.client.get("/queries/arrears_list?format=csv", headers=headers)
    assert csv.status_code == 200 and csv.headers["content-encoding"] == "gzip"
    small = await api.client.get("/healthz", headers=headers)
    assert "content-encoding" not in small.headers  # under a kilobyte: as it is
