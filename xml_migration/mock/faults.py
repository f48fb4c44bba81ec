"""Named faults injected into mock documents, and the outcome the specification prescribes.

Each fault kind names one way real source data goes wrong. `EXPECTED_OUTCOMES` gives the
final outcome of a document carrying it when it is migrated with the shipped
credit-application contract (spec §6, §8, §11, §15), so tests and operators can check that
every faulted document ends exactly where it should.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from xml_migration.engine.outcome import Stage


class FaultKind(StrEnum):
    """A kind of injected fault; the value is the name used in the manifest."""

    MALFORMED_XML = "malformed_xml"
    WRONG_ROOT_ELEMENT = "wrong_root_element"
    MISSING_APP_ID = "missing_app_id"
    MISSING_PRIMARY_CONTACT = "missing_primary_contact"
    UNKNOWN_ENUM_VALUE = "unknown_enum_value"
    INVALID_DATE = "invalid_date"
    OVERLONG_STRING = "overlong_string"
    DUPLICATE_CON_ID_ACROSS_DOCUMENTS = "duplicate_con_id_across_documents"
    DUPLICATE_CON_ID_IN_DOCUMENT = "duplicate_con_id_in_document"
    EMPTY_DOCUMENT = "empty_document"
    NON_UTF8_BYTES = "non_utf8_bytes"
    ENTITY_EXPANSION = "entity_expansion"
    EXTERNAL_ENTITY = "external_entity"


@dataclass(frozen=True, slots=True)
class ExpectedOutcome:
    """The processing outcome a faulted document must get: success, or stage and reason."""

    stage: Stage | None
    reason: str | None
    description: str

    @property
    def status(self) -> str:
        return "success" if self.stage is None else "failed"


def _success(description: str) -> ExpectedOutcome:
    return ExpectedOutcome(None, None, description)


EXPECTED_OUTCOMES: dict[FaultKind, ExpectedOutcome] = {
    FaultKind.MALFORMED_XML: ExpectedOutcome(
        Stage.VALIDATION, "not_well_formed", "document cut off in the middle (§6.3)"
    ),
    FaultKind.WRONG_ROOT_ELEMENT: ExpectedOutcome(
        Stage.VALIDATION, "wrong_root_element", "root element is not Provenir (§6.4)"
    ),
    FaultKind.MISSING_APP_ID: ExpectedOutcome(
        Stage.VALIDATION, "missing_app_id", "Request has no ID attribute (§6.4)"
    ),
    FaultKind.MISSING_PRIMARY_CONTACT: _success(
        "only an authorised user: primary-contact values are NULL (§8.3)"
    ),
    FaultKind.UNKNOWN_ENUM_VALUE: ExpectedOutcome(
        Stage.MAPPING,
        "enum_unmapped",
        "status_cd outside the app_status enum; app_base.status_enum is NOT NULL (§11.3)",
    ),
    FaultKind.INVALID_DATE: ExpectedOutcome(
        Stage.MAPPING,
        "required_value_missing",
        "app_receive_date is not a calendar date; app_base.receive_date is NOT NULL (§11.3)",
    ),
    FaultKind.OVERLONG_STRING: _success(
        "names, street, employer and note longer than their columns are truncated (§12.1)"
    ),
    FaultKind.DUPLICATE_CON_ID_ACROSS_DOCUMENTS: ExpectedOutcome(
        Stage.CONSTRAINT_VIOLATION,
        "key_collision",
        "the primary contact reuses a con_id loaded by an earlier application (§15.3)",
    ),
    FaultKind.DUPLICATE_CON_ID_IN_DOCUMENT: _success(
        "primary and authorised user share a con_id: one contact row, the primary (§8.2)"
    ),
    FaultKind.EMPTY_DOCUMENT: ExpectedOutcome(
        Stage.VALIDATION, "empty_document", "the source value is an empty string (§6.1)"
    ),
    FaultKind.NON_UTF8_BYTES: _success(
        "Windows-1252 bytes under a UTF-8 declaration are decoded as Windows-1252 (§6.1)"
    ),
    FaultKind.ENTITY_EXPANSION: ExpectedOutcome(
        Stage.VALIDATION, "dtd_forbidden", "billion-laughs entity declarations (§6.2)"
    ),
    FaultKind.EXTERNAL_ENTITY: ExpectedOutcome(
        Stage.VALIDATION, "dtd_forbidden", "external entity on the local file system (§6.2)"
    ),
}

ENTITY_EXPANSION_DOCTYPE = (
    '<!DOCTYPE Provenir [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">'
        for level in range(1, 10)
    )
    + "]>"
)
"""A 'billion laughs' declaration: `&lol9;` would expand to 10⁹ copies of `lol`."""

EXTERNAL_ENTITY_DOCTYPE = (
    '<!DOCTYPE Provenir [<!ENTITY secret SYSTEM "file:///etc/passwd">'
    '<!ENTITY remote SYSTEM "http://192.0.2.1/exfiltrate">]>'
)
"""External entities: a local file and a network resource (documentation address range)."""

ENCODING_FAULT_NAMES = ('first_name="Renée"', 'last_name="Müller-Lüdenscheidt"')
"""Attribute texts that make a Windows-1252 encoding differ from UTF-8."""

OVERLONG_VALUES = {
    "last_name": "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh",
    "street_name": "Avenue of the Presidents of the United States of America Extension",
    "business_name": "International Consolidated Amalgamated Holdings & Subsidiaries Worldwide",
    "underwriter_note": "Applicant provided additional documentation " * 8,
}
"""Values longer than their columns (last_name 30, street_name 40, business_name 50,
the history value 200 characters)."""
