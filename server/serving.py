"""Running the app under uvicorn, one process or several."""

import os
import shutil
import socket
import tempfile

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "server.app:create_app"


def tcp_listener(config: uvicorn.Config) -> socket.socket:
    """The shared listening socket of a multi-process server, with its real protocol.

    uvicorn binds it with `proto` 0; accepted connections inherit that and asyncio then
    leaves Nagle's algorithm on, so each keep-alive request waits ~40 ms for a delayed ACK
    (uvicorn issue 3149). Re-wrapping the descriptor makes Python read the protocol (TCP).
    """
    listener = config.bind_socket()
    sock = socket.socket(fileno=listener.detach())
    sock.set_inheritable(True)
    return sock


def serve(
    host: str, port: int, workers: int, app: str = APP, *, factory: bool = True, grace: int = 30
) -> None:
    """uvicorn with `workers` processes sharing one TCP listener. SIGTERM stops taking new
    connections and lets requests in flight finish, for up to `grace` seconds."""
    config = uvicorn.Config(
        app,
        factory=factory,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        timeout_graceful_shutdown=grace,
    )
    if workers == 1:
        uvicorn.Server(config).run()
        return
    # the workers' metrics, summed by whichever of them answers a scrape (server/metrics.py)
    folder = tempfile.mkdtemp(prefix="dangjian-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    try:
        Multiprocess(config, sockets=[tcp_listener(config)]).run()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
