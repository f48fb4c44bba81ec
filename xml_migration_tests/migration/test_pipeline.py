"""The overlap of a worker's stages: reading ahead in a thread, loading one batch ahead."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from xml_migration.migration.pipeline import OneAhead, read_ahead


class Source:
    """An iterator that records which threads advanced it and whether it was closed."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count = count
        self.fail_at = fail_at
        self.threads: set[str] = set()
        self.produced = 0
        self.closed = False

    def __iter__(self) -> Iterator[int]:
        return self.items()

    def items(self) -> Iterator[int]:
        try:
            for item in range(self.count):
                self.threads.add(threading.current_thread().name)
                if item == self.fail_at:
                    raise ValueError(f"item {item}")
                self.produced += 1
                yield item
        finally:
            self.closed = True


def test_read_ahead_yields_every_item_in_order_from_its_own_thread() -> None:
    source = Source(50)
    with read_ahead(iter(source), "reader") as items:
        assert list(items) == list(range(50))
    assert source.threads == {"reader"}
    assert source.closed


def test_read_ahead_raises_the_producers_error_at_its_place() -> None:
    source = Source(10, fail_at=3)
    seen = []
    with pytest.raises(ValueError, match="item 3"), read_ahead(iter(source)) as items:
        seen.extend(items)
    assert seen == [0, 1, 2]
    assert source.closed


def test_read_ahead_stopped_early_holds_at_most_one_item_ahead_and_closes() -> None:
    source = Source(1_000)
    with read_ahead(iter(source)) as items:
        assert next(items) == 0
        assert next(items) == 1
    assert source.closed
    assert source.produced <= 4


def test_one_ahead_runs_one_item_at_a_time_and_returns_each_result() -> None:
    running = []
    lock = threading.Lock()

    def work(item: int) -> int:
        with lock:
            running.append(item)
        return item * 2

    results = []
    with OneAhead(work, "load") as loading:
        for item in range(5):
            results.append(loading.finish())
            loading.start(item)
        results.append(loading.finish())
    assert results == [None, 0, 2, 4, 6, 8]
    assert running == [0, 1, 2, 3, 4]


def test_one_ahead_refuses_a_second_item_and_hands_back_errors() -> None:
    def work(item: int) -> int:
        raise ValueError(f"bad {item}")

    with OneAhead(work) as loading:
        loading.start(1)
        with pytest.raises(RuntimeError):
            loading.start(2)
        with pytest.raises(ValueError, match="bad 1"):
            loading.finish()
