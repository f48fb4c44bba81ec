"""The application subtree of a mock document: `<CustData><application …>…</CustData>`.

It carries every attribute the shipped credit-application contract maps, with realistic
values, realistic blanks and the text variants real feeds send (several date formats,
currency signs, formatted phone numbers), plus attributes no mapping reads. Text is built
by string formatting for speed; every value drawn from a pool is pre-escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from random import Random

from xml_migration.mock import values

PRIMARY_ROLE = "PR"
SECONDARY_ROLE = "AUTHU"
ADDRESS_TYPES = ("CURR", "PREV", "MAIL", "OTHR")
EMPLOYMENT_TYPES = ("CURR", "PREV", "SEC", "ADDL")

_EPOCH = datetime(2023, 1, 2, 0, 0, 0)
_RECEIVE_SPAN_SECONDS = 900 * 86_400
_BIRTH_EPOCH = datetime(1940, 1, 1)
_BIRTH_SPAN_DAYS = 65 * 365


@dataclass(frozen=True, slots=True)
class ContactPlan:
    """One `<contact>` element to write: its key, role and number of child elements."""

    con_id: int
    role: str
    addresses: int
    employments: int


def _pick(rng: Random, pool: tuple[str, ...]) -> str:
    return pool[int(rng.random() * len(pool))]


def _maybe(rng: Random, blank_rate: float, text: str) -> str:
    return "" if rng.random() < blank_rate else text


def _receive_text(moment: datetime, style: float) -> str:
    """One of the date-time spellings feeds use for the receive time stamp."""
    if style < 0.6:
        return f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d}"
    if style < 0.8:
        return f"{moment:%Y-%m-%dT%H:%M:%S}"
    if style < 0.9:
        return f"{moment:%m/%d/%Y %H:%M:%S}"
    hour = moment.hour % 12 or 12
    meridiem = "AM" if moment.hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment:%M:%S} {meridiem}"


def _date_text(day: datetime, style: float) -> str:
    if style < 0.75:
        return f"{day:%Y-%m-%d}"
    return f"{day:%m/%d/%Y}"


def _phone(rng: Random, formatted: bool) -> str:
    area = 200 + int(rng.random() * 799)
    line = int(rng.random() * 10_000)
    if formatted:
        return f"({area}) 555-{line:04d}"
    return f"{area}555{line:04d}"


def receive_moment(rng: Random) -> datetime:
    """A receive time stamp within the mock data's 900-day window."""
    return _EPOCH + timedelta(seconds=int(rng.random() * _RECEIVE_SPAN_SECONDS))


def _application_attributes(rng: Random, app_id: int, received: datetime) -> str:
    r = rng.random
    decided = received + timedelta(minutes=1 + int(r() * 20_000))
    decision = _maybe(rng, 0.12, _pick(rng, ("APPR", "APPR", "APPR", "DECL", "DECL", "PEND")))
    manual = "Y" if r() < 0.15 else _maybe(rng, 0.3, "N")
    limit = 500 * (1 + int(r() * 50))
    limit_text = f"${limit:,}" if r() < 0.1 else str(limit)
    income = 1500 + int(r() * 15_000)
    debt = int(income * r() * 0.6)
    offer = received + timedelta(days=30 + int(r() * 90))
    offer_style = "%Y-%m-%dT23:59:59Z" if r() < 0.3 else "%Y-%m-%d 23:59:59"
    campaign = f"SPR{received:%y}-{_pick(rng, _CAMPAIGN_LINES)}-{int(r() * 99):02d}"
    fingerprint = "".join(f"{int(r() * 2**62):016x}" for _ in range(3))
    attributes = (
        ("app_receive_date", _receive_text(received, r())),
        ("product_cd", _pick(rng, _PRODUCTS)),
        ("app_source", _pick(rng, _SOURCES)),
        ("app_type", _pick(rng, _APP_TYPES)),
        ("status_cd", _pick(rng, _STATUSES)),
        ("decision_cd", decision),
        ("manual_review_ind", manual),
        ("decision_date", _maybe(rng, 0.25, f"{decided:%Y-%m-%d %H:%M:%S}")),
        ("test_app_ind", _pick(rng, ("false", "false", "0", "", "true"))),
        ("sub_channel", _maybe(rng, 0.6, f"AFF-{int(r() * 9000) + 1000}")),
        ("signature_ind", _pick(rng, ("Y", "Y", "N", ""))),
        ("esign_ind", _pick(rng, ("Y", "Y", "Y", "N", ""))),
        ("paperless_ind", _pick(rng, ("true", "false", "yes", "no", "Y", ""))),
        ("officer_cd", _pick(rng, ("", "", "U01", "U02", "U03", "U04", "U99"))),
        ("channel_cd", _pick(rng, ("WEB", "MOBILE", "BRANCH", "PHONE", "", "KIOSK"))),
        ("regb_start", f"{received:%Y-%m-%d}" if r() < 0.2 else ""),
        ("regb_days", _pick(rng, ("30", "30", "45", ""))),
        ("priority_cd", _pick(rng, ("1", "2", "2", "3", ""))),
        ("campaign_cd", _maybe(rng, 0.4, campaign)),
        ("promo_code", _maybe(rng, 0.55, f"PRM-{int(r() * 10_000):04d}")),
        ("annual_fee", _pick(rng, ("$0", "$0", "$95", "99.00", "$39", "", "0"))),
        ("purchase_apr", _maybe(rng, 0.1, f"{12 + r() * 17:.2f}")),
        ("cash_apr", _maybe(rng, 0.2, f"{24 + r() * 6:.2f}")),
        ("promo_apr", _maybe(rng, 0.5, f"{r() * 5:.4f}")),
        ("pricing_tier", _pick(rng, ("1", "2", "3", "4", "5", ""))),
        ("requested_limit", limit_text),
        ("monthly_income", _maybe(rng, 0.1, f"{income}.00")),
        ("total_debt", _maybe(rng, 0.15, str(debt))),
        ("offer_expires", _maybe(rng, 0.2, offer.strftime(offer_style))),
        ("legacy_ref_no", _maybe(rng, 0.5, f"LEG-{app_id % 10_000_000:07d}")),
        ("underwriter_note", _maybe(rng, 0.7, _pick(rng, values.UNDERWRITER_NOTES))),
        ("lang_cd", _pick(rng, ("EN", "EN", "EN", "ES"))),
        ("branch_id", str(int(r() * 900) + 100)),
        ("sys_version", f"7.4.{int(r() * 30)}"),
        ("session_ref", f"{int(r() * 2**62):016x}{int(r() * 2**62):016x}"),
        ("terms_version", f"TC-{received:%Y}-{int(r() * 9) + 1}"),
        ("device_fingerprint", fingerprint),
        ("user_agent", _USER_AGENT.format(10 + int(r() * 30))),
    )
    return " ".join(f'{name}="{value}"' for name, value in attributes)


_CAMPAIGN_LINES = ("PLT", "GLD", "CLS")
_PRODUCTS = ("PLAT", "GOLD", "CLASSIC", "SECURED", "STUDENT", "BUSINESS", "", "PLAT_X")
_SOURCES = ("WEB", "WEB", "MOBILE", "BRANCH", "PHONE", "MAIL", "PARTNER", "web", "")
_APP_TYPES = ("NEW", "NEW", "NEW", "REAPPLY", "UPGRADE", "ADDON", "")
_STATUSES = ("A", "A", "P", "D", "W", "X")
_INCOME_SOURCES = ("SALARY", "SALARY", "HOURLY", "SELF", "PENSION", "BENEFITS", "OTHER", "")
_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/1{}.0.0.0 Safari/537.36"
)


def _product_element(rng: Random) -> str:
    r = rng.random
    score = 300 + int(r() * 551)
    return (
        f'<app_product bureau_score="{_maybe(rng, 0.08, str(score))}" '
        f'vantage_score="{_maybe(rng, 0.3, str(min(850, max(300, score + int(r() * 60) - 30))))}" '
        f'custom_risk_score="{_maybe(rng, 0.2, str(1 + int(r() * 999)))}" '
        f'fraud_score="{_maybe(rng, 0.25, str(1 + int(r() * 999)))}" '
        f'income_est="{_maybe(rng, 0.5, str(20_000 + int(r() * 230_000)))}" '
        f'fraud_alert_ind="{_pick(rng, ("N", "N", "N", "N", "Y", ""))}" '
        f'ofac_hit_ind="{_pick(rng, ("N", "N", "N", "N", "N", "N", "N", "Y", ""))}" '
        f'bankruptcy_ind="{_pick(rng, ("false", "false", "false", "true", ""))}" '
        f'thin_file_ind="{_pick(rng, ("0", "0", "0", "1", ""))}" '
        f'existing_customer_ind="{_pick(rng, ("Y", "N", "N", "yes", "NULL", ""))}" '
        f'prior_decision="{_pick(rng, ("", "", "", "APPR", "DECL", "none"))}" '
        f'max_line="{_maybe(rng, 0.3, str(1000 * (1 + int(r() * 25))))}" '
        f'model_version="RM-{int(r() * 9) + 1}.{int(r() * 20)}" '
        f'strategy_id="STR-{int(r() * 400):04d}"/>'
    )


def _address_element(rng: Random, address_type: str) -> str:
    r = rng.random
    if r() < 0.05:
        # A placeholder element with nothing but its type: the contract emits no row for it.
        return (
            f'<contact_address addr_tp="{address_type}" street_number="" street_name="" '
            f'address_line_1="" unit="" city="" state="" zip_code="" addr_months="" '
            f'addr_years="" own_tp="" residence_pmt="" phone=""/>'
        )
    number = str(1 + int(r() * 9_899))
    street = _pick(rng, values.STREET_NAMES)
    unit = _pick(rng, values.UNITS)
    city, state, zip_code = values.CITIES_STATES_ZIPS[int(r() * len(values.CITIES_STATES_ZIPS))]
    if r() < 0.3:
        zip_code = f"{zip_code}-{int(r() * 10_000):04d}"
    payment = 400 + r() * 2600
    payment_text = f"${payment:,.2f}" if r() < 0.3 else f"{payment:.2f}"
    return (
        f'<contact_address addr_tp="{address_type}" street_number="{number}" '
        f'street_name="{street}" address_line_1="{number} {street}" unit="{unit}" '
        f'city="{city}" state="{state}" zip_code="{zip_code}" '
        f'addr_months="{_maybe(rng, 0.1, str(int(r() * 12)))}" '
        f'addr_years="{_maybe(rng, 0.1, str(int(r() * 25)))}" '
        f'own_tp="{_pick(rng, ("OWN", "RENT", "RENT", "FAMILY", "MILITARY", "", "OTHER"))}" '
        f'residence_pmt="{_maybe(rng, 0.2, payment_text)}" '
        f'phone="{_maybe(rng, 0.3, _phone(rng, r() < 0.7))}" '
        f'county="{_pick(rng, ("", "Travis", "Franklin", "Maricopa", "Fulton", "Cook"))}" '
        f'verified_ind="{_pick(rng, ("Y", "N", ""))}" '
        f'geo_code="{r() * 180 - 90:.6f},{r() * 360 - 180:.6f}"/>'
    )


def _employment_element(rng: Random, employment_type: str) -> str:
    r = rng.random
    basis = _pick(rng, ("ANNUAL", "ANNUAL", "MONTHLY", "WEEKLY", "HOURLY", ""))
    if basis == "HOURLY":
        salary = f"{12 + r() * 60:.2f}"
    elif basis == "WEEKLY":
        salary = str(400 + int(r() * 2600))
    elif basis == "MONTHLY":
        salary = str(1500 + int(r() * 12_000))
    else:
        salary = str(18_000 + int(r() * 180_000))
    started = _EPOCH - timedelta(days=30 + int(r() * 9000))
    city, state, _zip = values.CITIES_STATES_ZIPS[int(r() * len(values.CITIES_STATES_ZIPS))]
    return (
        f'<contact_employment emp_tp="{employment_type}" '
        f'business_name="{_pick(rng, values.EMPLOYERS)}" '
        f'job_title="{_maybe(rng, 0.15, _pick(rng, values.JOB_TITLES))}" '
        f'salary="{_maybe(rng, 0.1, salary)}" salary_basis="{basis}" '
        f'job_months="{_maybe(rng, 0.2, str(int(r() * 12)))}" '
        f'job_years="{_maybe(rng, 0.1, str(int(r() * 30)))}" '
        f'start_date="{_maybe(rng, 0.3, _date_text(started, r()))}" '
        f'self_emp_ind="{_pick(rng, ("N", "N", "N", "Y", ""))}" '
        f'income_src="{_pick(rng, _INCOME_SOURCES)}" '
        f'emp_phone="{_maybe(rng, 0.3, _phone(rng, r() < 0.5))}" '
        f'emp_city="{city}" emp_state="{state}" '
        f'verified_by="{_pick(rng, ("", "WORKNUMBER", "PAYSTUB", "PHONE"))}"/>'
    )


def _contact_element(rng: Random, plan: ContactPlan) -> str:
    r = rng.random
    first = _pick(rng, values.FIRST_NAMES)
    last = _pick(rng, values.LAST_NAMES)
    born = _BIRTH_EPOCH + timedelta(days=int(r() * _BIRTH_SPAN_DAYS))
    ssn = f"{100 + int(r() * 799):03d}{10 + int(r() * 89):02d}{1 + int(r() * 9998):04d}"
    if r() < 0.6:
        ssn = f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}"
    primary = plan.role == PRIMARY_ROLE
    email_user = "".join(
        char
        for char in f"{first}.{last}".lower()
        if char.isascii() and (char.isalnum() or char == ".")
    )
    email = f"{email_user}{int(r() * 100)}@{_pick(rng, values.EMAIL_DOMAINS)}"
    parts = [
        f'<contact con_id="{plan.con_id}" ac_role_tp_c="{plan.role}" first_name="{first}" '
        f'middle_initial="{_maybe(rng, 0.4, _pick(rng, values.MIDDLE_INITIALS))}" '
        f'last_name="{last}" suffix="{_maybe(rng, 0.93, _pick(rng, values.SUFFIXES))}" '
        f'ssn="{_maybe(rng, 0.05 if primary else 0.5, ssn)}" '
        f'birth_date="{_maybe(rng, 0.03, _date_text(born, r()))}" '
        f'email="{_maybe(rng, 0.2, email)}" '
        f'cell_phone="{_maybe(rng, 0.25, _phone(rng, r() < 0.6))}" '
        f'citizenship="{_pick(rng, ("US", "US", "US", "US", "PR", "NR", ""))}" '
        f'mother_maiden_name="{_maybe(rng, 0.5, _pick(rng, values.MAIDEN_NAMES))}" '
        f'fraud_cd="{_pick(rng, ("", "", "", "", "", "", "", "", "", "ID_THEFT", "SYNTHETIC"))}" '
        f'bank_aba="{_maybe(rng, 0.6 if primary else 0.95, f"0{int(r() * 10**8):08d}")}" '
        f'bank_acct_type="{_pick(rng, ("C", "S", "M", "", ""))}" '
        f'dl_number="{_maybe(rng, 0.4, f"D{int(r() * 10**8):08d}")}" '
        f'contact_seq="{plan.con_id % 10}" ssn_verified="{_pick(rng, ("Y", "N", ""))}">'
    ]
    for address_type in ADDRESS_TYPES[: plan.addresses]:
        parts.append(_address_element(rng, address_type))
    for employment_type in EMPLOYMENT_TYPES[: plan.employments]:
        parts.append(_employment_element(rng, employment_type))
    account = f"4{int(r() * 10**15):015d}"
    if r() < 0.3:
        account = f"{account[:4]} {account[4:8]} {account[8:12]} {account[12:]}"
    parts.append(
        f'<app_prod_bcard allocated_line="{_maybe(rng, 0.3, str(500 * (1 + int(r() * 40))))}" '
        f'account_number="{_maybe(rng, 0.4, account)}" '
        f'issue_card_ind="{_pick(rng, ("Y", "N", ""))}" '
        f'card_design="{_pick(rng, ("STD", "METAL", "ECO", ""))}"/>'
    )
    parts.append("</contact>")
    return "".join(parts)


def application_subtree(
    rng: Random, app_id: int, received: datetime, contacts: tuple[ContactPlan, ...]
) -> str:
    """`<CustData>…</CustData>` for one application with the given contacts."""
    blocks = _workflow_blocks()
    parts = [
        f"<CustData><application {_application_attributes(rng, app_id, received)}>",
        _product_element(rng),
        blocks[int(rng.random() * len(blocks))],
    ]
    parts.extend(_contact_element(rng, plan) for plan in contacts)
    parts.append("</application></CustData>")
    return "".join(parts)


def plan_contacts(rng: Random, app_id: int) -> tuple[ContactPlan, ...]:
    """0-3 contacts, mostly one primary applicant, with 0-4 addresses and employments each.

    Contact keys are `app_id * 10 + position` (1-3), so they are unique across runs as
    long as application keys are.
    """
    draw = rng.random()
    count = 0 if draw < 0.03 else 1 if draw < 0.63 else 2 if draw < 0.93 else 3
    roles_draw = rng.random()
    plans = []
    for position in range(count):
        if position == 0:
            role = SECONDARY_ROLE if roles_draw < 0.02 else PRIMARY_ROLE
        else:
            role = PRIMARY_ROLE if roles_draw > 0.96 and position == 1 else SECONDARY_ROLE
        plans.append(
            ContactPlan(
                con_id=app_id * 10 + position + 1,
                role=role,
                addresses=_child_count(rng, role),
                employments=_child_count(rng, role),
            )
        )
    return tuple(plans)


def _child_count(rng: Random, role: str) -> int:
    thresholds = _PRIMARY_CHILDREN if role == PRIMARY_ROLE else _SECONDARY_CHILDREN
    draw = rng.random()
    return next((count for count, limit in enumerate(thresholds) if draw < limit), len(thresholds))


_PRIMARY_CHILDREN = (0.05, 0.45, 0.8, 0.95)
"""Cumulative probabilities of 0, 1, 2, 3 child elements of a primary contact (else 4)."""
_SECONDARY_CHILDREN = (0.5, 0.85, 0.95, 1.0)


_DISCLOSURES = (
    "TILA_BOX",
    "CARDHOLDER_AGREEMENT",
    "PRIVACY_NOTICE",
    "ESIGN_CONSENT",
    "FCRA_SUMMARY",
    "ARBITRATION",
    "MLA_NOTICE",
    "PATRIOT_ACT",
    "REWARDS_TERMS",
)
_QUEUES = ("AUTO", "FRAUD_REVIEW", "CREDIT_REVIEW", "VERIFICATION", "BOOKING")
_NOTE_CATEGORIES = ("GENERAL", "FRAUD", "INCOME")
_NOTE_TEXTS = (
    "Customer called to check status; advised of pending verification.",
    "Paystub received via secure upload, income matches stated amount.",
    "Address confirmed with utility bill dated last month.",
    "Applicant requested paper statements; preference updated.",
    "Duplicate application from same device within 24h - linked for review.",
    "Verified identity via knowledge-based authentication (4/4 correct).",
)


@cache
def _workflow_blocks() -> tuple[str, ...]:
    """Workflow records inside the application that no mapping reads, built once.

    Disclosures presented, queue history and operator notes: real applications carry them
    in the application subtree, which brings a compact document to about 8 KiB.
    """
    rng = Random("xml_migration.mock.application.workflow")
    return tuple(_workflow_block(rng) for _ in range(48))


def _workflow_block(rng: Random) -> str:
    r = rng.random
    parts = ["<app_disclosures>"]
    for code in _DISCLOSURES[: 6 + int(r() * 4)]:
        digest = "".join(f"{int(r() * 2**62):016x}" for _ in range(4))
        parts.append(
            f'<disclosure code="{code}" version="20{22 + int(r() * 3)}.{1 + int(r() * 4)}" '
            f'presented_channel="{("WEB", "MOBILE", "BRANCH")[int(r() * 3)]}" '
            f'accepted="{"Y" if r() < 0.97 else "N"}" document_hash="{digest}"/>'
        )
    parts.append("</app_disclosures><app_workflow>")
    for step in range(14 + int(r() * 20)):
        parts.append(
            f'<queue_event seq="{step + 1}" queue="{_QUEUES[int(r() * len(_QUEUES))]}" '
            f'operator="OP{int(r() * 500):04d}" elapsed_sec="{int(r() * 86_400)}" '
            f'reason_cd="R{int(r() * 90):02d}"/>'
        )
    parts.append("</app_workflow><app_notes>")
    for _ in range(4 + int(r() * 8)):
        parts.append(
            f'<note author="OP{int(r() * 500):04d}" category="{_NOTE_CATEGORIES[int(r() * 3)]}">'
            f"{_NOTE_TEXTS[int(r() * len(_NOTE_TEXTS))]}</note>"
        )
    parts.append("</app_notes>")
    return "".join(parts)
