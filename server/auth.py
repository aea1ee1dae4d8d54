"""Bearer-token authentication: a verified JWT whose `ver` matches the account's version."""

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal, load_principal
from authz.tokens import verify_token
from server.db import begin_checking
from server.settings import Settings

INVALID = "invalid or expired token"


def bearer_claims(header: str | None, settings: Settings) -> tuple[dict | None, str | None]:
    """(claims, None) for a valid bearer token; (None, reason) for a bad one; (None, None)
    if there is none. Signature and claims only: the account is not looked up."""
    if not header:
        return None, None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, "Authorization must be `Bearer <token>`"
    try:
        claims = verify_token(
            token.strip(),
            settings.jwt_secret,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
    except jwt.InvalidTokenError:
        return None, INVALID
    return claims, None


class Principals:
    """The principals this process has read, by username, each with the authorization epoch
    it was read at (`models.AuthzEpoch`, bumped by the database on any change to accounts,
    grants or org paths). One is used again only when its request's BEGIN, in the same round
    trip, finds the epoch unchanged; else it is read afresh. So a revocation is refused on
    the holder's next request in every process, and an unchanged principal costs no
    statement of its own. Bounded: the oldest read goes first."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self.kept: dict[str, Principal] = {}

    async def principal(self, session: AsyncSession, username: str) -> Principal | None:
        kept = self.kept.get(username)
        if kept is not None and kept.epoch is not None:
            check = f"SELECT 1 FROM authz_epoch WHERE id = 1 AND n = {int(kept.epoch)}"
            if await begin_checking(session, check):
                return kept
        principal = await load_principal(session, username)
        self.kept.pop(username, None)
        if principal is not None and principal.epoch is not None:
            self.kept[username] = principal
            if len(self.kept) > self.size:
                del self.kept[next(iter(self.kept))]
        return principal


async def authenticate(
    header: str | None,
    session: AsyncSession,
    settings: Settings,
    principals: Principals | None = None,
) -> tuple[Principal | None, str | None]:
    """(principal, None) for a valid token; (None, reason) otherwise; (None, None) if absent.
    With `principals` (PostgreSQL), a principal read before is used again while current."""
    claims, error = bearer_claims(header, settings)
    if claims is None:
        return None, error
    username = str(claims["sub"])
    if principals is None:
        principal = await load_principal(session, username)
    else:
        principal = await principals.principal(session, username)
    if principal is None or not principal.active or principal.token_version != claims["ver"]:
        return None, INVALID
    return principal, None
