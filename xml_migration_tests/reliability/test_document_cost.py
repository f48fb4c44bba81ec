"""What one document may cost is bounded: a document under the size limit but made of
millions of tiny elements or attributes fails as `document_too_large` before it is pruned or
parsed, in bounded memory; the bound (elements and attributes, counted as the `<` and `=`
of the text) is configurable and a document at the bound loads."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from xml_migration.cli.main import main
from xml_migration.engine.outcome import DocumentFailure
from xml_migration.engine.reader import DEFAULT_MAX_DOCUMENT_NODES, parse_document
from xml_migration.migration.run_range import cached_plan
from xml_migration_tests.reliability.outcomes import logged_outcomes, target_of
from xml_migration_tests.reliability.test_xml_hardening import clean_documents, source_with

DOCUMENT_MIB = 48
PEAK_GROWTH_BYTES = 400 * 1024 * 1024
"""Generous: parsing such a document took gigabytes."""

MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    from xml_migration.engine.reader import parse_document
    from xml_migration.migration.run_range import cached_plan
    from xml_migration_tests.reliability.test_xml_hardening import clean_documents

    where, filler = sys.argv[1], sys.argv[2]
    plan = cached_plan(None)
    [(app_id, document)] = clean_documents(1)
    anchor = {"outside": "<Request ", "inside": "<contact "}[where]
    size = int(sys.argv[3]) * 1024 * 1024 - len(document)
    document = document.replace(anchor, filler * (size // len(filler)) + anchor, 1)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    outcome = parse_document(plan, app_id, document)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"growth": after - before, "reason": getattr(outcome, "reason", None),
                      "detail": getattr(outcome, "detail", None), "length": len(document)}))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("filler", ["<a/>", '<b c="" d="" e=""/>'], ids=["elements", "attributes"])
@pytest.mark.parametrize("where", ["outside", "inside"])
def test_a_document_of_tiny_elements_fails_in_bounded_memory(where: str, filler: str) -> None:
    """Outside the application container (pruning would remove them) and inside it."""
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, where, filler, str(DOCUMENT_MIB)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(measured.stdout)
    assert result["length"] <= DOCUMENT_MIB * 1024 * 1024 < 50 * 1024 * 1024
    assert result["reason"] == "document_too_large", result
    assert f"more than the limit of {DEFAULT_MAX_DOCUMENT_NODES}" in result["detail"], result
    assert result["growth"] < PEAK_GROWTH_BYTES, result


def markup(document: str) -> int:
    return document.count("<") + document.count("=")


def test_the_bound_is_configurable_and_a_document_at_it_loads() -> None:
    plan = cached_plan(None)
    [(app_id, document)] = clean_documents(1)
    nodes = markup(document)

    fits = parse_document(plan, app_id, document, max_nodes=nodes)
    too_many = parse_document(plan, app_id, document, max_nodes=nodes - 1)

    assert not isinstance(fits, DocumentFailure), fits
    assert isinstance(too_many, DocumentFailure)
    assert (too_many.reason, too_many.detail) == (
        "document_too_large",
        f"{nodes} elements and attributes at most ('<' and '=' in its text), "
        f"more than the limit of {nodes - 1}",
    )


def test_the_run_command_takes_the_bound(sqlite_url: str, tmp_path: Path) -> None:
    [(app_id, document)] = clean_documents(1)
    target = target_of()
    source_with(sqlite_url, target, [(app_id, document)])
    arguments = ["run", "--db", sqlite_url, "--metrics-dir", str(tmp_path / "metrics")]

    assert main([*arguments, "--max-document-nodes", str(markup(document) - 1)]) == 0

    [outcome] = logged_outcomes(sqlite_url, target)[app_id]
    assert outcome.stage_and_reason == ("validation", "document_too_large")
    at_the_bound = ["--reprocess-failed", "--max-document-nodes", str(markup(document))]
    assert main([*arguments, *at_the_bound]) == 0
    assert [o.status for o in logged_outcomes(sqlite_url, target)[app_id]] == ["success"]
