"""A step in a Celery worker's pool process (a daemonic billiard process) starting worker
processes through a fork server, as the benchmarks do."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from multiprocessing.connection import Connection

import billiard

from xml_migration.defs.worker_processes import child_processes_allowed


def square(number: int) -> int:
    return number * number


def squares_in_a_pool(allowed: bool) -> list[int]:
    context = multiprocessing.get_context("forkserver")
    guard = child_processes_allowed() if allowed else nullcontext()
    with guard, ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        return list(pool.map(square, [1, 2, 3]))


def report_squares(allowed: bool, sender: Connection) -> None:
    try:
        outcome: object = squares_in_a_pool(allowed)
    except Exception as error:
        outcome = str(error)
    sender.send((outcome, multiprocessing.current_process().daemon))


def in_a_pool_process(allowed: bool) -> tuple[object, bool]:
    """What `squares_in_a_pool` gives in a daemonic billiard process, and whether that
    process still counted as daemonic afterwards. The process starts a fresh interpreter,
    so that no fork server of this one is inherited."""
    context = billiard.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=report_squares, args=(allowed, sender), daemon=True)
    worker.start()
    try:
        assert receiver.poll(60), "the pool process sent nothing"
        return receiver.recv()
    finally:
        worker.join(timeout=30)


def test_a_pool_process_starts_workers_inside_the_block_and_stays_daemonic() -> None:
    assert in_a_pool_process(allowed=True) == ([1, 4, 9], True)


def test_without_the_block_a_pool_process_is_refused_workers() -> None:
    message, daemonic = in_a_pool_process(allowed=False)
    assert "daemonic processes are not allowed to have children" in str(message)
    assert daemonic


def test_outside_a_daemonic_process_the_block_changes_nothing() -> None:
    before = multiprocessing.current_process()
    with child_processes_allowed():
        assert multiprocessing.current_process() is before
    assert squares_in_a_pool(allowed=True) == [1, 4, 9]
