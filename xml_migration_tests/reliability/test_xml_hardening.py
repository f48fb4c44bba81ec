"""Hostile XML: entity expansion, external entities, DTD loading and network access are off;
entity bombs and XXE documents fail fast in bounded memory with a clear reason; nothing
from a referenced file or address reaches a row; documents above the configured size limit
fail as `document_too_large` without being parsed."""

from __future__ import annotations

import re
import resource
import threading
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest

from xml_migration.cli.main import main
from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import create_db_engine
from xml_migration.db.ddl import create_schema
from xml_migration.db.source import insert_source_documents
from xml_migration.defs.deployment import (
    DB_URL_VAR,
    PARTITION_WIDTH_VAR,
    WORKERS_VAR,
    Deployment,
)
from xml_migration.defs.migration import migrated_applications
from xml_migration.defs.partitions import aligned_range, app_id_ranges, range_key
from xml_migration.engine import reader
from xml_migration.engine.mapper import map_parsed
from xml_migration.engine.outcome import DocumentFailure, Stage
from xml_migration.engine.reader import DEFAULT_MAX_DOCUMENT_BYTES, parse_document
from xml_migration.migration.run_range import cached_plan, migrate_range
from xml_migration.migration.settings import MigrationSettings
from xml_migration.mock import generate_documents
from xml_migration.mock.faults import ENTITY_EXPANSION_DOCTYPE
from xml_migration_tests.reliability.outcomes import (
    all_text,
    integrity_failures,
    logged_outcomes,
    target_of,
)

SECRET_MARKER = "xxe-marker-7f3a9c"
FAIL_FAST_SECONDS = 5.0
PYTHON_PEAK_BYTES = 16 * 1024 * 1024
RSS_GROWTH_BYTES = 200 * 1024 * 1024
"""Generous bounds: an expanded billion-laughs entity needs gigabytes and minutes."""


class RequestCounter(BaseHTTPRequestHandler):
    """Counts every request; the test server exists only to see whether anyone calls."""

    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = f'<!ENTITY leak "{SECRET_MARKER}">'.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        """Silent."""


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server: its base address and the paths requested from it."""
    requests: list[str] = []
    handler = type("Handler", (RequestCounter,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def source_with(url: str, target: TargetSchema, rows: Iterable[tuple[int, str]]) -> None:
    """Create the schema of `target` at `url` and store `rows` as its source documents."""
    engine = create_db_engine(url)
    try:
        create_schema(engine, target)
        insert_source_documents(engine, target, rows)
    finally:
        engine.dispose()


def clean_documents(count: int) -> list[tuple[int, str]]:
    """Good compact documents with their keys, each with a contact last name to aim
    entities at."""
    documents = [
        (generated.app_id, str(generated.xml))
        for generated in generate_documents(count * 3, first_app_id=1, seed=21, profile="compact")
        if 'last_name="' in str(generated.xml)
    ]
    assert len(documents) >= count
    return documents[:count]


def hostile(document: str, doctype: str, last_name: str) -> str:
    """`document` with a document type declaration and an entity in a mapped attribute."""
    document = document.replace("<Provenir ", doctype + "<Provenir ", 1)
    return re.sub(r'last_name="[^"]*"', f'last_name="{last_name}"', document, count=1)


def hostile_documents(secret: Path, base: str) -> dict[str, tuple[str, str]]:
    """Attacks by name: (doctype, last name value) to put into a good document."""
    return {
        "billion_laughs": (ENTITY_EXPANSION_DOCTYPE, "&lol9;"),
        "quadratic_blowup": (
            f'<!DOCTYPE Provenir [<!ENTITY a "{"x" * 50_000}">]>',
            "&a;" * 20_000,
        ),
        "external_file_entity": (
            f'<!DOCTYPE Provenir [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>',
            "&leak;",
        ),
        "parameter_entity_file": (
            f'<!DOCTYPE Provenir [<!ENTITY % file SYSTEM "{secret.as_uri()}">'
            "<!ENTITY % wrap \"<!ENTITY leak '%file;'>\">%wrap;]>",
            "&leak;",
        ),
        "external_dtd_over_network": (
            f'<!DOCTYPE Provenir SYSTEM "{base}/external.dtd">',
            "&leak;",
        ),
        "network_entity": (
            f'<!DOCTYPE Provenir [<!ENTITY leak SYSTEM "{base}/entity">]>',
            "&leak;",
        ),
        "parameter_entity_over_network": (
            f'<!DOCTYPE Provenir [<!ENTITY % remote SYSTEM "{base}/param">%remote;]>',
            "&leak;",
        ),
        "doctype_after_comment_and_pi": (
            "<!-- harmless --><?pi data?>\n  <!doctype Provenir [<!ENTITY leak 'x'>]>",
            "&leak;",
        ),
    }


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET_MARKER, encoding="utf-8")
    return path


def test_attacks_fail_fast_in_bounded_memory_before_any_expansion(
    secret: Path, listener: tuple[str, list[str]]
) -> None:
    base, requests = listener
    plan = cached_plan(None)
    attacks = hostile_documents(secret, base)
    documents = clean_documents(len(attacks))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    for (name, attack), (app_id, document) in zip(attacks.items(), documents, strict=True):
        text = hostile(document, *attack)
        tracemalloc.start()
        started = time.perf_counter()
        outcome = parse_document(plan, app_id, text)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert isinstance(outcome, DocumentFailure), name
        assert (outcome.stage, outcome.reason) == (Stage.VALIDATION, "dtd_forbidden"), name
        assert "document type declaration" in outcome.detail, name
        assert seconds < FAIL_FAST_SECONDS, (name, seconds)
        assert peak < PYTHON_PEAK_BYTES, (name, peak)
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    assert rss_growth < RSS_GROWTH_BYTES
    assert requests == []


def test_the_parser_alone_resolves_nothing_when_the_doctype_check_is_bypassed(
    secret: Path, listener: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, requests = listener
    monkeypatch.setattr(reader, "has_doctype", lambda _text: False)
    plan = cached_plan(None)
    attacks = hostile_documents(secret, base)
    for (name, attack), (app_id, document) in zip(
        attacks.items(), clean_documents(len(attacks)), strict=True
    ):
        started = time.perf_counter()
        outcome = parse_document(plan, app_id, hostile(document, *attack))
        if not isinstance(outcome, DocumentFailure):
            outcome = map_parsed(outcome)
        assert time.perf_counter() - started < FAIL_FAST_SECONDS, name
        assert SECRET_MARKER not in repr(outcome), name
        assert "lollollol" not in repr(outcome), name
    assert requests == []


def test_an_undeclared_entity_is_never_resolved() -> None:
    [(app_id, document)] = clean_documents(1)
    outcome = parse_document(cached_plan(None), app_id, hostile(document, "", "&leak;"))
    assert isinstance(outcome, DocumentFailure)
    assert (outcome.stage, outcome.reason) == (Stage.VALIDATION, "not_well_formed")
    assert "leak" in outcome.detail


def test_hostile_documents_in_a_run_leak_nothing_and_call_nowhere(
    database_url: str, secret: Path, listener: tuple[str, list[str]]
) -> None:
    base, requests = listener
    attacks = hostile_documents(secret, base)
    documents = clean_documents(len(attacks) * 2 + 1)
    rows: list[tuple[int, str]] = []
    attacked: dict[int, str] = {}
    for index, (app_id, document) in enumerate(documents[:-1]):
        if index % 2:
            name = list(attacks)[index // 2]
            attacked[app_id] = name
            document = hostile(document, *attacks[name])
        rows.append((app_id, document))
    xinclude_id, xinclude = documents[-1]
    xinclude = xinclude.replace(
        "<CustData>",
        f'<CustData><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        f'href="{base}/xinclude" parse="text"/>'
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        f'href="{secret.as_uri()}" parse="text"/>',
        1,
    )
    rows.append((xinclude_id, xinclude))
    target = target_of()
    source_with(database_url, target, rows)

    started = time.perf_counter()
    stats = migrate_range(MigrationSettings(database_url, batch_size=4), None, None)
    assert time.perf_counter() - started < 30

    outcomes = logged_outcomes(database_url, target)
    assert stats.documents == len(rows) and sorted(outcomes) == [key for key, _ in rows]
    for app_id, [outcome] in outcomes.items():
        if app_id in attacked:
            assert outcome.stage_and_reason == ("validation", "dtd_forbidden"), attacked[app_id]
        else:
            assert outcome.status == "success", (app_id, outcome.failure_reason)
    assert not [value for value in all_text(database_url, target) if SECRET_MARKER in value]
    assert requests == []
    assert integrity_failures(database_url, target) == []


def document_of_length(document: str, length: int) -> str:
    """`document` padded with trailing whitespace (after the root element) to `length`."""
    assert len(document) <= length
    return document + " " * (length - len(document))


def test_size_limit_is_configurable_and_enforced_before_parsing(database_url: str) -> None:
    assert MigrationSettings("sqlite://").max_document_bytes == DEFAULT_MAX_DOCUMENT_BYTES
    assert DEFAULT_MAX_DOCUMENT_BYTES == 50 * 1024 * 1024
    (fits, first), (too_large, second), (broken, third) = clean_documents(3)
    limit = max(len(first), len(second)) + 10
    rows = [
        (fits, document_of_length(first, limit)),
        (too_large, document_of_length(second, limit + 1)),
        (broken, third + "<broken"),
    ]
    target = target_of()
    source_with(database_url, target, rows)

    migrate_range(MigrationSettings(database_url, max_document_bytes=limit), None, None)

    outcomes = logged_outcomes(database_url, target)
    assert outcomes[fits][0].status == "success", outcomes[fits][0].failure_reason
    [rejected] = outcomes[too_large]
    assert rejected.stage_and_reason == ("validation", "document_too_large")
    assert f"{limit + 1} " in rejected.detail and f"limit of {limit}" in rejected.detail
    assert outcomes[broken][0].stage_and_reason == ("validation", "not_well_formed")


def test_the_run_command_takes_the_size_limit(sqlite_url: str, tmp_path: Path) -> None:
    [(app_id, document)] = clean_documents(1)
    target = target_of()
    source_with(sqlite_url, target, [(app_id, document)])
    arguments = ["run", "--db", sqlite_url, "--metrics-dir", str(tmp_path / "metrics")]

    assert main([*arguments, "--max-document-bytes", str(len(document) - 1)]) == 0

    [outcome] = logged_outcomes(sqlite_url, target)[app_id]
    assert outcome.stage_and_reason == ("validation", "document_too_large")
    assert main([*arguments, "--reprocess-failed", "--max-document-bytes", str(len(document))]) == 0
    assert [o.status for o in logged_outcomes(sqlite_url, target)[app_id]] == ["success"]


@pytest.mark.dagster
def test_the_migration_asset_takes_the_size_limit(sqlite_url: str) -> None:
    documents = clean_documents(2)
    (small, first), (large, second) = sorted(documents, key=lambda doc: len(doc[1]))
    target = target_of()
    source_with(sqlite_url, target, documents)
    width = 1_000
    partition = range_key(*aligned_range(small, width))
    assert partition == range_key(*aligned_range(large, width))
    deployment = Deployment.from_environment(
        {DB_URL_VAR: sqlite_url, WORKERS_VAR: "1", PARTITION_WIDTH_VAR: str(width)}
    )
    limit = (len(first) + len(second)) // 2
    assert len(first) <= limit < len(second)

    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(app_id_ranges.name, [partition])
        result = dg.materialize(
            [migrated_applications],
            partition_key=partition,
            resources=deployment.resources(),
            instance=instance,
            run_config={
                "ops": {"migrated_applications": {"config": {"max_document_bytes": limit}}}
            },
        )

    assert result.success
    outcomes = logged_outcomes(sqlite_url, target)
    assert outcomes[small][0].status == "success"
    assert outcomes[large][0].stage_and_reason == ("validation", "document_too_large")
