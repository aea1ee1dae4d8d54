"""Signed JWTs: HS256 pinned, audience and issuer `dangjian`, `ver` = account token version."""

import time
from typing import Any

import jwt

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["exp", "iat", "sub", "aud", "iss", "ver"]


def issue_token(
    secret: str,
    username: str,
    version: int,
    *,
    ttl: int = 3600,
    issuer: str = "dangjian",
    audience: str = "dangjian",
) -> str:
    now = int(time.time())
    claims = {
        "sub": username,
        "iat": now,
        "exp": now + ttl,
        "aud": audience,
        "iss": issuer,
        "ver": version,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(
    token: str, secret: str, *, issuer: str = "dangjian", audience: str = "dangjian"
) -> dict[str, Any]:
    """Claims of a valid token; raises `jwt.InvalidTokenError` otherwise."""
    return jwt.decode(
        token,
        secret,
        algorithms=[ALGORITHM],
        audience=audience,
        issuer=issuer,
        leeway=LEEWAY_SECONDS,
        options={"require": REQUIRED_CLAIMS},
    )
