"""Mock source documents for the shipped credit-application contract.

`generate_documents` yields Provenir-shaped credit applications: 0-3 contacts of both roles,
0-4 addresses and employments each, realistic values and blanks for every mapped
attribute, and (profile `production`) embedded bureau reports and a decision journal
beside `CustData` sized like the production mix. Output is a pure function of
`(seed, first_app_id, count, profile, fault_rate, fault_kinds)`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from random import Random

from xml_migration.mock.application import (
    PRIMARY_ROLE,
    SECONDARY_ROLE,
    ContactPlan,
    application_subtree,
    plan_contacts,
    receive_moment,
)
from xml_migration.mock.faults import (
    ENCODING_FAULT_NAMES,
    ENTITY_EXPANSION_DOCTYPE,
    EXPECTED_OUTCOMES,
    EXTERNAL_ENTITY_DOCTYPE,
    OVERLONG_VALUES,
    ExpectedOutcome,
    FaultKind,
)
from xml_migration.mock.unread import unread_sections
from xml_migration.mock.values import attribute_text

_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

MEDIAN_BYTES = 130 * 1024
P90_BYTES = 540 * 1024
MAX_BYTES = 2 * 1024 * 1024
_SIGMA = math.log(P90_BYTES / MEDIAN_BYTES) / 1.2815515655446004
"""Production sizes are log-normal through the median and the 90th percentile, capped."""


class Profile(StrEnum):
    """Size profile of generated documents.

    `production`: median 130 KiB, 90th percentile 540 KiB, at most 2 MiB, most bytes in
    sections no mapping reads. `compact`: the application subtree only (about 8 KiB).
    """

    PRODUCTION = "production"
    COMPACT = "compact"


@dataclass(frozen=True, slots=True)
class GeneratedDocument:
    """One mock source row.

    `xml` is text, except for the `non_utf8_bytes` fault, whose document is bytes (the
    source column must accept bytes for it, spec §6.1). `con_ids` are the distinct contact
    keys written in the document. `size` is the stored size in bytes (UTF-8 for text);
    `unread_size` the bytes of the sections outside `CustData`.
    """

    app_id: int
    xml: str | bytes
    fault: FaultKind | None
    con_ids: tuple[int, ...]
    size: int
    unread_size: int

    @property
    def expected(self) -> ExpectedOutcome | None:
        """The outcome the fault prescribes; None for a clean document (success)."""
        return None if self.fault is None else EXPECTED_OUTCOMES[self.fault]


def generate_documents(
    count: int,
    *,
    first_app_id: int,
    seed: int,
    profile: Profile | str = Profile.PRODUCTION,
    fault_rate: float = 0.0,
    fault_kinds: Sequence[FaultKind] = tuple(FaultKind),
) -> Iterator[GeneratedDocument]:
    """Yield `count` documents with application keys `first_app_id`, `first_app_id + 1`, ….

    Each document is faulted with probability `fault_rate`; faulted documents cycle
    through `fault_kinds` in order, so every kind appears once there are that many faults.
    Contact keys are `app_id * 10 + 1..3`, unique across runs whenever application keys
    are. A `duplicate_con_id_across_documents` fault reuses the first contact key of the
    latest document with contacts that is expected to load; it is postponed to a later
    faulted document while there is none. Same arguments, same bytes.
    """
    if count < 0 or first_app_id < 1:
        raise ValueError("count must be >= 0 and first_app_id >= 1")
    if not 0.0 <= fault_rate <= 1.0:
        raise ValueError("fault_rate must be between 0 and 1")
    profile = Profile(profile)
    kinds = tuple(FaultKind(kind) for kind in fault_kinds)
    rng = Random(f"xml_migration.mock/{seed}/{first_app_id}")
    builder = _DocumentBuilder(profile)
    next_fault = 0
    donor_con_id: int | None = None
    for app_id in range(first_app_id, first_app_id + count):
        fault = None
        if kinds and fault_rate and rng.random() < fault_rate:
            candidate = kinds[next_fault % len(kinds)]
            if candidate is not FaultKind.DUPLICATE_CON_ID_ACROSS_DOCUMENTS or donor_con_id:
                fault = candidate
                next_fault += 1
        document = builder.build(rng, app_id, fault, donor_con_id)
        if document.con_ids and (fault is None or EXPECTED_OUTCOMES[fault].stage is None):
            donor_con_id = document.con_ids[0]
        yield document


class _DocumentBuilder:
    """Builds one document at a time; holds the unread-section blocks of the profile."""

    def __init__(self, profile: Profile) -> None:
        self._unread = unread_sections() if profile is Profile.PRODUCTION else None

    def build(
        self, rng: Random, app_id: int, fault: FaultKind | None, donor_con_id: int | None
    ) -> GeneratedDocument:
        received = receive_moment(rng)
        contacts = _contacts_for(rng, app_id, fault, donor_con_id)
        custdata = application_subtree(rng, app_id, received, contacts)
        custdata = _alter_application(custdata, fault)
        head = _head(rng, app_id, received, fault)
        custdata_bytes = _utf8_length(custdata)
        unread: list[str] = []
        if self._unread is not None:
            target = min(MAX_BYTES, int(MEDIAN_BYTES * math.exp(_SIGMA * rng.gauss(0.0, 1.0))))
            budget = target - len(head) - custdata_bytes - len(_tail(fault))
            if budget > 0:
                unread = self._unread.render(rng, app_id, received, budget)
        if fault is FaultKind.EXTERNAL_ENTITY:
            unread.append("<Note>&secret;&remote;</Note>")
        tail = _tail(fault)
        xml = "".join((head, custdata, *unread, tail))
        unread_size = sum(len(part) for part in unread)
        size = len(head) + custdata_bytes + unread_size + len(tail)
        con_ids = tuple(dict.fromkeys(plan.con_id for plan in contacts))
        return _finish(rng, app_id, xml, fault, con_ids, size, unread_size)


def _contacts_for(
    rng: Random, app_id: int, fault: FaultKind | None, donor_con_id: int | None
) -> tuple[ContactPlan, ...]:
    first = app_id * 10 + 1
    if fault is FaultKind.MISSING_PRIMARY_CONTACT:
        return (ContactPlan(first, SECONDARY_ROLE, 1, 1),)
    if fault is FaultKind.DUPLICATE_CON_ID_IN_DOCUMENT:
        return (ContactPlan(first, PRIMARY_ROLE, 2, 1), ContactPlan(first, SECONDARY_ROLE, 1, 0))
    if fault is FaultKind.DUPLICATE_CON_ID_ACROSS_DOCUMENTS and donor_con_id is not None:
        return (ContactPlan(donor_con_id, PRIMARY_ROLE, 1, 1),)
    if fault in (FaultKind.OVERLONG_STRING, FaultKind.NON_UTF8_BYTES):
        return (ContactPlan(first, PRIMARY_ROLE, 2, 2),)
    return plan_contacts(rng, app_id)


def _head(rng: Random, app_id: int, received: datetime, fault: FaultKind | None) -> str:
    draw = rng.random()
    if draw < 0.85:
        address = f"{('192.0.2', '198.51.100', '203.0.113')[app_id % 3]}.{1 + app_id % 254}"
    elif draw < 0.95:
        address = f"2001:db8:{app_id % 65536:x}:{(app_id >> 16) % 65536:x}::{1 + int(draw * 999)}"
    else:
        address = ""
    root = _root_name(fault)
    key = "" if fault is FaultKind.MISSING_APP_ID else f' ID="{app_id}"'
    doctype = ""
    if fault is FaultKind.ENTITY_EXPANSION:
        doctype = ENTITY_EXPANSION_DOCTYPE + "\n"
    elif fault is FaultKind.EXTERNAL_ENTITY:
        doctype = EXTERNAL_ENTITY_DOCTYPE + "\n"
    return (
        f"{_XML_DECLARATION}{doctype}"
        f'<{root} Version="3.2" ipaddress="{address}" channel="ORIGINATION">'
        f'<Request{key} Process="CreditCardOrigination" '
        f'Timestamp="{received:%Y-%m-%dT%H:%M:%S}" Priority="{1 + app_id % 3}">'
    )


def _root_name(fault: FaultKind | None) -> str:
    return "ProvenirResponse" if fault is FaultKind.WRONG_ROOT_ELEMENT else "Provenir"


def _tail(fault: FaultKind | None) -> str:
    return f"</Request></{_root_name(fault)}>"


def _replace_attribute(text: str, name: str, value: str) -> str:
    """`text` with the first attribute `name` set to `value` (already escaped)."""
    return re.sub(f' {name}="[^"]*"', lambda _: f' {name}="{value}"', text, count=1)


def _alter_application(custdata: str, fault: FaultKind | None) -> str:
    if fault is FaultKind.UNKNOWN_ENUM_VALUE:
        return _replace_attribute(custdata, "status_cd", "Q7")
    if fault is FaultKind.INVALID_DATE:
        return _replace_attribute(custdata, "app_receive_date", "2024-02-30 08:15:00")
    if fault is FaultKind.OVERLONG_STRING:
        for name, value in OVERLONG_VALUES.items():
            custdata = _replace_attribute(custdata, name, attribute_text(value.strip()))
        return custdata
    if fault is FaultKind.NON_UTF8_BYTES:
        for attribute in ENCODING_FAULT_NAMES:
            name, value = attribute.split("=", 1)
            custdata = _replace_attribute(custdata, name, value.strip('"'))
        return custdata
    if fault is FaultKind.ENTITY_EXPANSION:
        return _replace_attribute(custdata, "underwriter_note", "&lol9;")
    return custdata


def _finish(
    rng: Random,
    app_id: int,
    xml: str,
    fault: FaultKind | None,
    con_ids: tuple[int, ...],
    size: int,
    unread_size: int,
) -> GeneratedDocument:
    """The stored form of the document: cut, emptied or re-encoded for those faults."""
    if fault is FaultKind.MALFORMED_XML:
        cut = xml[: int(len(xml) * (0.3 + 0.6 * rng.random()))]
        size = _utf8_length(cut)
        return GeneratedDocument(app_id, cut, fault, con_ids, size, min(unread_size, size))
    if fault is FaultKind.EMPTY_DOCUMENT:
        return GeneratedDocument(app_id, "", fault, con_ids, 0, 0)
    if fault is FaultKind.NON_UTF8_BYTES:
        encoded = xml.encode("cp1252", errors="xmlcharrefreplace")
        return GeneratedDocument(app_id, encoded, fault, con_ids, len(encoded), unread_size)
    return GeneratedDocument(app_id, xml, fault, con_ids, size, unread_size)


def _utf8_length(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode())
