"""Row-creating entries of a chain: each family's parameter rule (spec §9.4)."""

from __future__ import annotations

import pytest

from xml_migration.contract.chains import parse_chain


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("add_score", "needs a non-empty parameter"),
        ("add_indicator( )", "needs a non-empty parameter"),
        ("add_report_lookup", "needs a parameter in parentheses"),
        ("add_history(x)", "takes no parameter"),
        ("warranty_field()", "needs an integer parameter"),
        ("policy_exceptions(a)", "needs an integer parameter"),
    ],
)
def test_a_family_parameter_is_checked_by_its_rule(entry: str, problem: str) -> None:
    _, problems = parse_chain((entry,))
    assert len(problems) == 1 and problem in problems[0]


@pytest.mark.parametrize(
    ("entry", "parameter", "number", "notes"),
    [
        ("add_score(ID)", "ID", None, False),
        ("add_report_lookup()", "", None, False),
        ("add_history", None, None, False),
        ("add_collateral(2)", "2", 2, False),
        ("policy_exceptions(3)", "3", 3, False),
        ("policy_exceptions()", "", None, True),
    ],
)
def test_a_family_entry_parses_by_its_rule(
    entry: str, parameter: str | None, number: int | None, notes: bool
) -> None:
    chain, problems = parse_chain((entry,))
    assert problems == []
    assert chain.row_entry is not None
    assert (chain.row_entry.parameter, chain.row_entry.number) == (parameter, number)
    assert chain.row_entry.is_notes is notes
