"""The site from several server processes on one port (`jamfor serve --workers N`)."""

from __future__ import annotations

import contextlib
import socket


def serve_workers(host: str, port: int, workers: int) -> None:
    """Run `workers` uvicorn processes of `app_from_environment`, which reads its settings from the environment."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "jamfor.web.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
    )
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[tcp_socket(config.bind_socket())]).run()


def tcp_socket(sock: socket.socket) -> socket.socket:
    """The same listening socket, marked as TCP.

    uvicorn makes its shared socket with protocol 0, and asyncio turns Nagle's algorithm off
    (TCP_NODELAY) only on connections accepted from a socket whose protocol is IPPROTO_TCP:
    without this, every response on a kept-alive connection waits about 40 ms for the
    client's delayed ACK.
    """
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto == socket.IPPROTO_TCP:
        return sock
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
