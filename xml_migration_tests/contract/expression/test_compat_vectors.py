"""Every calculated field of the compat vectors, evaluated against the documents' values.

`data/compat_calculated_fields.json` is copied from the shared compat vectors: for each
successful document and each emitted row of a calculated-field mapping, the expression,
the trimmed non-blank values its references resolve to in that row's context (spec §14.7)
and the column value the vector expects. A `[calculated_field, enum]` mapping expects the
expression's own result, so its case holds NULL where the vector shows the enum fallback.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from xml_migration.contract.expression import compile_expression
from xml_migration.contract.tables import ColumnSpec, DataType
from xml_migration.contract.values import make_converter

CASES = json.loads((Path(__file__).parent / "data" / "compat_calculated_fields.json").read_text())[
    "cases"
]
NOW = datetime(2024, 5, 1, 12, 0, 0)


def column_value_as_json(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def test_the_vectors_cover_every_construct() -> None:
    assert len(CASES) > 500
    assert len({case["expression"] for case in CASES}) >= 17


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['document']}-{c['table']}.{c['column']}" for c in CASES]
)
def test_calculated_field_matches_vector(case: dict) -> None:
    data_type = DataType(case["data_type"])
    column = ColumnSpec(
        name=case["column"],
        data_type=data_type,
        length=case["data_length"] if data_type is DataType.STRING else None,
        scale=case["data_length"] or 2 if data_type is DataType.DECIMAL else 2,
    )
    expression = compile_expression(case["expression"], condition_allowed=data_type is DataType.BIT)
    attributes = case["attributes"]

    def resolve(qualifier: str | None, name: str) -> str | None:
        return attributes.get(f"{qualifier or ''}|{name}")

    value, _ = expression.evaluate(resolve, NOW)
    converted = make_converter(column, {})(value)
    assert column_value_as_json(converted) == case["expected"]
