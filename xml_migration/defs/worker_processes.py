"""Worker processes started by a step that runs in a Celery worker's pool process.

Celery runs each step in a daemonic pool process made by its own fork of multiprocessing
(billiard), which installs that process as multiprocessing's current process. Python
refuses to start children from a daemonic process, and could not hand billiard's
authentication key to a fork server anyway. The benchmarks migrate with a pool of worker
processes of their own inside their step, so they need a way out.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing import process


@contextmanager
def child_processes_allowed() -> Iterator[None]:
    """Inside the block a daemonic process is, for multiprocessing, a main process of its
    own, so it may start worker processes; elsewhere nothing changes.

    Workers started inside the block must be shut down before it ends (a process pool's
    context does that). The process's configuration, which multiprocessing copies into
    every child, is swapped for the block: not daemonic, and the same authentication key
    as multiprocessing's own type.
    """
    current = process.current_process()
    if not current.daemon:
        yield
        return
    config = current._config  # type: ignore[attr-defined]
    authkey = process.AuthenticationString(bytes(config["authkey"]))
    current._config = {**config, "daemon": False, "authkey": authkey}  # type: ignore[attr-defined]
    try:
        yield
    finally:
        current._config = config  # type: ignore[attr-defined]
