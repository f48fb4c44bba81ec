"""The layer rule: contract and engine import neither Dagster nor a database driver; the
database layer, the runs over it and the benchmark import no Dagster."""

from __future__ import annotations

import subprocess
import sys

import pytest

FORBIDDEN = ("dagster", "sqlalchemy", "psycopg", "pyodbc", "sqlite3")


@pytest.mark.parametrize("package", ["xml_migration.contract", "xml_migration.engine"])
def test_pure_layers_import_no_database_or_dagster(package: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({package!r})\n"
        "for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(
    ("packages", "modules"),
    [
        (("xml_migration.db", "xml_migration.migration"), ()),
        (("xml_migration.bench",), ("xml_migration.cli.bench",)),
    ],
    ids=["db-and-migration", "benchmark"],
)
def test_layers_below_the_dagster_definitions_import_no_dagster(
    packages: tuple[str, ...], modules: tuple[str, ...]
) -> None:
    """The database layer and the runs over it know nothing of Dagster; the benchmark runs
    Dagster only in a subprocess."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"for name in {packages!r}:\n"
        "    p = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(p.__path__, p.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print(any(m.split('.')[0] == 'dagster' for m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
