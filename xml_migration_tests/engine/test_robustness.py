"""Bad input never crashes: mutated compat documents always end as rows or a named failure."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xml_migration.contract.plan import CompiledPlan
from xml_migration.engine.mapper import map_document
from xml_migration.engine.outcome import DocumentFailure, MappedDocument, Stage
from xml_migration_tests.compat.vectors import document_paths

ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
DOCUMENTS = [(int(p.name.split("_")[0]), p.read_text("utf-8")) for p in document_paths()]
ODD_VALUES = [
    "",
    " ",
    "0",
    "-1",
    "99999999999999999999",
    "abc",
    "null",
    "NONE",
    "1,000",
    "$5",
    "2024-13-45",
    "12/31/2024 11:59:59 PM",
    "Y",
    "true",
    "&amp;",
    "&#233;",
    "é€",
    "1e5",
    ".5",
    "&#x0;",
    "<",
    "&undefined;",
    "\t",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_documents_never_fail_unexpectedly(
    compat_plan: CompiledPlan, data: st.DataObject
) -> None:
    key, text = data.draw(st.sampled_from(DOCUMENTS))
    for _ in range(data.draw(st.integers(1, 8))):
        matches = list(ATTRIBUTE.finditer(text))
        match = data.draw(st.sampled_from(matches))
        text = (
            text[: match.start(2)] + data.draw(st.sampled_from(ODD_VALUES)) + text[match.end(2) :]
        )
    if data.draw(st.booleans()):
        start = data.draw(st.integers(0, len(text) - 1))
        text = text[:start] + text[start + data.draw(st.integers(1, 40)) :]
    raw = text.encode("utf-8") if data.draw(st.booleans()) else text
    outcome = map_document(compat_plan, key, raw)
    assert isinstance(outcome, MappedDocument | DocumentFailure)
    if isinstance(outcome, DocumentFailure):
        assert outcome.stage in (Stage.VALIDATION, Stage.MAPPING), outcome
        assert outcome.reason and outcome.detail
