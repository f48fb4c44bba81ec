"""Documents migrated under another contract: which log rows are stale, and the statements
that remove a document's rows and stale log row before it is migrated again.

A log row is stale when its `contract_fingerprint` differs from the current contract's
(NULL included: rows written before the column existed). Re-migration deletes, in the
transaction that writes the new outcome, the document's rows in every target table
(children before parents) and its stale log row (docs/adr/0015-contract-changes.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Delete, delete, or_, select
from sqlalchemy.sql import ColumnElement

from xml_migration.db.model import LOG, DatabaseModel


def current_outcome(model: DatabaseModel, fingerprint: str) -> ColumnElement[bool]:
    """Log rows written under the contract with `fingerprint`."""
    return model.log.c[LOG.contract_fingerprint] == fingerprint


def stale_outcome(model: DatabaseModel, fingerprint: str) -> ColumnElement[bool]:
    """Log rows written under another contract, or before fingerprints were recorded."""
    column = model.log.c[LOG.contract_fingerprint]
    return or_(column.is_(None), column != fingerprint)


def _document_rows(model: DatabaseModel, table_name: str, app_ids: Sequence[int]) -> Delete | None:
    """The rows of `table_name` owned by the applications `app_ids`; None for a table
    whose rows have no owner the model can name."""
    target = model.target
    spec = target.table(table_name)
    table = model.table(table_name)
    if target.app_key_column in spec.column_names:
        return delete(table).where(table.c[target.app_key_column].in_(app_ids))
    contact_key = target.contact_key_column
    if target.contact_table and contact_key and contact_key in spec.column_names:
        contact = model.table(target.contact_table)
        owned = select(contact.c[contact_key]).where(contact.c[target.app_key_column].in_(app_ids))
        return delete(table).where(table.c[contact_key].in_(owned))
    return None


def replace_documents_statements(
    model: DatabaseModel, app_ids: Sequence[int], fingerprint: str
) -> list[Delete]:
    """Delete the documents' rows in every target table, children first (the reverse of
    the insertion order), then their stale log rows."""
    statements: list[Any] = [
        _document_rows(model, spec.name, app_ids) for spec in reversed(model.target.tables)
    ]
    log_table = model.log
    statements.append(
        delete(log_table).where(model.log_app_key.in_(app_ids), stale_outcome(model, fingerprint))
    )
    return [statement for statement in statements if statement is not None]
