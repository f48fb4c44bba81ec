"""`xml-migration map`: JSON lines in the vectors' format, keys from file names."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xml_migration.cli.main import main
from xml_migration.contract.compiler import load_plan
from xml_migration_tests.compat.vectors import (
    CONTRACT_PATH,
    DOCUMENTS_DIR,
    assert_matches,
    document_paths,
    expected_record,
)


def run_map(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict]]:
    code = main(["map", "--contract", str(CONTRACT_PATH), *args])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_map_reproduces_every_expected_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    started = datetime.now(UTC).replace(tzinfo=None)
    shuffled = [str(path) for path in reversed(document_paths())]
    code, records = run_map(capsys, *shuffled)
    finished = datetime.now(UTC).replace(tzinfo=None)
    assert code == 0
    assert [r["document"] for r in records] == [p.name for p in document_paths()]
    plan = load_plan(CONTRACT_PATH)
    for record in records:
        assert_matches(plan, record, expected_record(record["document"]), started, finished)


def test_collision_needs_the_earlier_document(capsys: pytest.CaptureFixture[str]) -> None:
    alone = str(DOCUMENTS_DIR / "100025_conid-collision.xml")
    _, (record,) = run_map(capsys, alone)
    assert record["status"] == "success"
    _, records = run_map(capsys, alone, str(DOCUMENTS_DIR / "100001_normal.xml"))
    assert [r["status"] for r in records] == ["success", "failed"]
    reason = records[1]["tables"]["processing_log"][0]["failure_reason"]
    assert reason.startswith("constraint_violation: key_collision: app_contact_base")
    assert "100001" in reason


def test_file_without_key_prefix_uses_the_document_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "normal.xml"
    shutil.copy(DOCUMENTS_DIR / "100001_normal.xml", copy)
    _, (record,) = run_map(capsys, str(copy))
    assert (record["document"], record["source_app_id"], record["status"]) == (
        "normal.xml",
        100001,
        "success",
    )


def test_now_and_notes_options(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(DOCUMENTS_DIR / "100002_minimal.xml")
    _, (record,) = run_map(capsys, "--now", "2030-01-02T03:04:05", "--notes", path)
    assert record["tables"]["app_base"][0]["retain_until_date"] == "2030-01-02T03:04:05"
    assert isinstance(record["notes"], list)


def test_output_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(path) for path in document_paths()]
    first = run_map(capsys, "--now", "2030-01-01T00:00:00", *paths)
    second = run_map(capsys, "--now", "2030-01-01T00:00:00", *reversed(paths))
    assert first == second


def test_unreadable_file_and_invalid_contract_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["map", "--contract", str(CONTRACT_PATH), str(tmp_path / "none.xml")]) == 1
    assert "none.xml" in capsys.readouterr().err
    broken = tmp_path / "contract.json"
    broken.write_text("{}", encoding="utf-8")
    assert main(["map", "--contract", str(broken), str(tmp_path / "none.xml")]) == 1
    assert "xml_root_element" in capsys.readouterr().err
