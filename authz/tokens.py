"""Signed JWTs: HS256 pinned, audience and issuer `dangjian`, `ver` = account token version."""

import time
from typing import Any

import jwt

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["exp", "iat", "sub", "aud", "iss", "ver"]
VERIFIED_SIZE = 10_000  # tokens whose signature this process checked (per process)
# (token, secret, issuer, audience) -> the claims of a token verified once: its signature,
# issuer, audience and claims cannot change, only its expiry comes, checked on every use
_verified: dict[tuple[str, str, str, str], dict[str, Any]] = {}


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
    """Claims of a valid token; raises `jwt.InvalidTokenError` otherwise. A token verified
    before is not verified again (a tenth of a small request's CPU), only its expiry, as
    PyJWT checks it; the oldest goes first past VERIFIED_SIZE."""
    key = (token, secret, issuer, audience)
    claims = _verified.get(key)
    if claims is not None:
        if claims["exp"] <= time.time() - LEEWAY_SECONDS:
            _verified.pop(key, None)
            raise jwt.ExpiredSignatureError("Signature has expired")
        return dict(claims)
    claims = jwt.decode(
        token,
        secret,
        algorithms=[ALGORITHM],
        audience=audience,
        issuer=issuer,
        leeway=LEEWAY_SECONDS,
        options={"require": REQUIRED_CLAIMS},
    )
    if len(_verified) >= VERIFIED_SIZE:
        del _verified[next(iter(_verified))]
    _verified[key] = claims
    return dict(claims)
