"""The worker memory sampler sees forkserver workers and their peak resident memory."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import psutil

from xml_migration.bench.memory import WorkerMemorySampler, peak_rss_bytes

MEBIBYTE = 1024 * 1024


def allocate_and_release(mebibytes: int) -> int:
    """Touch `mebibytes` MiB, free them, and return the worker's process id."""
    block = bytearray(mebibytes * MEBIBYTE)
    for index in range(0, len(block), 4096):
        block[index] = 1
    del block
    return multiprocessing.current_process().pid or 0


def test_peak_rss_of_this_process_is_at_least_its_current_rss() -> None:
    process = psutil.Process()
    current = process.memory_info().rss  # read first: the process may grow before the peak
    assert peak_rss_bytes(process) >= current > 0


def test_sampler_records_the_peak_of_each_forkserver_worker_after_it_freed_memory() -> None:
    context = multiprocessing.get_context("forkserver")
    with (
        WorkerMemorySampler(interval=0.05) as sampler,
        ProcessPoolExecutor(max_workers=2, mp_context=context) as pool,
    ):
        big, small = pool.submit(allocate_and_release, 120), pool.submit(len, "x")
        big_pid = big.result()
        small.result()
        sampler.sample()
    assert big_pid in sampler.peaks
    assert sampler.peaks[big_pid] >= 120 * MEBIBYTE
    assert psutil.Process().pid not in sampler.peaks
    assert len(sampler.peaks) <= 2
