"""Throughput of the loader's bulk paths: PostgreSQL COPY against `executemany`.

Loads the rows of synthetic documents shaped like a credit-application contract (10 tables,
20 rows per document: root, two single-row tables, two contacts with two addresses and two
employments each, scores, indicators and lookups) through the real loader, one transaction
per batch with its processing log rows, into a schema of its own that is dropped afterwards.
"""

from __future__ import annotations

import statistics
import time
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
from xml_migration.db.connection import disposable_engine
from xml_migration.db.ddl import create_schema, drop_schema, reset_schema
from xml_migration.db.loader import open_loader
from xml_migration.db.writers import LoadMethod
from xml_migration.engine.outcome import MappedDocument, Row

BENCH_SCHEMA = "xml_migration_bench"
CONTACTS = 2
CHILDREN_PER_CONTACT = 2


def _column(name: str, data_type: DataType, **options: object) -> ColumnSpec:
    return ColumnSpec(name, data_type, **options)  # type: ignore[arg-type]


def _app_table(
    name: str, role: TableRole, extra: tuple[ColumnSpec, ...], key: tuple[str, ...]
) -> TableSpec:
    return TableSpec(
        name,
        role,
        (_column("app_id", DataType.INT, nullable=False), *extra),
        ("app_id", *key),
        (ForeignKeySpec(("app_id",), "app_base", ("app_id",)),) if name != "app_base" else (),
    )


def _detail_columns(prefix: str) -> tuple[ColumnSpec, ...]:
    return (
        _column(f"{prefix}_text", DataType.STRING, length=50),
        _column(f"{prefix}_amount", DataType.DECIMAL, scale=2),
        _column(f"{prefix}_date", DataType.DATETIME),
        _column(f"{prefix}_code", DataType.SMALLINT),
        _column(f"{prefix}_flag", DataType.BIT),
        _column(f"{prefix}_note", DataType.STRING, length=100),
    )


def bench_schema() -> TargetSchema:
    """Ten tables with the roles and column mix of a realistic contract."""
    name_value = (
        _column("name", DataType.STRING, nullable=False, length=100),
        _column("value", DataType.STRING, length=250),
    )
    child_columns = (
        _column("con_id", DataType.BIGINT, nullable=False),
        _column("type_enum", DataType.SMALLINT, nullable=False),
        *_detail_columns("detail"),
    )
    child_key = ("con_id", "type_enum")
    child_fk = (ForeignKeySpec(("con_id",), "app_contact_base", ("con_id",), "CASCADE"),)
    tables = (
        _app_table("app_base", TableRole.ROOT, _detail_columns("base"), ()),
        TableSpec(
            "app_contact_base",
            TableRole.CONTACT,
            (
                _column("con_id", DataType.BIGINT, nullable=False),
                _column("app_id", DataType.INT, nullable=False),
                _column("birth_date", DataType.DATE),
                *_detail_columns("contact"),
            ),
            ("con_id",),
            (ForeignKeySpec(("app_id",), "app_base", ("app_id",)),),
        ),
        _app_table("app_operational", TableRole.SINGLE_ROW, _detail_columns("operational"), ()),
        _app_table("app_pricing", TableRole.SINGLE_ROW, _detail_columns("pricing"), ()),
        TableSpec("app_contact_address", TableRole.CHILD, child_columns, child_key, child_fk),
        TableSpec("app_contact_employment", TableRole.CHILD, child_columns, child_key, child_fk),
        _app_table(
            "scores",
            TableRole.SCORE,
            (
                _column("score_identifier", DataType.STRING, nullable=False, length=100),
                _column("score", DataType.INT),
            ),
            ("score_identifier",),
        ),
        _app_table("indicators", TableRole.INDICATOR, name_value, ("name",)),
        _app_table("app_historical_lookup", TableRole.HISTORY, name_value, ("name",)),
        _app_table("app_report_results_lookup", TableRole.REPORT_LOOKUP, name_value, ("name",)),
    )
    return TargetSchema(
        schema=BENCH_SCHEMA,
        tables=tables,
        app_key_column="app_id",
        app_key_type=DataType.INT,
        contact_table="app_contact_base",
        contact_key_column="con_id",
        source_table="app_xml",
        source_column="xml",
        source_key_column="app_id",
        processing_log_table="processing_log",
    )


def _details(key: int) -> tuple[object, ...]:
    return (
        f"text value {key % 9973}",
        Decimal(key % 100_000) / 100,
        datetime(2024, 1 + key % 12, 1 + key % 28, 12, 30, 15, key % 1_000_000),
        key % 300,
        key % 2,
        "a note of some length that fills a realistic share of the column",
    )


def bench_document(app_id: int) -> MappedDocument:
    """The 20 rows one synthetic document yields."""
    contacts = [app_id * 10 + index for index in range(CONTACTS)]
    children = [
        (con_id, kind, *_details(con_id + kind))
        for con_id in contacts
        for kind in range(1, CHILDREN_PER_CONTACT + 1)
    ]
    rows: dict[str, list[Row]] = {
        "app_base": [(app_id, *_details(app_id))],
        "app_contact_base": [
            (
                con_id,
                app_id,
                date(1970 + con_id % 40, 1 + con_id % 12, 1 + con_id % 28),
                *_details(con_id),
            )
            for con_id in contacts
        ],
        "app_operational": [(app_id, *_details(app_id + 1))],
        "app_pricing": [(app_id, *_details(app_id + 2))],
        "app_contact_address": children,
        "app_contact_employment": children,
        "scores": [(app_id, name, 500 + app_id % 350) for name in ("FICO", "VANTAGE", "BEACON")],
        "indicators": [(app_id, name, "1") for name in ("fraud_alert", "thin_file")],
        "app_historical_lookup": [(app_id, "[prior_balance]", str(app_id % 5000))],
        "app_report_results_lookup": [(app_id, "bureau_hit", "Y")],
    }
    return MappedDocument(app_id, rows)


def measure_load_paths(
    database_url: str,
    documents: int = 10_000,
    batch_size: int = 500,
    repeats: int = 3,
) -> dict[str, float]:
    """Rows per second of COPY and of `executemany` into PostgreSQL, median of `repeats`.

    Each repeat loads the same `documents` documents in batches of `batch_size` into empty
    tables; only the loader's time is measured (documents are built beforehand).
    """
    with disposable_engine(database_url) as engine:
        if engine.dialect.name != "postgresql":
            raise ValueError("the load-path benchmark compares PostgreSQL COPY with executemany")
        target = bench_schema()
        outcomes = [bench_document(app_id) for app_id in range(1, documents + 1)]
        rows = sum(sum(document.row_counts.values()) for document in outcomes)
        figures: dict[str, float] = {"documents": documents, "rows": rows, "batch_size": batch_size}
        try:
            drop_schema(engine, target, include_source=True)
            create_schema(engine, target)
            for method in (LoadMethod.COPY, LoadMethod.EXECUTEMANY):
                seconds = []
                for _ in range(repeats):
                    reset_schema(engine, target)
                    with open_loader(engine, target, method=method) as loader:
                        started = time.perf_counter()
                        for start in range(0, documents, batch_size):
                            loader.load(outcomes[start : start + batch_size])
                        seconds.append(time.perf_counter() - started)
                median = statistics.median(seconds)
                figures[f"{method.value}_seconds"] = round(median, 3)
                figures[f"{method.value}_rows_per_s"] = round(rows / median)
                figures[f"{method.value}_documents_per_s"] = round(documents / median)
            figures["copy_over_executemany"] = round(
                figures["copy_rows_per_s"] / figures["executemany_rows_per_s"], 2
            )
        finally:
            drop_schema(engine, target, include_source=True)
    return figures
