"""The mock generator: determinism, unique keys, size profiles, coverage of the contract."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from importlib import resources

import pytest
from lxml import etree

from xml_migration.mock import GeneratedDocument, Profile, generate_documents
from xml_migration.mock.generator import MAX_BYTES

APPLICATION = "/Provenir/Request/CustData/application"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _parse(document: GeneratedDocument) -> etree._Element:
    assert isinstance(document.xml, str)
    return etree.fromstring(document.xml.encode("utf-8"), _PARSER)


def _contract() -> dict:
    text = resources.files("xml_migration.contracts").joinpath("credit_application.json")
    return json.loads(text.read_text(encoding="utf-8"))


def test_same_seed_and_first_key_give_identical_bytes() -> None:
    first = list(generate_documents(40, first_app_id=500, seed=11, fault_rate=0.3))
    second = list(generate_documents(40, first_app_id=500, seed=11, fault_rate=0.3))
    assert [doc.xml for doc in first] == [doc.xml for doc in second]
    assert [doc.fault for doc in first] == [doc.fault for doc in second]


def test_another_seed_gives_other_documents() -> None:
    first = list(generate_documents(5, first_app_id=500, seed=11, profile="compact"))
    second = list(generate_documents(5, first_app_id=500, seed=12, profile="compact"))
    assert all(a.xml != b.xml for a, b in zip(first, second, strict=True))


def test_keys_are_unique_across_consecutive_runs() -> None:
    first = list(generate_documents(150, first_app_id=1, seed=1, profile="compact"))
    second = list(generate_documents(150, first_app_id=151, seed=1, profile="compact"))
    documents = first + second
    app_ids = [doc.app_id for doc in documents]
    assert app_ids == list(range(1, 301))
    con_ids = [con_id for doc in documents for con_id in doc.con_ids]
    assert len(con_ids) == len(set(con_ids)) > 300
    for document in documents:
        root = _parse(document)
        assert root.find("Request").get("ID") == str(document.app_id)
        written = [
            int(c.get("con_id")) for c in root.iterfind("Request/CustData/application/contact")
        ]
        assert tuple(written) == document.con_ids


def test_contacts_cover_both_roles_and_zero_to_four_children() -> None:
    documents = list(generate_documents(300, first_app_id=1, seed=3, profile="compact"))
    contact_counts, roles, children = set(), set(), set()
    for document in documents:
        contacts = _parse(document).findall("Request/CustData/application/contact")
        contact_counts.add(len(contacts))
        for contact in contacts:
            roles.add(contact.get("ac_role_tp_c"))
            children.add(len(contact.findall("contact_address")))
            children.add(len(contact.findall("contact_employment")))
    assert contact_counts == {0, 1, 2, 3}
    assert roles == {"PR", "AUTHU"}
    assert children == {0, 1, 2, 3, 4}


def test_every_mapped_attribute_gets_values_and_blanks() -> None:
    documents = [_parse(doc) for doc in generate_documents(200, first_app_id=1, seed=5)]
    mapped = {(m["xml_path"], m["xml_attribute"]) for m in _contract()["mappings"]}
    for path, attribute in sorted(mapped):
        found = [
            element.get(attribute)
            for root in documents
            for element in root.xpath(path)
            if element.get(attribute) is not None
        ]
        assert any(value.strip() for value in found), f"{path}/@{attribute} never has a value"
    blank_capable = {
        (m["xml_path"], m["xml_attribute"])
        for m in _contract()["mappings"]
        if m.get("nullable", True) and m["xml_attribute"] not in ("ID", "con_id")
    }
    with_blanks = {
        (path, attribute)
        for path, attribute in blank_capable
        if any(e.get(attribute) == "" for root in documents for e in root.xpath(path))
    }
    assert len(with_blanks) >= len(blank_capable) * 0.8


def _unread_bytes(text: str) -> int:
    """Bytes between the end of CustData and the end of Request."""
    start = text.index("</CustData>") + len("</CustData>")
    return len(text[start : text.index("</Request>")].encode())


@pytest.mark.slow
def test_production_sizes_follow_the_production_mix() -> None:
    documents = list(generate_documents(300, first_app_id=1, seed=9))
    sizes = sorted(len(doc.xml.encode()) for doc in documents)
    assert [doc.size for doc in documents] == [len(doc.xml.encode()) for doc in documents]
    median = statistics.median(sizes)
    p90 = sizes[int(len(sizes) * 0.9)]
    assert 100 * 1024 <= median <= 170 * 1024
    assert 400 * 1024 <= p90 <= 720 * 1024
    assert sizes[-1] <= MAX_BYTES + 16 * 1024
    unread = sum(_unread_bytes(doc.xml) for doc in documents)
    assert unread / sum(sizes) >= 0.85
    assert sum(doc.unread_size for doc in documents) == unread


def test_compact_documents_hold_the_application_subtree_only() -> None:
    documents = list(generate_documents(200, first_app_id=1, seed=9, profile=Profile.COMPACT))
    median = statistics.median(doc.size for doc in documents)
    assert 6 * 1024 <= median <= 10 * 1024
    for document in documents:
        assert document.unread_size == 0
        assert _unread_bytes(document.xml) == 0


def test_unread_sections_sit_beside_custdata_under_request() -> None:
    document = next(generate_documents(1, first_app_id=77, seed=2))
    request = _parse(document).find("Request")
    assert [child.tag for child in request] == ["CustData", "Reports", "DecisionJournal"]
    assert request.find("Reports/Report").get("ref") == "RPT-77-01"


def test_rejects_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        list(generate_documents(1, first_app_id=0, seed=1))
    with pytest.raises(ValueError):
        list(generate_documents(1, first_app_id=1, seed=1, fault_rate=1.5))


def test_output_does_not_depend_on_the_process() -> None:
    code = (
        "import hashlib\n"
        "from xml_migration.mock import generate_documents\n"
        "digest = hashlib.sha256()\n"
        "for doc in generate_documents(20, first_app_id=3, seed=8, fault_rate=0.5):\n"
        "    digest.update(doc.xml if isinstance(doc.xml, bytes) else doc.xml.encode())\n"
        "print(digest.hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1
