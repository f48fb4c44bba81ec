"""The progress bar appears on a terminal and nowhere else."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from xml_migration.cli.progress import progress_bar
from xml_migration.mock.database import generate_into_database


class TerminalStream(io.StringIO):
    """An in-memory stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_counts_and_rate() -> None:
    stream = TerminalStream()
    with progress_bar("migrating", 10, stream=stream) as bar:
        assert bar is not None
        bar.advance(4)
        bar.update(10)
    output = stream.getvalue()
    assert "migrating" in output and "━" in output
    assert "10/10" in output and "/min" in output


def test_redirected_output_gets_nothing() -> None:
    stream = io.StringIO()
    with progress_bar("migrating", 10, stream=stream) as bar:
        assert bar is None
    assert stream.getvalue() == ""


def test_run_on_a_pseudo_terminal_draws_the_bar(sqlite_url: str, tmp_path: Path) -> None:
    generate_into_database(sqlite_url, 20, profile="compact")
    controller, terminal = pty.openpty()
    command = [sys.executable, "-m", "xml_migration.cli.main", "run", "--db", sqlite_url]
    process = subprocess.Popen(command, stdout=terminal, stderr=terminal, cwd=tmp_path)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=60) == 0
    output = b"".join(chunks).decode("utf-8", "replace")
    assert "migrating" in output and "━" in output
    assert "documents 20: 20 loaded, 0 failed" in output
