"""The case summary of one person, for a named reader: only what that reader's purpose needs, chosen at print time.

A Purpose names the sections printed and the events and event details the timeline shows: the court gets no
free-text notes; a treatment service gets no offence details beyond the pathway, no notes, and no stage (a
stage can name a prosecution). The timeline is the record as it now stands: an entry replaced by a correction,
or withdrawn, is left out (not struck through), because a summary read by another agency must not be read as
two versions of one fact; the corrected entry says "Corrected on <date>: <reason>", and a line under the table
says how many entries were withdrawn. The reader who needs them also gets the case's screenings as they stand: the
instrument, the decision and every question with its answer (probation: every screening; a treatment service:
the gambling screening, not the eligibility ones, which are about the offence). Pure functions: a PersonRecord
(and the person's screenings) in, a PDF out; no database, no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from pathways.clock import local_date
from pathways.consent import SUMMARY_RECIPIENTS
from pathways.services.records import SHOWN_FIELDS, CaseSummary, PersonRecord, TimelineEntry
from pathways.services.screening import ScreeningView
from reports.attendance import (
    MARKING,
    appointments,
    appointments_table,
    current_entries,
    entry_when,
    grid,
    label_table,
    when_text,
)
from reports.contract import condition_code, condition_words, contract_conditions, contract_dates, signed_contract
from reports.pdf_base import FRAME_WIDTH, esc, london_when, long_date, pdf_bytes, styles, write_atomically

TITLE = "Case summary"
SECTIONS = (
    "stage",
    "eligibility",
    "screenings",
    "referral",
    "requirements",
    "contract",
    "timeline",
    "deadlines",
    "outcome",
)
OUTCOME_EVENTS = ("prosecuted", "completed", "closed", "reoffended", "non_compliant", "declined", "not_engaged")
CONTRACT_EVENTS = ("contract_signed", "condition_met")


@dataclass(frozen=True)
class Purpose:
    key: str
    reader: str  # who reads it, in words: "the court"
    needs: str  # one sentence: what this summary holds, and what it leaves out
    sections: frozenset[str]  # of SECTIONS
    events: frozenset[str] | None  # the events the timeline shows; None: every event
    fields: frozenset[str]  # the event details shown (of SHOWN_FIELDS)
    nhs_number: bool = False
    instruments: frozenset[str] | None = None  # with "screenings": the screenings shown, by instrument; None: all


PURPOSES: dict[str, Purpose] = {
    "probation": Purpose(
        "probation",
        "the probation service",
        "Identity, and for each case its timeline, screenings with their answers, tests, required assessments and "
        "attendance, and outcome.",
        frozenset(SECTIONS) - {"referral"},
        None,
        frozenset(SHOWN_FIELDS),
    ),
    "court": Purpose(
        "court",
        "the court",
        "Identity, tests and their results, required assessments, attendance and failures with the dates and "
        "notices given, any contract and its conditions, and the outcome. Free-text notes and screenings' answers "
        "are left out.",
        frozenset(SECTIONS) - {"referral", "screenings"},
        frozenset(
            {"arrest", "test", "assessment_required", "assessment_attended", "assessment_missed", "follow_up_waived"}
            | {"offered", "declined", "referral", "session_attended", *CONTRACT_EVENTS, *OUTCOME_EVENTS}
        ),
        frozenset(SHOWN_FIELDS) - {"notes"},
    ),
    "treatment": Purpose(
        "treatment",
        "the treatment service",
        "Identity, the referral, assessments required and attended, any gambling screening (PGSI) with its "
        "answers, and treatment started. Offence details beyond the pathway, eligibility screenings, the outcome "
        "and free-text notes are left out.",
        frozenset({"screenings", "referral", "requirements", "timeline", "deadlines"}),
        frozenset(
            {"test", "assessment_required", "assessment_attended", "assessment_missed", "follow_up_waived"}
            | {"treatment_started", "referral", "contacted", "session_attended", "needs_assessed"}
        ),
        frozenset({"result", "substances", "kind", "service", "place", "site", "reason", "conditions"}),
        nhs_number=True,
        instruments=frozenset({"pgsi"}),
    ),
}


assert set(SUMMARY_RECIPIENTS) == set(PURPOSES)  # printing a summary is checked against what the person agreed


def purpose_named(key: str) -> Purpose:
    if key not in PURPOSES:
        raise ValueError(f"There is no case summary for '{key}': choose one of {', '.join(PURPOSES)}.")
    return PURPOSES[key]


def entry_details(entry: TimelineEntry, purpose: Purpose) -> str:
    """The entry's details that the purpose allows, and the correction it carries."""
    parts = []
    for field, words, value in entry.fields:
        if field not in purpose.fields:
            continue
        if field == "conditions" and entry.name in CONTRACT_EVENTS:
            value = "; ".join(condition_words(c) for c in value.split(";"))
        parts.append(f"{words}: {value}")
    if entry.action == "correct":
        parts.append(f"Corrected on {long_date(local_date(entry.recorded_at))}: {entry.correction_reason or ''}")
    return "\n".join(parts)


def _shown(entry: TimelineEntry, purpose: Purpose) -> bool:
    return purpose.events is None or entry.name in purpose.events


def _timeline(case: CaseSummary, purpose: Purpose) -> list[Flowable]:
    s = styles()
    rows = [[entry_when(e), e.label, entry_details(e, purpose)] for e in current_entries(case) if _shown(e, purpose)]
    if not rows:
        return [Paragraph("Timeline", s.h2), Paragraph("Nothing on this case for this purpose.", s.body)]
    widths = [3.6 * cm, 3.8 * cm, FRAME_WIDTH - 7.4 * cm]
    story: list[Flowable] = [Paragraph("Timeline", s.h2), grid(("When", "Event", "Details"), rows, widths)]
    withdrawn = sum(1 for e in case.timeline if e.action == "withdraw" and _shown(e, purpose))
    corrected = any(e.action == "correct" and not e.superseded and _shown(e, purpose) for e in case.timeline)
    if corrected:
        story.append(Paragraph("An entry replaced by a correction is not shown.", s.small))
    if withdrawn:
        noun = "entry was" if withdrawn == 1 else "entries were"
        story.append(Paragraph(f"{withdrawn} {noun} withdrawn as recorded in error and not shown.", s.small))
    return story


def _case_pairs(case: CaseSummary, purpose: Purpose) -> list[tuple[str, str]]:
    pairs = [("Pathway", case.pathway_name), ("Case reference", case.case_ref)]
    if "stage" in purpose.sections:
        pairs.append(("Stage", case.stage + (" (closed)" if case.closed and case.stage != "Closed" else "")))
    pairs.append(("Started", when_text(case.started_at, case.started_time_known)))
    if "eligibility" in purpose.sections and case.eligibility:
        pairs.append(("Eligibility", case.eligibility))
    return pairs


def shows_screenings(purpose: str) -> bool:
    """Whether the summary for `purpose` shows screenings (so that the caller reads them: viewing them is audited)."""
    return "screenings" in purpose_named(purpose).sections


def _screenings(found: Sequence[ScreeningView], purpose: Purpose) -> list[Flowable]:
    """Each screening of the case the purpose may see, as it stands (one corrected or withdrawn is left out): the
    instrument, the decision and its reasons, and every question with the answer given."""
    shown = [v for v in found if v.current and (purpose.instruments is None or v.instrument in purpose.instruments)]
    if not shown:
        return []
    s = styles()
    story: list[Flowable] = [Paragraph("Screening", s.h2)]
    for view in shown:
        pairs = [
            ("Screened with", f"{view.instrument_name}, version {view.instrument_version}"),
            ("When", when_text(view.occurred_at)),
            ("Decision", view.explanation or view.outcome_words),  # (an override's reason is in it)
        ]
        rows = [[question, answer] for question, answer in view.answers]
        story += [
            label_table(pairs),
            Spacer(1, 0.15 * cm),
            grid(("Question", "Answer"), rows, [11 * cm, FRAME_WIDTH - 11 * cm]),
            Spacer(1, 0.2 * cm),
        ]
    return story


def _referral(case: CaseSummary) -> list[Flowable]:
    entry = next((e for e in current_entries(case) if e.name in ("assessment_required", "referral")), None)
    if entry is None:
        return []
    values = entry.values()
    pairs = [("Referred", entry_when(entry))]
    pairs += [(label, values[f]) for label, f in (("From", "site"), ("To", "service")) if values.get(f)]
    return [Paragraph("Referral", styles().h2), label_table(pairs)]


def _requirements(case: CaseSummary) -> list[Flowable]:
    found = appointments(case)
    if not found:
        return []
    return [Paragraph("Required assessments and attendance", styles().h2), appointments_table(found)]


def _contract(case: CaseSummary) -> list[Flowable]:
    entry = signed_contract(case)
    if entry is None:
        return []
    start, end = contract_dates(entry)
    entries = current_entries(case)
    met: dict[str, str] = {}
    for e in entries:
        if e.name == "condition_met":
            for code in e.values().get("conditions", "").split(";"):
                met.setdefault(condition_code(code), f"Met: {entry_when(e)}")
    done = next((e for e in entries if e.name == "completed"), None)
    if done is not None:
        met.setdefault("no_reoffending", f"Kept: contract completed {entry_when(done)}")
    rows = [
        [f"{n}. {condition_words(c)}", met.get(c, "Not recorded as met")]
        for n, c in enumerate(contract_conditions(entry), 1)
    ]
    s = styles()
    return [
        Paragraph("Contract", s.h2),
        label_table([("Signed", long_date(start)), ("Ends", long_date(end))]),
        Spacer(1, 0.15 * cm),
        grid(("Condition", "Met"), rows, [10.5 * cm, FRAME_WIDTH - 10.5 * cm]),
    ]


def _deadlines(case: CaseSummary, purpose: Purpose, as_of: datetime) -> list[Flowable]:
    s = styles()
    shown = [d for d in case.deadlines if d.kind is not None or "contract" in purpose.sections]
    if not shown:
        return [Paragraph("Open deadlines", s.h2), Paragraph("None open.", s.body)]
    rows = []
    for d in shown:
        where = ", ".join(filter(None, [d.place, d.service]))
        late = " (overdue)" if d.overdue_at <= as_of else ""
        rows.append([d.label[:1].upper() + d.label[1:], london_when(d.due_at, d.due_time_known) + late, where])
    widths = [4 * cm, 6.5 * cm, FRAME_WIDTH - 10.5 * cm]
    return [Paragraph("Open deadlines", s.h2), grid(("Deadline", "Due", "Where, and who with"), rows, widths)]


def _outcome(case: CaseSummary, purpose: Purpose) -> list[Flowable]:
    s = styles()
    ends = [e for e in current_entries(case) if e.name in OUTCOME_EVENTS]
    if not ends:
        text = f"No outcome recorded yet. The case is at: {esc(case.stage)}."
    else:
        last = ends[-1]
        details = entry_details(last, purpose).replace("\n", ". ")
        text = f"<b>{esc(last.label)}</b>, {esc(entry_when(last))}." + (f" {esc(details)}." if details else "")
    return [Paragraph("Outcome", s.h2), Paragraph(text, s.body)]


def _case_story(
    case: CaseSummary, purpose: Purpose, as_of: datetime, screenings: Sequence[ScreeningView]
) -> list[Flowable]:
    s = styles()
    parts: dict[str, list[Flowable]] = {
        "screenings": _screenings([v for v in screenings if v.case_id == case.id], purpose),
        "referral": _referral(case),
        "requirements": _requirements(case),
        "contract": _contract(case),
        "timeline": _timeline(case, purpose),
        "deadlines": _deadlines(case, purpose, as_of),
        "outcome": _outcome(case, purpose),
    }
    heading = Paragraph(f"{esc(case.pathway_name)}: case {esc(case.case_ref)}", s.h2)
    story: list[Flowable] = [KeepTogether([heading, label_table(_case_pairs(case, purpose))])]
    for section in SECTIONS:
        if section in parts and section in purpose.sections:
            story += parts[section]
    return story


def _cover(record: PersonRecord, purpose: Purpose, prepared_by: str, as_of: datetime) -> list[Flowable]:
    s = styles()
    p = record.person
    pairs = [("Name", p.display_name), ("Date of birth", long_date(p.date_of_birth))]
    if p.pnc_id:
        pairs.append(("PNC ID", p.pnc_id))
    if purpose.nhs_number:
        pairs.append(("NHS number", p.nhs_number or "not recorded"))
    pairs += [
        ("Prepared for", purpose.reader),
        ("What it holds", purpose.needs),
        ("Prepared by", prepared_by),
        ("Record as of", f"{london_when(as_of)} (UK time)"),
    ]
    return [Paragraph(f"{TITLE} for {esc(purpose.reader)}", s.h1), label_table(pairs), Spacer(1, 0.2 * cm)]


def case_summary_story(
    record: PersonRecord,
    *,
    purpose: str,
    prepared_by: str,
    as_of: datetime,
    screenings: Sequence[ScreeningView] = (),
) -> list[Flowable]:
    """The flowables of the summary: who it is about and for whom, then each case, newest first. `screenings` are
    the person's (person_screenings), for a purpose that shows them (shows_screenings)."""
    chosen = purpose_named(purpose)
    if as_of.tzinfo is None:
        raise ValueError("The 'as of' time must carry its zone (an aware datetime).")
    story = _cover(record, chosen, prepared_by, as_of)
    if not record.cases:
        story.append(Paragraph("This person has no cases on record.", styles().body))
    for number, case in enumerate(record.cases):
        if number:
            story.append(PageBreak())  # each case from the top of a page: what follows a break is plainly its
        story += _case_story(case, chosen, as_of, screenings)
    return story


def _footer(record: PersonRecord, purpose: str, as_of: datetime) -> str:
    reader = PURPOSES[purpose].reader
    return f"{TITLE} for {reader} · {record.person.display_name} · prepared {long_date(local_date(as_of))}"


def case_summary_bytes(
    record: PersonRecord,
    *,
    purpose: str,
    prepared_by: str,
    as_of: datetime,
    screenings: Sequence[ScreeningView] = (),
) -> bytes:
    """The case summary as PDF bytes, for a preview."""
    story = case_summary_story(record, purpose=purpose, prepared_by=prepared_by, as_of=as_of, screenings=screenings)
    title = f"{TITLE} for {PURPOSES[purpose].reader}"
    return pdf_bytes(story, title=title, footer=_footer(record, purpose, as_of), marking=MARKING)


def write_case_summary(
    path: Path,
    record: PersonRecord,
    *,
    purpose: str,
    prepared_by: str,
    as_of: datetime,
    screenings: Sequence[ScreeningView] = (),
) -> None:
    """Write the case summary for `purpose` (probation, court or treatment) to `path` (atomically)."""
    data = case_summary_bytes(record, purpose=purpose, prepared_by=prepared_by, as_of=as_of, screenings=screenings)
    write_atomically(path, data)


def purposes() -> Sequence[Purpose]:
    """The purposes a summary can be printed for, for a chooser."""
    return tuple(PURPOSES.values())
