"""Bearer-token authentication: a verified JWT whose `ver` matches the account's version."""

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal, load_principal
from authz.tokens import verify_token
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


async def authenticate(
    header: str | None, session: AsyncSession, settings: Settings
) -> tuple[Principal | None, str | None]:
    """(principal, None) for a valid token; (None, reason) otherwise; (None, None) if absent."""
    claims, error = bearer_claims(header, settings)
    if claims is None:
        return None, error
    principal = await load_principal(session, str(claims["sub"]))
    if principal is None or not principal.active or principal.token_version != claims["ver"]:
        return None, INVALID
    return principal, None
