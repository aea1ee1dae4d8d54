"""Serving under uvicorn: several workers share a listener whose connections skip Nagle."""

import asyncio
import socket

import uvicorn

from server.serving import tcp_listener
from tests.process import free_port, run, serving, wait_for


def test_worker_connections_get_tcp_nodelay() -> None:
    """Accepted sockets inherit the listener's protocol; asyncio sets TCP_NODELAY only for
    TCP ones, so a listener with proto 0 leaves every connection waiting on delayed ACKs."""
    config = uvicorn.Config("server.app:create_app", factory=True, port=free_port(), workers=2)
    listener = tcp_listener(config)
    assert listener.proto == socket.IPPROTO_TCP

    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=listener)
        _, writer = await asyncio.open_connection("127.0.0.1", config.port)
        try:
            return await asyncio.wait_for(seen, 5)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(accepted_nodelay()) == 1


def test_serve_with_two_workers(cli_env: dict[str, str]) -> None:
    assert run(cli_env, "db", "upgrade").returncode == 0  # serve refuses a missing database
    with serving(cli_env, "--workers", "2") as base:
        for _ in range(4):
            response = wait_for(f"{base}/healthz")
            assert response.status_code == 200 and response.json() == {"status": "ok"}
