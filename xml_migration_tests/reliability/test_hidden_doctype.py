"""A document type declaration hidden behind byte order marks, white space, comments or
processing instructions, in any encoding the reader accepts, fails as `dtd_forbidden` and
the parser never opens a file: no DTD read, no entity expanded into a row, no file probed,
no hang on a FIFO or on standard input. Proven with the text check in front of the parser
and with the parser alone."""

from __future__ import annotations

import errno
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from xml_migration.engine import reader
from xml_migration.engine.mapper import map_parsed
from xml_migration.engine.outcome import DocumentFailure, Stage
from xml_migration.engine.reader import Utf8Text, parse_document
from xml_migration.migration.run_range import cached_plan
from xml_migration_tests.reliability.cli_run import run_command
from xml_migration_tests.reliability.outcomes import all_text, logged_outcomes, target_of
from xml_migration_tests.reliability.test_xml_hardening import clean_documents, source_with

MARKER = "dtd-marker-5b2e81"
RUN_SECONDS = 60
WATCH_POLL_SECONDS = 0.002

PREFIXES = {
    "two_byte_order_marks": "\ufeff\ufeff",
    "five_byte_order_marks": "\ufeff" * 5,
    "marks_between_white_space": "\ufeff \r\n\t\ufeff\n",
    "declaration_then_mark": '\ufeff<?xml version="1.0"?>\ufeff',
    "comment_between_marks": "\ufeff\ufeff<!-- hidden -->\ufeff",
    "processing_instruction_between_marks": "\ufeff<?tool go?>\ufeff\ufeff ",
    "marks_then_lower_case": "\ufeff\n\ufeff",
}
"""What stands before the declaration; every prefix starts with a byte order mark so that
each encoding below can name itself."""

ENCODINGS: dict[str, Callable[[str], str | bytes]] = {
    "text": lambda text: text,
    "utf8_text": lambda text: Utf8Text(text.encode("utf-8")),
    "utf8_bytes": lambda text: text.encode("utf-8"),
    "utf16le_bytes": lambda text: text.encode("utf-16-le"),
    "utf16be_bytes": lambda text: text.encode("utf-16-be"),
    "utf32le_bytes": lambda text: text.encode("utf-32-le"),
}
"""How the source value reaches the reader: as a text column, as UTF-8 text from psycopg,
as bytes of a blob column."""


class FifoWatch:
    """A FIFO that counts the times it found a reader (one open may count more than once).
    A watcher thread opens it for writing whenever a reader has it open and closes it at
    once, so a reader gets an empty file instead of hanging."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.opened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="fifo-watch", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                descriptor = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                if error.errno != errno.ENXIO:
                    raise
                time.sleep(WATCH_POLL_SECONDS)
                continue
            self.opened += 1
            os.close(descriptor)
            time.sleep(WATCH_POLL_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[FifoWatch]:
    watch = FifoWatch(tmp_path / "entities.fifo")
    opener = threading.Thread(target=lambda: watch.path.read_bytes(), daemon=True)
    opener.start()
    opener.join(timeout=5)
    assert not opener.is_alive() and watch.opened >= 1, "the watch does not see opens"
    watch.opened = 0
    try:
        yield watch
    finally:
        watch.stop()


@pytest.fixture
def dtd_file(tmp_path: Path) -> Path:
    """A readable DTD declaring the entity the attacks reference."""
    path = tmp_path / "entities.dtd"
    path.write_text(f'<!ENTITY leak "{MARKER}">', encoding="utf-8")
    return path


def declarations(dtd_file: Path, fifo: Path) -> dict[str, str]:
    """Document type declarations by name; each makes `&leak;` mean something."""
    return {
        "internal_entity": f'<!DOCTYPE Provenir [<!ENTITY leak "{MARKER}">]>',
        "local_dtd_file": f'<!DOCTYPE Provenir SYSTEM "{dtd_file.as_uri()}">',
        "dtd_fifo": f'<!DOCTYPE Provenir SYSTEM "{fifo.as_uri()}">',
        "parameter_entity_fifo": (
            f'<!DOCTYPE Provenir [<!ENTITY % remote SYSTEM "{fifo.as_uri()}">%remote;'
            f'<!ENTITY leak "{MARKER}">]>'
        ),
        "public_identifier": (
            f'<!DOCTYPE Provenir PUBLIC "-//Hostile//DTD//EN" "{dtd_file.as_uri()}">'
        ),
    }


def hidden(document: str, prefix: str, declaration: str) -> str:
    """`document` without its XML declaration, behind `prefix` and `declaration`, with
    `&leak;` as the first contact's last name."""
    body = document.split("?>", 1)[1] if document.startswith("<?xml") else document
    if prefix == PREFIXES["marks_then_lower_case"]:
        declaration = declaration.replace("<!DOCTYPE", "<!doctype")
    attacked = body.replace('last_name="', 'last_name="&leak;', 1)
    assert attacked != body
    return prefix + declaration + attacked


@pytest.mark.parametrize("front_check", [True, False], ids=["with_text_check", "parser_alone"])
def test_a_hidden_doctype_fails_without_any_file_being_opened(
    front_check: bool, dtd_file: Path, fifo: FifoWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not front_check:
        monkeypatch.setattr(reader, "has_doctype", lambda _data: False)
    plan = cached_plan(None)
    [(app_id, document)] = clean_documents(1)
    allowed = {"dtd_forbidden"} if front_check else {"dtd_forbidden", "not_well_formed"}
    wrong: list[str] = []
    forbidden: list[str] = []
    for prefix_name, prefix in PREFIXES.items():
        for kind, declaration in declarations(dtd_file, fifo.path).items():
            text = hidden(document, prefix, declaration)
            for encoding, encode in ENCODINGS.items():
                outcome = parse_document(plan, app_id, encode(text))
                if not isinstance(outcome, DocumentFailure):
                    outcome = map_parsed(outcome)
                if MARKER in repr(outcome) or not isinstance(outcome, DocumentFailure):
                    wrong.append(f"{prefix_name}/{kind}/{encoding}: {outcome!r:.300}")
                elif outcome.stage is not Stage.VALIDATION or outcome.reason not in allowed:
                    wrong.append(f"{prefix_name}/{kind}/{encoding}: {outcome.failure_reason}")
                elif outcome.reason == "dtd_forbidden":
                    forbidden.append(prefix_name)
    assert wrong == []
    assert forbidden.count("two_byte_order_marks") == 5 * len(ENCODINGS)
    assert fifo.opened == 0


def test_the_parser_still_parses_after_refusing_a_reference(fifo: FifoWatch) -> None:
    plan = cached_plan(None)
    [(first_id, first), (second_id, second)] = clean_documents(2)
    refused = parse_document(
        plan, first_id, hidden(first, "", f'<!DOCTYPE Provenir SYSTEM "{fifo.path.as_uri()}">')
    )
    assert isinstance(refused, DocumentFailure) and refused.reason == "dtd_forbidden"
    parsed = parse_document(plan, second_id, second)
    assert not isinstance(parsed, DocumentFailure), parsed
    assert fifo.opened == 0


@pytest.mark.slow
def test_a_run_with_hidden_doctypes_opens_nothing_probes_nothing_and_never_hangs(
    database_url: str, tmp_path: Path, dtd_file: Path, fifo: FifoWatch
) -> None:
    """A one-worker `xml-migration run` whose standard input is an open pipe: a declaration
    naming `/dev/stdin` must not wait for it; an existing file, a directory and a missing
    file give the same reason, so the outcome tells nothing about the file system."""
    directory = tmp_path / "a_directory"
    directory.mkdir()
    names = {
        "standard_input": "file:///dev/stdin",
        "existing_file": dtd_file.as_uri(),
        "directory": directory.as_uri(),
        "missing_file": (tmp_path / "missing.dtd").as_uri(),
        "fifo": fifo.path.as_uri(),
    }
    documents = clean_documents(2 * len(names) + 2)
    rows: list[tuple[int, str]] = []
    attacked: dict[int, str] = {}
    systems = iter(names.items())
    for index, (app_id, document) in enumerate(documents):
        if index % 2:
            name, uri = next(systems, ("internal_entity", ""))
            declaration = (
                f'<!DOCTYPE Provenir SYSTEM "{uri}">'
                if uri
                else f'<!DOCTYPE Provenir [<!ENTITY leak "{MARKER}">]>'
            )
            document = hidden(document, PREFIXES["two_byte_order_marks"], declaration)
            attacked[app_id] = name
        rows.append((app_id, document))
    assert len(attacked) == len(names) + 1
    target = target_of()
    source_with(database_url, target, rows)
    command = run_command(database_url, tmp_path / "metrics", workers=1)

    output_path, error_path = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with (
        output_path.open("w") as output_file,
        error_path.open("w") as error_file,
        subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=output_file, stderr=error_file
        ) as process,
    ):
        try:
            process.wait(timeout=RUN_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail("the run hung on a document type declaration")
    output, error = output_path.read_text(), error_path.read_text()

    assert process.returncode == 0, error
    outcomes = logged_outcomes(database_url, target)
    assert sorted(outcomes) == sorted(app_id for app_id, _ in rows)
    reasons = set()
    for app_id, [outcome] in outcomes.items():
        if app_id in attacked:
            assert outcome.stage_and_reason == ("validation", "dtd_forbidden"), attacked[app_id]
            reasons.add(outcome.failure_reason)
        else:
            assert outcome.status == "success", (app_id, outcome.failure_reason)
    assert len(reasons) == 1, reasons
    assert not [value for value in all_text(database_url, target) if MARKER in value]
    assert fifo.opened == 0
    assert f"{len(attacked)} failed" in output, output
