"""Production as docs/deployment.md describes it, for real: a PostgreSQL database migrated on
deploy, `serve --workers N`, metrics summed over the workers, and a stop (SIGTERM) that lets
a request in flight finish."""

import os
import re
import secrets
import signal
import socket
import time
from collections.abc import Iterator

import httpx
import orjson
import pytest

from tests.process import production_database, run, server_process, serving

TOKEN = secrets.token_hex(16)  # the metrics token


@pytest.fixture(scope="module")
def deployed() -> Iterator[dict[str, str]]:
    """A production environment on a PostgreSQL database of its own, deployed the documented
    way: the server refuses the empty database, `db upgrade` migrates it, `seed` fills it."""
    with production_database(f"dangjian_deploy_{os.getpid()}", DANGJIAN_METRICS_TOKEN=TOKEN) as env:
        if env is None:
            if os.environ.get("CI"):
                pytest.fail("PostgreSQL not reachable (CI requires it)")
            pytest.skip("PostgreSQL not reachable")
        refused = run(env, "serve", "--port", "1")
        assert refused.returncode == 2
        assert refused.stderr.strip().endswith("run `dangjian db upgrade`"), refused.stderr
        assert run(env, "db", "upgrade").returncode == 0
        assert run(env, "seed").returncode == 0
        yield env


def auth(env: dict[str, str], user: str = "jiangjin_admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {run(env, 'token', user).stdout.strip()}"}


def probes(text: str) -> float:
    """Requests of the operation `Probe` in a scrape, over every outcome."""
    return sum(
        float(v)
        for v in re.findall(
            r'^dangjian_requests_total\{operation="Probe",[^}]*\} (\S+)$', text, re.M
        )
    )


def test_workers_report_the_sum_of_their_requests(deployed: dict[str, str]) -> None:
    """Whichever worker answers a scrape reports every worker's requests."""
    headers = {**auth(deployed), "Connection": "close"}  # a new connection each: any worker
    body = {"query": "query Probe { viewer { username } }", "operationName": "Probe"}
    with serving(deployed, "--workers", "2") as base:
        for _ in range(30):
            assert httpx.post(f"{base}/graphql", json=body, headers=headers).status_code == 200
        scrapes = [
            httpx.get(
                f"{base}/metrics",
                headers={"Authorization": f"Bearer {TOKEN}", "Connection": "close"},
            ).text
            for _ in range(6)
        ]
    assert [probes(s) for s in scrapes] == [30.0] * 6
    assert all("dangjian_db_connections_in_use" in s for s in scrapes)


def test_a_stop_lets_the_request_in_flight_finish(deployed: dict[str, str]) -> None:
    """SIGTERM while a client is still sending its request: the request is answered in full,
    then the server exits cleanly."""
    body = orjson.dumps({"query": "{ viewer { username } }"})
    head = (
        "POST /graphql HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
        f"Authorization: {auth(deployed)['Authorization']}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with server_process(deployed, "--workers", "2") as (base, proc):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
            conn.sendall(head + body[:10])
            time.sleep(0.5)  # the request is in flight: headers read, body incomplete
            proc.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            assert proc.poll() is None  # still waiting for the request to finish
            conn.sendall(body[10:])
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        assert proc.wait(timeout=30) == 0
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 200 OK", answer[:200]
    payload = orjson.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert payload == {"data": {"viewer": {"username": "jiangjin_admin"}}}
