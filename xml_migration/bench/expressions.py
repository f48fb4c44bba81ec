"""Throughput of compiled calculated-field expressions."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

from xml_migration.contract.expression import compile_expression


def case_expression(branches: int) -> str:
    """A CASE over a population code, as contracts write for population assignment.

    Branches alternate a text comparison, a numeric comparison and a LIKE, so every kind of
    WHEN takes part.
    """
    whens = []
    for index in range(branches):
        if index % 3 == 0:
            condition = f"application.population = 'P{index:02d}'"
        elif index % 3 == 1:
            condition = f"app_product.bureau_score >= {900 + index}"
        else:
            condition = f"application.channel_cd LIKE 'C{index:02d}%'"
        whens.append(f"WHEN {condition} THEN 'G{index:02d}'")
    return "CASE " + " ".join(whens) + " ELSE 'OTHER' END"


def measure_case_expression(
    branches: int = 20, evaluations: int = 100_000, repeats: int = 5
) -> dict[str, float]:
    """Evaluations per second of a `branches`-branch CASE in which no WHEN matches.

    Every WHEN is evaluated (the slowest path); references resolve from a dictionary, so
    the figure is the cost of the compiled expression itself. Returns the median and best
    rate over `repeats` runs of `evaluations` evaluations each.
    """
    compiled = compile_expression(case_expression(branches))
    attributes = {"population": "cm", "bureau_score": "742", "channel_cd": "WEB"}
    resolve = lambda qualifier, name: attributes.get(name)  # noqa: E731
    now = datetime.now(UTC)
    evaluate = compiled.evaluate
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(evaluations):
            evaluate(resolve, now)
        rates.append(evaluations / (time.perf_counter() - started))
    median = statistics.median(rates)
    return {
        "branches": float(branches),
        "evaluations": float(evaluations),
        "evaluations_per_second": median,
        "best_evaluations_per_second": max(rates),
        "microseconds_per_evaluation": 1_000_000 / median,
    }
