"""A hand-made relational model shaped like a credit-application contract, and its rows.

`credit_schema()` has a root, a contact, a child, a single-row and a row-creating table,
every data type and a `sql_type` override; `mapped_document()` builds the rows one
document produces, deterministic by application key.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from xml_migration.contract.tables import (
    ColumnSpec,
    DataType,
    ForeignKeySpec,
    TableRole,
    TableSpec,
    TargetSchema,
)
from xml_migration.engine.outcome import DocumentFailure, MappedDocument, Row, Stage

CONTACTS_PER_DOCUMENT = 2
ADDRESS_TYPES = ("CURR", "PREV")
SCORE_IDS = ("FICO", "VANTAGE", "BEACON")


def credit_schema(schema: str | None = "migration_test") -> TargetSchema:
    """Five tables covering every role the DDL and the loader treat differently."""
    app_base = TableSpec(
        name="app_base",
        role=TableRole.ROOT,
        columns=(
            ColumnSpec("app_id", DataType.INT, nullable=False),
            ColumnSpec("app_receive_date", DataType.DATETIME),
            ColumnSpec("product_line", DataType.STRING, length=20),
            ColumnSpec("requested_amount", DataType.DECIMAL, scale=2),
            ColumnSpec("decision_date", DataType.DATE),
            ColumnSpec("channel_code", DataType.TINYINT),
            ColumnSpec("priority", DataType.SMALLINT),
            ColumnSpec("external_ref", DataType.BIGINT),
            ColumnSpec("comments", DataType.STRING),
        ),
        primary_key=("app_id",),
    )
    contact = TableSpec(
        name="app_contact_base",
        role=TableRole.CONTACT,
        columns=(
            ColumnSpec("con_id", DataType.INT, nullable=False),
            ColumnSpec("app_id", DataType.INT, nullable=False),
            ColumnSpec("contact_type_enum", DataType.SMALLINT),
            ColumnSpec("first_name", DataType.STRING, length=50),
            ColumnSpec("ssn", DataType.STRING, length=9, sql_type="CHAR(9)"),
            ColumnSpec("birth_date", DataType.SMALLDATETIME),
            ColumnSpec("esign_consent_flag", DataType.BIT),
        ),
        primary_key=("con_id",),
        foreign_keys=(ForeignKeySpec(("app_id",), "app_base", ("app_id",)),),
    )
    operational = TableSpec(
        name="app_operational",
        role=TableRole.SINGLE_ROW,
        columns=(
            ColumnSpec("app_id", DataType.INT, nullable=False),
            ColumnSpec("assigned_to", DataType.STRING, length=30),
            ColumnSpec("risk_rate", DataType.DECIMAL, scale=4),
        ),
        primary_key=("app_id",),
        foreign_keys=(ForeignKeySpec(("app_id",), "app_base", ("app_id",), "CASCADE"),),
    )
    address = TableSpec(
        name="app_contact_address",
        role=TableRole.CHILD,
        columns=(
            ColumnSpec("con_id", DataType.INT, nullable=False),
            ColumnSpec("address_type_enum", DataType.SMALLINT, nullable=False),
            ColumnSpec("city", DataType.STRING, length=50),
            ColumnSpec("state", DataType.STRING, length=2, sql_type="CHAR(2)"),
        ),
        primary_key=("con_id", "address_type_enum"),
        foreign_keys=(ForeignKeySpec(("con_id",), "app_contact_base", ("con_id",), "CASCADE"),),
    )
    scores = TableSpec(
        name="scores",
        role=TableRole.SCORE,
        columns=(
            ColumnSpec("app_id", DataType.INT, nullable=False),
            ColumnSpec("score_identifier", DataType.STRING, nullable=False, length=100),
            ColumnSpec("score", DataType.INT),
        ),
        primary_key=("app_id", "score_identifier"),
        foreign_keys=(ForeignKeySpec(("app_id",), "app_base", ("app_id",)),),
    )
    return TargetSchema(
        schema=schema,
        tables=(app_base, contact, operational, address, scores),
        app_key_column="app_id",
        app_key_type=DataType.INT,
        contact_table="app_contact_base",
        contact_key_column="con_id",
        source_table="app_xml",
        source_column="xml",
        source_key_column="app_id",
        processing_log_table="processing_log",
    )


def contact_ids(app_id: int) -> list[int]:
    """The contact keys of a document: unique across documents unless a test collides them."""
    return [app_id * 10 + index for index in range(CONTACTS_PER_DOCUMENT)]


def mapped_document(app_id: int, con_ids: list[int] | None = None) -> MappedDocument:
    """The rows one document yields: 1 root, 1 operational, contacts with two addresses
    each, three scores (10 rows with the default two contacts)."""
    con_ids = contact_ids(app_id) if con_ids is None else con_ids
    rows: dict[str, list[Row]] = {
        "app_base": [
            (
                app_id,
                datetime(2024, 1, 1 + app_id % 28, 10, 30, 15, 123456),
                f"product {app_id % 7}",
                Decimal(app_id % 100_000) / 100,
                date(2024, 2, 1 + app_id % 28),
                app_id % 256,
                app_id % 30_000,
                app_id * 1_000_003,
                "é ünïcode ✓" if app_id % 2 else None,
            )
        ],
        "app_contact_base": [
            (
                con_id,
                app_id,
                index + 1,
                f"name{con_id}",
                f"{con_id % 1_000_000_000:09d}",
                datetime(1980, 1 + index, 2, 0, 0),
                index % 2,
            )
            for index, con_id in enumerate(con_ids)
        ],
        "app_operational": [(app_id, f"agent{app_id % 5}", Decimal("0.1234"))],
        "app_contact_address": [
            (con_id, type_index + 1, f"city{con_id}", "NY")
            for con_id in con_ids
            for type_index in range(len(ADDRESS_TYPES))
        ],
        "scores": [(app_id, name, 600 + index) for index, name in enumerate(SCORE_IDS)],
    }
    return MappedDocument(app_id=app_id, rows=rows)


def mapping_failure(app_id: int) -> DocumentFailure:
    """A document the engine rejected."""
    return DocumentFailure(
        app_id, Stage.MAPPING, "enum_unmapped", "app_base.channel_code: value 'ZZ'"
    )


def source_document(app_id: int) -> str:
    """A small source document for `app_id`."""
    return f'<Provenir><Request ID="{app_id}"/></Provenir>'
