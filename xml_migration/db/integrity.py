"""Integrity checks of a migrated key range: nothing lost, nothing twice, counts reconcile.

Used by the Dagster blocking asset checks and by `xml-migration verify`. Every check works
by query (also on SQLite, and on existing tables that declare no keys) and reads the log
in key order a page at a time, so memory stays bounded whatever the range.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, exists, func, literal, or_, select
from sqlalchemy.sql import ColumnElement

from xml_migration.contract.tables import TableSpec, TargetSchema
from xml_migration.db.connection import dialect_name
from xml_migration.db.model import LOG, STATUS_FAILED, STATUS_SUCCESS, DatabaseModel, build_model
from xml_migration.db.processing_log import decode_rows_written
from xml_migration.db.stale import stale_outcome

OFFENDING_IDS_KEPT = 10
LOG_PAGE_SIZE = 5_000
"""Success log rows per page: the checks run concurrently, each holding one page and the row
counts of its window, so the page size bounds their memory (docs/performance.md)."""


@dataclass(frozen=True, slots=True)
class IntegrityResult:
    """The verdict of one check: how many offenders it found (`offending_count`: documents,
    applications, rows or tables, as its description says), the first offending application
    keys, the tables whose counts disagree, and its figures."""

    name: str
    passed: bool
    description: str
    offending_ids: tuple[int, ...] = ()
    metadata: dict[str, int] = field(default_factory=dict)
    offending_count: int = 0
    offending_tables: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Bounds:
    """Application keys `start`..`end`, inclusive; None leaves a side open."""

    start: int | None = None
    end: int | None = None

    def where(self, column: ColumnElement[Any]) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column <= self.end)
        return conditions

    def describe(self) -> str:
        if self.start is None and self.end is None:
            return "all applications"
        low = "…" if self.start is None else str(self.start)
        high = "…" if self.end is None else str(self.end)
        return f"applications {low}-{high}"


def _first(ids: list[int]) -> tuple[int, ...]:
    return tuple(sorted(set(ids))[:OFFENDING_IDS_KEPT])


def _success_pages(
    connection: Connection, model: DatabaseModel, keys: _Bounds
) -> Iterator[tuple[int | None, int, dict[int, dict[str, int]]]]:
    """Success log rows in key order, a page at a time: (previous page's last key, this
    page's last key, {app key: rows_written})."""
    app_key = model.log_app_key
    previous: int | None = None
    while True:
        query = (
            select(app_key, model.log.c[LOG.rows_written])
            .where(model.log.c[LOG.status] == STATUS_SUCCESS, *keys.where(app_key))
            .order_by(app_key)
            .limit(LOG_PAGE_SIZE)
        )
        if previous is not None:
            query = query.where(app_key > previous)
        rows = connection.execute(query).all()
        if not rows:
            return
        last = int(rows[-1][0])
        yield previous, last, {int(key): decode_rows_written(text) for key, text in rows}
        previous = last


def _rows_by_owner(
    connection: Connection, model: DatabaseModel, spec: TableSpec, low: int | None, high: int | None
) -> dict[int, int]:
    """Rows of `spec`'s table per owning application with `low` < key <= `high`."""
    owner, from_clause = model.owner(spec)
    query = select(owner, func.count()).select_from(from_clause).where(owner.is_not(None))
    if low is not None:
        query = query.where(owner > low)
    if high is not None:
        query = query.where(owner <= high)
    return {int(key): int(count) for key, count in connection.execute(query.group_by(owner))}


def _documents_without_outcome(model: DatabaseModel, keys: _Bounds) -> Select[Any]:
    source_key = model.source_key
    logged = select(literal(1)).where(model.log_app_key == source_key)
    return select(source_key).where(~exists(logged), *keys.where(source_key))


def check_no_lost_records(
    engine: Engine, target: TargetSchema, id_range: tuple[int, int] | None = None
) -> IntegrityResult:
    """Every source document has a log outcome, and every success has exactly the rows its
    log row says it wrote (and no application has rows without a success)."""
    model = build_model(target, dialect_name(engine))
    keys = _Bounds(*id_range) if id_range else _Bounds()
    without = _documents_without_outcome(model, keys)
    mismatched: list[int] = []
    with engine.connect() as connection:
        lost_count = int(connection.scalar(select(func.count()).select_from(without.subquery())))
        lost = [
            int(key)
            for key in connection.scalars(
                without.order_by(model.source_key).limit(OFFENDING_IDS_KEPT)
            )
        ]
        for low, high, expected in _windows(connection, model, keys):
            actual: dict[int, Counter[str]] = {}
            for spec in target.tables:
                for owner, count in _rows_by_owner(connection, model, spec, low, high).items():
                    actual.setdefault(owner, Counter())[spec.name] = count
            for app_id in set(expected) | set(actual):
                want = {table: count for table, count in expected.get(app_id, {}).items() if count}
                have = {
                    table: count for table, count in actual.get(app_id, Counter()).items() if count
                }
                if want != have:
                    mismatched.append(app_id)
    passed = lost_count == 0 and not mismatched
    if passed:
        description = f"{keys.describe()}: every document has an outcome and its rows"
    else:
        description = (
            f"{keys.describe()}: {lost_count} documents without an outcome, "
            f"{len(mismatched)} applications whose rows differ from their log row"
        )
    return IntegrityResult(
        "no_lost_records",
        passed,
        description,
        _first(lost + mismatched),
        {"documents_without_outcome": lost_count, "applications_with_wrong_rows": len(mismatched)},
        offending_count=lost_count + len(set(mismatched)),
    )


def _windows(
    connection: Connection, model: DatabaseModel, keys: _Bounds
) -> Iterator[tuple[int | None, int | None, dict[int, dict[str, int]]]]:
    """Contiguous key windows covering `keys`, each with the successes it holds:
    (exclusive low, inclusive high, {app key: rows_written}). The first window starts at
    the range's start, the last one ends at its end, so rows of applications without a
    success log row fall into some window too."""
    start = None if keys.start is None else keys.start - 1
    low = start
    for previous, last, expected in _success_pages(connection, model, keys):
        yield (start if previous is None else previous), last, expected
        low = last
    yield low, keys.end, {}


def check_no_duplicates(
    engine: Engine, target: TargetSchema, id_range: tuple[int, int] | None = None
) -> IntegrityResult:
    """No application has more than one log row, no primary key is held by two rows, and
    no row references a parent row that does not exist."""
    model = build_model(target, dialect_name(engine))
    keys = _Bounds(*id_range) if id_range else _Bounds()
    offending: list[int] = []
    offending_count = 0
    metadata: dict[str, int] = {}
    problems: list[str] = []
    with engine.connect() as connection:
        app_key = model.log_app_key
        repeated = (
            select(app_key).where(*keys.where(app_key)).group_by(app_key).having(func.count() > 1)
        )
        repeated_keys = [int(key) for key in connection.scalars(repeated)]
        metadata["applications_with_several_log_rows"] = len(repeated_keys)
        offending.extend(repeated_keys)
        offending_count += len(repeated_keys)
        if repeated_keys:
            problems.append(f"{len(repeated_keys)} applications with several log rows")
        for spec in target.tables:
            duplicates = _duplicate_keys(connection, model, spec, keys)
            metadata[f"duplicate_keys_{spec.name}"] = len(duplicates)
            offending.extend(duplicates)
            offending_count += len(set(duplicates))
            if duplicates:
                problems.append(f"{spec.name}: {len(duplicates)} applications with a duplicate key")
        for spec, columns, parent, parent_columns in _references(model):
            orphans, owners = _orphans(
                connection, model, spec, columns, parent, parent_columns, keys
            )
            metadata[f"orphans_{spec.name}_{'_'.join(columns)}"] = orphans
            offending.extend(owners)
            offending_count += orphans
            if orphans:
                problems.append(
                    f"{spec.name}: {orphans} rows reference a missing {parent} "
                    f"({', '.join(parent_columns)})"
                )
    passed = not problems
    description = (
        f"{keys.describe()}: one outcome per document, unique keys, no orphan rows"
        if passed
        else f"{keys.describe()}: " + "; ".join(problems)
    )
    return IntegrityResult(
        "no_duplicates",
        passed,
        description,
        _first(offending),
        metadata,
        offending_count=offending_count,
    )


def _duplicate_keys(
    connection: Connection, model: DatabaseModel, spec: TableSpec, keys: _Bounds
) -> list[int]:
    """Applications owning a row whose primary key another row of the table also has."""
    if not spec.primary_key:
        return []
    table = model.table(spec.name)
    owner, from_clause = model.owner(spec)
    key_columns = [table.c[name] for name in spec.primary_key]
    query = (
        select(func.min(owner), func.max(owner))
        .select_from(from_clause)
        .where(*keys.where(owner))
        .group_by(*key_columns)
        .having(func.count() > 1)
    )
    return [int(key) for row in connection.execute(query) for key in row if key is not None]


def _references(
    model: DatabaseModel,
) -> list[tuple[TableSpec, tuple[str, ...], str, tuple[str, ...]]]:
    """Declared foreign keys, plus each table's link to the row that owns it (application
    key to the root table, contact key to the contact table), without repeats."""
    target = model.target
    root = target.root_table
    seen: set[tuple[str, tuple[str, ...], str]] = set()
    references = []
    for spec in target.tables:
        links = [(fk.columns, fk.references, fk.referenced_columns) for fk in spec.foreign_keys]
        if spec is not root and target.app_key_column in spec.column_names:
            links.append(((target.app_key_column,), root.name, (target.app_key_column,)))
        elif (
            target.contact_table
            and target.contact_key_column
            and spec.name != target.contact_table
            and target.contact_key_column in spec.column_names
        ):
            key = target.contact_key_column
            links.append(((key,), target.contact_table, (key,)))
        for columns, parent, parent_columns in links:
            if (spec.name, tuple(columns), parent) not in seen:
                seen.add((spec.name, tuple(columns), parent))
                references.append((spec, tuple(columns), parent, tuple(parent_columns)))
    return references


def _orphans(
    connection: Connection,
    model: DatabaseModel,
    spec: TableSpec,
    columns: tuple[str, ...],
    parent: str,
    parent_columns: tuple[str, ...],
    keys: _Bounds,
) -> tuple[int, list[int]]:
    """Rows of `spec`'s table whose `columns` match no row of `parent`: how many, and the
    first owning applications. Rows without an owner count whatever the range."""
    child = model.table(spec.name)
    parent_table = model.table(parent).alias("referenced")
    owner, from_clause = model.owner(spec)
    joined = from_clause.outerjoin(
        parent_table,
        and_(
            *(child.c[c] == parent_table.c[p] for c, p in zip(columns, parent_columns, strict=True))
        ),
    )
    conditions = [parent_table.c[parent_columns[0]].is_(None)]
    conditions.extend(child.c[column].is_not(None) for column in columns)
    in_range = keys.where(owner)
    if in_range:
        conditions.append(or_(owner.is_(None), and_(*in_range)))
    query = select(owner).select_from(joined).where(*conditions)
    count = int(connection.scalar(select(func.count()).select_from(query.subquery())) or 0)
    owners = [
        int(key) for key in connection.scalars(query.limit(OFFENDING_IDS_KEPT)) if key is not None
    ]
    return count, owners


def check_reconciliation(
    engine: Engine, target: TargetSchema, id_range: tuple[int, int] | None = None
) -> IntegrityResult:
    """Counts agree: source documents = documents with an outcome, every log row has its
    source document, and every table holds as many rows as the success log rows say."""
    model = build_model(target, dialect_name(engine))
    keys = _Bounds(*id_range) if id_range else _Bounds()
    app_key = model.log_app_key
    status = model.log.c[LOG.status]
    with engine.connect() as connection:
        documents = int(
            connection.scalar(
                select(func.count()).select_from(model.source).where(*keys.where(model.source_key))
            )
            or 0
        )
        by_status = dict(
            connection.execute(
                select(status, func.count(func.distinct(app_key)))
                .where(*keys.where(app_key))
                .group_by(status)
            ).all()
        )
        without_query = _documents_without_outcome(model, keys)
        without = int(
            connection.scalar(select(func.count()).select_from(without_query.subquery())) or 0
        )
        first_without = [
            int(key)
            for key in connection.scalars(
                without_query.order_by(model.source_key).limit(OFFENDING_IDS_KEPT)
            )
        ]
        source_of_log = select(literal(1)).where(model.source_key == app_key)
        orphan_log = select(app_key).where(~exists(source_of_log), *keys.where(app_key))
        log_without_source = int(
            connection.scalar(select(func.count()).select_from(orphan_log.subquery())) or 0
        )
        first_orphan_log = [
            int(key)
            for key in connection.scalars(orphan_log.order_by(app_key).limit(OFFENDING_IDS_KEPT))
        ]
        expected: Counter[str] = Counter()
        for _previous, _last, page in _success_pages(connection, model, keys):
            for counts in page.values():
                expected.update(counts)
        actual: dict[str, int] = {}
        for spec in target.tables:
            owner, from_clause = model.owner(spec)
            actual[spec.name] = int(
                connection.scalar(
                    select(func.count()).select_from(from_clause).where(*keys.where(owner))
                )
                or 0
            )
    successes = int(by_status.get(STATUS_SUCCESS, 0))
    failures = int(by_status.get(STATUS_FAILED, 0))
    metadata = {
        "source_documents": documents,
        "successes": successes,
        "failures": failures,
        "documents_without_outcome": without,
        "log_rows_without_source": log_without_source,
    }
    problems = []
    tables = []
    for spec in target.tables:
        have, want = actual[spec.name], expected.get(spec.name, 0)
        metadata[f"rows_{spec.name}"] = have
        metadata[f"expected_rows_{spec.name}"] = want
        if have != want:
            tables.append(spec.name)
            problems.append(f"{spec.name} holds {have} rows, the log says {want}")
    if without:
        problems.append(f"{without} of {documents} source documents have no outcome")
    if log_without_source:
        problems.append(f"{log_without_source} log rows have no source document")
    if successes + failures + without != documents:
        problems.append(
            f"{documents} source documents but {successes} successes, {failures} failures "
            f"and {without} without outcome"
        )
    passed = not problems
    description = (
        f"{keys.describe()}: {documents} documents = {successes} successes + {failures} "
        f"failures; every table matches the log"
        if passed
        else f"{keys.describe()}: " + "; ".join(problems)
    )
    return IntegrityResult(
        "reconciliation",
        passed,
        description,
        _first(first_without + first_orphan_log),
        metadata,
        offending_count=without + log_without_source + len(tables),
        offending_tables=tuple(tables),
    )


INTEGRITY_CHECKS = (check_no_lost_records, check_no_duplicates, check_reconciliation)


def integrity_checks(
    engine: Engine, target: TargetSchema, id_range: tuple[int, int] | None = None
) -> dict[str, IntegrityResult]:
    """Every check for the application keys `id_range` (inclusive; None: all), by name.

    The checks run at the same time, each on its own connection: their queries overlap in
    the database while the others' Python work runs."""
    with ThreadPoolExecutor(len(INTEGRITY_CHECKS)) as pool:
        results = list(pool.map(lambda check: check(engine, target, id_range), INTEGRITY_CHECKS))
    return {result.name: result for result in results}


def check_current_contract(
    engine: Engine, target: TargetSchema, id_range: tuple[int, int] | None, fingerprint: str
) -> IntegrityResult:
    """Every outcome of the range was produced under the contract with `fingerprint`
    (after a re-migration nothing stale is left)."""
    model = build_model(target, dialect_name(engine))
    keys = _Bounds(*id_range) if id_range else _Bounds()
    stale = and_(stale_outcome(model, fingerprint), *keys.where(model.log_app_key))
    with engine.connect() as connection:
        count = int(
            connection.scalar(select(func.count()).select_from(model.log).where(stale)) or 0
        )
        first = connection.execute(
            select(model.log_app_key)
            .where(stale)
            .order_by(model.log_app_key)
            .limit(OFFENDING_IDS_KEPT)
        ).scalars()
        offending = tuple(int(app_id) for app_id in first)
    description = (
        f"{keys.describe()}: every outcome was produced under contract {fingerprint}"
        if not count
        else f"{keys.describe()}: {count} outcomes were produced under another contract "
        f"than {fingerprint} (re-migrate them with remigrate_stale)"
    )
    return IntegrityResult(
        "current_contract", not count, description, offending, {"stale_outcomes": count}
    )
