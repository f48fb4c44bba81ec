"""Why one document's rows were rejected: whose rows already hold its keys (spec §15.3).

Runs only on the failure path, after bisection has isolated a document the database
refused; the happy path never queries keys before writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select

from xml_migration.db.dbapi import Connector, execute
from xml_migration.db.errors import ErrorKind
from xml_migration.db.model import DatabaseModel
from xml_migration.engine.outcome import DocumentFailure, MappedDocument, Stage


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """A row already in `table` with the primary key `key`, belonging to application `owner`
    (None when the owner cannot be determined, e.g. an orphan child row)."""

    table: str
    key: dict[str, Any]
    owner: int | None

    def describe(self) -> str:
        columns = ", ".join(self.key)
        values = ", ".join(str(value) for value in self.key.values())
        return f"{self.table} ({columns})=({values})"


def find_key_owners(
    connector: Connector, cursor: Any, model: DatabaseModel, document: MappedDocument
) -> list[KeyOwner]:
    """Rows already in the database whose primary keys equal keys of `document`'s rows,
    in table insertion order."""
    owners: list[KeyOwner] = []
    for spec in model.target.tables:
        rows = document.rows.get(spec.name)
        if not rows or not spec.primary_key:
            continue
        positions = [spec.column_names.index(name) for name in spec.primary_key]
        keys = {tuple(row[position] for position in positions) for row in rows}
        table = model.table(spec.name)
        owner, from_clause = model.owner(spec)
        key_columns = [table.c[name] for name in spec.primary_key]
        matches = or_(
            *(
                and_(*(column == value for column, value in zip(key_columns, key, strict=True)))
                for key in sorted(keys, key=repr)
            )
        )
        query = select(*key_columns, owner).select_from(from_clause).where(matches)
        for *key, owner_key in execute(connector, cursor, query):
            owners.append(
                KeyOwner(
                    spec.name,
                    dict(zip(spec.primary_key, key, strict=True)),
                    None if owner_key is None else int(owner_key),
                )
            )
    return owners


def rejection_failure(
    document: MappedDocument,
    owners: list[KeyOwner],
    root_table: str,
    kind: ErrorKind,
    message: str,
) -> DocumentFailure:
    """The failure of a document the database rejected, given who owns its keys.

    Its root key taken (by itself, loaded earlier without a log row): `already_loaded`;
    another application's key: `key_collision` naming that application; otherwise the
    database's own message (`database_constraint`, or `database_error` for values).
    """
    app_id = document.app_id
    if any(owner.table == root_table for owner in owners) or (
        owners and all(owner.owner == app_id for owner in owners)
    ):
        return DocumentFailure(
            app_id,
            Stage.CONSTRAINT_VIOLATION,
            "already_loaded",
            f"{root_table} already holds application {app_id}",
        )
    foreign = [owner for owner in owners if owner.owner != app_id]
    if foreign:
        first = foreign[0]
        whose = "an unknown application" if first.owner is None else f"application {first.owner}"
        return DocumentFailure(
            app_id,
            Stage.CONSTRAINT_VIOLATION,
            "key_collision",
            f"{first.describe()} already belongs to {whose}",
        )
    if kind is ErrorKind.CONSTRAINT:
        return DocumentFailure(app_id, Stage.CONSTRAINT_VIOLATION, "database_constraint", message)
    return DocumentFailure(app_id, Stage.DATABASE, "database_error", message)
