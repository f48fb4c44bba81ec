"""The mapping contract as data (spec §3–§5, §9.6, §16.1): pydantic models of every key.

The models check shapes and JSON types only. Whether the pieces fit together (roles, chains,
keys, enum maps, types, …) is decided by `xml_migration.contract.validation`.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator
from pydantic_core import PydanticCustomError

from xml_migration.contract.data_types import NO_LIMIT
from xml_migration.contract.errors import ContractProblem

DefaultValue = str | bool | int | Decimal | None
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
MAX_EXPRESSION_LENGTH = 10_000
"""Longest calculated-field expression in characters; longer ones are refused unparsed."""


class _Section(BaseModel):
    """A contract section: unknown keys are kept (and reported as warnings)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


def split_chain_text(text: str) -> list[str]:
    """Split a comma-separated `mapping_type` string, ignoring commas inside parentheses."""
    entries: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "," and depth == 0:
            entries.append("".join(current))
            current = []
            continue
        depth += (char == "(") - (char == ")")
        current.append(char)
    entries.append("".join(current))
    return [entry.strip() for entry in entries if entry.strip()]


class MappingEntry(_Section):
    """One entry of `mappings` (spec §4)."""

    xml_path: str
    xml_attribute: str = Field(min_length=1)
    target_table: str
    target_column: str = ""
    data_type: str = Field(min_length=1)
    data_length: int | None = None
    nullable: bool = True
    required: bool | None = None
    mapping_type: tuple[str, ...] = ()
    default_value: DefaultValue = None
    expression: str | None = Field(default=None, max_length=MAX_EXPRESSION_LENGTH)
    enum_name: str | None = None
    exclude_default_when_record_empty: bool = False
    description: str | None = None

    @field_validator("target_column", mode="before")
    @classmethod
    def _absent_column_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("data_length", mode="before")
    @classmethod
    def _length(cls, value: Any) -> Any:
        """A whole number (also written as text); `-1`, `"-1"` and `"max"` mean no limit."""
        if isinstance(value, str):
            text = value.strip()
            if text.casefold() == "max":
                return NO_LIMIT
            if _WHOLE_NUMBER.fullmatch(text):
                value = int(text)
        elif isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        if value is None or (type(value) is int and value >= NO_LIMIT):
            return value
        raise PydanticCustomError(
            "data_length",
            "data_length must be a whole number >= 0, or -1 / 'max' for no length limit",
        )

    @field_validator("mapping_type", mode="before")
    @classmethod
    def _split_chain(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(split_chain_text(value))
        if isinstance(value, list | tuple):
            return tuple(entry.strip() if isinstance(entry, str) else entry for entry in value)
        return value

    @field_validator("default_value", mode="before")
    @classmethod
    def _json_scalar(cls, value: Any) -> Any:
        if value is None or isinstance(value, str | bool | int | Decimal):
            return value
        if isinstance(value, float):
            return Decimal(repr(value))
        raise ValueError("default_value must be a string, number, boolean or null")

    @property
    def column_label(self) -> str:
        """`target_table.target_column` (or the table alone for implied-column families)."""
        if self.target_column:
            return f"{self.target_table}.{self.target_column}"
        return self.target_table


class FilterRule(_Section):
    """One rule of `element_filtering.filter_rules` (spec §5)."""

    element_type: str
    description: str | None = None
    xml_parent_path: str
    xml_child_path: str
    required_attributes: dict[str, Any] = Field(min_length=1)
    meaningful_attributes: list[str] | None = None


class ElementFiltering(_Section):
    """`element_filtering` (spec §5)."""

    filter_rules: list[FilterRule] = Field(min_length=1)


class Relationship(_Section):
    """One compatibility entry of `relationships` (spec §3); checked, otherwise unused."""

    parent_table: str
    child_table: str
    foreign_key_column: str
    xml_parent_path: str | None = None
    xml_child_path: str | None = None


class BitConversions(_Section):
    """`bit_conversions` (spec §10.3.2, §10.3.3)."""

    char_to_bit: dict[str, Literal[0, 1]] | None = None
    boolean_to_bit: dict[str, Literal[0, 1]] | None = None


class ScoreColumns(_Section):
    identifier_column: str = "score_identifier"
    value_column: str = "score"


class IndicatorColumns(_Section):
    identifier_column: str = "indicator"
    value_column: str = "value"
    true_value: str = "1"


class HistoryColumns(_Section):
    name_column: str = "name"
    source_column: str = "source"
    value_column: str = "value"


class ReportLookupColumns(_Section):
    name_column: str = "name"
    value_column: str = "value"
    key_column: str = "source_report_key"


class PolicyExceptionColumns(_Section):
    type_column: str = "policy_exception_type_enum"
    value_column: str = "reason_code"
    notes_column: str = "notes"


class WarrantyColumns(_Section):
    type_column: str = "warranty_type_enum"


class CollateralColumns(_Section):
    slot_column: str = "sort_order"


class RowTypes(_Section):
    """`row_types`: column names of the row-creating families (spec §9.6)."""

    add_score: ScoreColumns = Field(default_factory=ScoreColumns)
    add_indicator: IndicatorColumns = Field(default_factory=IndicatorColumns)
    add_history: HistoryColumns = Field(default_factory=HistoryColumns)
    add_report_lookup: ReportLookupColumns = Field(default_factory=ReportLookupColumns)
    policy_exceptions: PolicyExceptionColumns = Field(default_factory=PolicyExceptionColumns)
    warranty_field: WarrantyColumns = Field(default_factory=WarrantyColumns)
    add_collateral: CollateralColumns = Field(default_factory=CollateralColumns)


class ForeignKeyOverride(_Section):
    """A foreign key declared in the `tables` block (spec §16.1)."""

    columns: list[str] = Field(min_length=1)
    references: str
    referenced_columns: list[str] = Field(min_length=1)
    on_delete: Literal["CASCADE", "NO ACTION"] = "NO ACTION"

    @field_validator("on_delete", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return " ".join(value.upper().split()) if isinstance(value, str) else value


class TableOverride(_Section):
    """One table of the `tables` block (spec §16.1)."""

    primary_key: list[str] | None = Field(default=None, min_length=1)
    foreign_keys: list[ForeignKeyOverride] | None = None
    column_order: list[str] | None = None
    sql_types: dict[str, str] | None = None


class Contract(_Section):
    """A mapping contract (spec §3). Build it with `load_contract`, which also validates it."""

    xml_root_element: str = Field(
        description="the local name the document's root element must have",
        examples=["Provenir"],
    )
    xml_application_path: str = Field(
        description="the absolute element path of the application element",
        examples=["/Provenir/Request/CustData/application"],
    )
    source_table: str = Field(
        description="the table that holds the documents, one row per application",
        examples=["app_xml"],
    )
    source_column: str = Field(
        description="the column of source_table that holds the document", examples=["xml"]
    )
    source_key_column: str = "app_id"
    source_application_table: str | None = None
    target_schema: str = "dbo"
    table_insertion_order: list[str] = Field(
        description="every mapped table once, parents before children: the insert order",
        examples=[["app_base", "app_contact_base", "app_contact_address"]],
    )
    element_filtering: ElementFiltering = Field(
        description="the rules that select contacts and their child elements",
        examples=[
            {
                "filter_rules": [
                    {
                        "element_type": "contact",
                        "xml_parent_path": "/Provenir/Request/CustData/application",
                        "xml_child_path": "/Provenir/Request/CustData/application/contact",
                        "required_attributes": {"con_id": True, "ac_role_tp_c": ["PR", "AUTHU"]},
                    }
                ]
            }
        ],
    )
    mappings: list[MappingEntry] = Field(
        min_length=1,
        description="the mapping entries, each from an XML attribute to a target column",
        examples=[
            [
                {
                    "xml_path": "/Provenir/Request",
                    "xml_attribute": "ID",
                    "target_table": "app_base",
                    "target_column": "app_id",
                    "data_type": "int",
                    "mapping_type": ["identity_insert"],
                }
            ]
        ],
    )
    relationships: list[Relationship] = Field(default_factory=list)
    enum_mappings: dict[str, dict[str, int | str]] = Field(default_factory=dict)
    bit_conversions: BitConversions = Field(default_factory=BitConversions)
    row_types: RowTypes = Field(default_factory=RowTypes)
    processing_log_table: str = "processing_log"
    tables: dict[str, TableOverride] = Field(default_factory=dict)

    _warnings: tuple[ContractProblem, ...] = PrivateAttr(default=())

    @property
    def warnings(self) -> tuple[ContractProblem, ...]:
        """Load-time warnings (unknown keys and the other cases of spec §17)."""
        return self._warnings


def missing_key_message(key: str) -> str | None:
    """What a required top-level key is for, with a one-line example (spec §19.5)."""
    field = Contract.model_fields.get(key)
    if field is None or not field.description or not field.examples:
        return None
    example = json.dumps({key: field.examples[0]}, ensure_ascii=False)[1:-1]
    return f"required key missing: {field.description}; for example {example}"
