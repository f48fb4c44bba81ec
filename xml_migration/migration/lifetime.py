"""Worker processes that never outlive their run, and runs that stop on a signal.

A parallel run's workers are forked by a fork server, so the run's process is not their
parent. Each worker watches the run's process (the coordinator) and a stop flag in shared
memory the coordinator sets when it stops early (a flag, not a `multiprocessing.Event`:
setting an event waits for every waiting process, and a killed worker never answers);
when either says so, the worker kills itself at once, and the database rolls back its
open batch. Once the workers are gone the fork
server and the resource tracker end by themselves (they live exactly as long as a process
holding their pipes). On Linux a worker also receives SIGKILL when the fork server dies.
See docs/adr/0017-hardened-parsing-retry-budget-worker-lifetime.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any, Protocol

import psutil

WATCH_INTERVAL_SECONDS = 0.2
"""How often a worker checks that its coordinator still runs."""
PR_SET_PDEATHSIG = 1
STOPPING_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class RunStopped(BaseException):
    """The run was stopped by a signal. Not an `Exception`, so that no handler for errors
    of a document or a batch takes it for one."""


class StopFlag(Protocol):
    """A number in shared memory (`multiprocessing` `RawValue`): nonzero means stop."""

    value: int


def die_with_coordinator(coordinator_pid: int, stop: StopFlag) -> None:
    """Pool initializer: end this worker as soon as the coordinator is gone or `stop` is
    set."""
    _kill_me_when_my_parent_dies()
    try:
        coordinator: psutil.Process | None = psutil.Process(coordinator_pid)
    except psutil.NoSuchProcess:
        coordinator = None
    threading.Thread(
        target=_watch, args=(coordinator, stop), name="coordinator-watch", daemon=True
    ).start()


def _watch(coordinator: psutil.Process | None, stop: StopFlag) -> None:
    while coordinator is not None and not stop.value:
        time.sleep(WATCH_INTERVAL_SECONDS)
        try:
            if not coordinator.is_running() or coordinator.status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_me_when_my_parent_dies() -> None:
    """Linux: SIGKILL this process when its parent (the fork server) ends."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT raise `RunStopped` in the main thread (which
    must be the caller's); the previous handlers come back after it."""
    previous = {number: signal.getsignal(number) for number in STOPPING_SIGNALS}

    def stop(number: int, _frame: FrameType | None) -> Any:
        raise RunStopped(f"stopped by {signal.Signals(number).name}")

    for number in STOPPING_SIGNALS:
        signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
