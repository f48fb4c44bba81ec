"""A TCP proxy on 127.0.0.1 that a test can take down: every connection through it is cut
and new ones are refused until it is up again, as a network or server outage looks to a
client. Threads only; every thread is a daemon, and the proxy stops by itself after
`lifetime` seconds."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType

ACCEPT_POLL_SECONDS = 0.05
BUFFER_BYTES = 65_536


class TcpProxy:
    """Forwards connections to `upstream`; `down()` and `up()` make an outage."""

    def __init__(self, upstream: tuple[str, int], lifetime: float = 600.0) -> None:
        self.upstream = upstream
        self.port = _free_port()
        self.cut_connections = 0
        """Connections open when the proxy went down, over all outages."""
        self._deadline = time.monotonic() + lifetime
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stopped = threading.Event()

    def __enter__(self) -> TcpProxy:
        self.up()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._stopped.set()
        self.down()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def up(self) -> None:
        """Listen again on the same port."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(ACCEPT_POLL_SECONDS)
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        """Stop listening (new connections are refused) and cut every open connection."""
        with self._lock:
            listener, self._listener = self._listener, None
            open_sockets, self._sockets = self._sockets, set()
        if listener is not None:
            _close(listener)
        self.cut_connections += len(open_sockets) // 2
        for sock in open_sockets:
            _close(sock)

    def refuses(self) -> bool:
        """Whether a new connection is refused now."""
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except ConnectionRefusedError:
            return True
        return False

    def outage(self, seconds: float) -> None:
        """Down for `seconds`, then up."""
        self.down()
        try:
            time.sleep(seconds)
        finally:
            if not self._stopped.is_set():
                self.up()

    def _alive(self) -> bool:
        return not self._stopped.is_set() and time.monotonic() < self._deadline

    def _accept(self, listener: socket.socket) -> None:
        while self._alive():
            with self._lock:
                if self._listener is not listener:
                    return
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            client.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    _close(client)
                    _close(server)
                    return
                self._sockets.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()
        if not self._stopped.is_set():
            self.down()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(BUFFER_BYTES):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets.discard(source)
                self._sockets.discard(sink)
            _close(source)
            _close(sink)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
