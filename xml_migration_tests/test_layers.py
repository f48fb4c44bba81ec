"""The layer rules (ADR 0001): each package of `xml_migration` imports only the packages its
row of `MAY_IMPORT` names; contract and engine import neither Dagster nor a database driver;
the database layer, the runs over it and the benchmark import no Dagster."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

import xml_migration

PACKAGE_ROOT = Path(xml_migration.__file__).parent

# What each part of the package may import of the others: the project's own import graph,
# one direction, each part after the parts it imports. `definitions.py` assembles `defs` and
# counts as part of it. A package missing here fails
# `test_every_package_has_a_place_in_the_layers`.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "contract": frozenset(),
    "engine": frozenset({"contract"}),
    "db": frozenset({"contract", "engine"}),
    "migration": frozenset({"contract", "engine", "db"}),
    "mock": frozenset({"contract", "engine", "db"}),
    "bench": frozenset({"contract", "engine", "db", "migration", "mock"}),
    "defs": frozenset({"contract", "engine", "db", "migration", "mock", "bench"}),
    "cli": frozenset({"contract", "engine", "db", "migration", "mock", "bench"}),
}

FORBIDDEN = ("dagster", "sqlalchemy", "psycopg", "pyodbc", "sqlite3")


class ProjectImport(NamedTuple):
    """One import of a project module by a module of another part of the package."""

    source: Path
    line: int
    importer: str
    imported_module: str
    imported_part: str


ASSEMBLED_IN = {"definitions": "defs"}


def _part(module: str) -> str | None:
    """The part of the package (`contract`, `db`, …) a dotted module name belongs to."""
    names = module.split(".")
    if names[0] != "xml_migration" or len(names) < 2:
        return None
    return ASSEMBLED_IN.get(names[1], names[1])


def _project_imports() -> list[ProjectImport]:
    found = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        relative = path.relative_to(PACKAGE_ROOT)
        if relative == Path("__init__.py"):
            continue
        importer = _part(f"xml_migration.{relative.parts[0].removesuffix('.py')}")
        assert importer is not None
        package = ["xml_migration", *relative.with_suffix("").parts]
        if path.name == "__init__.py":
            package.append("__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package[: -node.level] if node.level else []
                modules = [".".join([*base, *([node.module] if node.module else [])])]
            else:
                continue
            for module in modules:
                part = _part(module)
                if part is not None and part != importer:
                    found.append(ProjectImport(path, node.lineno, importer, module, part))
    return found


def test_every_package_has_a_place_in_the_layers() -> None:
    parts = {
        _part(f"xml_migration.{path.name.removesuffix('.py')}")
        for path in PACKAGE_ROOT.iterdir()
        if (path.is_dir() and (path / "__init__.py").exists())
        or (path.suffix == ".py" and path.name != "__init__.py")
    }
    assert parts - MAY_IMPORT.keys() == set(), "add the new package to MAY_IMPORT"
    assert MAY_IMPORT.keys() - parts == set(), "MAY_IMPORT names a package that is gone"


def test_imports_between_the_packages_follow_the_layers() -> None:
    found = _project_imports()
    assert found, "the import scan found no import between the packages"
    against_the_grain = [
        f"{item.source.relative_to(PACKAGE_ROOT.parent)}:{item.line}: {item.importer} imports "
        f"{item.imported_module}, but {item.importer} may import only "
        f"{', '.join(sorted(MAY_IMPORT[item.importer])) or 'nothing of the project'}"
        for item in found
        if item.imported_part not in MAY_IMPORT[item.importer]
    ]
    assert against_the_grain == [], "\n".join(against_the_grain)


def test_the_layer_table_points_one_way() -> None:
    earlier: set[str] = set()
    for part, imported in MAY_IMPORT.items():
        later = sorted(imported - earlier)
        assert not later, f"{part} may import {later}, listed after it"
        earlier.add(part)


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
        (
            ("xml_migration.bench",),
            (
                "xml_migration.cli.bench",
                "xml_migration.cli.soak",
                "xml_migration.cli.repeated_runs",
            ),
        ),
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
