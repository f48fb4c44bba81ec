"""Throughput of contract-aware pruning against a full parse, on one core.

`python -m xml_migration.bench.pruning --docs 500` measures mock production-profile
documents with the shipped contract and prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence

from lxml import etree

from xml_migration.engine.pruning import KeepSpec, keep_spec_for, prune
from xml_migration.engine.reader import hardened_parser


def measure_pruning(documents: list[bytes], spec: KeepSpec, repeats: int = 5) -> dict[str, float]:
    """Full parse versus prune + parse of `documents` (UTF-8 texts) on one core.

    Each figure is the median of `repeats` passes over all documents, timed in CPU seconds
    of this process (other work on the machine does not count against it).

    Documents are pruned and parsed as UTF-8 bytes, as the engine does. Prune + parse parses the
    whole document whenever `prune` declines, so fallbacks cost what they cost in
    production. `..._unchecked` figures prune with `check_removed=False`.
    """
    parser = hardened_parser()
    total_bytes = sum(map(len, documents))

    def full_parse() -> None:
        for raw in documents:
            etree.fromstring(raw, parser)

    def prune_only(check: bool) -> Callable[[], None]:
        def run() -> None:
            for raw in documents:
                prune(raw, spec, check_removed=check)

        return run

    def prune_and_parse(check: bool) -> Callable[[], None]:
        def run() -> None:
            for raw in documents:
                pruned = prune(raw, spec, check_removed=check)
                etree.fromstring(raw if pruned is None else pruned, parser)

        return run

    seconds = _median_cpu_seconds(
        {
            "full_parse": full_parse,
            "prune": prune_only(True),
            "prune_parse": prune_and_parse(True),
            "prune_unchecked": prune_only(False),
            "prune_parse_unchecked": prune_and_parse(False),
        },
        repeats,
    )
    pruned = [prune(raw, spec) for raw in documents]
    kept = sum(
        len(raw) if cut is None else len(cut) for raw, cut in zip(documents, pruned, strict=True)
    )
    count = len(documents)
    figures: dict[str, float] = {
        "documents": float(count),
        "bytes": float(total_bytes),
        "median_document_bytes": float(statistics.median(map(len, documents))),
        "fallbacks": float(sum(text is None for text in pruned)),
        "kept_fraction": kept / max(1, total_bytes),
        "full_parse_mb_per_s": total_bytes / seconds["full_parse"] / 1e6,
    }
    for name, elapsed in seconds.items():
        figures[f"{name}_docs_per_s"] = count / elapsed
    figures["speedup"] = seconds["full_parse"] / seconds["prune_parse"]
    figures["speedup_unchecked"] = seconds["full_parse"] / seconds["prune_parse_unchecked"]
    return figures


def _median_cpu_seconds(runs: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """Median CPU seconds of each run; the runs take turns so that a change in machine
    load affects all of them alike."""
    timings: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(max(1, repeats)):
        for name, run in runs.items():
            started = time.process_time()
            run()
            timings[name].append(time.process_time() - started)
    return {name: statistics.median(values) for name, values in timings.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Measure pruning on mock documents with the shipped contract; print JSON."""
    from xml_migration.contract.compiler import load_plan
    from xml_migration.mock.generator import generate_documents

    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--docs", type=int, default=500)
    options.add_argument("--profile", default="production")
    options.add_argument("--seed", type=int, default=1)
    options.add_argument("--repeats", type=int, default=5)
    arguments = options.parse_args(argv)
    plan = load_plan()
    spec = keep_spec_for(plan.container_path, plan.read_paths)
    documents = [
        document.xml.encode("utf-8")
        for document in generate_documents(
            arguments.docs, first_app_id=1, seed=arguments.seed, profile=arguments.profile
        )
        if isinstance(document.xml, str)
    ]
    figures = measure_pruning(documents, spec, arguments.repeats)
    print(json.dumps({key: round(value, 3) for key, value in figures.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
