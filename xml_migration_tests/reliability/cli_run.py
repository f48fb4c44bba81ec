"""The `xml-migration run` command line the reliability tests start as a process."""

from __future__ import annotations

import sys
from pathlib import Path


def run_command(
    url: str, metrics: Path, *, workers: int, options: tuple[str, ...] = ()
) -> list[str]:
    """`xml-migration run` on `url` with `workers` processes, its metrics file in `metrics`."""
    return [
        sys.executable,
        "-m",
        "xml_migration.cli.main",
        "run",
        "--db",
        url,
        "--workers",
        str(workers),
        "--metrics-dir",
        str(metrics),
        *options,
    ]
