"""Contract-aware pruning keeps exactly what a contract can read, or declines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from xml_migration.engine.pruning import KeepSpec, keep_spec_for, prune
from xml_migration.mock.faults import FaultKind
from xml_migration.mock.generator import generate_documents

DATA = Path(__file__).parents[1] / "compat" / "documents"
PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, recover=False
)
CONTAINER = ("Provenir", "Request", "CustData")
SPEC = keep_spec_for(
    CONTAINER,
    [
        ("Provenir",),
        ("Provenir", "Request"),
        ("Provenir", "Request", "CustData", "application"),
        ("Provenir", "Request", "CustData", "application", "contact"),
    ],
)


def prune_text(text: str, spec: KeepSpec, *, check_removed: bool = True) -> str | None:
    """`prune` on the UTF-8 encoding of `text`, decoded again."""
    pruned = prune(text.encode("utf-8"), spec, check_removed=check_removed)
    return None if pruned is None else pruned.decode("utf-8")


def parse(text: str) -> etree._Element:
    return etree.fromstring(text.encode("utf-8"), PARSER)


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def elements_at(root: etree._Element, path: tuple[str, ...]) -> list[etree._Element]:
    """Elements whose local-name path from the root equals `path`, in document order."""
    level = [root] if local(root) == path[0] else []
    for name in path[1:]:
        level = [child for element in level for child in element if _named(child, name)]
    return level


def _named(node: etree._Element, name: str) -> bool:
    return isinstance(node.tag, str) and local(node) == name


def kept_view(root: etree._Element, spec: KeepSpec) -> dict[str, list]:
    """Everything a contract may read under `spec`: kept subtrees serialised, and the
    tag and attributes of every element at a kept path or an ancestor of one."""
    view: dict[str, list] = {}
    for path in sorted(spec.subtree_paths):
        view["/".join(path)] = [etree.tostring(e, with_tail=False) for e in elements_at(root, path)]
    tagged = {
        p[:depth] for p in spec.subtree_paths | spec.element_paths for depth in range(1, len(p) + 1)
    }
    for path in sorted(tagged - spec.subtree_paths):
        view["@" + "/".join(path)] = [(e.tag, dict(e.attrib)) for e in elements_at(root, path)]
    return view


def assert_equivalent(text: str, spec: KeepSpec = SPEC) -> str:
    """Prune `text`, check the pruned text keeps exactly what the full text offers."""
    pruned = prune_text(text, spec)
    assert pruned is not None
    assert kept_view(parse(pruned), spec) == kept_view(parse(text), spec)
    return pruned


def document(reports: str, custdata: str = '<CustData><application a="1"/></CustData>') -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Provenir v="3"><Request ID="7">'
        f"{custdata}{reports}</Request></Provenir>"
    )


# --- keep specification -------------------------------------------------------------


def test_keep_spec_keeps_the_container_whole_and_outside_paths_as_elements() -> None:
    spec = keep_spec_for(
        ("P", "R", "C"), [("P", "R"), ("P", "R", "C", "app"), ("P", "R", "X", "y"), ("P",)]
    )
    assert spec.subtree_paths == {("P", "R", "C")}
    assert spec.element_paths == {("P", "R"), ("P", "R", "X", "y"), ("P",)}


def test_keep_spec_accepts_path_texts() -> None:
    assert keep_spec_for("/P/R/C", ["/P/R", "/P/R/C/app", "/P"]) == keep_spec_for(
        ("P", "R", "C"), [("P", "R"), ("P",)]
    )


def test_keep_spec_needs_a_container() -> None:
    with pytest.raises(ValueError, match="container"):
        keep_spec_for((), [("P",)])


# --- compatibility documents --------------------------------------------------------

WITH_DOCTYPE = [
    "100018_entity-expansion.xml",
    "100019_external-entity.xml",
    "100046_internal-entity.xml",
]
NOT_PRUNED = {*WITH_DOCTYPE, "100017_wrong-root.xml", "100016_malformed-unclosed-tag.xml"}
PRUNED_DOCUMENTS = sorted(path.name for path in DATA.glob("*.xml") if path.name not in NOT_PRUNED)


def test_the_compat_documents_are_there() -> None:
    assert len(PRUNED_DOCUMENTS) == 42


@pytest.mark.parametrize("name", PRUNED_DOCUMENTS)
def test_compat_documents_prune_to_the_same_kept_content(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    pruned = assert_equivalent(text)
    assert len(pruned) < len(text)
    assert "<Reports" not in pruned
    assert "TESTBUREAU" not in pruned


def test_a_contact_inside_a_report_is_removed() -> None:
    text = (DATA / "100027_report-contact.xml").read_text(encoding="utf-8")
    pruned = assert_equivalent(text)
    assert "REPORTFIRST" in text
    assert "REPORTFIRST" not in pruned


@pytest.mark.parametrize("name", WITH_DOCTYPE)
def test_a_document_type_declaration_is_left_to_the_full_parse(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    assert prune_text(text, SPEC) is None


def test_a_root_no_kept_path_starts_with_is_left_to_the_full_parse() -> None:
    text = (DATA / "100017_wrong-root.xml").read_text(encoding="utf-8")
    assert prune_text(text, SPEC) is None


def test_a_malformed_container_stays_malformed_after_pruning() -> None:
    text = (DATA / "100016_malformed-unclosed-tag.xml").read_text(encoding="utf-8")
    pruned = prune_text(text, SPEC)
    for candidate in (text, pruned) if pruned is not None else (text,):
        with pytest.raises(etree.XMLSyntaxError):
            parse(candidate)


DECLINED_FAULTS = {
    FaultKind.ENTITY_EXPANSION,
    FaultKind.EXTERNAL_ENTITY,
    FaultKind.WRONG_ROOT_ELEMENT,
}
"""A document type declaration, or a root element no kept path starts with."""


def test_mock_production_documents_of_every_kind_agree_with_the_full_parse() -> None:
    """Clean and faulted production-profile documents: pruning either keeps exactly what
    the full parse reads, or leaves a malformed document malformed, or declines."""
    outcomes = set()
    for generated in generate_documents(40, first_app_id=1, seed=8, fault_rate=0.5):
        if not isinstance(generated.xml, str) or not generated.xml.strip():
            continue
        text = generated.xml
        pruned = prune_text(text, SPEC)
        try:
            full = parse(text)
        except etree.XMLSyntaxError:
            if pruned is not None:
                with pytest.raises(etree.XMLSyntaxError):
                    parse(pruned)
            outcomes.add("malformed")
            continue
        if pruned is None:
            assert generated.fault in DECLINED_FAULTS
            outcomes.add("declined")
        else:
            assert kept_view(parse(pruned), SPEC) == kept_view(full, SPEC)
            assert "<Reports" not in pruned
            assert "<DecisionJournal" not in pruned
            outcomes.add("pruned")
    assert outcomes == {"malformed", "declined", "pruned"}


# --- removed spans that are handled exactly -----------------------------------------


def _report_body(lines: int) -> str:
    return "".join(
        f'<Tradeline seq="{i}" creditor="CREDITOR &amp; SONS {i}" note="a &gt; b &#65;&#x42;"/>'
        for i in range(lines)
    )


HANDLED = {
    "comment with fake end tags": "<Reports><!-- </Reports></Request> <CustData> --></Reports>",
    "cdata with markup": (
        "<Reports><Raw><![CDATA[</Reports><CustData><application a='X'/></CustData>"
        "]] ]>]]></Raw></Reports>"
    ),
    "nested same-name elements": (
        '<Reports k="1"><Reports k="2"><Reports k="3"/></Reports><Reports><x/></Reports></Reports>'
    ),
    "self-closing removed elements": '<Reports/><Journal a="1"/><Reports />',
    "greater-than inside attributes": (
        '<Reports note="a > b" other=\'</Reports>\'><r x=">"/></Reports>'
    ).replace("</Reports>'", "&lt;/Reports>'"),
    "same-name start tag with quoted slash": '<Reports><Reports a="/ >" >x</Reports></Reports>',
    "processing instruction": '<Reports><?render mode="<fast>"?><a/></Reports>',
    "prefixed removed elements": '<r:Reports xmlns:r="urn:r"><r:Report/></r:Reports>',
    "white space inside tags": "<Reports\n  a = '1'\n><Report\t/></Reports\n>",
    "large report": f"<Reports><Report>{_report_body(3000)}</Report></Reports>",
    "comment and text between children": "<!-- note --> text <Reports/>",
    "second container after the reports": (
        "<Reports><CustData/></Reports><CustData><application a='2'/></CustData>"
    ),
}


@pytest.mark.parametrize("reports", HANDLED.values(), ids=HANDLED.keys())
def test_removed_spans_handled_exactly(reports: str) -> None:
    text = document(reports)
    pruned = assert_equivalent(text)
    assert "<Reports" not in pruned.replace("<Reports/>", "")


@pytest.mark.parametrize(
    "text",
    [
        '<Provenir a="x/>y" b=\'>\'><Request ID="1" c="&lt;!-- not a comment --&gt;">'
        "<!-- <CustData> --><![CDATA[</Request>]]><Reports/><CustData/></Request></Provenir>",
        '<Provenir><Request ID="1"><CustData><application a="1"/></CustData><Reports/></Request>'
        '<Request ID="2"><Reports><x/></Reports><CustData><application a="2"/></CustData>'
        "</Request></Provenir>",
    ],
    ids=["markup-like text and attributes of ancestors", "two requests"],
)
def test_walked_ancestors_are_read_exactly(text: str) -> None:
    assert "Reports" not in assert_equivalent(text)


def test_a_large_document_shrinks_to_its_container() -> None:
    text = document(f"<Reports><Report>{_report_body(3000)}</Report></Reports>")
    pruned = assert_equivalent(text)
    assert len(text) > 250_000
    assert len(pruned) < 250


def test_prolog_and_epilog_are_kept_verbatim() -> None:
    text = (
        '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- head --><?app x?>\n'
        '<Provenir><Request ID="1"><CustData/><Reports/></Request></Provenir>\n<!-- tail -->\n'
    )
    pruned = assert_equivalent(text)
    assert pruned == text.replace("<Reports/>", "")


def test_namespaced_kept_elements_match_by_local_name() -> None:
    text = (
        '<p:Provenir xmlns:p="urn:p" xmlns="urn:d"><p:Request ID="1">'
        '<r:Reports xmlns:r="urn:r"><r:Report/></r:Reports>'
        '<CustData><application a="1"/></CustData></p:Request></p:Provenir>'
    )
    pruned = assert_equivalent(text)
    assert "Report" not in pruned


def test_element_paths_keep_attributes_but_not_content() -> None:
    spec = keep_spec_for(
        CONTAINER, [("Provenir", "Request"), ("Provenir", "Request", "Reports", "Report")]
    )
    text = document(
        '<Reports kind="all"><Report id="1"><Tradeline a="1"/></Report>'
        '<Summary/><Report id="2">text<x/></Report></Reports>'
    )
    pruned = assert_equivalent(text, spec)
    assert '<Reports kind="all"><Report id="1"></Report><Report id="2"></Report></Reports>' in (
        pruned
    )


def test_a_subtree_path_at_the_root_keeps_everything() -> None:
    text = document("<Reports><Report/></Reports>")
    assert prune_text(text, KeepSpec(frozenset({("Provenir",)}), frozenset())) == text


# --- fallbacks ----------------------------------------------------------------------

FALLBACKS = {
    "unclosed tag in a report": "<Reports><Report><Tradeline a='1'></Report></Reports>",
    "extra end tag in a report": "<Reports><Report/></Tradeline></Reports>",
    "start tag without its greater-than": "<Reports><Report a='1' <x/></Report></Reports>",
    "less-than in report text": "<Reports><Note>x < y</Note></Reports>",
    "less-than before a digit": "<Reports><Note>x<5</Note></Reports>",
    "undefined entity in a report": "<Reports><Note>&nbsp;</Note></Reports>",
    "bare ampersand in a report": "<Reports><Note a='Smith & Sons'/></Reports>",
    "unterminated comment": "<Reports><!-- never closed </Reports>",
    "double hyphen in a comment": "<Reports><!-- a -- b --></Reports>",
    "unterminated cdata": "<Reports><![CDATA[ never closed </Reports>",
    "declaration inside a report": "<Reports><!DOCTYPE x></Reports>",
    "xml declaration inside a report": '<Reports><?xml version="1.0"?></Reports>',
    "empty-tag marker in text": "<Reports><Note>a/>b</Note></Reports>",
    "document cut off in a report": "<Reports><Report><Tradeline a='1'/>",
    "end tag of the wrong parent": "<Reports></Request>",
}


@pytest.mark.parametrize("reports", FALLBACKS.values(), ids=FALLBACKS.keys())
def test_removed_spans_that_fail_a_check_fall_back(reports: str) -> None:
    assert prune_text(document(reports), SPEC) is None


@pytest.mark.parametrize(
    "text",
    [
        '<!DOCTYPE Provenir><Provenir><Request ID="1"><CustData/></Request></Provenir>',
        '<?xml version="1.0"?><!DOCTYPE Provenir [<!ENTITY e "x">]><Provenir/>',
        ' <?xml version="1.0"?><Provenir><Request ID="1"><CustData/></Request></Provenir>',
        "text before the root <Provenir/>",
        "",
        "<Provenir><Request ID='1'><CustData/></Request>",
        "<Provenir><Request ID='1'><CustData/></Request></Other>",
    ],
    ids=[
        "doctype",
        "internal subset",
        "space before declaration",
        "text",
        "empty",
        "missing root end tag",
        "wrong root end tag",
    ],
)
def test_documents_pruning_cannot_handle_fall_back(text: str) -> None:
    assert prune_text(text, SPEC) is None


def test_checks_can_be_switched_off_while_the_scan_stays_exact() -> None:
    unbalanced = document("<Reports><Report><Tradeline a='1'></Report></Reports>")
    assert prune_text(unbalanced, SPEC) is None
    assert prune_text(unbalanced, SPEC, check_removed=False) == document("")
    cdata = document(HANDLED["cdata with markup"])
    assert prune_text(cdata, SPEC, check_removed=False) == prune_text(cdata, SPEC)


UNDETECTED = {
    "mismatched end tag names": "<Reports><a><b></a></b></Reports>",
    "attribute without quotes": "<Reports><a x=1/></Reports>",
    "duplicate attribute": "<Reports><a x='1' x='2'/></Reports>",
    "less-than starting a tag inside an attribute": "<Reports><a x='<b/>'></a></Reports>",
    "control character": "<Reports><a>\x01</a></Reports>",
    "cdata terminator in text": "<Reports><a>]]></a></Reports>",
    "undeclared namespace prefix": "<Reports><u:a/></Reports>",
    "attribute without equals sign": "<Reports><a x '1'/></Reports>",
    "invalid name character": "<Reports><a\u00d7b/></Reports>",
    "forbidden character": "<Reports><a>\ufffe</a></Reports>",
    "reference to a forbidden character": "<Reports><a>&#0;</a></Reports>",
}


@pytest.mark.parametrize("reports", UNDETECTED.values(), ids=UNDETECTED.keys())
def test_malformations_the_checks_do_not_see(reports: str) -> None:
    """The limits stated in the ADR: these documents are not well-formed, yet pruning
    removes the offending span and the pruned text parses."""
    text = document(reports)
    with pytest.raises(etree.XMLSyntaxError):
        parse(text)
    pruned = prune_text(text, SPEC)
    assert pruned is not None
    parse(pruned)


def test_parser_resource_limits_are_not_applied_to_removed_spans() -> None:
    """Without huge_tree, libxml2 rejects nesting deeper than 256 elements; a removed
    report nested that deep no longer reaches the parser (stated in the ADR)."""
    limited = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    text = document("<Reports>" + "<a>" * 300 + "</a>" * 300 + "</Reports>")
    with pytest.raises(etree.XMLSyntaxError, match="depth"):
        etree.fromstring(text.encode(), limited)
    pruned = prune_text(text, SPEC)
    assert pruned is not None
    etree.fromstring(pruned.encode(), limited)


# --- properties ---------------------------------------------------------------------

NAMES = ("Reports", "Report", "CustData", "Request", "application", "contact", "x")


def _standalone(text: str) -> str:
    return text.replace("]]>", "]] >").replace("/>", "/ >").rstrip("]/")


SAFE_TEXT = st.text(alphabet="ab >]/\"'-?!", max_size=8).map(_standalone)
"""Text that is well-formed on its own and next to any neighbour: no `]]>` or `/>`, even
across a boundary."""
ATTRIBUTE_VALUE = st.text(alphabet="ab >]/'-?!", max_size=8).map(_standalone)
REFERENCES = st.sampled_from(
    ["&amp;", "&lt;", "&gt;", "&quot;", "&#65;", "&#x42;", "&lt;/Reports&gt;"]
)
FAKE_MARKUP = st.sampled_from(["</Reports>", "<CustData>", "</Request>", "<Reports>", "&", "<"])
SPACE = st.sampled_from([" ", "\n", "  "])
TAG = re.compile(r'<(?P<end>/)?[A-Za-z]+(?:\s+\w+="[^"]*")*\s*(?P<empty>/)?>')
OPAQUE = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.DOTALL)


@st.composite
def content(draw: st.DrawFn, depth: int) -> str:
    """Random element content: elements, text, references, comments, CDATA, PIs."""
    parts = []
    for _ in range(draw(st.integers(0, 4 if depth < 4 else 0))):
        kind = draw(st.sampled_from(["element", "text", "ref", "comment", "cdata", "pi"]))
        if kind == "element":
            parts.append(draw(element(depth + 1)))
        elif kind == "text":
            parts.append(draw(SAFE_TEXT))
        elif kind == "ref":
            parts.append(draw(REFERENCES))
        elif kind == "comment":
            parts.append(f"<!--{draw(FAKE_MARKUP)} x-->")
        elif kind == "cdata":
            parts.append(f"<![CDATA[{draw(FAKE_MARKUP)}]]>")
        else:
            parts.append(f"<?note {draw(FAKE_MARKUP)}?>")
    return "".join(parts)


@st.composite
def element(draw: st.DrawFn, depth: int) -> str:
    name = draw(st.sampled_from(NAMES))
    attributes = "".join(
        f'{draw(SPACE)}a{i}="{draw(ATTRIBUTE_VALUE)}"' for i in range(draw(st.integers(0, 2)))
    )
    space = draw(st.sampled_from(["", " ", "\n"]))
    if draw(st.booleans()):
        return f"<{name}{attributes}{space}/>"
    return f"<{name}{attributes}{space}>{draw(content(depth))}</{name}{space}>"


@st.composite
def documents(draw: st.DrawFn) -> str:
    children = draw(st.lists(element(2), max_size=5))
    if draw(st.booleans()):
        children.insert(
            draw(st.integers(0, len(children))),
            f'<CustData k="1">{draw(content(3))}</CustData>',
        )
    return f'<Provenir v="1"><Request ID="1">{"".join(children)}</Request></Provenir>'


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(documents())
def test_pruned_parse_equals_full_parse_on_kept_content(text: str) -> None:
    full = parse(text)
    pruned = prune_text(text, SPEC)
    assert pruned is not None
    assert kept_view(parse(pruned), SPEC) == kept_view(full, SPEC)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(documents(), st.data())
def test_a_damaged_removed_span_falls_back(text: str, data: st.DataObject) -> None:
    """Deleting one start or end tag of a non-empty removed element, or adding a `<` or a
    `&` to removed text, makes the document malformed; pruning must then decline."""
    report = document(f"<Reports>{text}</Reports>")
    start = report.index("<Reports>") + len("<Reports>")
    end = report.rindex("</Reports>")
    span = OPAQUE.sub(lambda m: " " * len(m.group()), report[start:end])
    tags = [(start + m.start(), start + m.end()) for m in TAG.finditer(span) if not m["empty"]]
    damage = data.draw(st.sampled_from(["delete a tag", "<", "&"]))
    if damage == "delete a tag":
        tag_start, tag_end = data.draw(st.sampled_from(tags))
        damaged = report[:tag_start] + report[tag_end:]
    else:
        damaged = f"{report[:end]}{damage} {report[end:]}"
    with pytest.raises(etree.XMLSyntaxError):
        parse(damaged)
    assert prune_text(damaged, SPEC) is None
