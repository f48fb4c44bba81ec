"""The expression benchmark runs and reports its figures (speed is never asserted)."""

from __future__ import annotations

from datetime import datetime

from xml_migration.bench.expressions import case_expression, measure_case_expression
from xml_migration.contract.expression import compile_expression


def test_case_expression_has_the_requested_branches_and_matches_none() -> None:
    compiled = compile_expression(case_expression(20))
    assert len(compiled.node.whens) == 20
    values = {"population": "cm", "bureau_score": "742", "channel_cd": "WEB"}
    assert compiled.evaluate(lambda qualifier, name: values.get(name), datetime(2024, 1, 1)) == (
        "OTHER",
        True,
    )


def test_measure_reports_rates() -> None:
    figures = measure_case_expression(branches=4, evaluations=50, repeats=3)
    assert figures["branches"] == 4
    assert figures["evaluations"] == 50
    assert 0 < figures["evaluations_per_second"] <= figures["best_evaluations_per_second"]
    assert figures["microseconds_per_evaluation"] > 0
