"""Running `dangjian` as a real process against a real SQLite file."""

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

CLI_SECRET = "test-secret-0123456789abcdef0123456789"
# production refuses every secret written in the repository: its tests make theirs at run time
PRODUCTION_SECRET = secrets.token_hex(32)
EXE = Path(sys.executable).with_name("dangjian")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXE), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> httpx.Response:
    """The first answer of a server that is starting."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def server_process(env: dict[str, str], *args: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real `dangjian serve` process (with `args`, e.g. --workers) and its base URL once it
    answers `/healthz`; stopped with SIGTERM at the end if still running."""
    port = free_port()
    proc = subprocess.Popen(
        [str(EXE), "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[str]:
    """The base URL of a real `dangjian serve` process (see `server_process`)."""
    with server_process(env, *args) as (base, _):
        yield base


@contextmanager
def production_database(name: str, **settings: str) -> Iterator[dict[str, str] | None]:
    """A production environment (`DANGJIAN_*` `settings` added) on a new PostgreSQL database
    `name`, dropped at the end; None if no server answers. Not migrated: the caller deploys."""
    from tests.conftest import admin, postgres_url

    server = postgres_url().replace("+asyncpg", "").rsplit("/", 1)[0]
    if not admin(server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        yield None
        return
    yield {
        **{k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_")},
        "DANGJIAN_ENV": "production",
        "DANGJIAN_DATABASE_URL": f"{server}/{name}",
        "DANGJIAN_JWT_SECRET": secrets.token_hex(32),
        "DANGJIAN_RATE_LIMIT": "0",
        **settings,
    }
    assert admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def token(env: dict[str, str], user: str) -> str:
    """A JWT for `user` from `dangjian token`, in the environment of the server to call."""
    out = run(env, "token", user)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()
