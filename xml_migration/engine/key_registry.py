"""Key collisions between documents (spec §15.3, D8), checked in memory.

The database loader checks keys against the target tables; this registry does the same for
documents mapped without a database (the `map` command): feed it outcomes in ascending
application key order.
"""

from __future__ import annotations

from xml_migration.contract.tables import TargetSchema
from xml_migration.engine.outcome import DocumentFailure, MappedDocument, Stage

KEY_COLLISION = "key_collision"
ALREADY_LOADED = "already_loaded"


class KeyRegistry:
    """Primary keys produced so far, each with the application that produced it."""

    def __init__(self, schema: TargetSchema) -> None:
        self._key_positions = {
            table.name: tuple(table.column_names.index(name) for name in table.primary_key)
            for table in schema.tables
        }
        self._root = schema.root_table.name
        self._owners: dict[tuple[str, tuple[object, ...]], int] = {}

    def claim(self, mapped: MappedDocument) -> MappedDocument | DocumentFailure:
        """The document unchanged when none of its keys is taken, else its failure."""
        claimed = []
        for table, rows in mapped.rows.items():
            positions = self._key_positions[table]
            for row in rows:
                key = (table, tuple(row[i] for i in positions))
                owner = self._owners.get(key)
                if owner is not None and table == self._root:
                    return DocumentFailure(
                        mapped.app_id,
                        Stage.CONSTRAINT_VIOLATION,
                        ALREADY_LOADED,
                        f"{table} already holds application {owner}",
                        mapped.notes,
                    )
                if owner is not None and owner != mapped.app_id:
                    return DocumentFailure(
                        mapped.app_id,
                        Stage.CONSTRAINT_VIOLATION,
                        KEY_COLLISION,
                        f"{table} key {key[1]!r} belongs to application {owner}",
                        mapped.notes,
                    )
                claimed.append(key)
        for key in claimed:
            self._owners[key] = mapped.app_id
        return mapped
