"""The Checkpoint contract, printed for the person and the navigator to sign.

Plain words for a person who has just been arrested: prosecution is deferred for 4 months; keep every condition
and there is no further action and no criminal record (Home Office outcome 22); reoffend or break a condition
and the prosecution can go ahead. "No reoffending" is always condition 1. No database, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dateutil.relativedelta import relativedelta
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, ListFlowable, ListItem, Paragraph, Spacer, Table, TableStyle

from pathways.clock import local_date
from pathways.services.records import CaseSummary, PersonRecord, TimelineEntry
from reports.attendance import current_entries, find_case, label_table
from reports.pdf_base import FRAME_WIDTH, RULE, esc, long_date, pdf_bytes, styles, write_pdf

TITLE = "Checkpoint contract"
CONTRACT_MONTHS = 4
NO_REOFFENDING = "no_reoffending"
CONDITION_WORDS = {
    "no_reoffending": "Do not commit any further offence",
    "drug_education_programme": "Attend and complete the drug education programme",
    "voluntary_work": "Complete unpaid voluntary work",
    "restorative_approach": "Take part in a restorative approach with the victim if they wish",
}


@dataclass(frozen=True)
class ContractTerms:
    person_name: str
    date_of_birth: date
    case_ref: str
    offence: str
    start: date
    end: date
    conditions: tuple[str, ...]  # condition codes (no_reoffending, ...) or the navigator's own words
    navigator: str


def condition_code(value: str) -> str:
    """'no reoffending' or 'No_Reoffending' → 'no_reoffending' (the record shows codes with spaces)."""
    return "_".join(value.strip().lower().replace("_", " ").split())


def condition_words(value: str) -> str:
    """A condition in plain words; a code without words is shown with spaces for underscores."""
    words = CONDITION_WORDS.get(condition_code(value))
    if words:
        return words
    text = " ".join(value.replace("_", " ").split())
    return text[:1].upper() + text[1:]


def ordered_conditions(conditions: tuple[str, ...]) -> tuple[str, ...]:
    """No reoffending first, always present; the rest in the order agreed, each once."""
    rest = [c for c in dict.fromkeys(condition_code(c) for c in conditions if c.strip()) if c != NO_REOFFENDING]
    return (NO_REOFFENDING, *rest)


def signed_contract(case: CaseSummary) -> TimelineEntry | None:
    """The contract_signed entry as it now stands, if the case has one."""
    return next((e for e in current_entries(case) if e.name == "contract_signed"), None)


def contract_conditions(entry: TimelineEntry) -> tuple[str, ...]:
    return ordered_conditions(tuple(entry.values().get("conditions", "").split(";")))


def contract_dates(entry: TimelineEntry) -> tuple[date, date]:
    """Start (the day signed) and end (its due date, or 4 calendar months on) as London calendar dates."""
    start = local_date(entry.occurred_at)
    end = local_date(entry.due_at) if entry.due_at else start + relativedelta(months=CONTRACT_MONTHS)
    return start, end


def contract_terms(record: PersonRecord, case_id: int, navigator: str) -> ContractTerms:
    """The terms of the case's signed contract, ready to print. ValueError when the case has none."""
    case = find_case(record, case_id)
    entry = signed_contract(case)
    if entry is None:
        raise ValueError("This case has no Checkpoint contract.")
    arrest = next((e for e in current_entries(case) if e.name == "arrest"), None)
    offence = arrest.values().get("offence", "") if arrest else ""
    start, end = contract_dates(entry)
    person = record.person
    return ContractTerms(
        person_name=f"{person.forenames} {person.surname}",
        date_of_birth=person.date_of_birth,
        case_ref=case.case_ref,
        offence=offence or "not recorded",
        start=start,
        end=end,
        conditions=contract_conditions(entry),
        navigator=navigator,
    )


def _check(terms: ContractTerms) -> None:
    if terms.end <= terms.start:
        raise ValueError("The contract must end after it starts.")
    if not terms.navigator.strip():
        raise ValueError("The contract needs the navigator's name.")


def _deferral(terms: ContractTerms) -> str:
    period = f"from <b>{long_date(terms.start)}</b> to <b>{long_date(terms.end)}</b>"
    if terms.start + relativedelta(months=CONTRACT_MONTHS) == terms.end:
        period = f"for {CONTRACT_MONTHS} months: {period}"
    return (
        "The police have decided to put off (defer) prosecuting you for the offence above. "
        f"The prosecution is deferred {period}. This is Checkpoint. Taking part is your choice."
    )


def _meaning(terms: ContractTerms) -> list[Flowable]:
    s = styles()
    end = long_date(terms.end)
    return [
        Paragraph(_deferral(terms), s.body),
        Paragraph(
            f"<b>If you keep every condition below until {end}</b>, there will be no further action on this "
            "offence and you will not get a criminal record for it (Home Office outcome 22).",
            s.body,
        ),
        Paragraph(
            "<b>If you commit another offence, or do not keep a condition</b>, the contract ends and the "
            "prosecution for this offence can go ahead, at any time in the contract.",
            s.body,
        ),
    ]


def _conditions(terms: ContractTerms) -> Flowable:
    s = styles()
    items = [ListItem(Paragraph(esc(condition_words(c)), s.body)) for c in ordered_conditions(terms.conditions)]
    return ListFlowable(
        items, bulletType="1", bulletFormat="%s.", bulletFontName=s.bold, bulletFontSize=11, leftIndent=18
    )


def _signatures(terms: ContractTerms) -> Flowable:
    s = styles()
    line = "_" * 26
    person = [Paragraph("<b>Signed by you</b>", s.cell), Paragraph(f"Signature {line}", s.body)]
    navigator = [Paragraph(f"<b>Navigator</b> {esc(terms.navigator)}", s.cell), Paragraph(f"Signature {line}", s.body)]
    dates = [Paragraph(f"Date {line}", s.body)] * 2
    rows = [list(pair) for pair in zip(person, navigator, strict=True)] + [dates]
    table = Table(rows, colWidths=[FRAME_WIDTH / 2] * 2)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("TOPPADDING", (0, 1), (-1, -1), 14),
                ("LINEABOVE", (0, 0), (-1, 0), 0.5, RULE),
            ]
        )
    )
    return KeepTogether([Spacer(1, 0.5 * cm), table])


def contract_story(terms: ContractTerms) -> list[Flowable]:
    """The flowables of the contract, top to bottom."""
    _check(terms)
    s = styles()
    who = [
        ("Name", terms.person_name),
        ("Date of birth", long_date(terms.date_of_birth)),
        ("Case reference", terms.case_ref),
        ("Offence", terms.offence),
    ]
    return [
        Paragraph(TITLE, s.h1),
        label_table(who, 3.5 * cm),
        Spacer(1, 0.3 * cm),
        Paragraph("What this contract means", s.h2),
        *_meaning(terms),
        Paragraph("Your conditions", s.h2),
        Paragraph(f"You agree to do all of these until {esc(long_date(terms.end))}:", s.body),
        _conditions(terms),
        Spacer(1, 0.2 * cm),
        Paragraph(
            f"Your navigator, {esc(terms.navigator)}, will help you keep these conditions. If something gets in "
            "the way of a condition, tell your navigator straight away.",
            s.body,
        ),
        Paragraph("By signing, you agree to this contract. Keep a copy.", s.body),
        _signatures(terms),
    ]


def _footer(terms: ContractTerms) -> str:
    return f"Case {terms.case_ref} · {TITLE} · {terms.person_name}"


def contract_bytes(contract: ContractTerms) -> bytes:
    """The contract as PDF bytes, for a preview."""
    return pdf_bytes(contract_story(contract), title=TITLE, footer=_footer(contract))


def write_contract(path: Path, contract: ContractTerms) -> None:
    """Write the contract for signature to `path` as a PDF (atomically)."""
    write_pdf(path, contract_story(contract), title=TITLE, footer=_footer(contract))
