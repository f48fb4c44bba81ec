"""Printing syntax trees; printing and re-parsing gives the same tree."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xml_migration.contract.expression import format_expression, parse_expression
from xml_migration.contract.expression.nodes import (
    Arithmetic,
    Case,
    Cast,
    Coalesce,
    Comparison,
    DateAdd,
    DateOf,
    Empty,
    InList,
    IsNull,
    Like,
    Logical,
    Node,
    Not,
    Null,
    Number,
    Reference,
    String,
    TextCall,
    TypeName,
    Unary,
    UtcNow,
    When,
)
from xml_migration.contract.expression.parser import KEYWORDS
from xml_migration.contract.expression.text_functions import TEXT_FUNCTIONS


@pytest.mark.parametrize(
    ("source", "printed"),
    [
        ("a+b*c", "a + b * c"),
        ("(a+b)*c", "(a + b) * c"),
        ("a-(b-c)", "a - (b - c)"),
        ("(a-b)-c", "a - b - c"),
        ("a/(b*c)", "a / (b * c)"),
        ("-(a+b)", "-(a + b)"),
        ("- -a", "- -a"),
        ("a = 'X' or (b = 'Y' and c = 'Z')", "a = 'X' OR b = 'Y' AND c = 'Z'"),
        ("(a = 'X' or b = 'Y') and c = 'Z'", "(a = 'X' OR b = 'Y') AND c = 'Z'"),
        ("a = 1 and (b = 2 and c = 3)", "a = 1 AND (b = 2 AND c = 3)"),
        ("not (a = 1 and b = 2)", "NOT (a = 1 AND b = 2)"),
        ("(not a = 1) and b = 2", "NOT a = 1 AND b = 2"),
        ("(a = 1) = (b = 2)", "(a = 1) = (b = 2)"),
        ("a not like 'x''s'", "a NOT LIKE 'x''s'"),
        ('a = "q"', "a = 'q'"),
        ("a is not empty", "a IS NOT EMPTY"),
        ("@a.end + @end + x.case", "a.end + @end + x.case"),
        ("@case.x", "@case.x"),
        (
            "case when a=1 then 2 else case when b=1 then 3 end end",
            "CASE WHEN a = 1 THEN 2 ELSE CASE WHEN b = 1 THEN 3 END END",
        ),
        ("dateadd('day', 1.50, date(x))", "DATEADD(day, 1.50, DATE(x))"),
        ("isnull(a, 0) + coalesce(b, c, null)", "ISNULL(a, 0) + COALESCE(b, c, NULL)"),
        ("cast(a as DECIMAL(10,2))", "CAST(a AS decimal(10, 2))"),
        ("getutcdate()", "GETUTCDATE()"),
        ("x in ('A',b+1)", "x IN ('A', b + 1)"),
        ("not x not in ((a = 1), 2)", "NOT x NOT IN ((a = 1), 2)"),
        ("x+1 in (1) or y in (2)", "x + 1 IN (1) OR y IN (2)"),
        ("(x in (1)) = (y in (2))", "(x IN (1)) = (y IN (2))"),
        (
            "case when a is empty then empty else trim(a) end",
            "CASE WHEN a IS EMPTY THEN EMPTY ELSE TRIM(a) END",
        ),
        ("substring(@in, 0, len(left))", "SUBSTRING(@in, 0, LEN(left))"),
        ("concat(a,b,c) + replace(x, 'a', '')", "CONCAT(a, b, c) + REPLACE(x, 'a', '')"),
        ("Left(a, 1) = right(a, 1)", "LEFT(a, 1) = RIGHT(a, 1)"),
    ],
)
def test_printing(source: str, printed: str) -> None:
    assert format_expression(parse_expression(source)) == printed


_words = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
_references = st.builds(Reference, st.none() | _words, _words)
_leaves = st.one_of(
    st.decimals(min_value=0, max_value=Decimal("1e6"), places=2).map(Number),
    st.text(max_size=6).map(String),
    st.just(Null()),
    _references,
    st.just(UtcNow()),
    st.just(Empty()),
    st.sampled_from(sorted(KEYWORDS)).map(lambda word: Reference(None, word)),
)
_type_names = st.sampled_from(
    [
        TypeName("int"),
        TypeName("string"),
        TypeName("varchar", (5,)),
        TypeName("decimal", (10, 2)),
        TypeName("numeric", (8,)),
        TypeName("float"),
        TypeName("date"),
    ]
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    pairs = st.tuples(children, children)
    return st.one_of(
        st.builds(Unary, st.sampled_from("+-"), children),
        st.builds(Arithmetic, st.sampled_from("+-*/"), children, children),
        st.builds(
            Comparison, st.sampled_from(["=", "!=", "<>", "<", ">", "<=", ">="]), *[children] * 2
        ),
        st.builds(Like, children, children, st.booleans()),
        st.builds(IsNull, children, st.booleans(), st.booleans()),
        st.builds(Not, children),
        st.builds(Logical, st.sampled_from(["AND", "OR"]), children, children),
        st.builds(
            Case,
            st.lists(pairs.map(lambda pair: When(*pair)), min_size=1, max_size=3).map(tuple),
            st.none() | children,
        ),
        st.builds(DateOf, children),
        st.builds(DateAdd, children, children),
        st.builds(
            Coalesce, st.just("COALESCE"), st.lists(children, min_size=1, max_size=3).map(tuple)
        ),
        st.builds(Coalesce, st.just("ISNULL"), pairs),
        st.builds(Cast, children, _type_names),
        st.builds(
            InList, children, st.lists(children, min_size=1, max_size=3).map(tuple), st.booleans()
        ),
        st.sampled_from(sorted(TEXT_FUNCTIONS)).flatmap(
            lambda name: st.builds(
                TextCall,
                st.just(name),
                st.lists(
                    children,
                    min_size=TEXT_FUNCTIONS[name].least,
                    max_size=TEXT_FUNCTIONS[name].most or TEXT_FUNCTIONS[name].least + 2,
                ).map(tuple),
            )
        ),
    )


_trees = st.recursive(_leaves, _extend, max_leaves=15)


@settings(max_examples=400)
@given(_trees)
def test_printed_tree_parses_back_to_the_same_tree(tree: Node) -> None:
    assert parse_expression(format_expression(tree)) == tree


@given(_trees)
def test_printing_is_stable(tree: Node) -> None:
    text = format_expression(tree)
    assert format_expression(parse_expression(text)) == text
