from __future__ import annotations

from itertools import pairwise

import pytest

from xml_migration.defs.partitions import (
    aligned_range,
    parse_range_key,
    range_key,
    range_keys_covering,
)


def test_range_key_is_zero_padded_and_sorts_like_the_range() -> None:
    assert range_key(100_000, 109_999) == "0000100000-0000109999"
    keys = [range_key(s, s + 9) for s in (90, 100, 5, 1_000)]
    assert sorted(keys) == [range_key(s, s + 9) for s in (5, 90, 100, 1_000)]


def test_parse_range_key_inverts_range_key() -> None:
    assert parse_range_key(range_key(0, 9_999)) == (0, 9_999)
    assert parse_range_key("0000100000-0000109999") == (100_000, 109_999)


@pytest.mark.parametrize(
    "key",
    ["", "100-200", "0000100000_0000109999", "0000200000-0000100000", "x000100000-0000109999"],
)
def test_parse_range_key_rejects_other_text(key: str) -> None:
    with pytest.raises(ValueError, match="partition key"):
        parse_range_key(key)


@pytest.mark.parametrize(("start", "end"), [(-1, 5), (10, 9), (0, 10**10)])
def test_range_key_rejects_ranges_it_cannot_name(start: int, end: int) -> None:
    with pytest.raises(ValueError):
        range_key(start, end)


def test_aligned_range_puts_an_id_in_the_same_range_whatever_its_neighbours() -> None:
    assert aligned_range(0, 10_000) == (0, 9_999)
    assert aligned_range(9_999, 10_000) == (0, 9_999)
    assert aligned_range(10_000, 10_000) == (10_000, 19_999)
    assert aligned_range(123_456, 1_000) == (123_000, 123_999)
    with pytest.raises(ValueError):
        aligned_range(5, 0)


def test_range_keys_covering_spans_first_to_last_id() -> None:
    assert range_keys_covering(5, 5, 10) == ["0000000000-0000000009"]
    assert range_keys_covering(1, 2_500, 1_000) == [
        "0000000000-0000000999",
        "0000001000-0000001999",
        "0000002000-0000002999",
    ]
    assert range_keys_covering(10, 9, 10) == []
    keys = range_keys_covering(100_001, 140_000, 10_000)
    spans = [parse_range_key(key) for key in keys]
    assert spans[0][0] <= 100_001 and spans[-1][1] >= 140_000
    assert all(b[0] == a[1] + 1 for a, b in pairwise(spans))
