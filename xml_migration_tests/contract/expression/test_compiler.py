"""Evaluation semantics of compiled expressions (spec §14.5, §14.6, §14.9, §14.10, D3)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xml_migration.contract.expression import (
    CompiledExpression,
    ExpressionError,
    compile_expression,
    format_expression,
)
from xml_migration.contract.expression.nodes import (
    Arithmetic,
    Comparison,
    DateOf,
    InList,
    Logical,
    Node,
    Not,
    Null,
    Number,
    Reference,
    String,
    Unary,
)

NOW = datetime(2024, 5, 1, 12, 30, 15)
TRUE, FALSE, UNKNOWN = "1 = 1", "1 = 2", "NULL = 1"
ATOMS = {True: TRUE, False: FALSE, None: UNKNOWN}


def resolver(values: Mapping[str, str]):
    """Bare names look up `name`, qualified ones `qualifier.name`."""

    def resolve(qualifier: str | None, name: str) -> str | None:
        return values.get(name if qualifier is None else f"{qualifier}.{name}")

    return resolve


def run(text: str, values: Mapping[str, str] | None = None, now: datetime = NOW) -> object:
    value, _ = compile_expression(text).evaluate(resolver(values or {}), now)
    return value


def truth(text: str, values: Mapping[str, str] | None = None) -> bool | None:
    """A condition's value as True, False or None (UNKNOWN)."""
    value, _ = compile_expression(text, condition_allowed=True).evaluate(
        resolver(values or {}), NOW
    )
    return None if value is None else value == 1


class TestArithmetic:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("1 + 2 * 3", Decimal(7)),
            ("(1 + 2) * 3", Decimal(9)),
            ("10 / 4", Decimal("2.5")),
            ("7 - 10", Decimal(-3)),
            ("-2 * -3", Decimal(6)),
            ("+5", Decimal(5)),
            ("1 / 3", Decimal("0.3333333333333333333333333333")),
            ("2 / 3", Decimal("0.6666666666666666666666666667")),
            ("1234567890123456789012345678 + 0.5", Decimal("1234567890123456789012345678")),
            ("1234567890123456789012345677 + 0.5", Decimal("1234567890123456789012345678")),
            ("0.1 + 0.2", Decimal("0.3")),
        ],
    )
    def test_exact_decimal_results(self, text: str, expected: Decimal) -> None:
        result = run(text)
        assert isinstance(result, Decimal)
        assert result == expected

    def test_numeric_texts_convert(self) -> None:
        assert run("a + b", {"a": "12.5", "b": "-2"}) == Decimal("10.5")
        assert run("-a", {"a": "+7"}) == Decimal(-7)
        assert run("'3' * '4'") == Decimal(12)

    @pytest.mark.parametrize(
        ("text", "values"),
        [
            ("a + 1", {"a": "abc"}),
            ("a + 1", {"a": "1,000"}),
            ("a + 1", {"a": "$5"}),
            ("a + 1", {}),
            ("1 - a", {}),
            ("-a", {"a": "x"}),
            ("+a", {}),
            ("1 / 0", {}),
            ("0 / 0", {}),
            ("a / b", {"a": "1", "b": "0.00"}),
            ("DATE('2024-01-01') + 1", {}),
            ("NULL * 2", {}),
        ],
    )
    def test_null_results(self, text: str, values: dict[str, str]) -> None:
        assert run(text, values) is None

    def test_spec_example_months_at_address(self) -> None:
        text = "addr_months + (addr_years * 12)"
        assert run(text, {"addr_months": "3", "addr_years": "2"}) == 27
        assert run(text, {"addr_months": "3"}) is None


class TestComparison:
    @pytest.mark.parametrize(
        ("text", "values", "expected"),
        [
            ("a = 'abc'", {"a": "ABC"}, True),
            ("a <> 'abc'", {"a": "ABC"}, False),
            ("a != 'abd'", {"a": "ABC"}, True),
            ("a < 'b'", {"a": "A"}, True),
            ("a > 'B'", {"a": "a"}, False),
            ("'Straße' = 'STRASSE'", {}, True),
            ("a = b", {"a": "Web", "b": "WEB"}, True),
            ("a < b", {"a": "apple", "b": "Banana"}, True),
            ("'007' = '7'", {}, True),
            ("a = b", {"a": "007", "b": "7.0"}, True),
            ("a = '7'", {"a": "07"}, True),
            ("a = 'x'", {"a": "7"}, False),
            ("a = 7", {"a": "7.00"}, True),
            ("a > 9", {"a": "10"}, True),
            ("a = 7", {"a": "seven"}, None),
            ("a = 7", {}, None),
            ("NULL = NULL", {}, None),
            ("a = b", {"a": "x"}, None),
            ("7 = 7.0", {}, True),
            ("5000 <= a", {"a": "7500"}, True),
            ("5000 > a", {"a": "7500"}, False),
            ("'B' > a", {"a": "a"}, True),
            ("a >= -5", {"a": "-5"}, True),
            ("a < -5", {"a": "-4"}, False),
            ("a * 1 = b", {"a": "2", "b": "2.0"}, True),
            ("a * 1 = b", {"a": "2", "b": "two"}, None),
        ],
    )
    def test_values(self, text: str, values: dict[str, str], expected: bool | None) -> None:
        assert truth(text, values) is expected

    @pytest.mark.parametrize(
        ("text", "values", "expected"),
        [
            ("a > DATE('2023-10-11')", {"a": "2023-12-31 23:59:59"}, True),
            ("DATE('2023-10-11') < a", {"a": "12/31/2023"}, True),
            ("a <= DATE('2024-01-01 00:00:00')", {"a": "2024-01-01"}, True),
            ("a <= DATE('2024-01-01 00:00:00')", {"a": "2024-01-01 00:00:01"}, False),
            ("DATE(a) = DATE(b)", {"a": "3/15/2024", "b": "2024-03-15"}, True),
            ("DATE(a) = b", {"a": "3/15/2024", "b": "2024-03-15T00:00:00Z"}, True),
            ("DATE(a) = '15/3/2024'", {"a": "2024-03-15"}, True),
            ("a > DATE('2023-10-11')", {"a": "soon"}, None),
            ("DATE('2023-10-11') = 20231011", {}, None),
            ("DATE(a) < b * 1", {"a": "2024-01-01", "b": "5"}, None),
            ("'2024-1-5' = '2024-01-05'", {}, False),
            ("a = b", {"a": "2024-1-5", "b": "2024-01-05"}, False),
        ],
    )
    def test_date_times(self, text: str, values: dict[str, str], expected: bool | None) -> None:
        assert truth(text, values) is expected

    @given(
        st.sampled_from(["=", "<>", "!=", "<", ">", "<=", ">="]),
        st.one_of(st.none(), st.sampled_from(["7", "07.0", "abc", "ABC", "-1", "2024-01-05"])),
        st.sampled_from(["7", "abc", "Abd", "-0.5", "2024-01-05 00:00:00", "1e3"]),
    )
    def test_literal_and_reference_sides_agree(
        self, operator: str, value: str | None, literal: str
    ) -> None:
        values = {"b": literal} if value is None else {"a": value, "b": literal}
        quoted = "'" + literal + "'"
        by_literal = truth(f"a {operator} {quoted}", values)
        assert by_literal is truth(f"a {operator} b", values)
        assert truth(f"a {operator} DATE(b)", values) is truth(
            f"a {operator} DATE({quoted})", values
        )


class TestLike:
    @pytest.mark.parametrize(
        ("text", "values", "expected"),
        [
            ("a LIKE 'V4_%'", {"a": "v4_12"}, True),
            ("a LIKE 'V4_%'", {"a": "V4X"}, True),
            ("a LIKE 'V4_%'", {"a": "V4"}, False),
            ("a LIKE 'W%'", {"a": "web"}, True),
            ("a LIKE 'W%'", {"a": "a web"}, False),
            ("a LIKE '%EB'", {"a": "web"}, True),
            ("a LIKE 'a.c'", {"a": "abc"}, False),
            ("a LIKE 'a.c'", {"a": "A.C"}, True),
            ("a LIKE '(x)*'", {"a": "(X)*"}, True),
            ("a LIKE '%'", {"a": "line\nbreak"}, True),
            ("a LIKE 'straße'", {"a": "STRASSE"}, True),
            ("a NOT LIKE 'W%'", {"a": "BRANCH"}, True),
            ("a NOT LIKE 'W%'", {"a": "Web"}, False),
            ("a LIKE 'W%'", {}, None),
            ("a NOT LIKE 'W%'", {}, None),
            ("a LIKE b", {"a": "abc", "b": "A_C"}, True),
            ("a LIKE b", {"a": "abc"}, None),
            ("a NOT LIKE b", {"a": "abc", "b": "%d"}, True),
            ("a * 1 LIKE '12.5'", {"a": "12.50"}, True),
            ("a * 1 LIKE b", {"a": "12.50", "b": "12.5"}, True),
            ("DATE(a) LIKE '2024-03-15 00:00:00'", {"a": "3/15/2024"}, True),
            ("DATE(a) LIKE '%.123000'", {"a": "2024-03-15 10:20:30.123"}, True),
            ("7 LIKE 7", {}, True),
        ],
    )
    def test_values(self, text: str, values: dict[str, str], expected: bool | None) -> None:
        assert truth(text, values) is expected


class TestIsNull:
    @pytest.mark.parametrize(
        ("text", "values", "expected"),
        [
            ("a IS NULL", {}, True),
            ("a IS EMPTY", {}, True),
            ("a IS NULL", {"a": "x"}, False),
            ("a IS NOT NULL", {"a": "x"}, True),
            ("a IS NOT EMPTY", {}, False),
            ("'' IS NULL", {}, True),
            ("'' IS NOT EMPTY", {}, False),
            ("1 IS NULL", {}, False),
            ("a + 1 IS NULL", {"a": "x"}, True),
            ("DATE(a) IS NOT NULL", {"a": "2024-01-01"}, True),
        ],
    )
    def test_never_unknown(self, text: str, values: dict[str, str], expected: bool) -> None:
        assert truth(text, values) is expected


class TestLogic:
    @pytest.mark.parametrize("left", [True, False, None])
    @pytest.mark.parametrize("right", [True, False, None])
    def test_kleene_and_or(self, left: bool | None, right: bool | None) -> None:
        expected_and = False if False in (left, right) else None if None in (left, right) else True
        expected_or = True if True in (left, right) else None if None in (left, right) else False
        assert truth(f"{ATOMS[left]} AND {ATOMS[right]}") is expected_and
        assert truth(f"{ATOMS[left]} OR {ATOMS[right]}") is expected_or

    @pytest.mark.parametrize(("value", "expected"), [(True, False), (False, True), (None, None)])
    def test_not(self, value: bool | None, expected: bool | None) -> None:
        assert truth(f"NOT {ATOMS[value]}") is expected

    def test_both_operands_are_evaluated(self) -> None:
        for operator, first in (("AND", FALSE), ("OR", TRUE)):
            compiled = compile_expression(f"{first} {operator} a = 'x'", condition_allowed=True)
            _, read = compiled.evaluate(resolver({"a": "x"}), NOW)
            assert read is True


class TestCase:
    def test_first_true_when_wins(self) -> None:
        text = "CASE WHEN a > 1 THEN 'one' WHEN a > 2 THEN 'two' ELSE 'none' END"
        assert run(text, {"a": "3"}) == "one"
        assert run(text, {"a": "0"}) == "none"

    def test_unknown_is_not_true(self) -> None:
        text = "CASE WHEN a > 1 THEN 'big' WHEN NOT a > 1 THEN 'small' ELSE 'unknown' END"
        assert run(text) == "unknown"

    def test_without_else_is_null(self) -> None:
        assert run("CASE WHEN a = 'x' THEN 1 END", {"a": "y"}) is None

    def test_branches_not_selected_are_not_evaluated(self) -> None:
        calls: list[str] = []

        def resolve(qualifier: str | None, name: str) -> str | None:
            calls.append(name)
            return "1"

        compiled = compile_expression("CASE WHEN 1 = 1 THEN 'fixed' WHEN c = 1 THEN a ELSE b END")
        assert compiled.evaluate(resolve, NOW) == ("fixed", False)
        assert calls == []

    def test_spec_example_monthly_salary(self) -> None:
        text = (
            "CASE WHEN salary_basis = 'ANNUAL' THEN salary / 12 "
            "WHEN salary_basis = 'HOURLY' THEN salary * 173.33 ELSE salary END"
        )
        result = run(text, {"salary": "52000", "salary_basis": "annual"})
        assert result.quantize(Decimal("0.01")) == Decimal("4333.33")
        assert run(text, {"salary": "20", "salary_basis": "Hourly"}) == Decimal("3466.60")
        assert run(text, {"salary": "3000"}) == "3000"

    def test_spec_example_limit_band(self) -> None:
        text = (
            "CASE WHEN application.requested_limit >= 5000 THEN 'LARGE' "
            "WHEN application.requested_limit < 1000 THEN 'SMALL' ELSE 'MEDIUM' END"
        )
        assert run(text, {"application.requested_limit": "3000"}) == "MEDIUM"
        assert run(text, {"application.requested_limit": "-500"}) == "SMALL"
        assert run(text, {"application.requested_limit": "7500"}) == "LARGE"
        assert run(text) == "MEDIUM"

    def test_then_and_else_may_be_any_scalar(self) -> None:
        text = "CASE WHEN a = 1 THEN DATE(b) ELSE COALESCE(c, 0) + 1 END"
        assert run(text, {"a": "1", "b": "2024-01-02"}) == datetime(2024, 1, 2)
        assert run(text, {"a": "2", "c": "4"}) == Decimal(5)


class TestDates:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("2024-03-15 10:20:30.123", datetime(2024, 3, 15, 10, 20, 30, 123000)),
            ("3/18/2024 9:15:00 PM", datetime(2024, 3, 18, 21, 15)),
            ("25/12/2024", datetime(2024, 12, 25)),
            ("2031-03-15T08:30:00+02:00", datetime(2031, 3, 15, 8, 30)),
            ("not a date", None),
        ],
    )
    def test_date_of_text(self, value: str, expected: datetime | None) -> None:
        assert run("DATE(a)", {"a": value}) == expected

    def test_date_of_other_values(self) -> None:
        assert run("DATE(20240101)") is None
        assert run("DATE(NULL)") is None
        assert run("DATE(DATE('2024-01-02 03:04:05'))") == datetime(2024, 1, 2, 3, 4, 5)

    @pytest.mark.parametrize(
        ("days", "expected"),
        [
            ("30", datetime(2024, 4, 14)),
            ("1.9", datetime(2024, 3, 16)),
            ("-1.9", datetime(2024, 3, 14)),
            ("0", datetime(2024, 3, 15)),
            ("-0.5", datetime(2024, 3, 15)),
            ("x", None),
            ("99999999999999999999", None),
            ("2900000", datetime(9964, 2, 19)),
            ("3000000", None),
        ],
    )
    def test_dateadd(self, days: str, expected: datetime | None) -> None:
        values = {"d": "2024-03-15 10:20:30.123", "n": days}
        assert run("DATEADD(day, n, d)", values) == expected

    def test_dateadd_spec_example(self) -> None:
        text = (
            "CASE WHEN application.app_receive_date IS NOT EMPTY "
            "THEN DATEADD(day, application.regb_days, application.app_receive_date) END"
        )
        values = {"application.app_receive_date": "2024-03-15 10:20:30.123"}
        assert run(text, {**values, "application.regb_days": "30"}) == datetime(2024, 4, 14)
        assert run(text, values) is None

    def test_dateadd_of_a_number_or_bad_text_is_null(self) -> None:
        assert run("DATEADD(day, 1, 20240101)") is None
        assert run("DATEADD(day, 1, 'someday')") is None
        assert run("DATEADD(day, 1, '9999-12-31')") is None

    def test_getutcdate_is_the_document_time(self) -> None:
        assert run("GETUTCDATE()") == NOW
        aware = datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
        assert run("GETUTCDATE()", now=aware) == datetime(2024, 5, 1, 12, 30)
        assert run("DATEADD(day, -1, GETUTCDATE())") == datetime(2024, 4, 30)
        assert truth("GETUTCDATE() > DATE('2024-01-01')") is True


class TestCoalesce:
    def test_first_non_null(self) -> None:
        assert run("COALESCE(a, b, 'none')", {"b": "B"}) == "B"
        assert run("COALESCE(a, b, 'none')") == "none"
        assert run("COALESCE(a, b)") is None
        assert run("COALESCE('', a, 1)") == Decimal(1)

    def test_spec_example_incomes(self) -> None:
        text = "COALESCE(@b_salary, 0) + COALESCE(@b_other_income_amt, 0)"
        assert run(text, {"b_salary": "1000", "b_other_income_amt": "250.50"}) == Decimal("1250.50")
        assert run(text, {"b_other_income_amt": "250.50"}) == Decimal("250.50")
        assert run(text) == Decimal(0)

    def test_later_arguments_are_not_evaluated(self) -> None:
        compiled = compile_expression("ISNULL('x', a)")
        assert compiled.evaluate(resolver({"a": "y"}), NOW) == ("x", False)


class TestCast:
    @pytest.mark.parametrize(
        ("text", "values", "expected"),
        [
            ("CAST(a AS int)", {"a": "12 months"}, Decimal(12)),
            ("CAST(a AS bigint)", {"a": "-2.5"}, Decimal(-3)),
            ("CAST(a AS tinyint)", {"a": "300"}, None),
            ("CAST(a AS int)", {"a": "n/a"}, None),
            ("CAST(a AS decimal(10, 2))", {"a": "2.345"}, Decimal("2.35")),
            ("CAST(a AS numeric(10,4))", {"a": "-2.34565"}, Decimal("-2.3457")),
            ("CAST(a AS decimal)", {"a": "1.005"}, Decimal("1.01")),
            ("CAST(a AS decimal(3, 1))", {"a": "123.4"}, None),
            ("CAST(a AS decimal)", {"a": "$5"}, None),
            ("CAST(a AS varchar(3))", {"a": "abcdef"}, "abc"),
            ("CAST(a AS nvarchar(4))", {"a": "ab  cd"}, "ab"),
            ("CAST(a * 1 AS string)", {"a": "12.50"}, "12.5"),
            ("CAST(DATE(a) AS string)", {"a": "3/15/2024"}, "2024-03-15 00:00:00"),
            ("CAST(a AS date)", {"a": "2024-03-15 10:20:30"}, datetime(2024, 3, 15)),
            (
                "CAST(a AS smalldatetime)",
                {"a": "2024-03-15 10:20:30"},
                datetime(2024, 3, 15, 10, 21),
            ),
            ("CAST(a AS datetime)", {"a": "garbage"}, None),
            ("CAST(5 AS datetime)", {}, None),
            ("CAST(DATE(a) AS int)", {"a": "2024-01-01"}, None),
            ("CAST(a AS float)", {"a": " 1.25 "}, Decimal("1.25")),
            ("CAST(a AS float)", {"a": "1,25"}, None),
            ("CAST(a AS bit)", {"a": "2"}, Decimal(1)),
            ("CAST(a AS int)", {}, None),
        ],
    )
    def test_conversions(self, text: str, values: dict[str, str], expected: object) -> None:
        assert run(text, values) == expected

    def test_bit_words_come_from_the_contract(self) -> None:
        compiled = compile_expression("CAST(a AS bit)", boolean_to_bit={"yes": 1, "no": 0})
        assert compiled.evaluate(resolver({"a": "YES"}), NOW)[0] == Decimal(1)
        assert compiled.evaluate(resolver({"a": "maybe"}), NOW)[0] is None


class TestResultAndEvidence:
    def test_empty_text_result_is_null(self) -> None:
        assert run("CASE WHEN 1 = 1 THEN '' END") is None
        assert run("''") is None

    def test_condition_results_for_bit_columns(self) -> None:
        compiled = compile_expression("a = 'Y'", condition_allowed=True)
        assert compiled.is_condition
        assert compiled.evaluate(resolver({"a": "y"}), NOW) == (1, True)
        assert compiled.evaluate(resolver({"a": "n"}), NOW) == (0, True)
        assert compiled.evaluate(resolver({}), NOW) == (None, False)

    def test_scalar_expression_for_a_bit_column(self) -> None:
        compiled = compile_expression("CASE WHEN a = 'Y' THEN 1 ELSE 0 END", condition_allowed=True)
        assert not compiled.is_condition
        assert compiled.evaluate(resolver({"a": "Y"}), NOW) == (Decimal(1), True)

    def test_condition_for_other_columns_is_an_error(self) -> None:
        with pytest.raises(ExpressionError, match="only a bit column"):
            compile_expression("a = 'Y'")

    def test_read_any(self) -> None:
        compiled = compile_expression("COALESCE(a, 0) + 1")
        assert compiled.evaluate(resolver({"a": "2"}), NOW) == (Decimal(3), True)
        assert compiled.evaluate(resolver({}), NOW) == (Decimal(1), False)
        assert compile_expression("1 + 1").evaluate(resolver({}), NOW)[1] is False
        assert compile_expression("a + b").evaluate(resolver({"b": "1"}), NOW) == (None, True)

    def test_references(self) -> None:
        compiled = compile_expression(
            "CASE WHEN @application.x = 1 THEN y ELSE App_Product.z + y END"
        )
        assert compiled.references == frozenset(
            {("application", "x"), (None, "y"), ("App_Product", "z")}
        )
        assert compiled.source.startswith("CASE")
        assert isinstance(compiled, CompiledExpression)

    def test_each_reference_is_resolved_once_per_evaluation(self) -> None:
        calls: list[tuple[str | None, str]] = []

        def resolve(qualifier: str | None, name: str) -> str | None:
            calls.append((qualifier, name))
            return "5"

        compiled = compile_expression("a + a * a + t.a")
        assert compiled.evaluate(resolve, NOW) == (Decimal(35), True)
        assert sorted(calls, key=str) == [("t", "a"), (None, "a")]
        compiled.evaluate(resolve, NOW)
        assert len(calls) == 4


class TestLegacyPitfalls:
    """Regression tests for the legacy engine's regular-expression splitting (D3)."""

    def test_numeric_literal_on_the_right_is_a_number(self) -> None:
        assert truth("limit >= 5000", {"limit": "-500"}) is False
        assert truth("limit >= 5000", {"limit": "999"}) is False
        assert truth("limit >= 5000", {"limit": "5000.00"}) is True

    def test_mixed_case_literals_in_and_conditions_match(self) -> None:
        text = "a = 'Secured' AND b = 'cm'"
        assert truth(text, {"a": "SECURED", "b": "CM"}) is True
        assert truth(text, {"a": "secured", "b": "Cm"}) is True

    def test_or_inside_and_and_parentheses_are_honoured(self) -> None:
        text = "a = 'Y' OR b = 'SECURED' AND c > 2000"
        assert truth(text, {"a": "Y", "b": "OTHER", "c": "1"}) is True
        assert truth(text, {"a": "N", "b": "SECURED", "c": "1"}) is False
        grouped = "(a = 'Y' OR b = 'SECURED') AND c > 2000"
        assert truth(grouped, {"a": "Y", "b": "OTHER", "c": "1"}) is False
        negated = "NOT (a = 'WEB' OR a = 'PHONE')"
        assert truth(negated, {"a": "BRANCH"}) is True
        assert truth(negated, {"a": "web"}) is False

    def test_nested_case(self) -> None:
        text = (
            "CASE WHEN s IS EMPTY THEN 'NOSCORE' "
            "ELSE CASE WHEN s >= 700 THEN 'PRIME' ELSE 'SUBPRIME' END END"
        )
        assert run(text, {"s": "742"}) == "PRIME"
        assert run(text, {"s": "650"}) == "SUBPRIME"
        assert run(text) == "NOSCORE"

    def test_non_numeric_text_in_arithmetic_is_null_not_zero(self) -> None:
        assert run("a + b", {"a": "N/A", "b": "5"}) is None
        assert run("a / b", {"a": "N/A", "b": "5"}) is None

    def test_null_day_count_in_dateadd_gives_null(self) -> None:
        assert run("DATEADD(day, n, '2024-03-15')") is None

    def test_dateadd_outside_case_works(self) -> None:
        text = "DATEADD(day, 14, DATE(d))"
        assert run(text, {"d": "2024-03-18 09:15:00"}) == datetime(2024, 4, 1)


# -- property tests --------------------------------------------------------------------

_operand_values = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=4
)


def _arithmetic_trees(names: list[str]) -> st.SearchStrategy[Node]:
    leaves = st.one_of(
        st.decimals(min_value=0, max_value=Decimal("1e9"), places=3).map(Number),
        st.sampled_from(names).map(lambda name: Reference(None, name)),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.tuples(st.sampled_from("+-*/"), children, children).map(
                lambda parts: Arithmetic(*parts)
            ),
            children.map(lambda child: Unary("-", child)),
        ),
        max_leaves=12,
    ).filter(lambda tree: isinstance(tree, Arithmetic | Unary))


def _decimal_value(node: Node, values: dict[str, Decimal]) -> Decimal | None:
    """Python decimal arithmetic at 28 digits, half to even; division by zero is None."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Reference):
        return values[node.name]
    if isinstance(node, Unary):
        operand = _decimal_value(node.operand, values)
        return None if operand is None else -operand
    left, right = _decimal_value(node.left, values), _decimal_value(node.right, values)
    if left is None or right is None or (node.operator == "/" and right == 0):
        return None
    return {
        "+": lambda: left + right,
        "-": lambda: left - right,
        "*": lambda: left * right,
        "/": lambda: left / right,
    }[node.operator]()


@settings(max_examples=300)
@given(
    _arithmetic_trees(["a", "b", "c"]),
    st.fixed_dictionaries({"a": _operand_values, "b": _operand_values, "c": _operand_values}),
)
def test_arithmetic_agrees_with_python_decimal(tree: Node, values: dict[str, Decimal]) -> None:
    with localcontext() as context:
        context.prec, context.rounding = 28, ROUND_HALF_EVEN
        expected = _decimal_value(tree, values)
    texts = {name: format(value, "f") for name, value in values.items()}
    assert run(format_expression(tree), texts) == expected


_atoms = st.sampled_from(["a", "b", "c"]).map(
    lambda name: Comparison("=", Reference(None, name), Number(Decimal(1)))
)
_conditions = st.recursive(
    _atoms,
    lambda children: st.one_of(
        st.tuples(st.sampled_from(["AND", "OR"]), children, children).map(
            lambda parts: Logical(*parts)
        ),
        children.map(Not),
    ),
    max_leaves=8,
)
_three_valued = st.fixed_dictionaries(
    {name: st.sampled_from(["1", "2", None]) for name in ("a", "b", "c")}
)


@settings(max_examples=300)
@given(_conditions, _conditions, _three_valued)
def test_de_morgan_under_three_valued_logic(
    first: Node, second: Node, values: dict[str, str | None]
) -> None:
    present = {name: value for name, value in values.items() if value is not None}
    left = format_expression(Not(Logical("AND", first, second)))
    right = format_expression(Logical("OR", Not(first), Not(second)))
    assert truth(left, present) is truth(right, present)


_scalars = st.one_of(
    st.sampled_from(["x", "a", "b"]).map(lambda name: Reference(None, name)),
    st.sampled_from(["7", "07.0", "abc", "ABC", "2024-01-05", ""]).map(String),
    st.sampled_from(["7", "0.5"]).map(lambda text: Number(Decimal(text))),
    st.just(Null()),
    st.just(DateOf(String("2024-01-05"))),
)
_scalar_texts = st.fixed_dictionaries(
    {
        name: st.sampled_from(["7", "7.00", "abc", "Abc", "2024-01-05", "01/05/2024", None])
        for name in ("x", "a", "b")
    }
)


@settings(max_examples=300)
@given(_scalars, _scalars, _scalars, _scalar_texts)
def test_not_in_equals_a_conjunction_of_inequalities(
    x: Node, a: Node, b: Node, values: dict[str, str | None]
) -> None:
    present = {name: value for name, value in values.items() if value is not None}
    not_in = format_expression(InList(x, (a, b), negated=True))
    inequalities = format_expression(Logical("AND", Comparison("<>", x, a), Comparison("<>", x, b)))
    assert truth(not_in, present) is truth(inequalities, present)
    in_list = format_expression(InList(x, (a, b)))
    equalities = format_expression(Logical("OR", Comparison("=", x, a), Comparison("=", x, b)))
    assert truth(in_list, present) is truth(equalities, present)


@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]),
        st.one_of(
            st.text(max_size=12).map(str.strip).filter(bool),
            st.sampled_from(["2024-03-15", "3/15/2024 9:15:00 PM", "12", "-0.5", "1e5", "V4_1"]),
        ),
    )
)
def test_evaluation_never_raises(values: dict[str, str]) -> None:
    text = (
        "CASE WHEN a LIKE b OR c > d AND NOT a = 5 THEN DATEADD(day, c, d) "
        "WHEN DATE(a) >= DATE(b) THEN CAST(c AS tinyint) * a / (b - b) "
        "WHEN a IS NOT EMPTY THEN CAST(d AS decimal(5, 2)) "
        "WHEN a NOT IN (b, 5, DATE(c)) THEN CONCAT(LEFT(a, b), RIGHT(c, d), LEN(a)) "
        "WHEN TRIM(a) IN (UPPER(b), LOWER(c)) THEN SUBSTRING(a, b, c) "
        "WHEN REPLACE(a, b, c) = LTRIM(RTRIM(d)) THEN EMPTY "
        "ELSE COALESCE(-a, DATE(b), c) END"
    )
    run(text, values)
