"""Mapping semantics per mapping type, table role and column rule (spec §7–§13)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from xml_migration.engine.mapper import DocumentMapper, map_document
from xml_migration.engine.outcome import Stage
from xml_migration_tests.engine.contracts import (
    CONTACT,
    NOW,
    document,
    failed,
    mapped,
    mapping,
    person,
    plan_of,
    rows,
    value,
)

MAIN = 'pid="1" role="MAIN" name="N"'


def fact(
    attribute: str = "v", data_type: str = "string", column: str = "v", **extra: object
) -> dict:
    return mapping("app", attribute, "facts", column, data_type, **extra)


def fact_value(raw_attribute: str, data_type: str = "string", **extra: object) -> object:
    plan = plan_of(fact("v", data_type, **extra), fact("marker", column="marker"))
    raw = document(f'v="{raw_attribute}" marker="m"')
    return value(plan, raw, "facts", "v")


# -- plain values and conversion (§7.2, §11.1, §12) -------------------------------------


@pytest.mark.parametrize(
    ("raw", "data_type", "extra", "expected"),
    [
        ("  text  ", "string", {}, "text"),
        ("", "string", {}, None),
        ("   ", "string", {}, None),
        ("abcdef", "string", {"data_length": 3}, "abc"),
        ("ab  def", "string", {"data_length": 4}, "ab"),
        ("ÄÖÜßé", "string", {"data_length": 4}, "ÄÖÜß"),
        ("$1,250.75 due", "int", {}, 1251),
        ("-500", "int", {}, -500),
        ("2.5", "smallint", {}, 3),
        ("-2.5", "smallint", {}, -3),
        ("1,2345", "int", {}, 1),
        ("n/a", "int", {}, None),
        ("12.345", "decimal", {}, Decimal("12.35")),
        ("-12.345", "decimal", {}, Decimal("-12.35")),
        ("1.00005", "decimal", {"data_length": 4}, Decimal("1.0001")),
        ("1,200", "decimal", {}, None),
        ("0", "bit", {}, 0),
        ("2", "bit", {}, 1),
        ("False", "bit", {}, 0),
        ("YES", "bit", {}, 1),
        ("maybe", "bit", {}, None),
        ("2024-3-5 8:05:09", "datetime", {}, datetime(2024, 3, 5, 8, 5, 9)),
        ("2024-03-15 10:20:75", "datetime", {}, datetime(2024, 3, 15, 10, 20, 59)),
        ("3/18/2024 9:15:00 PM", "datetime", {}, datetime(2024, 3, 18, 21, 15)),
        ("25/12/2024", "datetime", {}, datetime(2024, 12, 25)),
        ("2031-03-15T08:30:00+02:00", "datetime", {}, datetime(2031, 3, 15, 8, 30)),
        ("2024-03-15 10:20:30", "smalldatetime", {}, datetime(2024, 3, 15, 10, 21)),
        ("2024-03-15 10:20:30", "date", {}, date(2024, 3, 15)),
        ("31/31/2024", "date", {}, None),
    ],
)
def test_plain_values_convert_to_their_column(
    raw: str, data_type: str, extra: dict, expected: object
) -> None:
    assert fact_value(raw, data_type, **extra) == expected


def test_out_of_range_fails_the_document() -> None:
    plan = plan_of(fact("v", "tinyint"))
    failure = failed(plan, document('v="300"'))
    assert (failure.stage, failure.reason) == (Stage.MAPPING, "value_out_of_range")
    assert "facts.v (mappings[4])" in failure.detail
    assert "'300'" in failure.detail
    assert "document 5" in failure.detail


def test_unconvertible_value_is_null_with_a_note() -> None:
    plan = plan_of(fact("v", "int"), fact("marker", column="marker"))
    outcome = mapped(plan, document('v="n/a" marker="m"'))
    assert rows(plan, outcome, "facts")[0]["v"] is None
    assert any("facts.v" in note and "'n/a'" in note for note in outcome.notes)


def test_attribute_names_match_exactly_then_case_insensitively() -> None:
    plan = plan_of(fact("Colour"), fact("Size", column="size"))
    raw = document('COLOUR="upper" colour="lower" size="x"')
    row = rows(plan, mapped(plan, raw), "facts")[0]
    assert (row["v"], row["size"]) == ("upper", "x")
    raw = document('Colour="exact" COLOUR="upper" size="x"')
    assert rows(plan, mapped(plan, raw), "facts")[0]["v"] == "exact"


def test_plain_extraction_reads_the_last_matching_element() -> None:
    plan = plan_of(mapping("product", "code", "facts", "v"))
    raw = document(body='<product code="first"/><product code="  "/><product code="last"/>')
    assert value(plan, raw, "facts", "v") == "last"
    raw = document(body='<product code="first"/><product/>')
    assert rows(plan, mapped(plan, raw), "facts") == []


def test_entity_and_character_references_are_decoded_once() -> None:
    plan = plan_of(fact())
    assert value(plan, document('v="R&amp;amp;D &#65; &lt;"'), "facts", "v") == "R&amp;D A <"


# -- defaults and nullability (§11, D12, D15) ---------------------------------------------


def test_defaults_replace_blank_input_including_falsy_ones() -> None:
    plan = plan_of(
        fact("a", "int", column="a", default_value=0),
        fact("b", "bit", column="b", default_value=False),
        fact("c", "string", column="c", default_value="0"),
        fact("d", "string", column="d"),
    )
    row = rows(plan, mapped(plan, document('a="" d="evidence"')), "facts")[0]
    assert (row["a"], row["b"], row["c"]) == (0, 0, "0")


def test_failed_conversion_is_null_when_nullable_and_default_when_not() -> None:
    plan = plan_of(
        fact("a", "int", column="a", default_value=7),
        fact("b", "int", column="b", default_value=7, nullable=False),
        fact("d", column="d"),
    )
    row = rows(plan, mapped(plan, document('a="x" b="x" d="e"')), "facts")[0]
    assert (row["a"], row["b"]) == (None, 7)


def test_missing_required_value_fails_the_document() -> None:
    plan = plan_of(fact("a", "int", column="a", nullable=False), fact("d", column="d"))
    failure = failed(plan, document('d="evidence"'))
    assert (failure.stage, failure.reason) == (Stage.MAPPING, "required_value_missing")
    assert "facts.a" in failure.detail
    assert mapped(plan, document('a="1" d="e"'))


def test_required_value_of_a_row_without_evidence_does_not_fail() -> None:
    plan = plan_of(fact("a", "int", column="a", nullable=False), fact("d", column="d"))
    assert "facts" not in mapped(plan, document()).rows


# -- enum and bit steps (§10.3.1–§10.3.3) ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [("RED", 1), ("red", 1), ("GREEN", 2), ("blue", None), ("", None)]
)
def test_enum_lookup(raw: str, expected: int | None) -> None:
    plan = plan_of(
        fact("v", "smallint", mapping_type=["enum"], enum_name="colour"), fact("e", column="e")
    )
    assert value(plan, document(f'v="{raw}" e="x"'), "facts", "v") == expected


def test_enum_catch_all_serves_blank_and_unknown_and_is_no_evidence() -> None:
    plan = plan_of(fact("v", "smallint", mapping_type=["enum"], enum_name="size"))
    assert value(plan, document('v="XL"'), "facts", "v") == 19
    assert value(plan, document('v="m"'), "facts", "v") == 11
    assert "facts" not in mapped(plan, document('v=""')).rows


def test_unmapped_enum_in_a_required_column_fails() -> None:
    plan = plan_of(
        fact("v", "smallint", mapping_type=["enum"], enum_name="colour", nullable=False),
        fact("e", column="e"),
    )
    failure = failed(plan, document('v="blue" e="x"'))
    assert (failure.reason, "'blue'" in failure.detail) == ("enum_unmapped", True)


def test_enum_with_text_codes() -> None:
    plan = plan_of(fact("v", mapping_type=["enum"], enum_name="label"))
    assert value(plan, document('v="b"'), "facts", "v") == "beta"


@pytest.mark.parametrize(
    ("step", "raw", "expected"),
    [
        ("char_to_bit", "Y", 1),
        ("char_to_bit", "y", 1),
        ("char_to_bit", "N", 0),
        ("char_to_bit", "other", 0),
        ("boolean_to_bit", "TRUE", 1),
        ("boolean_to_bit", "Yes", 1),
        ("boolean_to_bit", "1", 0),
    ],
)
def test_bit_steps(step: str, raw: str, expected: int) -> None:
    plan = plan_of(fact("v", "bit", mapping_type=[step]))
    assert value(plan, document(f'v="{raw}"'), "facts", "v") == expected


def test_rows_of_bits_from_empty_input_are_not_written() -> None:
    plan = plan_of(
        fact("a", "bit", column="a", mapping_type=["char_to_bit"]),
        fact("b", "bit", column="b", mapping_type=["boolean_to_bit"], default_value=1),
    )
    assert "facts" not in mapped(plan, document()).rows
    row = rows(plan, mapped(plan, document('a="Y"')), "facts")[0]
    assert (row["a"], row["b"]) == (1, 0)


# -- transforms (§10.3.4–§10.3.7, D1) -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "data_type", "expected"),
    [
        ("001-23-4567", "string", "001234567"),
        ("(555) 010-0001", "bigint", 5550100001),
        ("$95.00", "int", 9500),
        ("no digits", "string", None),
    ],
)
def test_numbers_only(raw: str, data_type: str, expected: object) -> None:
    plan = plan_of(fact("v", data_type, mapping_type=["numbers_only"]), fact("e", column="e"))
    assert value(plan, document(f'v="{raw}" e="x"'), "facts", "v") == expected


@pytest.mark.parametrize(
    ("raw", "data_type", "expected"),
    [
        ("$95.00", "string", "95.00"),
        ("$95.00", "int", 95),
        ("about -1,250.5 units", "decimal", Decimal("-1250.50")),
        ("none", "int", None),
    ],
)
def test_extract_numeric(raw: str, data_type: str, expected: object) -> None:
    plan = plan_of(fact("v", data_type, mapping_type=["extract_numeric"]), fact("e", column="e"))
    assert value(plan, document(f'v="{raw}" e="x"'), "facts", "v") == expected


def test_extract_date_into_a_string_column() -> None:
    plan = plan_of(fact("v", mapping_type=["extract_date"]))
    assert value(plan, document('v="3/5/2024 8:05:09"'), "facts", "v") == "2024-03-05 08:05:09"


def test_default_getutcdate_if_null_is_the_document_time_and_no_evidence() -> None:
    plan = plan_of(
        fact("t", "datetime", column="t", mapping_type=["default_getutcdate_if_null"]),
        fact("e", column="e"),
    )
    assert "facts" not in mapped(plan, document()).rows
    assert value(plan, document('e="x"'), "facts", "t") == NOW
    assert value(plan, document('t="2024-01-01" e="x"'), "facts", "t") == datetime(2024, 1, 1)


def test_chain_stops_on_failure_unless_an_enum_follows() -> None:
    plan = plan_of(
        fact(
            "a", "string", column="a", mapping_type=["numbers_only", "default_getutcdate_if_null"]
        ),
        fact("b", "smallint", column="b", mapping_type=["numbers_only", "enum"], enum_name="size"),
        fact("e", column="e"),
    )
    row = rows(plan, mapped(plan, document('a="x" b="x" e="y"')), "facts")[0]
    assert (row["a"], row["b"]) == (None, 19)


# -- contacts and selectors (§8, §10.2, D10, D11) ---------------------------------------------


def test_contact_selection_priority_and_eligibility() -> None:
    plan = plan_of(mapping("contact", "name", "people", "name"))
    body = "".join(
        [
            person('pid="1" role="CO" name="co-first"'),
            person('pid="1" role="main" name="main"'),
            person('pid="1" role="CO" name="co-later"'),
            person('pid="2" role="CO" name="two-early"'),
            person('pid="2" role="CO" name="two-late"'),
            person('pid="3" role="OTHER" name="x"'),
            person('pid="4" role="MAIN" name=""'),
            person('pid="5a" role="MAIN" name="x"'),
            person('pid="" role="MAIN" name="x"'),
        ]
    )
    outcome = mapped(plan, document(body=body, outside=person('pid="9" role="MAIN" name="y"')))
    people = rows(plan, outcome, "people")
    assert [(p["person_id"], p["name"], p["app_key"]) for p in people] == [
        (1, "main", 5),
        (2, "two-late", 5),
        (9, "y", 5),
    ]
    assert sum("ignored" in note for note in outcome.notes) == 7


def test_contacts_outside_the_container_are_ignored() -> None:
    plan = plan_of(mapping("contact", "name", "people", "name"))
    report_contact = person('pid="8" role="MAIN" name="r"')
    raw = document(body=person(MAIN)).replace("<Reports>", "<Reports>" + report_contact)
    assert [p["person_id"] for p in rows(plan, mapped(plan, raw), "people")] == [1]


def test_selectors_read_the_last_selected_contact_of_their_role() -> None:
    plan = plan_of(
        mapping("contact", "name", "facts", "main", mapping_type=["last_valid_pr_contact"]),
        mapping("contact", "name", "facts", "co", mapping_type=["last_valid_sec_contact"]),
        mapping(
            f"{CONTACT}/card",
            "flag",
            "facts",
            "card",
            "bit",
            mapping_type=["authu_contact", "char_to_bit"],
        ),
    )
    body = (
        person('pid="1" role="MAIN" name="m1"')
        + person('pid="2" role="MAIN" name="m2"', '<card flag="N"/>')
        + person('pid="3" role="CO" name="c1"', '<card flag="Y"/>')
        + person('pid="4" role="CO" name=""')
    )
    row = rows(plan, mapped(plan, document(body=body)), "facts")[0]
    assert (row["main"], row["co"], row["card"]) == ("m2", "c1", 1)


def test_selector_not_found_stops_the_chain_but_blank_does_not() -> None:
    plan = plan_of(
        mapping(
            "contact", "flag", "facts", "f", "bit", mapping_type=["authu_contact", "char_to_bit"]
        ),
        fact("e", column="e"),
    )
    assert value(plan, document('e="x"', person(MAIN)), "facts", "f") is None
    body = person(MAIN) + person('pid="2" role="CO" name="c" flag=""')
    assert value(plan, document('e="x"', body), "facts", "f") == 0
    body = person(MAIN) + person('pid="2" role="CO" name="c"')
    assert value(plan, document('e="x"', body), "facts", "f") is None


def test_selector_on_child_path_prefers_the_preferred_type() -> None:
    plan = plan_of(
        mapping("address", "city", "facts", "city", mapping_type=["last_valid_pr_contact"])
    )
    children = (
        '<address kind="WORK" city="w"/><address kind="home" city=""/>'
        '<address kind="HOME" city="h"/>'
    )
    assert value(plan, document(body=person(MAIN, children)), "facts", "city") == "h"
    children = '<address kind="WORK" city="w1"/><address kind="WORK" city="w2"/>'
    assert value(plan, document(body=person(MAIN, children)), "facts", "city") == "w1"


def test_curr_address_only_reads_the_contacts_last_preferred_child() -> None:
    plan = plan_of(
        mapping(
            "address",
            "phone",
            "people",
            "phone",
            mapping_type=["curr_address_only", "numbers_only"],
        )
    )
    children = (
        '<address kind="HOME" phone="1"/><address kind="WORK" phone="2"/>'
        '<address kind="HOME" phone="(3)"/>'
    )
    (row,) = rows(plan, mapped(plan, document(body=person(MAIN, children))), "people")
    assert row["phone"] == "3"


def test_row_scoped_reads_and_application_level_values_in_contact_rows() -> None:
    plan = plan_of(
        mapping("contact", "name", "people", "name"),
        mapping(f"{CONTACT}/card", "no", "people", "card"),
        mapping("app", "consent", "people", "consent"),
    )
    body = person(MAIN, '<card no="c1"/><card no="c2"/>') + person('pid="2" role="CO" name="x"')
    people = rows(plan, mapped(plan, document('consent="yes"', body)), "people")
    assert [(p["name"], p["card"], p["consent"]) for p in people] == [
        ("N", "c2", "yes"),
        ("x", None, "yes"),
    ]


# -- child rows (§9.3, §13) -------------------------------------------------------------------


def test_child_rows_need_evidence_and_keep_the_first_duplicate() -> None:
    plan = plan_of(
        mapping("address", "city", "addresses", "city"),
        mapping("address", "rooms", "addresses", "rooms", "int"),
    )
    children = (
        '<address kind="HOME" city="first"/>'
        '<address kind="HOME" city="second"/>'
        '<address kind="WORK" rooms="0"/>'
        '<address kind="OTHER" city="x"/>'
    )
    outcome = mapped(plan, document(body=person(MAIN, children)))
    assert [(a["person_id"], a["kind"], a["city"]) for a in rows(plan, outcome, "addresses")] == [
        (1, "HOME", "first")
    ]
    assert any("duplicate key" in note for note in outcome.notes)


def test_child_rows_do_not_depend_on_the_table_order() -> None:
    plan = plan_of(
        mapping("address", "city", "addresses", "city"),
        table_insertion_order=["base", "addresses", "people"],
        tables={"addresses": {"foreign_keys": []}},
    )
    outcome = mapped(plan, document(body=person(MAIN, '<address kind="HOME" city="c"/>')))
    assert list(outcome.rows) == ["base", "addresses", "people"]


def test_children_of_unselected_contacts_contribute_nothing() -> None:
    plan = plan_of(mapping("address", "city", "addresses", "city"))
    body = person(MAIN, '<address kind="HOME" city="kept"/>') + person(
        'pid="1" role="CO" name="loser"', '<address kind="WORK" city="lost"/>'
    )
    addresses = rows(plan, mapped(plan, document(body=body)), "addresses")
    assert [a["city"] for a in addresses] == ["kept"]


# -- D4 (§13.3) ---------------------------------------------------------------------------------


def test_contact_without_evidence_keeps_no_flagged_default() -> None:
    flagged = {"default_value": "UNKNOWN", "exclude_default_when_record_empty": True}
    plan = plan_of(
        mapping("contact", "first", "people", "first", nullable=False, **flagged),
        mapping("contact", "born", "people", "born", "date"),
        mapping("address", "city", "addresses", "city"),
    )
    children = '<address kind="HOME" city="c"/>'
    outcome = mapped(plan, document(body=person(f'{MAIN} born="1980-01-01"', children)))
    assert rows(plan, outcome, "people")[0]["first"] == "UNKNOWN"
    assert rows(plan, outcome, "addresses")[0]["city"] == "c"
    outcome = mapped(plan, document(body=person(f'{MAIN} born="bad"', children)))
    assert "people" not in outcome.rows and "addresses" not in outcome.rows
    assert any("contact 1 not written" in note for note in outcome.notes)


def test_root_row_without_evidence_fails_on_a_flagged_required_default() -> None:
    plan = plan_of(
        mapping(
            "app",
            "received",
            "base",
            "received",
            "datetime",
            nullable=False,
            default_value="2000-01-01",
            exclude_default_when_record_empty=True,
        )
    )
    assert failed(plan, document()).reason == "required_value_missing"
    assert value(plan, document('received="2024-01-01"'), "base", "received") == datetime(
        2024, 1, 1
    )


# -- calculated fields (§14.7, §10.4) ------------------------------------------------------------


def test_expression_scopes() -> None:
    plan = plan_of(
        fact("v", "string", column="bare", mapping_type=["calculated_field"], expression="tier"),
        fact(
            "v",
            "string",
            column="qualified",
            mapping_type=["calculated_field"],
            expression="PRODUCT.code",
        ),
        fact(
            "v",
            "string",
            column="app",
            mapping_type=["calculated_field"],
            expression="application.x",
        ),
        mapping(
            "contact",
            "name",
            "people",
            "label",
            mapping_type=["calculated_field"],
            expression="CASE WHEN name IS NULL THEN app.x ELSE name END",
        ),
    )
    body = '<product code="p1" tier="t1"/>' + person(MAIN) + '<product code="p2"/>'
    outcome = mapped(plan, document('x="appx" tier="t0"', body))
    row = rows(plan, outcome, "facts")[0]
    assert (row["bare"], row["qualified"], row["app"]) == ("t1", "p2", "appx")
    assert rows(plan, outcome, "people")[0]["label"] == "N"


def test_expressions_do_not_see_reports() -> None:
    plan = plan_of(fact("v", column="v", mapping_type=["calculated_field"], expression="x"))
    assert "facts" not in mapped(plan, document()).rows


def test_calculated_enum_falls_back_to_the_attribute() -> None:
    plan = plan_of(
        fact(
            "c",
            "smallint",
            mapping_type=["calculated_field", "enum"],
            enum_name="colour",
            expression="CASE WHEN application.force = 'Y' THEN 99 END",
        )
    )
    assert value(plan, document('force="Y" c="RED"'), "facts", "v") == 99
    assert value(plan, document('force="N" c="green"'), "facts", "v") == 2


def test_calculated_values_count_as_evidence_only_when_they_read_something() -> None:
    plan = plan_of(
        fact("a", column="const", mapping_type=["calculated_field"], expression="'K'"),
        fact(
            "b",
            "decimal",
            column="ratio",
            data_length=3,
            mapping_type=["calculated_field"],
            expression="application.a / application.b",
        ),
    )
    assert "facts" not in mapped(plan, document()).rows
    row = rows(plan, mapped(plan, document('a="1" b="3"')), "facts")[0]
    assert (row["const"], row["ratio"]) == ("K", Decimal("0.333"))


def test_condition_into_a_bit_column() -> None:
    plan = plan_of(
        fact("a", "bit", mapping_type=["calculated_field"], expression="application.a > 5")
    )
    assert value(plan, document('a="7"'), "facts", "v") == 1
    assert value(plan, document('a="2"'), "facts", "v") == 0


# -- row-creating families (§9.7–§9.13) --------------------------------------------------------


def test_scores_indicators_history_and_report_lookups() -> None:
    plan = plan_of(
        mapping("app", "s1", "scores", mapping_type=["add_score(S1)"], data_type="int"),
        mapping("app", "s2", "scores", mapping_type=["add_score(S2)"], data_type="int"),
        mapping("app", "s3", "scores", mapping_type=["add_score(S3)"], data_type="int"),
        mapping("app", "i1", "flags", mapping_type=["add_indicator(I1)"]),
        mapping("app", "i2", "flags", mapping_type=["add_indicator(I2)"]),
        mapping("product", "h", "history", mapping_type=["add_history"], data_length=3),
        mapping("app", "n", "history", mapping_type=["add_history"]),
        mapping("app", "r", "reports", mapping_type=["add_report_lookup(K)"]),
        mapping("app", "q", "reports", mapping_type=["add_report_lookup()"]),
    )
    raw = document(
        's1="0" s2="n/a" s3="" i1="Yes" i2="no" n="NONE" r=" ok " q="fine"',
        '<product h="long value"/>',
    )
    outcome = mapped(plan, raw)
    assert [(r["score_identifier"], r["score"]) for r in rows(plan, outcome, "scores")] == [
        ("S1", 0)
    ]
    assert [(r["indicator"], r["value"]) for r in rows(plan, outcome, "flags")] == [("I1", "1")]
    assert rows(plan, outcome, "history") == [
        {"app_key": 5, "name": "[h]", "source": "[product]", "value": "lon"}
    ]
    assert sorted(
        (r["name"], r["value"], r["source_report_key"]) for r in rows(plan, outcome, "reports")
    ) == [("q", "fine", None), ("r", "ok", "K")]


def test_history_falls_back_to_earlier_primary_contacts() -> None:
    plan = plan_of(
        mapping("contact", "note", "history", mapping_type=["last_valid_pr_contact", "add_history"])
    )
    body = (
        person('pid="1" role="MAIN" name="a" note="first"')
        + person('pid="2" role="MAIN" name="b" note="second"')
        + person('pid="3" role="MAIN" name="c" note="null"')
    )
    (row,) = rows(plan, mapped(plan, document(body=body)), "history")
    assert row["value"] == "second"


def test_policy_exceptions_share_the_notes() -> None:
    plan = plan_of(
        mapping("app", "notes", "policy", mapping_type=["policy_exceptions()"]),
        mapping("app", "p1", "policy", mapping_type=["policy_exceptions(1)"], data_length=2),
        mapping("app", "p2", "policy", mapping_type=["policy_exceptions(2)"]),
    )
    outcome = mapped(plan, document('notes="shared" p1="abc" p2=""'))
    assert rows(plan, outcome, "policy") == [
        {"app_key": 5, "policy_exception_type_enum": 1, "reason_code": "ab", "notes": "shared"}
    ]


def test_groups_fill_unmapped_columns_with_the_first_default() -> None:
    plan = plan_of(
        mapping("app", "a1", "cover", "company", mapping_type=["warranty_field(1)"]),
        mapping(
            "app",
            "f1",
            "cover",
            "flag",
            "bit",
            mapping_type=["char_to_bit", "warranty_field(1)"],
            default_value=0,
        ),
        mapping("app", "a2", "cover", "company", mapping_type=["warranty_field(2)"]),
        mapping("app", "z2", "cover", "amount", "decimal", mapping_type=["warranty_field(2)"]),
        mapping("app", "m1", "goods", "make", mapping_type=["add_collateral(1)"]),
        mapping("app", "v1", "goods", "worth", "decimal", mapping_type=["add_collateral(1)"]),
        mapping("app", "m2", "goods", "make", mapping_type=["add_collateral(2)"]),
        mapping("app", "v2", "goods", "worth", "decimal", mapping_type=["add_collateral(2)"]),
    )
    outcome = mapped(plan, document('a1="" f1="Y" a2="co" z2="0" m1="car" v2="0.00"'))
    assert rows(plan, outcome, "cover") == [
        {
            "app_key": 5,
            "warranty_type_enum": 2,
            "company": "co",
            "flag": 0,
            "amount": Decimal("0.00"),
        }
    ]
    assert rows(plan, outcome, "goods") == [
        {"app_key": 5, "make": "car", "worth": None, "sort_order": 1}
    ]


# -- robustness ---------------------------------------------------------------------------------


def test_unexpected_error_becomes_an_unknown_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = plan_of(fact())

    def broken(self: DocumentMapper) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(DocumentMapper, "map", broken)
    outcome = map_document(plan, 5, document('v="x"'))
    assert (outcome.stage, outcome.reason) == (Stage.UNKNOWN, "unexpected_error")
    assert "boom" in outcome.detail


def test_no_names_are_built_in() -> None:
    renamed = plan_of(fact("v"), processing_log_table="run_log", source_key_column="doc_key")
    outcome = mapped(renamed, document('v="x"'))
    assert list(outcome.rows) == ["base", "facts"]
    assert renamed.target.processing_log_table == "run_log"
