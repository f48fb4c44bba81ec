"""Acceptance of the wider legacy dialect (spec §19): a contract using every construct of
it loads, maps documents, and migrates into SQLite and PostgreSQL with the integrity checks
passing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.ddl import create_schema
from xml_migration.db.model import build_model
from xml_migration.db.source import insert_source_documents
from xml_migration.migration.run_range import migrate_range
from xml_migration.migration.settings import MigrationSettings
from xml_migration_tests.contract.legacy_dialect import (
    FULL,
    LEGACY_CONTRACT,
    LONG_NOTE,
    LONG_OFFICER_NOTE,
    MINIMAL,
    TOO_LARGE,
    legacy_documents,
)
from xml_migration_tests.reliability.outcomes import integrity_failures, logged_outcomes, target_of


def table_rows(url: str, table: str) -> dict[int, dict[str, Any]]:
    """A target table's rows by application key."""
    target = target_of(LEGACY_CONTRACT)
    engine = create_db_engine(url)
    try:
        model = build_model(target, dialect_name(engine))
        with engine.connect() as connection:
            found = connection.execute(select(model.table(table))).mappings().all()
    finally:
        engine.dispose()
    return {row["app_id"]: dict(row) for row in found}


def test_a_contract_using_every_construct_migrates_with_the_integrity_checks_passing(
    database_url: str,
) -> None:
    target = target_of(LEGACY_CONTRACT)
    engine = create_db_engine(database_url)
    try:
        create_schema(engine, target)
        insert_source_documents(engine, target, legacy_documents().items())
    finally:
        engine.dispose()

    started = datetime.now(UTC).replace(tzinfo=None)
    stats = migrate_range(MigrationSettings(database_url, str(LEGACY_CONTRACT)), None, None)
    finished = datetime.now(UTC).replace(tzinfo=None)

    assert (stats.documents, stats.successes, stats.failures) == (3, 2, 1)
    outcomes = logged_outcomes(database_url, target)
    assert outcomes[TOO_LARGE][0].stage_and_reason == ("mapping", "value_out_of_range")
    assert "app_pricing.credit_limit" in outcomes[TOO_LARGE][0].detail
    assert integrity_failures(database_url, target) == []

    base = table_rows(database_url, "app_base")
    assert set(base) == {FULL, MINIMAL}
    assert base[FULL]["note"] == LONG_NOTE
    assert (base[FULL]["memo"], base[FULL]["summary"], base[FULL]["status_code"]) == (
        "memo",
        "sum",
        "OPEN",
    )
    assert base[MINIMAL]["receive_date"] == datetime(2024, 3, 5, 10, 20, 30, 123000)

    [pricing] = table_rows(database_url, "app_pricing").values()
    assert pricing["app_id"] == FULL
    assert base[FULL]["receive_date"] == pricing["quoted_at"]
    assert started <= pricing["quoted_at"] <= finished
    stamp = pricing["quoted_at"]
    rounded = stamp.replace(second=0, microsecond=0) + timedelta(minutes=stamp.second >= 30)
    assert pricing["priced_at"] == rounded
    assert pricing["priced_on"] == date(stamp.year, stamp.month, stamp.day)
    assert {
        key: pricing[key]
        for key in (
            "credit_limit",
            "fee",
            "rate",
            "months",
            "ratio",
            "dealer_num",
            "collateral_type_enum",
            "open_flag",
            "promo_code",
            "promo_length",
            "promo_tail",
        )
    } == {
        "credit_limit": Decimal("1234.57"),
        "fee": Decimal("12.3457"),
        "rate": Decimal("1.12346"),
        "months": Decimal(13),
        "ratio": Decimal("0.1235"),
        "dealer_num": "0042",
        "collateral_type_enum": 413,
        "open_flag": 1,
        "promo_code": "AB-CD",
        "promo_length": 9,
        "promo_tail": "FGH",
    }

    contacts = table_rows(database_url, "app_contact")
    assert contacts[FULL]["initials"] == "Al"

    engine = create_db_engine(database_url)
    try:
        history = build_model(target, dialect_name(engine)).table("app_history")
        with engine.connect() as connection:
            values = dict(connection.execute(select(history.c.name, history.c.value)).all())
    finally:
        engine.dispose()
    assert values == {"[officer_note]": LONG_OFFICER_NOTE.strip(), "[decision_note]": "approved"}
