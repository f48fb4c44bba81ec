"""Verdicts of a benchmark result against the performance targets."""

from __future__ import annotations

from xml_migration.bench.targets import DAGSTER_TARGET_DOCUMENTS, TARGET_DOCUMENTS, verdicts


def test_each_target_is_met_or_missed_by_its_bound() -> None:
    found = verdicts(
        {
            "documents": TARGET_DOCUMENTS,
            "settings": {"profile": "production"},
            "postgresql_rec_per_min_2_workers": 130_000.0,
            "dagster_rec_per_min_2_workers": 90_000.0,
            "e2e_over_full_parse_time_ratio": 0.4,
            "scaling_2_over_1_workers": 1.8,
            "peak_rss_mb_per_worker": 250.0,
            "source_over_stored_ratio": 0.034,
            "latency_over_no_latency_2_workers": 0.8,
        }
    )
    assert {name: verdict["met"] for name, verdict in found.items()} == {
        "postgresql_rec_per_min_2_workers": True,
        "dagster_rec_per_min_2_workers": False,
        "e2e_over_full_parse_time_ratio": False,
        "scaling_2_over_1_workers": True,
        "peak_rss_mb_per_worker": True,
        "source_over_stored_ratio": True,
        "latency_over_no_latency_2_workers": False,
    }


def test_the_throughput_target_counts_only_on_a_full_production_corpus() -> None:
    def met(documents: int, profile: str) -> object:
        result = {
            "documents": documents,
            "settings": {"profile": profile},
            "postgresql_rec_per_min_2_workers": 500_000.0,
        }
        return verdicts(result)["postgresql_rec_per_min_2_workers"]["met"]

    assert met(TARGET_DOCUMENTS - 1, "production") is False
    assert met(TARGET_DOCUMENTS, "compact") is False
    assert met(TARGET_DOCUMENTS, "production") is True


def test_the_dagster_target_counts_only_on_its_own_corpus_size() -> None:
    def met(documents: int) -> object:
        result = {
            "documents": documents,
            "settings": {"profile": "production"},
            "dagster_rec_per_min_2_workers": 110_000.0,
        }
        return verdicts(result)["dagster_rec_per_min_2_workers"]["met"]

    assert met(DAGSTER_TARGET_DOCUMENTS - 1) is False
    assert met(DAGSTER_TARGET_DOCUMENTS) is True


def test_unmeasured_figures_have_no_verdict() -> None:
    found = verdicts({"documents": 40, "scaling_2_over_1_workers": None})
    assert all(verdict["met"] is None and verdict["value"] is None for verdict in found.values())
