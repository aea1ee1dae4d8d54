"""Every setting is read from the environment and takes effect: real `dangjian` processes with
each behaviour-changing setting, observed over HTTP or on the database."""

import ast
import datetime as dt
import os
import re
import secrets
import socket
import sqlite3
from dataclasses import fields
from pathlib import Path

import httpx
import pytest

from server.settings import DEV_SECRET, MIN_SECRET_BYTES, SPEC, Settings, load_settings
from tests.process import CLI_SECRET, PRODUCTION_SECRET, run, serving, token
from tests.test_cli import one_error_line

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SECRET = "settings-test-secret-0123456789abcdef0123"


def test_the_readme_table_is_the_settings() -> None:
    rows = re.findall(r"^\| `(DANGJIAN_\w+)` \| `([^`]*)` \| (.+) \|$", README.read_text(), re.M)
    assert rows == [(s.env, s.default, s.meaning) for s in SPEC]
    assert {s.field for s in SPEC} == {f.name for f in fields(Settings)}
    defaults = {f.name: f.default for f in fields(Settings)}
    for spec in SPEC:  # a default in parentheses is described, not a value
        if spec.field not in ("database_url", "env") and not spec.default.startswith("("):
            assert spec.parse(spec.env, spec.default) == defaults[spec.field], spec.env


def test_bad_values_are_refused_by_name() -> None:
    for name, value in [
        ("DANGJIAN_ALLOWLIST", "maybe"),
        ("DANGJIAN_AUDIT_RETENTION_DAYS", "-1"),
        ("DANGJIAN_HOURS_TARGET", "many"),
        ("DANGJIAN_TIMEZONE", "Mars/Olympus"),
        ("DANGJIAN_ENV", "staging"),
        ("DANGJIAN_CORS_ORIGINS", "app.example"),
        ("DANGJIAN_TRUSTED_DOCUMENTS", "/nonexistent/manifests"),
    ]:
        with pytest.raises(ValueError, match=name):
            load_settings({name: value, "DANGJIAN_JWT_SECRET": SECRET})
    with pytest.raises(ValueError, match="must be set in production"):
        load_settings({"DANGJIAN_ENV": "production"})


SKIPPED = {".git", ".venv", "node_modules", "__pycache__", "results"}
SECRETISH = re.compile(r"secret|key|token", re.I)
ASSIGNED_SECRET = re.compile(r"SECRET\W{1,3}([^\s\"'`]{" + str(MIN_SECRET_BYTES) + ",})")


def _python_secrets(source: str) -> set[str]:
    """String literals a Python file assigns to a secret-like name or passes as one, and any
    one-word literal mentioning a secret."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        named: list[tuple[str, ast.expr]] = []
        if isinstance(node, ast.Assign):
            named = [(t.id, node.value) for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.keyword) and node.arg:
            named = [(node.arg, node.value)]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "secret" in node.value.lower()
            and " " not in node.value
        ):
            found.add(node.value)
        found |= {
            v.value
            for name, v in named
            if SECRETISH.search(name) and isinstance(v, ast.Constant) and isinstance(v.value, str)
        }
    return {s for s in found if len(s.encode()) >= MIN_SECRET_BYTES}


def repository_secrets() -> set[str]:
    """Every secret literal of the repository: in Python source, and `…SECRET=value` in the
    other text files (README, Makefile, CI scripts, configuration)."""
    found: set[str] = set()
    for path in ROOT.rglob("*"):
        if SKIPPED & set(path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path.suffix == ".py":
            found |= _python_secrets(path.read_text(encoding="utf-8"))
        elif path.suffix in {".md", ".toml", ".yml", ".yaml", ".cfg", ".ini", ".sh", ""}:
            text = path.read_text(encoding="utf-8", errors="replace")
            found |= set(re.findall(ASSIGNED_SECRET, text))
    return found


def test_production_refuses_every_secret_of_the_repository() -> None:
    """A forged `cq_admin` token signed with a published secret must not work in production:
    the secret is refused at start. The development default is among those found."""
    found = repository_secrets()
    assert {DEV_SECRET, CLI_SECRET, SECRET} <= found
    for secret in found:
        with pytest.raises(ValueError, match="DANGJIAN_JWT_SECRET is a secret published"):
            load_settings({"DANGJIAN_ENV": "production", "DANGJIAN_JWT_SECRET": secret})
        assert load_settings({"DANGJIAN_JWT_SECRET": secret}).jwt_secret == secret  # development


@pytest.mark.parametrize(
    "secret", ["a" * 40, "password" * 4, "0123456789abcdef" * 2, "ab" * 20 + "c"]
)
def test_production_refuses_a_guessable_secret(secret: str) -> None:
    with pytest.raises(ValueError, match="DANGJIAN_JWT_SECRET is too easy to guess"):
        load_settings({"DANGJIAN_ENV": "production", "DANGJIAN_JWT_SECRET": secret})


def test_production_takes_a_random_secret() -> None:
    for secret in (PRODUCTION_SECRET, secrets.token_hex(16), secrets.token_urlsafe(32)):
        env = {"DANGJIAN_ENV": "production", "DANGJIAN_JWT_SECRET": secret}
        assert load_settings(env).jwt_secret == secret


def test_the_development_secret_set_explicitly_stops_production(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "DANGJIAN_ENV": "production", "DANGJIAN_JWT_SECRET": DEV_SECRET}
    message = one_error_line(run(env, "settings"))
    assert message.startswith("DANGJIAN_JWT_SECRET is a secret published in the dangjian")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated, seeded SQLite file of its own and the environment that names it."""
    db = tmp_path_factory.mktemp("settings") / "settings.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_")},
        "DANGJIAN_DATABASE_URL": f"sqlite:///{db}",
        "DANGJIAN_JWT_SECRET": SECRET,
    }
    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "seed").returncode == 0
    return env


def test_warnings_are_one_line_once(seeded: dict[str, str]) -> None:
    env = {k: v for k, v in seeded.items() if k != "DANGJIAN_JWT_SECRET"}
    out = run({**env, "DANGJIAN_HOURS_TARGT": "12"}, "settings")
    assert out.returncode == 0
    assert out.stderr.splitlines() == [
        "dangjian: warning: DANGJIAN_HOURS_TARGT is not a dangjian setting "
        "(`dangjian settings` lists them)",
        "dangjian: warning: DANGJIAN_JWT_SECRET is not set: using the development secret",
    ]
    assert "DANGJIAN_JWT_SECRET=development default" in out.stdout.splitlines()


def test_settings_hide_secrets(seeded: dict[str, str]) -> None:
    env = {**seeded, "DANGJIAN_DATABASE_URL": "postgresql://app:hunter2@db.internal/dangjian"}
    out = run(env, "settings").stdout
    assert "hunter2" not in out and SECRET not in out
    assert "DANGJIAN_DATABASE_URL=postgresql+asyncpg://app:***@db.internal/dangjian" in out
    assert f"DANGJIAN_JWT_SECRET=set ({len(SECRET)} bytes)" in out


HUXI = """query { organizations(first: 1, search: "浒溪社区党委") { edges { node {
  checkInSummary { hoursTarget } checkIns(first: 50) { edges { node { lastServiceAt } } } } } } }"""


def post(base: str, query: str, bearer: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return httpx.post(f"{base}/graphql", json={"query": query}, headers=headers, timeout=30).json()


def test_settings_take_effect_in_a_real_server(seeded: dict[str, str]) -> None:
    production = {**seeded, "DANGJIAN_ENV": "production", "DANGJIAN_JWT_SECRET": PRODUCTION_SECRET}
    env = {
        **production,
        "DANGJIAN_TIMEZONE": "UTC",
        "DANGJIAN_HOURS_TARGET": "12",
        "DANGJIAN_JWT_ISSUER": "dangjian-staging",
    }
    default_issuer = token(production, "huxi_secretary")
    with serving(env) as base:
        body = post(base, HUXI, token(env, "huxi_secretary"))
        node = body["data"]["organizations"]["edges"][0]["node"]
        assert node["checkInSummary"]["hoursTarget"] == 12.0  # DANGJIAN_HOURS_TARGET
        moments = [e["node"]["lastServiceAt"] for e in node["checkIns"]["edges"]]
        assert any(moments) and all(m.endswith("+00:00") for m in moments if m)  # TIMEZONE
        refused = post(base, HUXI, default_issuer)  # DANGJIAN_JWT_ISSUER
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"}, timeout=30)
        assert "graphiql" not in page.text.lower()  # DANGJIAN_ENV=production: no GraphiQL
        schema = post(base, "{ __schema { types { name } } }", token(env, "huxi_secretary"))
        assert "errors" in schema  # ... and no introspection


def test_allow_list_setting_in_a_real_server(seeded: dict[str, str]) -> None:
    with serving({**seeded, "DANGJIAN_ALLOWLIST": "1"}) as base:
        adhoc = post(base, "{ members(first: 1) { edges { node { idCardNumber } } } }")
        assert adhoc["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
        saved = httpx.get(
            f"{base}/queries/arrears_list",
            headers={"Authorization": f"Bearer {token(seeded, 'huxi_secretary')}"},
            timeout=30,
        )
        assert saved.status_code == 200 and "data" in saved.json()


def test_body_limit_setting_in_a_real_server(seeded: dict[str, str]) -> None:
    """A declared length past DANGJIAN_MAX_BODY_BYTES is answered at once: the server does
    not wait for a body it would not read."""
    with serving({**seeded, "DANGJIAN_MAX_BODY_BYTES": "4096"}) as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 104857600\r\n\r\n"
            )
            answer = b"".join(iter(lambda: conn.recv(65536), b"")).decode()  # until it closes
        assert answer.startswith("HTTP/1.1 413 "), answer
        assert "REQUEST_TOO_LARGE" in answer and "4096 bytes" in answer
        fits = post(base, "{ __typename }")
        assert fits == {"data": {"__typename": "Query"}}


def test_retention_setting_changes_what_is_purged(seeded: dict[str, str]) -> None:
    db = seeded["DANGJIAN_DATABASE_URL"].removeprefix("sqlite:///")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # the process runs on the real clock
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM audit_log")
        for i, age in enumerate((0, 2, 200)):
            at = (now - dt.timedelta(days=age, hours=1)).isoformat(" ", "microseconds")
            conn.execute(
                "INSERT INTO audit_log (at, roles, scope_path, operation, success, request_id)"
                " VALUES (?, '', '/1/', 'payDues', 1, ?)",
                (at, f"r{i}"),
            )
    kept = run({**seeded, "DANGJIAN_AUDIT_RETENTION_DAYS": "1"}, "audit-purge")
    assert kept.stdout.strip() == "deleted 2 audit rows older than 1 days"
    again = run(seeded, "audit-purge")
    assert again.stdout.strip() == "deleted 0 audit rows older than 180 days"
