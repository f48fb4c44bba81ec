"""Retrying transient database errors within a time budget.

Every part of a run that talks to the database (the loader's transactions, the source
reader, the inspection of the target tables) retries a transient error (connection lost or
refused, server restart, deadlock) with doubling pauses until the run's retry budget is
spent, counted from the first error of a streak; the last attempt is made when the budget
ends. An outage shorter than the budget therefore costs time, not the run; a longer one
ends it with `TransientDatabaseError` naming the budget. See
docs/adr/0017-hardened-parsing-retry-budget-worker-lifetime.md.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from xml_migration.db.errors import (
    ErrorKind,
    TransientDatabaseError,
    classify,
    database_message,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_RETRY_SECONDS = 30.0
"""How long a run keeps retrying a transient database error before it stops."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries of transient errors: doubling pauses from `first_delay` up to `max_delay`,
    for at most `budget_seconds` after the first error of a streak."""

    budget_seconds: float = DEFAULT_RETRY_SECONDS
    first_delay: float = 0.5
    max_delay: float = 4.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1-based), doubling each time."""
        return min(self.first_delay * 2 ** (attempt - 1), self.max_delay)


class RetryStreak:
    """The retries of one operation since its last success."""

    def __init__(self, policy: RetryPolicy, operation: str) -> None:
        self.policy = policy
        self.operation = operation
        self.retries = 0
        self._started: float | None = None

    def wait(self, error: BaseException, where: str = "") -> None:
        """Sleep before retrying after `error`, or raise `TransientDatabaseError` when the
        budget is spent. `where` adds to the log line where the retry resumes."""
        now = time.monotonic()
        if self._started is None:
            self._started = now
        spent = now - self._started
        left = self.policy.budget_seconds - spent
        message = database_message(error)
        if left <= 0:
            raise TransientDatabaseError(
                f"{self.operation} failed for {spent:.1f} s, {self.retries + 1} attempts, "
                f"beyond the retry budget of {self.policy.budget_seconds:g} s: {message}"
            ) from error
        self.retries += 1
        delay = min(self.policy.delay(self.retries), left)
        log.warning(
            "%s failed (%s); retry %d in %.1fs%s",
            self.operation,
            message,
            self.retries,
            delay,
            where,
        )
        time.sleep(delay)

    def succeeded(self) -> None:
        """The operation worked: the next error starts a new streak with the whole budget."""
        self.retries = 0
        self._started = None


def with_retries(policy: RetryPolicy, operation: str, work: Callable[[], T]) -> T:
    """`work()`, retried while it fails with a transient database error."""
    streak = RetryStreak(policy, operation)
    while True:
        try:
            return work()
        except Exception as error:
            if classify(error) is not ErrorKind.TRANSIENT:
                raise
            streak.wait(error)
