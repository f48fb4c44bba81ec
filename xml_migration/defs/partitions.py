"""Partitions of the migration: fixed-width ranges of app_id, registered as they appear.

A partition key names its inclusive id range with zero-padded bounds, e.g.
`0000100000-0000109999`, so keys sort like the ranges they stand for. Ranges are aligned
to multiples of the width: the same id always falls into the same partition.
"""

from __future__ import annotations

import re

import dagster as dg

app_id_ranges = dg.DynamicPartitionsDefinition(name="app_id_ranges")
"""Id-range partitions of `migrated_applications`; added when source documents appear."""

KEY_DIGITS = 10
_KEY_PATTERN = re.compile(rf"^(\d{{{KEY_DIGITS}}})-(\d{{{KEY_DIGITS}}})$")


def range_key(app_id_start: int, app_id_end: int) -> str:
    """The partition key of the inclusive range [app_id_start, app_id_end]."""
    if not 0 <= app_id_start <= app_id_end < 10**KEY_DIGITS:
        raise ValueError(f"not a partitionable id range: {app_id_start}-{app_id_end}")
    return f"{app_id_start:0{KEY_DIGITS}d}-{app_id_end:0{KEY_DIGITS}d}"


def parse_range_key(key: str) -> tuple[int, int]:
    """The inclusive id range a partition key names."""
    match = _KEY_PATTERN.match(key)
    if match is None:
        raise ValueError(f"not an app_id range partition key: {key!r}")
    start, end = int(match.group(1)), int(match.group(2))
    if start > end:
        raise ValueError(f"partition key {key!r} ends before it starts")
    return start, end


def aligned_range(app_id: int, width: int) -> tuple[int, int]:
    """The width-aligned range that holds `app_id`."""
    if width < 1:
        raise ValueError(f"partition width must be positive, got {width}")
    start = (app_id // width) * width
    return start, start + width - 1


def range_keys_covering(first_app_id: int, last_app_id: int, width: int) -> list[str]:
    """Keys of the aligned ranges that together cover [first_app_id, last_app_id], in order."""
    if first_app_id > last_app_id:
        return []
    start, _ = aligned_range(first_app_id, width)
    keys = []
    while start <= last_app_id:
        keys.append(range_key(start, start + width - 1))
        start += width
    return keys


def require_registered(instance: dg.DagsterInstance, key: str) -> None:
    """Fail the step, without retries, when `key` is not a registered partition."""
    if not instance.has_dynamic_partition(app_id_ranges.name, key):
        raise dg.Failure(
            description=f"partition {key} is not registered in this instance: only the "
            "partitions listed for migrated_applications can be migrated (materializing "
            "mock_source_documents, the sensor and the nightly schedule register the ranges "
            "holding documents)",
            allow_retries=False,
        )
