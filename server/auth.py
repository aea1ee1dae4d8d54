"""Bearer-token authentication: a verified JWT whose `ver` matches the account's version."""

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal, load_principal
from authz.tokens import verify_token
from server.settings import Settings

INVALID = "invalid or expired token"


async def authenticate(
    header: str | None, session: AsyncSession, settings: Settings
) -> tuple[Principal | None, str | None]:
    """(principal, None) for a valid token; (None, reason) otherwise; (None, None) if absent."""
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
    principal = await load_principal(session, str(claims["sub"]))
    if principal is None or not principal.active or principal.token_version != claims["ver"]:
        return None, INVALID
    return principal, None
