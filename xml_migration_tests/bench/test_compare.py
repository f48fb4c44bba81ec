"""Comparison of benchmark results: every shared figure's change, throughput regressions."""

from __future__ import annotations

import pytest

from xml_migration.bench.compare import Change, compare_results, numeric_figures, regressions

PREVIOUS = {
    "documents": 2000,
    "full_parse_docs_per_s": 400.0,
    "postgresql_rec_per_min_2_workers": 60_000.0,
    "e2e_over_full_parse_time_ratio": 0.8,
    "peak_rss_mb_per_worker": 120.0,
    "integrity_passed": True,
    "stage_seconds": {"read": 2.0, "parse": 5.0, "map": 3.0, "load": 1.0},
    "sections": {"load_paths": {"copy_rows_per_s": 90_000.0}},
    "machine": {"load_average_before": [1.0, 1.0, 1.0], "cpus": 2},
    "settings": {"repeats": 3},
}


def current(**changes: float) -> dict[str, object]:
    result = {**PREVIOUS, "sections": {"load_paths": {"copy_rows_per_s": 90_000.0}}}
    for name, value in changes.items():
        if name == "copy_rows_per_s":
            result["sections"] = {"load_paths": {"copy_rows_per_s": value}}
        else:
            result[name] = value
    return result


def test_numeric_figures_flatten_nested_numbers_but_not_run_descriptions() -> None:
    names = dict(numeric_figures(PREVIOUS))
    assert names["stage_seconds.parse"] == 5.0
    assert names["sections.load_paths.copy_rows_per_s"] == 90_000.0
    assert "integrity_passed" not in names
    assert not any(name.startswith(("machine", "settings")) for name in names)


def test_identical_results_have_no_change_and_no_regression() -> None:
    changes = compare_results(PREVIOUS, current())
    assert changes and all(change.relative == 0 for change in changes)
    assert regressions(changes) == []


def test_a_throughput_drop_beyond_the_tolerance_is_a_regression() -> None:
    changes = compare_results(PREVIOUS, current(postgresql_rec_per_min_2_workers=50_000.0))
    (dropped,) = regressions(changes, 0.10)
    assert dropped.figure == "postgresql_rec_per_min_2_workers"
    assert dropped.relative == pytest.approx(-1 / 6)


def test_a_drop_within_the_tolerance_is_not_a_regression() -> None:
    changes = compare_results(PREVIOUS, current(full_parse_docs_per_s=370.0))
    assert regressions(changes, 0.10) == []
    assert [change.figure for change in regressions(changes, 0.05)] == ["full_parse_docs_per_s"]


def test_nested_throughput_figures_are_checked_too() -> None:
    changes = compare_results(PREVIOUS, current(copy_rows_per_s=45_000.0))
    assert [change.figure for change in regressions(changes)] == [
        "sections.load_paths.copy_rows_per_s"
    ]


def test_costs_that_grow_and_throughputs_that_rise_are_not_regressions() -> None:
    changes = compare_results(
        PREVIOUS,
        current(
            e2e_over_full_parse_time_ratio=1.6,
            peak_rss_mb_per_worker=400.0,
            full_parse_docs_per_s=800.0,
        ),
    )
    assert regressions(changes) == []
    by_name = {change.figure: change for change in changes}
    assert by_name["full_parse_docs_per_s"].relative == pytest.approx(1.0)
    assert by_name["peak_rss_mb_per_worker"].relative == pytest.approx(7 / 3)


def test_figures_missing_from_either_result_are_not_compared() -> None:
    partial = {"documents": 2000, "full_parse_docs_per_s": None, "engine_docs_per_s": 900.0}
    changes = compare_results(PREVIOUS, partial)
    assert [change.figure for change in changes] == ["documents"]


def test_a_previous_zero_has_no_relative_change() -> None:
    change = Change("engine_docs_per_s", 0.0, 10.0)
    assert change.relative is None and not change.is_regression(0.1)
