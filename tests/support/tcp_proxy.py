"""A TCP proxy on loopback that a test can cut and restore, to take a server away without stopping it.

Use it to simulate an outage of a server whose state must survive (moto keeps S3 objects in memory)::

    with TcpProxy(("127.0.0.1", upstream_port)) as proxy:
        client = make_client(f"http://127.0.0.1:{proxy.port}")
        proxy.cut()      # open connections are closed, new ones are refused
        proxy.restore()  # new connections reach the server again

While cut, the listening socket is closed, so connecting is refused at once (as with a dead server), and every
connection in flight is reset. ``restore`` listens again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType

_BUFFER_BYTES = 64 * 1024


class TcpProxy:
    """Forwards every connection on ``127.0.0.1:port`` to ``upstream`` while it is not cut.

    Args:
        upstream: The (host, port) of the real server.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``."""
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> TcpProxy:
        self.restore()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.cut()
        for thread in self._threads:
            thread.join(5)

    def restore(self) -> None:
        """Listen (again, on the same port once one was chosen) and forward new connections."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self.port = listener.getsockname()[1]
            self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), name="tcp-proxy-accept", daemon=True)
        thread.start()
        self._threads.append(thread)

    def cut(self) -> None:
        """Refuse new connections and reset the open ones (the server behind keeps running)."""
        with self._lock:
            listener, self._listener = self._listener, None
            open_connections, self._connections = self._connections, set()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for conn in open_connections:
            _reset(conn)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            server.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    _reset(client)
                    _reset(server)
                    return
                self._connections.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(_BUFFER_BYTES):
                target.sendall(data)
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)
        except OSError:
            _reset(source)
            _reset(target)
        finally:
            with self._lock:
                self._connections.discard(source)


def _reset(conn: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed peer would, rather than an orderly close."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        conn.close()
