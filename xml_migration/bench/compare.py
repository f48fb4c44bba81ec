"""Comparison of two benchmark results: the change of every figure, and the regressions.

A throughput figure (a rate per second or per minute) that drops by more than the
tolerance is a regression (ADR 0009: a change is kept only without one).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

DEFAULT_TOLERANCE = 0.10
THROUGHPUT_MARKS = ("per_s", "per_min", "per_second")
"""A figure whose name contains one of these is a throughput: higher is better."""
NOT_COMPARED = frozenset({"machine", "settings", "targets", "integrity", "runs", "seconds"})
"""Branches of a result that describe a run rather than measure the software."""


@dataclass(frozen=True, slots=True)
class Change:
    """One figure in both results."""

    figure: str
    previous: float
    current: float

    @property
    def relative(self) -> float | None:
        """(current - previous) / previous; None when the previous value is zero."""
        if self.previous == 0:
            return None
        return (self.current - self.previous) / abs(self.previous)

    @property
    def is_throughput(self) -> bool:
        name = self.figure.rsplit(".", 1)[-1]
        return any(mark in name for mark in THROUGHPUT_MARKS)

    def is_regression(self, tolerance: float) -> bool:
        """A throughput figure that fell by more than `tolerance` (a fraction)."""
        relative = self.relative
        return self.is_throughput and relative is not None and relative < -tolerance


def numeric_figures(result: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every number of a result as (dotted name, value), outside the `NOT_COMPARED` branches;
    booleans and lists are not figures."""
    for name, value in result.items():
        if name in NOT_COMPARED:
            continue
        dotted = f"{prefix}{name}"
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            yield dotted, float(value)
        elif isinstance(value, Mapping):
            yield from numeric_figures(value, f"{dotted}.")


def compare_results(previous: Mapping[str, object], current: Mapping[str, object]) -> list[Change]:
    """The figures present in both results, in the current result's order."""
    before = dict(numeric_figures(previous))
    return [
        Change(name, before[name], value)
        for name, value in numeric_figures(current)
        if name in before
    ]


def regressions(changes: list[Change], tolerance: float = DEFAULT_TOLERANCE) -> list[Change]:
    """The throughput figures that dropped by more than `tolerance`."""
    return [change for change in changes if change.is_regression(tolerance)]
