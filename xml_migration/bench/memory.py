"""Peak resident memory of the worker processes a parallel run starts.

`migrate_parallel` runs its workers in a `forkserver` pool: the fork server is a child of
this process and every worker is a child of the fork server (a Dagster run started as a
subprocess has its fork server one level further down). While a run is going on,
`WorkerMemorySampler` looks for those workers every `interval` seconds and reads each one's
high-water mark of resident memory (`VmHWM` in `/proc/<pid>/status`, which the kernel keeps
for the life of the process; where there is no `/proc`, the current RSS, so the peak is
then only as good as the sampling). Only the last `interval` of a worker's life can escape
the sampler.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType

import psutil

FORKSERVER_MARK = "multiprocessing.forkserver"
DEFAULT_INTERVAL_SECONDS = 0.1


def peak_rss_bytes(process: psutil.Process) -> int:
    """The process's peak resident memory so far (its current RSS where `/proc` is missing)."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text(encoding="ascii")
    except OSError:
        return int(process.memory_info().rss)
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return int(process.memory_info().rss)


def _is_fork_server(process: psutil.Process) -> bool:
    return any(FORKSERVER_MARK in part for part in process.cmdline())


def forkserver_workers(parent: psutil.Process) -> list[psutil.Process]:
    """The processes forked by the fork servers among `parent`'s descendants (the workers of
    its forkserver pools, or of a Dagster run's multiprocess executor in a child process).

    A forked worker keeps its fork server's command line; a fork server is therefore a
    marked process whose own parent is not marked, and a worker's children are not workers.
    """
    workers: list[psutil.Process] = []
    for child in parent.children(recursive=True):
        try:
            if not _is_fork_server(child):
                continue
            forked_by = child.parent()
            if forked_by is None or not _is_fork_server(forked_by):
                workers.extend(child.children())
        except psutil.Error:
            continue
    return workers


class WorkerMemorySampler:
    """Context manager recording the peak RSS of every forkserver worker seen meanwhile.

    `peaks` maps each worker's process id to its peak RSS in bytes.
    """

    def __init__(self, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-memory", daemon=True)
        self._parent = psutil.Process()

    def sample(self) -> None:
        for worker in forkserver_workers(self._parent):
            try:
                peak = peak_rss_bytes(worker)
            except psutil.Error:
                continue
            self.peaks[worker.pid] = max(peak, self.peaks.get(worker.pid, 0))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> WorkerMemorySampler:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
