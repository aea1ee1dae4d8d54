"""JWT authentication: every malformed, forged, expired or revoked token is UNAUTHENTICATED."""

import time

import jwt
import pytest
from sqlalchemy import text

from authz.tokens import LEEWAY_SECONDS
from tests.conftest import SECRET, Api

VIEWER = "{ viewer { username } }"


def sign(claims: dict, key: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def claims(**override) -> dict:
    now = int(time.time())
    base = {
        "sub": "jiangjin_admin",
        "iat": now,
        "exp": now + 600,
        "aud": "dangjian",
        "iss": "dangjian",
        "ver": 1,
    }
    base.update(override)
    return {k: v for k, v in base.items() if v is not None}


def unsigned(payload: dict) -> str:
    return jwt.encode(payload, key=None, algorithm="none")  # type: ignore[arg-type]


async def assert_unauthenticated(api: Api, token: str) -> None:
    body = await api.post(VIEWER, token=token)
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"] == "invalid or expired token"


async def test_valid_token(api: Api) -> None:
    assert (await api.post(VIEWER, token=sign(claims())))["data"] == {
        "viewer": {"username": "jiangjin_admin"}
    }


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(unsigned(claims()), id="alg-none"),
        pytest.param(sign(claims(), key="another-secret-0123456789abcdef0123"), id="wrong-key"),
        pytest.param(sign(claims(exp=int(time.time()) - 3600)), id="expired"),
        pytest.param(sign(claims(aud="someone-else")), id="wrong-audience"),
        pytest.param(sign(claims(iss="someone-else")), id="wrong-issuer"),
        pytest.param(sign(claims(exp=None)), id="missing-exp"),
        pytest.param(sign(claims(ver=None)), id="missing-ver"),
        pytest.param(sign(claims(sub="nobody")), id="unknown-user"),
        pytest.param(sign(claims(), alg="HS512"), id="other-algorithm"),
        pytest.param("not.a.token", id="garbage"),
    ],
)
async def test_rejected_tokens(api: Api, token: str) -> None:
    await assert_unauthenticated(api, token)


async def test_no_token_is_unauthenticated(api: Api) -> None:
    body = await api.post("{ members { totalCount } }")
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_bumped_token_version_revokes(api: Api) -> None:
    old = sign(claims())
    bump = "UPDATE account SET token_version = token_version + :d WHERE username = :u"
    async with api.engine.begin() as conn:
        await conn.execute(text(bump), {"d": 1, "u": "jiangjin_admin"})
    try:
        await assert_unauthenticated(api, old)
        fresh = await api.post(VIEWER, token=sign(claims(ver=2)))
        assert fresh["data"] == {"viewer": {"username": "jiangjin_admin"}}
    finally:
        async with api.engine.begin() as conn:
            await conn.execute(text(bump), {"d": -1, "u": "jiangjin_admin"})


async def test_deactivated_account_is_refused(api: Api) -> None:
    toggle = "UPDATE account SET active = :a WHERE username = 'banan_admin'"
    async with api.engine.begin() as conn:
        await conn.execute(text(toggle), {"a": False})
    try:
        await assert_unauthenticated(api, sign(claims(sub="banan_admin")))
    finally:
        async with api.engine.begin() as conn:
            await conn.execute(text(toggle), {"a": True})


async def test_malformed_header(api: Api) -> None:
    response = await api.client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": "Basic abc"}
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_verified_before_still_expires(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token is verified once per process (`authz.tokens.verify_token` keeps its claims),
    but its expiry is checked on every use: past `exp` (and the leeway) it is refused."""
    token = sign(claims(exp=int(time.time()) + 60))
    assert (await api.post(VIEWER, token=token))["data"] == {
        "viewer": {"username": "jiangjin_admin"}
    }
    later = time.time() + 60 + LEEWAY_SECONDS + 1
    monkeypatch.setattr("authz.tokens.time.time", lambda: later)
    await assert_unauthenticated(api, token)
