"""`xml-migration bench` on a tiny corpus against real PostgreSQL and SQLite databases.

Figures are not asserted beyond being measured (positive); the regression check is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xml_migration.cli.main import main

HEADLINE_KEYS = (
    "documents",
    "bytes",
    "full_parse_docs_per_s",
    "engine_docs_per_s",
    "postgresql_rec_per_min_1_worker",
    "postgresql_rec_per_min_2_workers",
    "sqlite_rec_per_min_2_workers",
    "e2e_over_full_parse_time_ratio",
    "scaling_2_over_1_workers",
    "peak_rss_mb_per_worker",
    "stored_bytes_per_doc",
    "source_bytes_per_doc",
    "link_1gbit_rec_per_min",
)
STAGES = ("read", "parse", "map", "load")


def scaled_throughputs(result: dict, factor: float) -> dict:
    """`result` with every rate (per second, per minute) multiplied by `factor`."""
    scaled = {}
    for name, value in result.items():
        if isinstance(value, dict):
            scaled[name] = scaled_throughputs(value, factor)
        elif isinstance(value, float) and ("per_s" in name or "per_min" in name):
            scaled[name] = value * factor
        else:
            scaled[name] = value
    return scaled


def bench(tmp_path: Path, *options: str) -> int:
    corpus = str(tmp_path / "corpus")
    tiny = ("--docs", "40", "--profile", "compact", "--repeats", "1", "--corpus-dir", corpus)
    return main(["bench", *tiny, *options])


@pytest.mark.integration
def test_bench_measures_every_section_and_writes_the_json_keys(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "result.json"
    assert bench(tmp_path, "--db-url", postgres_url, "--json", str(path)) == 0
    result = json.loads(path.read_text(encoding="utf-8"))
    for key in HEADLINE_KEYS:
        assert result[key] > 0, key
    assert result["documents"] == 40
    assert set(result["stage_seconds"]) == set(STAGES)
    assert all(seconds > 0 for seconds in result["stage_seconds"].values())
    assert (
        0
        < result["parallel_efficiency_percent"]
        == pytest.approx(result["scaling_2_over_1_workers"] * 50, abs=0.01)
    )
    assert result["integrity_passed"] is True
    assert set(result["integrity"]) == {
        "postgresql_1_worker",
        "postgresql_2_workers",
        "sqlite_2_workers",
        "first_migration_2_workers",
        "remigration_2_workers",
    }
    for configuration in result["integrity"].values():
        assert configuration["passed"] and set(configuration["checks"]) == {
            "no_lost_records",
            "no_duplicates",
            "reconciliation",
        }
    assert result["remigration_rec_per_min_2_workers"] > 0
    for name in ("postgresql_1_worker", "postgresql_2_workers", "sqlite_2_workers"):
        assert result["sections"][name]["documents"] == 40
        assert result["sections"][name]["failures"] == 0
    assert result["engine_unpruned_docs_per_s"] > 0
    costs = result["sections"]["costs"]
    for stage in ("read_default", "read_lz4", "read_external", "load"):
        # The server's CPU is counted in clock ticks: on 40 documents it may be 0.
        assert costs["stages"][stage]["client_ms"] > 0 <= costs["stages"][stage]["server_ms"]
    for stage in ("parse_whole", "parse_pruned", "parse_cut", "map"):
        assert costs["stages"][stage]["client_ms"] > 0
    for form in ("", "_strpos", "_prefix"):
        assert costs["stages"][f"read_cut{form}_lz4"]["client_ms"] > 0
    assert costs["ceiling_rec_per_min_2_cores_cut_lz4_storage"] > 0
    # Compact documents end with the application: the cut saves nothing, the tail is extra.
    assert result["source_bytes_per_doc"] <= result["stored_bytes_per_doc"] + 64
    assert result["sections"]["postgresql_2_workers"]["source_cuts"] == 40
    assert costs["ceiling_rec_per_min_2_cores_default_storage"] > 0
    assert costs["read_table_bytes"]["external"] > 0
    assert result["sections"]["expressions"]["evaluations_per_second"] > 0
    assert result["sections"]["load_paths"]["copy_rows_per_s"] > 0
    machine = result["machine"]
    assert len(machine["load_average_before"]) == len(machine["load_average_after"]) == 3
    assert machine["python"] and machine["lxml"]
    assert machine["source_table_bytes"] > 0
    assert result["settings"]["repeats"] == 1
    assert result["settings"]["postgresql_url"].endswith(postgres_url.rsplit("/", 1)[1])
    printed = capsys.readouterr().out
    assert "PostgreSQL, 2 workers" in printed and "SQLite, 2 workers" in printed
    assert "re-migration" in printed


@pytest.mark.integration
def test_latency_runs_go_through_a_measured_delaying_proxy(
    postgres_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "result.json"
    options = ("--only", "postgresql", "--workers", "2", "--db-latency-ms", "2")
    assert bench(tmp_path, "--db-url", postgres_url, *options, "--json", str(path)) == 0
    result = json.loads(path.read_text(encoding="utf-8"))
    assert result["postgresql_rec_per_min_2_workers_2ms"] > 0
    assert result["latency_over_no_latency_2_workers"] > 0
    delayed = result["sections"]["postgresql_2_workers_2ms"]
    assert delayed["integrity_passed"] and delayed["documents"] == 40
    assert delayed["round_trip_ms_through_proxy"] > delayed["round_trip_ms_direct"]
    assert delayed["proxy_cpu_seconds"] > 0
    assert result["settings"]["db_latency_ms"] == 2


@pytest.mark.integration
def test_a_second_run_reuses_the_corpus_and_the_loaded_source(
    postgres_url: str, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    options = ("--db-url", postgres_url, "--only", "postgresql")
    assert bench(tmp_path, *options, "--json", str(first)) == 0
    assert bench(tmp_path, *options, "--json", str(second)) == 0
    before = json.loads(first.read_text(encoding="utf-8"))
    after = json.loads(second.read_text(encoding="utf-8"))
    assert before["settings"]["corpus_generated_now"] is True
    assert before["machine"]["source_loaded_now"] is True
    assert after["settings"]["corpus_generated_now"] is False
    assert after["machine"]["source_loaded_now"] is False
    assert after["full_parse_docs_per_s"] is None and after["integrity_passed"] is True


@pytest.mark.integration
def test_another_source_storage_reloads_the_source(postgres_url: str, tmp_path: Path) -> None:
    path = tmp_path / "external.json"
    options = ("--db-url", postgres_url, "--only", "postgresql")
    assert bench(tmp_path, *options) == 0
    assert bench(tmp_path, *options, "--source-storage", "external", "--json", str(path)) == 0
    result = json.loads(path.read_text(encoding="utf-8"))
    assert result["machine"]["source_loaded_now"] is True
    assert result["machine"]["source_storage"] == "external"
    assert result["machine"]["source_column"]["storage"] == "external"
    assert result["integrity_passed"] is True


@pytest.mark.integration
def test_lz4_storage_and_a_forced_reload(postgres_url: str, tmp_path: Path) -> None:
    path = tmp_path / "lz4.json"
    options = ("--db-url", postgres_url, "--only", "postgresql", "--source-storage", "lz4")
    assert bench(tmp_path, *options) == 0
    assert bench(tmp_path, *options, "--reload-source", "--json", str(path)) == 0
    result = json.loads(path.read_text(encoding="utf-8"))
    assert result["machine"]["source_loaded_now"] is True
    assert result["machine"]["source_column"] == {"storage": "extended", "compression": "lz4"}


def test_only_selected_sections_are_measured(tmp_path: Path) -> None:
    path = tmp_path / "parse.json"
    assert bench(tmp_path, "--only", "parse,engine", "--json", str(path)) == 0
    result = json.loads(path.read_text(encoding="utf-8"))
    assert result["full_parse_docs_per_s"] > 0 and result["engine_docs_per_s"] > 0
    assert result["postgresql_rec_per_min_2_workers"] is None
    assert result["integrity_passed"] is None and result["integrity"] == {}


def test_compare_exits_non_zero_on_a_throughput_regression_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = tmp_path / "current.json"
    assert bench(tmp_path, "--only", "parse", "--json", str(current)) == 0
    result = json.loads(current.read_text(encoding="utf-8"))
    faster = dict(result, full_parse_docs_per_s=result["full_parse_docs_per_s"] * 100)
    slower = scaled_throughputs(result, 0.01)
    (tmp_path / "faster.json").write_text(json.dumps(faster), encoding="utf-8")
    (tmp_path / "slower.json").write_text(json.dumps(slower), encoding="utf-8")
    capsys.readouterr()
    assert bench(tmp_path, "--only", "parse", "--compare", str(tmp_path / "faster.json")) == 1
    assert "full_parse_docs_per_s" in capsys.readouterr().out
    assert bench(tmp_path, "--only", "parse", "--compare", str(tmp_path / "slower.json")) == 0
    assert "no throughput figure dropped" in capsys.readouterr().out


def test_unknown_sections_and_bad_tolerances_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as unknown:
        bench(tmp_path, "--only", "parse,teleport")
    with pytest.raises(SystemExit) as tolerance:
        bench(tmp_path, "--tolerance", "150")
    assert unknown.value.code == tolerance.value.code == 2


def test_help_lists_the_options_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "--help"])
    assert exit_.value.code == 0
    assert "(default 10%)" in capsys.readouterr().out


def test_an_unreadable_previous_result_is_a_usage_error(tmp_path: Path) -> None:
    assert bench(tmp_path, "--only", "parse", "--compare", str(tmp_path / "missing.json")) == 2
