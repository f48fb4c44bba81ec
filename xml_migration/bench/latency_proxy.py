"""A TCP proxy on 127.0.0.1 that delays every byte by half a round trip each way, so that the
benchmark's workers talk to the local server as if it were a network hop away.

The proxy runs in a process of its own (per connection and direction, one thread receives
and one sends each chunk when it is due); the benchmark reads that process's CPU time to
report what the proxy itself cost, and measures the round trip through it against the
direct one.
"""

from __future__ import annotations

import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from time import monotonic, perf_counter

import psutil
from sqlalchemy import text
from sqlalchemy.engine import make_url

from xml_migration.db.connection import disposable_engine

CHUNK_BYTES = 256 * 1024
ROUND_TRIP_PROBES = 50


@dataclass(frozen=True, slots=True)
class DelayProxy:
    """A running proxy: the URL that reaches the server through it, and its process."""

    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU seconds the proxy process has used so far."""
        times = psutil.Process(self.pid).cpu_times()
        return times.user + times.system


def _pump(source: socket.socket, target: socket.socket, delay: float) -> None:
    """Copy `source` to `target`, each chunk `delay` seconds after it arrived, in order:
    this thread receives, a second one sends when each chunk is due."""
    pending: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()

    def send() -> None:
        try:
            while data := (item := pending.get())[1]:
                wait = item[0] - monotonic()
                if wait > 0:
                    time.sleep(wait)
                target.sendall(data)
        except OSError:
            pass
        with suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        while data := source.recv(CHUNK_BYTES):
            pending.put((monotonic() + delay, data))
    except OSError:
        pass
    pending.put((0.0, b""))
    sender.join()


def _connect(client: socket.socket, upstream: tuple[str, int], delay: float) -> None:
    with client, socket.create_connection(upstream) as server:
        for end in (client, server):
            end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        back = threading.Thread(target=_pump, args=(server, client, delay), daemon=True)
        back.start()
        _pump(client, server, delay)
        back.join()


def _serve(upstream: tuple[str, int], delay: float) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        print(listener.getsockname()[1], flush=True)
        while True:
            client, _ = listener.accept()
            threading.Thread(target=_connect, args=(client, upstream, delay), daemon=True).start()


@contextmanager
def delay_proxy(url: str, added_ms: float) -> Iterator[DelayProxy]:
    """A proxy in front of the server of `url` adding `added_ms` to every round trip (half
    each way); yields the proxy with the URL to use instead of `url`."""
    parsed = make_url(url)
    upstream = (parsed.host or "127.0.0.1", str(parsed.port or 5432))
    command = [sys.executable, "-m", __name__, *upstream, str(max(added_ms, 0.0) / 2000)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline() if process.stdout is not None else ""
        if not line.strip().isdigit():
            raise RuntimeError("the latency proxy did not start")
        proxied = parsed.set(host="127.0.0.1", port=int(line))
        yield DelayProxy(proxied.render_as_string(hide_password=False), process.pid)
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def calibrated_delay_proxy(url: str, round_trip_ms_wanted: float) -> Iterator[DelayProxy]:
    """`delay_proxy` whose measured round trip is within 10 % of `round_trip_ms_wanted`
    where one correction gets it there (the proxy's own handling adds to its delay)."""
    direct = round_trip_ms(url)
    added = round_trip_ms_wanted - direct
    with delay_proxy(url, added) as proxy:
        excess = round_trip_ms(proxy.url) - round_trip_ms_wanted
        if abs(excess) <= round_trip_ms_wanted / 10:
            yield proxy
            return
    with delay_proxy(url, added - excess) as proxy:
        yield proxy


def round_trip_ms(url: str, probes: int = ROUND_TRIP_PROBES) -> float:
    """Median milliseconds of a `SELECT 1` round trip to the server of `url`."""
    with disposable_engine(url) as engine, engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        times = []
        for _ in range(probes):
            started = perf_counter()
            connection.execute(text("SELECT 1"))
            times.append((perf_counter() - started) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    _serve((sys.argv[1], int(sys.argv[2])), float(sys.argv[3]))
