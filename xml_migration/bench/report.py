"""The benchmark result and its comparison as rich tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group
from rich.table import Table

from xml_migration.bench.compare import Change, compare_results, regressions
from xml_migration.migration.run_stats import STAGES

END_TO_END_SECTIONS = (
    ("postgresql_1_worker", "PostgreSQL, 1 worker"),
    ("postgresql_2_workers", "PostgreSQL, 2 workers"),
    ("sqlite_2_workers", "SQLite, 2 workers"),
    ("dagster_2_workers", "Dagster run (migrate job), 2 workers"),
    ("first_migration_2_workers", "PostgreSQL first migration, 2 workers"),
    ("remigration_2_workers", "PostgreSQL re-migration, 2 workers"),
)
SINGLE_PROCESS_LABELS = {
    "full_parse": "lxml full parse",
    "engine": "engine (parse + map)",
    "engine_unpruned": "engine without pruning",
}


def _number(value: object, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,.{digits}f}"
    return str(value)


def _verdict(met: bool | None) -> str:
    if met is None:
        return "-"
    return "[green]met[/]" if met else "[red]missed[/]"


def figures_table(result: Mapping[str, Any]) -> Table:
    """Throughputs of every measured part, the ratios and the targets."""
    table = Table(title=_title(result))
    table.add_column("figure", overflow="fold")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_column("verdict")
    targets = result.get("targets", {})
    sections = result.get("sections", {})
    for name, label in SINGLE_PROCESS_LABELS.items():
        if name in sections:
            figures = sections[name]
            table.add_row(
                f"{label}, docs (MB) per CPU second",
                f"{_number(figures['docs_per_s'])} ({_number(figures['mb_per_s'])})",
                "",
                "",
            )
    for name, label in END_TO_END_SECTIONS:
        if name in sections:
            figures = sections[name]
            table.add_row(
                f"{label}, records/min",
                _number(figures["records_per_minute"], 0),
                "",
                "integrity " + ("passed" if figures["integrity_passed"] else "[red]FAILED[/]"),
            )
    for name, figures in sections.items():
        if name.startswith("postgresql_2_workers_") and name.endswith("ms"):
            table.add_row(
                f"PostgreSQL, 2 workers, {figures['round_trip_ms_through_proxy']:.2f} ms round "
                f"trip (direct {figures['round_trip_ms_direct']:.2f}; proxy CPU "
                f"{figures['proxy_cpu_ms_per_doc']:.3f} ms/doc), records/min",
                _number(figures["records_per_minute"], 0),
                "",
                "integrity " + ("passed" if figures["integrity_passed"] else "[red]FAILED[/]"),
            )
    if result.get("source_bytes_per_doc") is not None:
        table.add_row(
            "bytes per document stored / received from the source",
            f"{_number(result['stored_bytes_per_doc'], 0)} / "
            f"{_number(result['source_bytes_per_doc'], 0)}",
            "",
            "",
        )
        table.add_row(
            "records/min a 1 Gbit/s source link allows at that size",
            _number(result["link_1gbit_rec_per_min"], 0),
            "",
            "",
        )
    dagster = sections.get("dagster_2_workers")
    if dagster is not None:
        seconds = (
            f"{_number(dagster['process_seconds'])} s; the run itself "
            f"{_number(dagster['wall_seconds'])} s"
        )
        table.add_row(
            f"Dagster run, 2 workers, records/min over the subprocess's wall time ({seconds})",
            _number(dagster["process_records_per_minute"], 0),
            "",
            "",
        )
    for verdict in targets.values():
        table.add_row(
            str(verdict["label"]),
            _number(verdict["value"], 2),
            str(verdict["target"]),
            _verdict(verdict["met"]),
        )
    efficiency = result.get("parallel_efficiency_percent")
    table.add_row("parallel efficiency (speedup / workers), %", _number(efficiency), "", "")
    return table


def _title(result: Mapping[str, Any]) -> str:
    settings = result.get("settings", {})
    machine = result.get("machine", {})
    before = machine.get("load_average_before") or []
    after = machine.get("load_average_after") or []
    column = machine.get("source_column")
    source = "" if not column else f"; PostgreSQL source {column['compression']}"
    return (
        f"{result.get('documents'):,} {settings.get('profile')} documents, "
        f"{int(result.get('bytes', 0)) / 1e6:,.1f} MB; median of {settings.get('repeats')}; "
        f"load {_number(before[0] if before else None, 2)} → "
        f"{_number(after[0] if after else None, 2)}{source}"
    )


def stages_table(result: Mapping[str, Any]) -> Table | None:
    """Seconds per stage of each end-to-end configuration (summed over its workers)."""
    sections = result.get("sections", {})
    measured = [(name, label) for name, label in END_TO_END_SECTIONS if name in sections]
    if not measured:
        return None
    table = Table(title="seconds per stage (summed over workers) and wall seconds")
    table.add_column("configuration")
    for stage in (*STAGES, "wall", "peak RSS/worker MiB"):
        table.add_column(stage, justify="right")
    for name, label in measured:
        figures = sections[name]
        stages = figures["stage_seconds"]
        table.add_row(
            label,
            *(_number(stages.get(stage), 2) for stage in STAGES),
            _number(figures["wall_seconds"], 2),
            _number(figures.get("peak_rss_mb_per_worker"), 0),
        )
    return table


COST_LABELS = {
    "read_default": "read, server default compression (pglz unless configured)",
    "read_lz4": "read, source column lz4",
    "read_external": "read, source column uncompressed",
    **{
        f"read_cut{form}_{storage}": f"read cut ({label}), source {storage}"
        for form, label in (
            ("", "as sent: textsend, sliced"),
            ("_strpos", "strpos on text"),
            ("_prefix", "end tag in a prefix"),
        )
        for storage in ("default", "lz4", "external")
    },
    "parse_whole": "parse, whole document",
    "parse_pruned": "parse, pruned (as configured)",
    "parse_cut": "parse, cut as the source sends it (checked, pruned)",
    "map": "map",
    "load": "load (COPY) with log rows",
}


def costs_table(result: Mapping[str, Any]) -> Table | None:
    """CPU milliseconds per document of each stage, and the ceilings they imply."""
    costs = result.get("sections", {}).get("costs")
    if costs is None:
        return None
    table = Table(title=f"CPU ms per document ({costs['documents']:,} documents)")
    table.add_column("stage")
    table.add_column("worker", justify="right")
    table.add_column("PostgreSQL", justify="right")
    for name, label in COST_LABELS.items():
        figures = costs["stages"].get(name)
        if figures is None:
            continue
        table.add_row(
            label,
            _number(figures.get("client_ms"), 3),
            _number(figures.get("server_ms"), 3),
        )
    table.add_row("prune only, removed spans checked", _number(costs["prune_only_ms"], 3), "")
    table.add_row(
        "prune only, removed spans unchecked", _number(costs["prune_only_unchecked_ms"], 3), ""
    )
    for kind in ("", "cut_"):
        for storage in ("default", "lz4", "external"):
            if f"total_ms_{kind}{storage}_storage" not in costs:
                continue
            ceiling = costs[f"ceiling_rec_per_min_2_cores_{kind}{storage}_storage"]
            table.add_row(
                f"[bold]total, {'cut, ' if kind else ''}{storage} source storage[/] "
                f"(ceiling on 2 cores: {_number(ceiling, 0)} records/min)",
                _number(costs[f"total_ms_{kind}{storage}_storage"], 3),
                "",
            )
    return table


def comparison_table(changes: list[Change], tolerance: float) -> Table:
    """Every figure in both results with its change; regressions in red."""
    table = Table(title=f"change against the previous result (tolerance {tolerance:.0%})")
    table.add_column("figure", overflow="fold")
    table.add_column("previous", justify="right")
    table.add_column("current", justify="right")
    table.add_column("change", justify="right")
    for change in changes:
        relative = change.relative
        text = "-" if relative is None else f"{relative:+.1%}"
        if change.is_regression(tolerance):
            text = f"[red]{text} regression[/]"
        table.add_row(change.figure, _number(change.previous, 2), _number(change.current, 2), text)
    return table


def print_result(result: Mapping[str, Any], console: Console | None = None) -> None:
    """Print the figures table and the stage table."""
    console = console or Console()
    parts = [figures_table(result)]
    parts.extend(
        table for table in (stages_table(result), costs_table(result)) if table is not None
    )
    console.print(Group(*parts))


def print_comparison(
    previous: Mapping[str, Any], current: Mapping[str, Any], tolerance: float, console: Console
) -> list[Change]:
    """Print the change of every figure against `previous`; the throughput figures that
    dropped by more than `tolerance` (none: nothing regressed)."""
    changes = compare_results(previous, current)
    console.print(comparison_table(changes, tolerance))
    dropped = regressions(changes, tolerance)
    if not dropped:
        console.print(f"no throughput figure dropped by more than {tolerance:.0%}")
        return dropped
    names = ", ".join(change.figure for change in dropped)
    console.print(
        f"[red]{len(dropped)} throughput figure(s) dropped by more than {tolerance:.0%}: {names}[/]"
    )
    return dropped


def rounded(value: object, digits: int = 4) -> object:
    """`value` with every float rounded to `digits` decimals, for a readable JSON file."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {key: rounded(item, digits) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(item, digits) for item in value]
    return value
