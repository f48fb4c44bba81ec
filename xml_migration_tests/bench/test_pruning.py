"""The pruning benchmark runs and reports its figures (speed is never asserted)."""

from __future__ import annotations

from xml_migration.bench.pruning import measure_pruning
from xml_migration.engine.pruning import keep_spec_for

SPEC = keep_spec_for("/Provenir/Request/CustData", ["/Provenir/Request"])
REPORT = "".join(f'<Tradeline seq="{i}" bal="{i * 7}"/>' for i in range(500))


def _document(prolog: str = "") -> bytes:
    return (
        f'{prolog}<Provenir><Request ID="1"><CustData><application a="1"/></CustData>'
        f"<Reports><Report>{REPORT}</Report></Reports></Request></Provenir>"
    ).encode()


def test_measure_reports_rates_fallbacks_and_kept_share() -> None:
    documents = [_document(), _document(), _document("<!DOCTYPE Provenir>")]
    figures = measure_pruning(documents, SPEC, repeats=1)
    assert figures["documents"] == 3
    assert figures["bytes"] == sum(len(d) for d in documents)
    assert figures["fallbacks"] == 1
    assert 0.3 < figures["kept_fraction"] < 0.4
    for name in ("full_parse", "prune", "prune_parse", "prune_unchecked", "prune_parse_unchecked"):
        assert figures[f"{name}_docs_per_s"] > 0
    assert figures["full_parse_mb_per_s"] > 0
    assert figures["speedup"] > 0
