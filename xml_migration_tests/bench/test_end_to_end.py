"""The benchmark database is used by one benchmark at a time."""

from __future__ import annotations

import threading

import pytest

from xml_migration.bench.end_to_end import exclusive_use


@pytest.mark.integration
def test_a_second_benchmark_waits_until_the_first_releases_the_database(
    postgres_url: str,
) -> None:
    waiting = threading.Event()
    acquired = threading.Event()

    def second() -> None:
        with exclusive_use(postgres_url, waiting.set):
            acquired.set()

    with exclusive_use(postgres_url, lambda: pytest.fail("the first user never waits")):
        thread = threading.Thread(target=second)
        thread.start()
        assert waiting.wait(timeout=30)
        assert not acquired.wait(timeout=0.5)
    assert acquired.wait(timeout=30)
    thread.join(timeout=30)
    with exclusive_use(postgres_url, lambda: pytest.fail("the lock was not released")):
        pass
