"""A contract that uses every construct of the wider legacy dialect (spec §19), and
documents for it."""

from __future__ import annotations

from pathlib import Path

LEGACY_CONTRACT = Path(__file__).parent / "data" / "legacy_dialect.json"
"""SQL Server spellings of data_type, data_length -1 / "max", GETUTCDATE() and
SYSUTCDATETIME() defaults, the text functions, [NOT] IN and ELSE EMPTY."""

LONG_NOTE = "".join(chr(0x41 + index % 26) for index in range(100_000))
"""A 100,000-character value of `app_base.note` (data_length -1)."""
LONG_OFFICER_NOTE = "officer " * 500
"""A 4,000-character history value (data_type text)."""

FULL, MINIMAL, TOO_LARGE = 1, 2, 3
"""Application keys of `legacy_documents()`."""


def _document(key: int, application: str, body: str = "") -> str:
    return (
        f'<Doc><Request ID="{key}"><Data><application {application}>{body}</application>'
        "</Data></Request></Doc>"
    )


def legacy_documents() -> dict[int, str]:
    """Source documents by application key.

    FULL has a value for every mapping; MINIMAL has a contact and a receive date only, so
    that its pricing row would hold nothing but GETUTCDATE() defaults; TOO_LARGE has a
    credit limit beyond decimal(12,2).
    """
    contact = '<contact con_id="{key}1" role="PR" first_name=" ann " last_name=" Lee"/>'
    return {
        FULL: _document(
            FULL,
            f'status="OPEN" note="{LONG_NOTE}" memo="memo" summary=" sum "'
            ' credit_limit="1234.567" fee="12.34567" rate="1.123456" months="12.5"'
            ' ratio="0.12345" dlr_num_marine="  " dlr_num_rv=" 0042 " promo="ABxCDEFGH  "'
            f' quoted="y" officer_note="{LONG_OFFICER_NOTE}" decision_note="approved"',
            contact.format(key=FULL) + '<IL_collateral coll1_make="yamaha"/>',
        ),
        MINIMAL: _document(
            MINIMAL, 'received="2024-03-05 10:20:30.123"', contact.format(key=MINIMAL)
        ),
        TOO_LARGE: _document(
            TOO_LARGE, 'credit_limit="12345678901"', contact.format(key=TOO_LARGE)
        ),
    }
