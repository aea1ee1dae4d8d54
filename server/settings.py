"""Settings from environment variables: every `DANGJIAN_*` setting is declared once in `SPEC`
(name, default, meaning), read by `load_settings`, listed by `dangjian settings` and in the
README's table (a test compares the two). Their names are a contract."""

import math
import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.clock import DEFAULT_ZONE, ZONE_SETTING, zone_named

DEV_SECRET = "dangjian-development-secret-change-me-0123456789"
MIN_SECRET_BYTES = 32
# Secrets written in this repository (the development default, the tests', the benchmarks'):
# anyone can sign tokens with them, so production refuses them. tests/test_settings.py finds
# every secret literal of the repository and fails until it is listed here.
PUBLISHED_SECRETS = frozenset(
    {
        DEV_SECRET,
        "test-secret-0123456789abcdef0123456789",
        "test-secret-for-the-suite-0123456789abcdef",
        "settings-test-secret-0123456789abcdef0123",
        "schemathesis-secret-0123456789abcdef0123",
        "another-secret-0123456789abcdef0123",
        "bench-secret-0123456789abcdef0123456789",
    }
)
# what a production secret must carry at least, estimated from its characters' frequencies
# (a random 32-character hex string has about 120 bits; `aaaa…` or a repeated word far less)
MIN_SECRET_BITS = 96
PREFIX = "DANGJIAN_"


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
    transfer_deadline_days: int = 30
    allow_list: bool = False
    trusted_documents: str | None = None  # a folder of persisted-document manifests
    audit_retention_days: int = 180
    jwt_issuer: str = "dangjian"
    jwt_audience: str = "dangjian"
    executor: str = "compiled"
    sql_json: bool = True
    timezone: str = DEFAULT_ZONE
    cors_origins: tuple[str, ...] | None = None  # None: localhost in development, none else
    metrics_token: str | None = None
    redis_url: str | None = None  # None: what processes share lives in the database
    rate_limit: int = 1200  # requests per minute per account (per address without one); 0: off
    max_body_bytes: int = 1_048_576
    statement_timeout_ms: int = 5000
    db_pool_size: int = 10
    access_log: bool = True

    @property
    def production(self) -> bool:
        return self.env == "production"


def _choice(*allowed: str) -> Callable[[str, str], str]:
    def parse(name: str, text: str) -> str:
        if text not in allowed:
            raise ValueError(f"{name} must be {' or '.join(allowed)}, not {text!r}")
        return text

    return parse


def _number(kind: type, what: str, low: float) -> Callable[[str, str], Any]:
    def parse(name: str, text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(f"{name} must be {what}, not {text!r}") from None
        if value < low:
            raise ValueError(f"{name} must be at least {low}")
        return value

    return parse


def _flag(name: str, text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{name} must be 1 or 0, not {text!r}")


def _database(name: str, text: str) -> str:
    url = async_url(text)
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ValueError(f"{name} must be a sqlite:// or postgresql:// URL")
    return url


def _zone(name: str, text: str) -> str:
    zone_named(text)  # an unknown zone is refused here, with the setting's name
    return text


def _text(name: str, text: str) -> str:
    return text


def _folder(name: str, text: str) -> str:
    if not os.path.isdir(text):
        raise ValueError(f"{name} must be a folder, not {text!r}")
    return text


def _redis(name: str, text: str) -> str:
    if not re.fullmatch(r"rediss?://\S+|unix://\S+", text):
        raise ValueError(f"{name} must be a redis://, rediss:// or unix:// URL")
    return text


def _origins(name: str, text: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
            raise ValueError(f"{name}: {origin!r} is not an origin (scheme://host[:port])")
    return origins


@dataclass(frozen=True)
class Spec:
    env: str
    field: str
    default: str
    meaning: str
    parse: Callable[[str, str], Any] = _text
    secret: bool = False


SPEC = (
    Spec("DANGJIAN_ENV", "env", "development",
         "`development` or `production` (production: no GraphiQL, no introspection, a real "
         "JWT secret required)", _choice("development", "production")),
    Spec("DANGJIAN_DATABASE_URL", "database_url", "sqlite+aiosqlite:///dangjian.db",
         "SQLite file or `postgresql://…` (asyncpg)", _database, secret=True),
    Spec("DANGJIAN_JWT_SECRET", "jwt_secret", "(development default)",
         f"HMAC key of the JWTs, at least {MIN_SECRET_BYTES} bytes; in production a random "
         "one (a secret published in this repository, or a repetitive one, is refused)",
         secret=True),
    Spec("DANGJIAN_JWT_ISSUER", "jwt_issuer", "dangjian", "`iss` of issued and accepted JWTs"),
    Spec("DANGJIAN_JWT_AUDIENCE", "jwt_audience", "dangjian", "`aud` of issued and accepted JWTs"),
    Spec(ZONE_SETTING, "timezone", DEFAULT_ZONE,
         "the business time zone: every today and now, and the offset of every DateTime", _zone),
    Spec("DANGJIAN_HOURS_TARGET", "hours_target", "50",
         "volunteer hours a checked-in member should serve a year (pro-rated for shorter "
         "periods)", _number(float, "a number of hours", 0)),
    Spec("DANGJIAN_TRANSFER_DEADLINE_DAYS", "transfer_deadline_days", "30",
         "days a receiving organisation has to accept or return a member's transfer "
         "(组织关系转接); later ones are listed as overdue",
         _number(int, "a whole number of days", 1)),
    Spec("DANGJIAN_ALLOWLIST", "allow_list", "0",
         "`1`: run saved queries and trusted documents only (by text, hash, `documentId` or "
         "name); anything else gets `PERSISTED_QUERY_REQUIRED`", _flag),
    Spec("DANGJIAN_TRUSTED_DOCUMENTS", "trusted_documents", "(none)",
         "a folder of persisted-document manifests (`*.json`: Apollo's persisted query list, "
         "graphql-codegen's `persisted-documents.json`), validated at start; their documents "
         "run by `documentId` or APQ hash for every caller", _folder),
    Spec("DANGJIAN_AUDIT_RETENTION_DAYS", "audit_retention_days", "180",
         "audit rows older than this are deleted by `dangjian audit-purge`",
         _number(int, "a whole number of days", 0)),
    Spec("DANGJIAN_EXECUTOR", "executor", "compiled",
         "`compiled` (engine/) or `stock` (strawberry's own executor)",
         _choice("compiled", "stock")),
    Spec("DANGJIAN_SQL_JSON", "sql_json", "1",
         "`1`: `/graphql` answers the member pages it can from one statement that builds their "
         "JSON (`resolvers/sqljson.py`, compiled executor only); `0`: always the general path",
         _flag),
    Spec("DANGJIAN_CORS_ORIGINS", "cors_origins", "(localhost in development)",
         "origins whose browser front-ends may call the API, comma-separated (`*` for any); "
         "none in production unless set", _origins),
    Spec("DANGJIAN_METRICS_TOKEN", "metrics_token", "(none)",
         "bearer token of `/metrics` in production (without it, `/metrics` is off there; "
         "open in development)", secret=True),
    Spec("DANGJIAN_REDIS_URL", "redis_url", "(none: the database)",
         "where API processes share persisted-query registrations and rate-limit counters "
         "(`redis://host:6379/0`); unset, they live in the database", _redis, secret=True),
    Spec("DANGJIAN_RATE_LIMIT", "rate_limit", "1200",
         "requests per minute per account (per client address without a token), across all "
         "processes; past it `429` with `Retry-After`; `0` turns it off",
         _number(int, "a whole number of requests", 0)),
    Spec("DANGJIAN_MAX_BODY_BYTES", "max_body_bytes", "1048576",
         "largest request body (and GET query string) read, in bytes; larger ones get `413` "
         "(`414`) unread", _number(int, "a whole number of bytes", 1024)),
    Spec("DANGJIAN_STATEMENT_TIMEOUT_MS", "statement_timeout_ms", "5000",
         "longest one SQL statement of a request may run, in milliseconds (`0`: no limit); "
         "past it the field gets `TIMEOUT`", _number(int, "a whole number of milliseconds", 0)),
    Spec("DANGJIAN_DB_POOL_SIZE", "db_pool_size", "10",
         "PostgreSQL connections each API process opens at start and keeps (no more under "
         "load: a request beyond them waits for one)", _number(int, "a whole number", 1)),
    Spec("DANGJIAN_ACCESS_LOG", "access_log", "1",
         "`0`: a log line only for requests answered 500 or above (metrics still count every "
         "request)", _flag),
)  # fmt: skip
KNOWN = {s.env for s in SPEC}
_warned: set[str] = set()


def warn_once(message: str) -> None:
    """One line on stderr, once per process (no source line, no repeats)."""
    if message not in _warned:
        _warned.add(message)
        sys.stderr.write(f"dangjian: warning: {message}\n")


def load_settings(environ: Any = None) -> Settings:
    """Every `DANGJIAN_*` variable, parsed and checked; unknown ones are named in a warning,
    a published or guessable JWT secret is refused in production."""
    env = os.environ if environ is None else environ
    for name in sorted(n for n in env if n.startswith(PREFIX) and n not in KNOWN):
        warn_once(f"{name} is not a dangjian setting (`dangjian settings` lists them)")
    values: dict[str, Any] = {}
    for spec in SPEC:
        text = env.get(spec.env) or None  # an empty variable is an unset one
        if text is not None and spec.env != "DANGJIAN_JWT_SECRET":
            values[spec.field] = spec.parse(spec.env, text)
        elif spec.env == "DANGJIAN_DATABASE_URL":
            values[spec.field] = spec.default
    production = values.get("env") == "production"
    secret = env.get("DANGJIAN_JWT_SECRET", "")
    if not secret:
        if production:
            raise ValueError("DANGJIAN_JWT_SECRET must be set in production")
        warn_once("DANGJIAN_JWT_SECRET is not set: using the development secret")
        secret = DEV_SECRET
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"DANGJIAN_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
    if production:
        _production_secret(secret)
    values["jwt_secret"] = secret
    values.setdefault("env", "development")
    return Settings(**values)


def _production_secret(secret: str) -> None:
    """Refuse a secret anyone may know (published here) or guess (little variety): with it,
    anyone could sign a token as any account."""
    if secret in PUBLISHED_SECRETS:
        raise ValueError(
            "DANGJIAN_JWT_SECRET is a secret published in the dangjian repository: "
            "set a random one in production (e.g. `openssl rand -hex 32`)"
        )
    counts = Counter(secret).values()
    bits = -sum(n * math.log2(n / len(secret)) for n in counts)
    if bits < MIN_SECRET_BITS or re.fullmatch(r"(.+?)\1+", secret):
        raise ValueError(
            "DANGJIAN_JWT_SECRET is too easy to guess (repeated or few distinct characters): "
            "set a random one in production (e.g. `openssl rand -hex 32`)"
        )


def shown(settings: Settings) -> list[tuple[str, str]]:
    """(variable, effective value) of every setting, secrets hidden."""
    out = []
    for spec in SPEC:
        value = getattr(settings, spec.field)
        if spec.env == "DANGJIAN_JWT_SECRET":
            text = "development default" if value == DEV_SECRET else f"set ({len(value)} bytes)"
        elif spec.env == "DANGJIAN_DATABASE_URL":
            text = _without_password(value)
        elif isinstance(value, bool):
            text = "1" if value else "0"
        elif spec.env == "DANGJIAN_METRICS_TOKEN":
            text = "set" if value else "(none)"
        elif spec.env == "DANGJIAN_REDIS_URL":
            text = _without_password(value) if value else "(none: the database)"
        elif spec.env == "DANGJIAN_CORS_ORIGINS":
            origins, pattern = cors_policy(settings)
            text = ",".join(origins) or ("localhost on any port" if pattern else "(none)")
        else:
            text = spec.default if value is None else str(value)
        out.append((spec.env, text))
    return out


LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"


def cors_policy(settings: Settings) -> tuple[tuple[str, ...], str | None]:
    """(origins, origin pattern) allowed: as set; else, in development, local front-ends on
    any port (a dev server at http://localhost:5173), and none in production."""
    if settings.cors_origins is not None:
        return settings.cors_origins, None
    return (), None if settings.production else LOCAL_ORIGINS


def _without_password(url: str) -> str:
    """`postgresql://user:secret@host/db` → `postgresql://user:***@host/db`."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    return f"{scheme}{sep}{creds.split(':', 1)[0]}:***@{host}"
