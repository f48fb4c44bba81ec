"""Injected faults: every kind appears, each document shows its fault, the manifest records it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree

from xml_migration.engine.outcome import Stage
from xml_migration.mock import (
    EXPECTED_OUTCOMES,
    FaultKind,
    FaultManifest,
    FaultRecord,
    GeneratedDocument,
    generate_documents,
    read_manifest,
)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _faulted(profile: str = "compact") -> list[GeneratedDocument]:
    return list(generate_documents(120, first_app_id=9000, seed=4, profile=profile, fault_rate=0.4))


def _parse(xml: str | bytes) -> etree._Element:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return etree.fromstring(data, _PARSER)


def _contract_lengths() -> dict[str, int]:
    text = resources.files("xml_migration.contracts").joinpath("credit_application.json")
    mappings = json.loads(text.read_text(encoding="utf-8"))["mappings"]
    return {
        m["xml_attribute"]: m["data_length"]
        for m in mappings
        if m["data_type"] == "string" and "data_length" in m
    }


def test_every_fault_kind_appears_in_rotation() -> None:
    documents = _faulted()
    kinds = [doc.fault for doc in documents if doc.fault is not None]
    assert set(kinds) == set(FaultKind)
    assert 0.25 <= len(kinds) / len(documents) <= 0.55


def test_fault_rate_zero_gives_clean_documents_only() -> None:
    documents = list(generate_documents(60, first_app_id=1, seed=4, profile="compact"))
    assert all(doc.fault is None and doc.expected is None for doc in documents)


def test_restricted_fault_kinds() -> None:
    kinds = (FaultKind.EMPTY_DOCUMENT, FaultKind.INVALID_DATE)
    documents = list(
        generate_documents(
            30, first_app_id=1, seed=4, profile="compact", fault_rate=1.0, fault_kinds=kinds
        )
    )
    assert [doc.fault for doc in documents] == list(kinds) * 15


@pytest.mark.parametrize("profile", ["compact", "production"])
def test_each_document_shows_its_fault(profile: str) -> None:
    documents = _faulted(profile)
    lengths = _contract_lengths()
    loaded_con_ids: set[int] = set()
    for document in documents:
        fault = document.fault
        if fault is None or document.expected.stage is None:
            loaded_con_ids.update(document.con_ids)
        if fault is None:
            assert _parse(document.xml).tag == "Provenir"
            continue
        xml = document.xml
        if fault is FaultKind.MALFORMED_XML:
            with pytest.raises(etree.XMLSyntaxError):
                _parse(xml)
        elif fault is FaultKind.EMPTY_DOCUMENT:
            assert xml == ""
        elif fault is FaultKind.NON_UTF8_BYTES:
            assert isinstance(xml, bytes)
            with pytest.raises(UnicodeDecodeError):
                xml.decode("utf-8")
            text = xml.decode("cp1252")
            assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
            root = etree.fromstring(text.split("?>", 1)[1].encode(), _PARSER)
            assert root.find(".//contact").get("first_name") == "Renée"
        elif fault in (FaultKind.ENTITY_EXPANSION, FaultKind.EXTERNAL_ENTITY):
            prolog = xml[: xml.index("<Provenir ")]
            assert "<!DOCTYPE Provenir [" in prolog and "<!ENTITY" in prolog
        else:
            root = _parse(xml)
            application = root.find("Request/CustData/application")
            contacts = application.findall("contact") if application is not None else []
            if fault is FaultKind.WRONG_ROOT_ELEMENT:
                assert root.tag == "ProvenirResponse"
            elif fault is FaultKind.MISSING_APP_ID:
                assert root.find("Request").get("ID") is None
            elif fault is FaultKind.MISSING_PRIMARY_CONTACT:
                assert [c.get("ac_role_tp_c") for c in contacts] == ["AUTHU"]
            elif fault is FaultKind.UNKNOWN_ENUM_VALUE:
                assert application.get("status_cd") == "Q7"
            elif fault is FaultKind.INVALID_DATE:
                assert application.get("app_receive_date") == "2024-02-30 08:15:00"
            elif fault is FaultKind.OVERLONG_STRING:
                contact = contacts[0]
                assert len(contact.get("last_name")) > lengths["last_name"]
                assert len(contact.find("contact_address").get("street_name")) > 40
                business = contact.find("contact_employment").get("business_name")
                assert len(business) > lengths["business_name"]
                assert len(application.get("underwriter_note")) > lengths["underwriter_note"]
            elif fault is FaultKind.DUPLICATE_CON_ID_IN_DOCUMENT:
                assert [c.get("con_id") for c in contacts] == [str(document.con_ids[0])] * 2
                assert {c.get("ac_role_tp_c") for c in contacts} == {"PR", "AUTHU"}
            elif fault is FaultKind.DUPLICATE_CON_ID_ACROSS_DOCUMENTS:
                assert int(contacts[0].get("con_id")) in loaded_con_ids
                assert contacts[0].get("ac_role_tp_c") == "PR"


def test_expected_outcomes_follow_the_specification() -> None:
    failures = {
        kind: (outcome.stage, outcome.reason)
        for kind, outcome in EXPECTED_OUTCOMES.items()
        if outcome.status == "failed"
    }
    assert failures == {
        FaultKind.MALFORMED_XML: (Stage.VALIDATION, "not_well_formed"),
        FaultKind.WRONG_ROOT_ELEMENT: (Stage.VALIDATION, "wrong_root_element"),
        FaultKind.MISSING_APP_ID: (Stage.VALIDATION, "missing_app_id"),
        FaultKind.UNKNOWN_ENUM_VALUE: (Stage.MAPPING, "enum_unmapped"),
        FaultKind.INVALID_DATE: (Stage.MAPPING, "required_value_missing"),
        FaultKind.DUPLICATE_CON_ID_ACROSS_DOCUMENTS: (Stage.CONSTRAINT_VIOLATION, "key_collision"),
        FaultKind.EMPTY_DOCUMENT: (Stage.VALIDATION, "empty_document"),
        FaultKind.ENTITY_EXPANSION: (Stage.VALIDATION, "dtd_forbidden"),
        FaultKind.EXTERNAL_ENTITY: (Stage.VALIDATION, "dtd_forbidden"),
    }
    assert set(EXPECTED_OUTCOMES) == set(FaultKind)


def test_manifest_round_trip(tmp_path: Path) -> None:
    documents = _faulted()
    records = tuple(FaultRecord.for_fault(doc.app_id, doc.fault) for doc in documents if doc.fault)
    manifest = FaultManifest(
        seed=4,
        profile="compact",
        first_app_id=9000,
        last_app_id=9119,
        fault_rate=0.4,
        faults=records,
    )
    path = manifest.write(tmp_path / "sub" / "manifest.json")
    assert read_manifest(path) == manifest
    entries = json.loads(path.read_text())["faults"]
    assert [entry["app_id"] for entry in entries] == sorted(r.app_id for r in records)
    by_id = read_manifest(path).by_app_id()
    malformed = next(doc for doc in documents if doc.fault is FaultKind.MALFORMED_XML)
    assert by_id[malformed.app_id].stage is Stage.VALIDATION
    assert by_id[malformed.app_id].reason == "not_well_formed"
