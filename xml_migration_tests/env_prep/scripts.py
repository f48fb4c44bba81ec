"""Running the env_prep scripts as operators do: `python env_prep/<script>.py ...`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from xml_migration.contract.compiler import load_plan
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.model import build_model

ENV_PREP = Path(__file__).parents[2] / "env_prep"


def run_script(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ENV_PREP / name), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def log_rows(url: str) -> int:
    engine = create_db_engine(url)
    model = build_model(load_plan().target, dialect_name(engine))
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(model.log)))
    finally:
        engine.dispose()
