"""The site from several server processes on one port (`jamfor serve --workers N`)."""

from __future__ import annotations

import contextlib
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess


def serve_workers(host: str, port: int, workers: int) -> None:
    """Run `workers` uvicorn processes of `app_from_environment`, which reads its settings from the environment.

    Where the system has SO_REUSEPORT (Linux), each process listens on a socket of its own on
    the port and the kernel spreads new connections over them. With one shared socket, the
    process that wakes first accepts every connection waiting: a burst of 32 connections
    (a load test, a page with many assets over several connections) lands in one process,
    which builds pages for all of them while the others idle.
    """
    config = uvicorn.Config(
        "jamfor.web.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
    )
    if workers > 1 and hasattr(socket, "SO_REUSEPORT") and config.uds is None and config.fd is None:
        sockets = reuse_port_sockets(host, port, workers, backlog=config.backlog)
        supervisor: Multiprocess = SocketPerProcess(config, sockets)
    else:
        supervisor = Multiprocess(config, sockets=[tcp_socket(config.bind_socket())])
    with contextlib.suppress(KeyboardInterrupt):
        supervisor.run()


def reuse_port_sockets(host: str, port: int, count: int, *, backlog: int = 2048) -> list[socket.socket]:
    """`count` TCP sockets listening on (host, port) with SO_REUSEPORT.

    They listen from the start, before their processes are up: the kernel spreads connections
    over all of them at once, and a process still starting (warming up, `app.warm_up_pages`)
    finds its connections waiting for it rather than sent to the processes up already.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    found: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            found.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.listen(backlog)
            port = sock.getsockname()[1]  # port 0: the others take the one the first was given
            sock.set_inheritable(True)
    except OSError:
        for sock in found:
            sock.close()
        raise
    return found


class SocketPerProcess(Multiprocess):
    """uvicorn's supervisor, with a socket of its own for each of the first processes it starts.

    `Multiprocess` hands `self.sockets` to every process it starts; here that attribute answers
    with the sockets for the next one: one socket each for the first processes, all of them for
    a process started later (replacing one that died, or added by SIGTTIN), so that no socket
    is ever left without a process to accept its connections.
    """

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self._own = list(sockets)
        self._handed = 0
        super().__init__(config, sockets=[])

    @property
    def sockets(self) -> list[socket.socket]:
        if self._handed < len(self._own):
            self._handed += 1
            return [self._own[self._handed - 1]]
        return list(self._own)

    @sockets.setter
    def sockets(self, value: list[socket.socket]) -> None:
        """Set by `Multiprocess.__init__`; the sockets are `_own`."""


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
