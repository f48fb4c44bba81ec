"""The soak run at a size CI affords: every outcome as the manifest expects, the integrity
checks passing and the workers' memory bounded. The full 200,000-document run is a
benchmark (`xml-migration soak`), reported in docs/reliability.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xml_migration.bench.soak import MemorySample, SoakResult
from xml_migration.cli.main import main

MEBIBYTE = 1024 * 1024


@pytest.mark.slow
def test_a_small_soak_passes_every_check(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result_path = tmp_path / "soak.json"
    arguments = ["soak", "--docs", "4000", "--db", sqlite_url, "--batch-size", "200"]

    status = main([*arguments, "--chunks-per-worker", "4", "--json", str(result_path)])

    output = capsys.readouterr().out
    assert status == 0, output
    result = json.loads(result_path.read_text(encoding="utf-8"))
    assert result["passed"] and result["integrity_passed"] and result["memory_bounded"]
    assert result["stats"]["documents"] == 4000 and result["stats"]["skipped"] == 0
    assert result["stats"]["failures"] > 0 and result["unexpected_outcome_count"] == 0
    assert len(result["memory_timeline"]) == 8
    assert [s["documents"] for s in result["memory_timeline"]][-1] == 4000
    assert len(result["worker_peak_rss_bytes"]) == 2
    assert all(peak > 10 * MEBIBYTE for peak in result["worker_peak_rss_bytes"].values())
    assert "soak passed" in output


def result_with(peaks_by_documents: list[tuple[int, int]], **changes: object) -> SoakResult:
    fields: dict[str, object] = {
        "documents": 1000,
        "workers": 2,
        "batch_size": 100,
        "database": "sqlite://",
        "generate_seconds": 1.0,
        "stats": {},
        "worker_peak_rss_bytes": {},
        "coordinator_peak_rss_bytes": 0,
        "memory_timeline": [
            MemorySample(documents, 1.0, peak * MEBIBYTE) for documents, peak in peaks_by_documents
        ],
        "integrity": {"no_lost_records": {"passed": True, "description": ""}},
    }
    return SoakResult(**{**fields, **changes})  # type: ignore[arg-type]


def test_memory_growing_with_the_run_fails_the_soak() -> None:
    steady = result_with([(125, 300), (250, 310), (500, 320), (1000, 330)])
    assert steady.memory_baseline_bytes == 310 * MEBIBYTE and steady.memory_bounded
    assert steady.passed
    leaking = result_with([(125, 300), (250, 310), (500, 420), (1000, 520)])
    assert leaking.memory_growth_bytes == 210 * MEBIBYTE
    assert not leaking.memory_bounded and not leaking.passed


def test_a_failed_check_or_outcome_fails_the_soak() -> None:
    timeline = [(250, 300), (1000, 300)]
    broken = {"no_duplicates": {"passed": False, "description": "2 applications loaded twice"}}
    assert not result_with(timeline, integrity=broken).passed
    assert not result_with(timeline, unexpected_outcome_count=1).passed
