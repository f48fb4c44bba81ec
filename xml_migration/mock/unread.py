"""The bulky sections of a mock document that no mapping reads: bureau reports and journals.

Real credit-application documents carry embedded credit bureau reports (structured
tradelines plus the raw bureau response) and the decision engine's journal under
`/Provenir/Request`, beside `CustData`; they make up most of a document's bytes. These
sections are assembled from blocks precomputed once per process, so a document of any size
costs a few string joins. The blocks are plain ASCII: a section's length in characters is
its length in bytes.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from random import Random

from xml_migration.mock.values import REPORT_CREDITORS

_BLOCK_COUNT = 64
_RAW_LENGTH = 2_300_000
_BUREAUS = ("EXPERIAN", "EQUIFAX", "TRANSUNION")
_ACCOUNT_KINDS = ("REV", "INS", "MTG", "OPN", "LSE")
_PAY_CODES = "111111111111111111C12X"
_RULES = (
    "POL_MIN_AGE",
    "POL_DTI_MAX",
    "POL_BK_RECENT",
    "FRD_VELOCITY_SSN",
    "FRD_ADDR_MISMATCH",
    "FRD_DEVICE_RISK",
    "CR_SCORE_CUTOFF",
    "CR_THIN_FILE",
    "LINE_ASSIGN_MATRIX",
    "PRC_TIER_SELECT",
    "KYC_OFAC_SCREEN",
    "KYC_ID_VERIFY",
    "INC_ESTIMATE_CHECK",
    "CAP_HOUSING_RATIO",
)
_OUTCOMES = ("PASS", "PASS", "PASS", "PASS", "FAIL", "REFER", "SKIP")


class UnreadSections:
    """Precomputed tradeline blocks, journal blocks and raw bureau text, sliced per document."""

    def __init__(self) -> None:
        rng = Random("xml_migration.mock.unread")
        self._tradelines = tuple(_tradeline_block(rng) for _ in range(_BLOCK_COUNT))
        self._journal = tuple(_journal_block(rng) for _ in range(_BLOCK_COUNT))
        self._raw = _raw_bureau_text(rng, _RAW_LENGTH)

    def render(self, rng: Random, app_id: int, received: datetime, budget: int) -> list[str]:
        """Parts of `<Reports>…</Reports><DecisionJournal>…</DecisionJournal>`.

        Their total length is `budget` characters (bytes), or a little more when `budget`
        is smaller than the fixed envelope of the sections.
        """
        stamp = f"{received:%Y-%m-%dT%H:%M:%S}"
        journal_head = (
            f'<DecisionJournal engine="DecisionEngine 7.4" run_ref="DJ-{app_id}" started="{stamp}">'
        )
        parts = ["<Reports>"]
        journal_parts = [journal_head]
        journal_budget = int(budget * (0.08 + rng.random() * 0.1))
        used = _fill(rng, self._journal, journal_parts, journal_budget - len(journal_head) - 18)
        journal_parts.append("</DecisionJournal>")
        journal_length = len(journal_head) + used + 18
        remaining = budget - journal_length - 19
        reports = 1 if remaining < 60_000 else 2 if remaining < 400_000 else 3
        for number in range(1, reports + 1):
            share = remaining // (reports - number + 1)
            head = (
                f'<Report bureau="{_BUREAUS[(app_id + number) % 3]}" product="CREDIT_PROFILE" '
                f'ref="RPT-{app_id}-{number:02d}" pulled="{stamp}" '
                f'subscriber="{7_000_000 + app_id % 1_000_000}">'
                f'<Summary tradelines="{12 + number * 7}" inquiries="{number + 2}" '
                f'public_records="0" model="FICO8" score_factor_1="38" score_factor_2="14"/>'
            )
            parts.append(head)
            fixed = len(head) + len(_RAW_OPEN) + len(_RAW_CLOSE)
            tradeline_length = _fill(rng, self._tradelines, parts, int((share - fixed) * 0.4))
            raw_length = max(0, share - fixed - tradeline_length)
            start = int(rng.random() * (len(self._raw) - raw_length))
            parts.extend((_RAW_OPEN, self._raw[start : start + raw_length], _RAW_CLOSE))
            remaining -= fixed + tradeline_length + raw_length
        parts.append("</Reports>")
        parts.extend(journal_parts)
        return parts


_RAW_OPEN = '<Raw format="ARF" version="07"><![CDATA['
_RAW_CLOSE = "]]></Raw></Report>"


@cache
def unread_sections() -> UnreadSections:
    """The process-wide block library (built on first use, about a tenth of a second)."""
    return UnreadSections()


def _fill(rng: Random, blocks: tuple[str, ...], parts: list[str], budget: int) -> int:
    """Append random blocks while they fit in `budget`; return the length appended."""
    used = 0
    for _ in range(10_000):
        block = blocks[int(rng.random() * len(blocks))]
        if used + len(block) > budget:
            break
        parts.append(block)
        used += len(block)
    return used


def _tradeline_block(rng: Random) -> str:
    lines = []
    for _ in range(4 + int(rng.random() * 28)):
        r = rng.random
        limit = 500 * (1 + int(r() * 60))
        year = 1995 + int(r() * 29)
        history = "".join(_PAY_CODES[int(r() * len(_PAY_CODES))] for _ in range(24))
        lines.append(
            f'<Tradeline creditor="{REPORT_CREDITORS[int(r() * len(REPORT_CREDITORS))]}" '
            f'kind="{_ACCOUNT_KINDS[int(r() * len(_ACCOUNT_KINDS))]}" '
            f'account="XXXXXXXX{int(r() * 10_000):04d}" opened="{year}-{1 + int(r() * 12):02d}-15" '
            f'reported="2024-{1 + int(r() * 12):02d}-28" limit_amt="{limit}" '
            f'bal_amt="{int(limit * r())}" past_due="{0 if r() < 0.9 else int(r() * 900)}" '
            f'terms="{_pick_terms(r())}" ecoa="{1 + int(r() * 3)}" pay_history="{history}" '
            f'remarks="{"" if r() < 0.8 else "AU ACCOUNT" if r() < 0.5 else "CLOSED BY GRANTOR"}"/>'
        )
    inquiries = "".join(
        f'<Inquiry date="2024-{1 + int(rng.random() * 12):02d}-{1 + int(rng.random() * 28):02d}" '
        f'subscriber="{REPORT_CREDITORS[int(rng.random() * len(REPORT_CREDITORS))]}" kind="HARD"/>'
        for _ in range(int(rng.random() * 4))
    )
    return "".join(lines) + inquiries


def _pick_terms(draw: float) -> str:
    return "REV" if draw < 0.5 else f"{int(12 + draw * 348)}M"


def _journal_block(rng: Random) -> str:
    steps = []
    for _ in range(6 + int(rng.random() * 30)):
        r = rng.random
        rule = _RULES[int(r() * len(_RULES))]
        outcome = _OUTCOMES[int(r() * len(_OUTCOMES))]
        steps.append(
            f'<Step rule="{rule}" version="{1 + int(r() * 9)}" outcome="{outcome}" '
            f'score="{r():.4f}" elapsed_us="{int(r() * 5000)}" '
            f'input_hash="{int(r() * 2**60):015x}" '
            f'message="{rule.lower()} evaluated to {outcome.lower()} '
            f'at threshold {r() * 100:.2f}"/>'
        )
    return "".join(steps)


def _raw_bureau_text(rng: Random, length: int) -> str:
    """Fixed-width bureau response lines (ARF-like), at least `length` characters."""
    lines = []
    total = 0
    while total < length:
        r = rng.random
        line = (
            f"TL{int(r() * 100):02d} {REPORT_CREDITORS[int(r() * len(REPORT_CREDITORS))]:<22}"
            f"{int(r() * 10**12):012d} {_ACCOUNT_KINDS[int(r() * len(_ACCOUNT_KINDS))]} "
            f"{int(r() * 10**7):07d} {int(r() * 10**7):07d} "
            f"{''.join(_PAY_CODES[int(r() * len(_PAY_CODES))] for _ in range(24))} "
            f"{1995 + int(r() * 29)}{1 + int(r() * 12):02d}{1 + int(r() * 28):02d}\n"
        )
        lines.append(line)
        total += len(line)
    return "".join(lines)
