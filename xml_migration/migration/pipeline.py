"""Overlap of a worker's stages: the next source slice is read, and the previous batch
loaded, in threads while the current documents are parsed and mapped (ADR 0016).

Both hold at most one item ahead, so a worker keeps at most one more slice of source text
and one more batch of outcomes than when it works in turn. The database calls release the
interpreter lock while they wait on the server, which is where the overlap gains.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_END = object()


@contextmanager
def read_ahead(items: Iterator[Item], name: str = "read-ahead") -> Iterator[Iterator[Item]]:
    """`items` as produced one item ahead by a thread of their own.

    The thread owns the iterator: it opens, advances and closes it (a database cursor is
    used by one thread only). An error raised by `items` is raised again to the consumer
    at the item where it happened. Leaving the context stops the thread and closes
    `items`, also when the consumer stops early.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        handoff.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            handoff.put(_END)
        except BaseException as error:  # handed to the consumer
            handoff.put(_Raised(error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()

    def consume() -> Iterator[Item]:
        while True:
            item = handoff.get()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item  # type: ignore[misc]

    try:
        yield consume()
    finally:
        stop.set()
        while thread.is_alive():
            try:
                handoff.get(timeout=0.1)
            except queue.Empty:
                continue
        thread.join()


class _Raised:
    """An error of the producing thread, on its way to the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class OneAhead(Generic[Item, Result]):
    """Runs `work` on one item at a time in a thread of its own, so that the caller
    prepares the next item meanwhile: `start` hands over an item, `finish` waits for the
    result of the item in progress (None when there is none)."""

    def __init__(self, work: Callable[[Item], Result], name: str = "one-ahead") -> None:
        self._work = work
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending: Future[Result] | None = None

    def start(self, item: Item) -> None:
        if self._pending is not None:
            raise RuntimeError("the previous item is still in progress")
        self._pending = self._executor.submit(self._work, item)

    def finish(self) -> Result | None:
        pending, self._pending = self._pending, None
        return None if pending is None else pending.result()

    def close(self) -> None:
        """Wait for the item in progress (its result is dropped) and stop the thread."""
        self._executor.shutdown(wait=True)

    def __enter__(self) -> OneAhead[Item, Result]:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
