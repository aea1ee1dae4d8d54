"""Settings from environment variables (their names are a contract: README)."""

import os
import warnings
from dataclasses import dataclass

DEV_SECRET = "dangjian-development-secret-change-me-0123456789"
MIN_SECRET_BYTES = 32


def async_url(url: str) -> str:
    """Normalise a database URL to its async driver (aiosqlite / asyncpg)."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str
    jwt_secret: str
    env: str
    hours_target: float = 50.0
    allow_list: bool = False
    audit_retention_days: int = 180
    jwt_issuer: str = "dangjian"
    jwt_audience: str = "dangjian"
    executor: str = "compiled"  # DANGJIAN_EXECUTOR: compiled (engine/) | stock (strawberry's)

    @property
    def production(self) -> bool:
        return self.env == "production"


def load_settings() -> Settings:
    """Read `DANGJIAN_*` variables; the development JWT secret is refused in production."""
    env = os.environ.get("DANGJIAN_ENV", "development")
    if env not in ("development", "production"):
        raise ValueError(f"DANGJIAN_ENV must be development or production, not {env!r}")
    secret = os.environ.get("DANGJIAN_JWT_SECRET", "")
    if not secret:
        if env == "production":
            raise ValueError("DANGJIAN_JWT_SECRET must be set in production")
        warnings.warn("DANGJIAN_JWT_SECRET is not set: using the development secret", stacklevel=2)
        secret = DEV_SECRET
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"DANGJIAN_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
    url = os.environ.get("DANGJIAN_DATABASE_URL", "sqlite+aiosqlite:///dangjian.db")
    try:
        target = float(os.environ.get("DANGJIAN_HOURS_TARGET", "50"))
    except ValueError:
        raise ValueError("DANGJIAN_HOURS_TARGET must be a number of hours") from None
    executor = os.environ.get("DANGJIAN_EXECUTOR", "compiled")
    if executor not in ("compiled", "stock"):
        raise ValueError(f"DANGJIAN_EXECUTOR must be compiled or stock, not {executor!r}")
    return Settings(
        database_url=async_url(url),
        jwt_secret=secret,
        env=env,
        hours_target=target,
        executor=executor,
    )
