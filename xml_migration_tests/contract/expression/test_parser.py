"""Parser: grammar §14.2, precedence §14.3, syntax errors with positions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xml_migration.contract.expression import ExpressionError, parse_expression
from xml_migration.contract.expression.nodes import (
    Arithmetic,
    Case,
    Cast,
    Coalesce,
    Comparison,
    DateAdd,
    DateOf,
    IsNull,
    Like,
    Logical,
    Not,
    Null,
    Number,
    Reference,
    String,
    TypeName,
    Unary,
    UtcNow,
    When,
)

a, b, c = Reference(None, "a"), Reference(None, "b"), Reference(None, "c")


def compare(left, operator: str, right) -> Comparison:
    return Comparison(operator, left, right)


def test_literals() -> None:
    assert parse_expression("12.50") == Number(Decimal("12.50"))
    assert parse_expression("'it''s'") == String("it's")
    assert parse_expression('"LATE"') == String("LATE")
    assert parse_expression("null") == Null()


def test_references() -> None:
    assert parse_expression("salary") == Reference(None, "salary")
    assert parse_expression("@b_salary") == Reference(None, "b_salary")
    assert parse_expression("application.requested_limit") == Reference(
        "application", "requested_limit"
    )
    assert parse_expression("@app_product.bureau_score") == Reference("app_product", "bureau_score")


def test_keywords_after_a_dot_are_attribute_names() -> None:
    assert parse_expression("x.end") == Reference("x", "end")
    assert parse_expression("x.CASE = 1") == compare(Reference("x", "CASE"), "=", Number(1))


def test_function_names_without_parenthesis_are_references() -> None:
    assert parse_expression("date + cast") == Arithmetic(
        "+", Reference(None, "date"), Reference(None, "cast")
    )
    assert parse_expression("date.x") == Reference("date", "x")


def test_at_allows_a_keyword_as_name() -> None:
    assert parse_expression("@end") == Reference(None, "end")


def test_arithmetic_precedence_and_associativity() -> None:
    assert parse_expression("a + b * c") == Arithmetic("+", a, Arithmetic("*", b, c))
    assert parse_expression("a - b - c") == Arithmetic("-", Arithmetic("-", a, b), c)
    assert parse_expression("a / b * c") == Arithmetic("*", Arithmetic("/", a, b), c)
    assert parse_expression("(a + b) * c") == Arithmetic("*", Arithmetic("+", a, b), c)
    assert parse_expression("-a * b") == Arithmetic("*", Unary("-", a), b)
    assert parse_expression("- -a") == Unary("-", Unary("-", a))
    assert parse_expression("a + -b") == Arithmetic("+", a, Unary("-", b))


def test_or_binds_looser_than_and() -> None:
    expected = Logical(
        "OR",
        compare(a, "=", String("X")),
        Logical("AND", compare(b, "=", String("Y")), compare(c, "=", String("Z"))),
    )
    assert parse_expression("a = 'X' OR b = 'Y' AND c = 'Z'") == expected


def test_not_binds_looser_than_comparison() -> None:
    expected = Logical("AND", Not(compare(a, "=", Number(1))), compare(b, "=", Number(2)))
    assert parse_expression("NOT a = 1 AND b = 2") == expected
    assert parse_expression("NOT NOT a = 1") == Not(Not(compare(a, "=", Number(1))))


def test_parentheses_group_conditions() -> None:
    expected = Logical(
        "AND",
        Logical("OR", compare(a, "=", Number(1)), compare(b, "=", Number(2))),
        compare(c, "=", Number(3)),
    )
    assert parse_expression("(a = 1 OR b = 2) AND c = 3") == expected


def test_and_or_are_left_associative() -> None:
    one, two, three = (compare(x, "=", Number(1)) for x in (a, b, c))
    assert parse_expression("a = 1 AND b = 1 AND c = 1") == Logical(
        "AND", Logical("AND", one, two), three
    )
    assert parse_expression("a = 1 or b = 1 Or c = 1") == Logical(
        "OR", Logical("OR", one, two), three
    )


@pytest.mark.parametrize("operator", ["=", "!=", "<>", "<", ">", "<=", ">="])
def test_comparison_operators(operator: str) -> None:
    assert parse_expression(f"a {operator} b + 1") == compare(
        a, operator, Arithmetic("+", b, Number(1))
    )


def test_predicates() -> None:
    assert parse_expression("a LIKE 'V4_%'") == Like(a, String("V4_%"))
    assert parse_expression("a not like 'W%'") == Like(a, String("W%"), negated=True)
    assert parse_expression("a IS NULL") == IsNull(a)
    assert parse_expression("a IS NOT NULL") == IsNull(a, negated=True)
    assert parse_expression("a is empty") == IsNull(a, empty=True)
    assert parse_expression("a IS NOT EMPTY") == IsNull(a, negated=True, empty=True)


def test_case() -> None:
    assert parse_expression("CASE WHEN a = 1 THEN 'x' WHEN b = 2 THEN 'y' ELSE 'z' END") == Case(
        (
            When(compare(a, "=", Number(1)), String("x")),
            When(compare(b, "=", Number(2)), String("y")),
        ),
        String("z"),
    )
    assert parse_expression("case when a = 1 then 2 end") == Case(
        (When(compare(a, "=", Number(1)), Number(2)),)
    )


def test_nested_case() -> None:
    inner = Case((When(compare(b, ">=", Number(700)), String("PRIME")),), String("SUBPRIME"))
    assert parse_expression(
        "CASE WHEN b IS EMPTY THEN 'NOSCORE' ELSE CASE WHEN b >= 700 THEN 'PRIME' "
        "ELSE 'SUBPRIME' END END"
    ) == Case((When(IsNull(b, empty=True), String("NOSCORE")),), inner)


def test_functions() -> None:
    assert parse_expression("DATE('2023-10-11')") == DateOf(String("2023-10-11"))
    assert parse_expression("DATEADD(day, n, d)") == DateAdd(
        Reference(None, "n"), Reference(None, "d")
    )
    assert parse_expression("dateadd('DAY', 1, d)") == DateAdd(Number(1), Reference(None, "d"))
    assert parse_expression("COALESCE(a, b, 0)") == Coalesce("COALESCE", (a, b, Number(0)))
    assert parse_expression("isnull(a, 0)") == Coalesce("ISNULL", (a, Number(0)))
    assert parse_expression("GETUTCDATE()") == UtcNow()
    assert parse_expression("CAST(a AS varchar(10))") == Cast(a, TypeName("varchar", (10,)))
    assert parse_expression("cast(a as DECIMAL(10, 4))") == Cast(a, TypeName("decimal", (10, 4)))
    assert parse_expression("CAST(as AS int)") == Cast(Reference(None, "as"), TypeName("int"))


def test_positions_of_nodes() -> None:
    node = parse_expression("CASE\n  WHEN (a = 1) THEN x.y END")
    assert (node.line, node.column) == (1, 1)
    when = node.whens[0]
    assert (when.line, when.column) == (2, 3)
    assert (when.condition.line, when.condition.column) == (2, 8)
    assert (when.result.line, when.result.column) == (2, 21)


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("a = b = c", "comparisons do not chain; combine them with AND or use parentheses", 7),
        ("a = 1 IS NULL", "comparisons do not chain; combine them with AND or use parentheses", 7),
        ("a +", "expected a value, found the end of the expression", 4),
        ("a + (b * 2))", "expected an operator or the end of the expression, found ')'", 12),
        ("(a + b", "expected ')' to close the parenthesis, found the end of the expression", 7),
        ("CASE a WHEN 1 THEN 2 END", "expected WHEN after CASE, found 'a'", 6),
        (
            "CASE WHEN a = 1 THEN 2",
            "expected WHEN, ELSE or END in CASE, found the end of the expression",
            23,
        ),
        ("CASE WHEN a = 1 2 END", "expected THEN after the WHEN condition, found '2'", 17),
        ("a IS 5", "expected NULL or EMPTY after IS, found '5'", 6),
        ("WHEN", "unexpected keyword WHEN; expected a value", 1),
        ("a AND", "expected a value, found the end of the expression", 6),
        (
            "foo(1)",
            "unknown function 'foo'; expected one of CAST, COALESCE, CONCAT, DATE, DATEADD, "
            "GETUTCDATE, ISNULL, LEFT, LEN, LOWER, LTRIM, REPLACE, RIGHT, RTRIM, SUBSTRING, TRIM, "
            "UPPER",
            1,
        ),
        ("ISNULL(a, b, c)", "ISNULL takes exactly 2 arguments, found 3", 1),
        ("ISNULL(a)", "ISNULL takes exactly 2 arguments, found 1", 1),
        ("DATEADD(month, 1, d)", "DATEADD supports only the unit day, found 'month'", 9),
        ("DATEADD(day 1, d)", "expected ',' after the DATEADD unit, found '1'", 13),
        ("GETUTCDATE(1)", "expected ')' to close GETUTCDATE(, found '1'", 12),
        (
            "CAST(a AS money)",
            "unknown type 'money'; expected one of bigint, bit, date, datetime, decimal, int, "
            "smalldatetime, smallint, string, tinyint, varchar(n), nvarchar(n), decimal(p,s), "
            "numeric(p,s) or float",
            11,
        ),
        ("CAST(a AS varchar)", "varchar needs one positive length, as in varchar(50)", 11),
        ("CAST(a AS int(4))", "type int takes no arguments", 11),
        (
            "CAST(a AS decimal(4, 6))",
            "decimal takes (precision[, scale]), 0 <= scale <= precision <= 38",
            11,
        ),
        ("CAST(a AS varchar(2.5))", "expected a whole number, found '2.5'", 19),
        ("CAST(a, int)", "expected AS in CAST, found ','", 7),
        ("a.", "expected an attribute name after '.', found the end of the expression", 3),
        ("@ 5", "expected a name after '@', found '5'", 3),
        ("a b", "expected an operator or the end of the expression, found 'b'", 3),
        ("", "expected a value, found the end of the expression", 1),
    ],
)
def test_syntax_errors(source: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse_expression(source)
    assert raised.value.message == message
    assert raised.value.column == column


def test_error_text_shows_the_line_and_a_caret() -> None:
    with pytest.raises(ExpressionError) as raised:
        parse_expression("CASE WHEN a = 1\n\tTHEN b = c = d END")
    assert raised.value.line == 2
    assert str(raised.value) == (
        "comparisons do not chain; combine them with AND or use parentheses (line 2, column 13)\n"
        "    \tTHEN b = c = d END\n"
        "    \t           ^"
    )


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("(" * 5000 + "a" + ")" * 5000)
