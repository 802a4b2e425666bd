"""Attendance at required assessments (Drugs Act 2005 ss.9 and 10), for the person or the court, and the
failure-to-attend summary for the police (ss.12 and 14).

Both read a PersonRecord's timeline as it now stands: entries replaced by a correction, or withdrawn, are left
out. Each notice (the first for an assessment, or a further notice changing its time or place) is one
appointment with its own outcome. No penalties are stated. Pure functions: no database, no Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from pathways.clock import LONDON
from pathways.services.records import CaseSummary, PersonRecord, TimelineEntry
from reports.pdf_base import (
    ALERT,
    FRAME_WIDTH,
    RULE,
    SHADE,
    esc,
    london_when,
    long_date,
    pdf_bytes,
    short_when,
    styles,
    write_atomically,
)

MARKING = "OFFICIAL-SENSITIVE"
ROW_LINES = 40  # the lines of one cell laid out in one table row (grid)
NO_MISSED = "This case has no missed required assessment."
ATTENDANCE_TITLE = "Record of attendance at required assessments"
FTA_TITLE = "Failure to attend a required assessment"
OFFENCE_SECTION = {"initial": "section 12", "follow-up": "section 14"}
ATTENDED, MISSED, REPLACED, WAIVED, NONE_YET = "attended", "missed", "replaced", "waived", "none yet"
OUTCOME_EVENTS = {"assessment_attended": ATTENDED, "assessment_missed": MISSED}
OUTCOME_WORDS = {
    ATTENDED: "Attended",
    MISSED: "Failed to attend or remain",
    REPLACED: "Replaced by a further notice",
    WAIVED: "Not needed: waived by the initial assessor",
    NONE_YET: "None recorded yet",
}


@dataclass(frozen=True)
class Appointment:
    """One notice of a required assessment and what happened at the time it gave."""

    kind: str  # "initial" or "follow-up"
    given_at: datetime
    due_at: datetime | None
    service: str
    place: str
    site: str
    further: bool  # a further notice, changing an earlier time or place
    reason: str  # why a further notice was given
    outcome: str = NONE_YET
    outcome_at: datetime | None = None
    given_time_known: bool = True  # False: the moment was given as a day alone (an imported date)
    due_time_known: bool = True
    outcome_time_known: bool = True


def current_entries(case: CaseSummary) -> list[TimelineEntry]:
    """The timeline as it now stands: no entry that a correction replaced, and nothing withdrawn."""
    return [entry for entry in case.timeline if not entry.superseded]


def find_case(record: PersonRecord, case_id: int) -> CaseSummary:
    for case in record.cases:
        if case.id == case_id:
            return case
    raise ValueError(f"Case {case_id} is not on this person's record.")


def when_text(moment: datetime, time_known: bool = True) -> str:
    """'4 March 2023 at 14:20' on the London clock; just the date for a day alone (given without a time)."""
    local = moment.astimezone(LONDON)
    day = long_date(local.date())
    return f"{day} at {local:%H:%M}" if time_known else day


def entry_when(entry: TimelineEntry) -> str:
    """When a timeline entry happened, as when_text gives it."""
    return when_text(entry.occurred_at, entry.occurred_time_known)


def _kind(value: str) -> str:
    return value.strip().lower().replace("_", "-").replace(" ", "-")


def _appointment(entry: TimelineEntry, values: dict[str, str], further: bool) -> Appointment:
    reason = values.get("reason", "")
    plain_reason = reason.removeprefix("further notice:").strip()
    return Appointment(
        kind=_kind(values.get("kind", "")),
        given_at=entry.occurred_at,
        due_at=entry.due_at,
        given_time_known=entry.occurred_time_known,
        due_time_known=entry.due_time_known,
        service=values.get("service", ""),
        place=values.get("place", ""),
        site=values.get("site", ""),
        further=further or reason.startswith("further notice"),
        reason=plain_reason if reason.startswith("further notice") else reason,
    )


def appointments(case: CaseSummary) -> tuple[Appointment, ...]:
    """Every notice of a required assessment on the case, in order, each with its outcome."""
    made: list[Appointment] = []
    waiting: dict[str, int] = {}  # kind → the appointment still without an outcome

    def settle(kind: str, outcome: str, entry: TimelineEntry) -> None:
        index = waiting.pop(kind, None)
        if index is not None:
            at, known = entry.occurred_at, entry.occurred_time_known
            made[index] = replace(made[index], outcome=outcome, outcome_at=at, outcome_time_known=known)

    for entry in current_entries(case):
        values = entry.values()
        kind = _kind(values.get("kind", ""))
        if entry.name == "assessment_required":
            settle(kind, REPLACED, entry)
            waiting[kind] = len(made)
            made.append(_appointment(entry, values, any(a.kind == kind for a in made)))
        elif entry.name in OUTCOME_EVENTS:
            settle(kind, OUTCOME_EVENTS[entry.name], entry)
        elif entry.name == "follow_up_waived":
            settle("follow-up", WAIVED, entry)
    return tuple(made)


def kind_words(kind: str) -> str:
    return {"initial": "Initial assessment", "follow-up": "Follow-up assessment"}.get(kind, f"{kind} assessment")


def outcome_text(appointment: Appointment, when: Callable[[datetime, bool], str] = when_text) -> str:
    words = OUTCOME_WORDS[appointment.outcome]
    if appointment.outcome_at is None or appointment.outcome == REPLACED:
        return words
    return f"{words}: {when(appointment.outcome_at, appointment.outcome_time_known)}"


_LABEL_STYLE = [("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")]
_LABEL_STYLE += [("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
_GRID_STYLE = [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE)]
_GRID_STYLE += [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 4)]


def label_table(pairs: Sequence[tuple[str, str]], label_width: float = 4 * cm) -> Table:
    """Label and value rows (who, which case), values in the body style."""
    s = styles()
    cells = [[Paragraph(esc(label), s.cell), Paragraph(esc(value), s.body)] for label, value in pairs]
    return Table(cells, colWidths=[label_width, FRAME_WIDTH - label_width], style=TableStyle(_LABEL_STYLE))


def grid(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Table:
    """A ruled table with a shaded header row that repeats on every page; cells wrap at spaces and at "\\n", and a
    row taller than what is left of a page (a long note) runs on to the next. A cell of many lines is laid out
    ROW_LINES lines to a row, in rows of its own below (ReportLab takes seconds to split one row of thousands of
    lines across pages)."""
    s = styles()
    body = [[Paragraph(esc(text), s.cell_bold) for text in header]]
    for row in rows:
        pieces = [_line_groups(text) for text in row]
        for n in range(max(map(len, pieces), default=1)):
            cells = [group[n] if n < len(group) else "" for group in pieces]
            body.append([Paragraph(esc(text).replace("\n", "<br/>"), s.cell) for text in cells])
    return Table(body, colWidths=list(widths), repeatRows=1, style=TableStyle(_GRID_STYLE), splitInRow=1)


def _line_groups(text: str) -> list[str]:
    lines = text.split("\n")
    return ["\n".join(lines[start : start + ROW_LINES]) for start in range(0, len(lines), ROW_LINES)]


def appointments_table(found: Sequence[Appointment]) -> Table:
    rows = []
    for a in found:
        which = kind_words(a.kind) + (" (further notice)" if a.further else "")
        if a.reason:
            which += f": {a.reason}"
        due = short_when(a.due_at, a.due_time_known) if a.due_at else "not recorded"
        service = a.service or "service not recorded"
        where = f"{a.place}\nwith {service}" if a.place else f"{service[:1].upper()}{service[1:]} (place not recorded)"
        rows.append([which, short_when(a.given_at, a.given_time_known), due, where, outcome_text(a, short_when)])
    header = ("Assessment", "Notice given", "Due", "Where, and who with", "Outcome")
    widths = [3.1 * cm, 2.9 * cm, 3.4 * cm, 3.9 * cm, FRAME_WIDTH - 13.3 * cm]
    return grid(header, rows, widths)


def _person_pairs(record: PersonRecord, case: CaseSummary) -> list[tuple[str, str]]:
    p = record.person
    pairs = [("Name", p.display_name), ("Date of birth", long_date(p.date_of_birth))]
    if p.pnc_id:
        pairs.append(("PNC ID", p.pnc_id))
    return [*pairs, ("Case", f"{case.case_ref} ({case.pathway_name})")]


def _prepared(prepared_by: str, as_of: datetime) -> list[tuple[str, str]]:
    return [("Prepared by", prepared_by), ("Record as of", f"{london_when(as_of)} (UK time)")]


def attendance_story(record: PersonRecord, case_id: int, *, prepared_by: str, as_of: datetime) -> list[Flowable]:
    s = styles()
    case = find_case(record, case_id)
    found = appointments(case)
    story: list[Flowable] = [
        Paragraph(ATTENDANCE_TITLE, s.h1),
        label_table(_person_pairs(record, case) + _prepared(prepared_by, as_of)),
        Spacer(1, 0.3 * cm),
    ]
    if not found:
        return [*story, Paragraph("No assessment has been required on this case.", s.body)]
    story += [
        Paragraph(
            "The police required the assessments below (Drugs Act 2005, sections 9 and 10). Each row is one "
            "notice. A further notice changes the time or place given before.",
            s.body,
        ),
        appointments_table(found),
        Paragraph("Where things stand", s.h2),
    ]
    for kind in dict.fromkeys(a.kind for a in found):
        latest = [a for a in found if a.kind == kind][-1]
        story.append(Paragraph(f"<b>{esc(kind_words(kind))}:</b> {esc(outcome_text(latest))}.", s.body))
    return story


def _missed(case: CaseSummary) -> list[Appointment]:
    missed = [a for a in appointments(case) if a.outcome == MISSED]
    if not missed:
        raise ValueError(NO_MISSED)
    return missed


def _case_pairs(case: CaseSummary) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for entry in current_entries(case):
        values = entry.values()
        if entry.name == "arrest":
            pairs.append(("Arrested", ", ".join(filter(None, [entry_when(entry), values.get("site")]))))
            pairs.append(("Offence", values.get("offence", "not recorded")))
        elif entry.name == "test" and values.get("result") == "positive":
            found = values.get("substances", "")
            pairs.append(("Positive test", entry_when(entry) + (f" ({found})" if found else "")))
    return pairs


def _missed_words(name: str, missed: Appointment) -> str:
    due = london_when(missed.due_at, missed.due_time_known) if missed.due_at else "the time on the notice"
    where = f" at {missed.place}" if missed.place else ""
    when = when_text(missed.outcome_at, missed.outcome_time_known) if missed.outcome_at else "not recorded"
    given = when_text(missed.given_at, missed.given_time_known)
    return esc(
        f"{name} failed to attend, or to remain for the whole of, the {missed.kind} assessment due on {due}{where} "
        f"with {missed.service or 'the service'}. Notice of it was given on {given}. "
        f"The failure was recorded on {when}."
    )


def _missed_box(name: str, missed: Appointment) -> Flowable:
    s = styles()
    rows = [
        [Paragraph(f'<font color="#b00020"><b>{esc(kind_words(missed.kind))} missed</b></font>', s.h2)],
        [Paragraph(_missed_words(name, missed), s.body)],
        [Paragraph(_offence_words(missed.kind), s.body)],
    ]
    style = TableStyle([("BOX", (0, 0), (-1, -1), 1.5, ALERT), ("LEFTPADDING", (0, 0), (-1, -1), 10)])
    return KeepTogether([Spacer(1, 0.3 * cm), Table(rows, colWidths=[FRAME_WIDTH], style=style)])


def _offence_words(kind: str) -> str:
    section = OFFENCE_SECTION.get(kind, "sections 12 and 14")
    return (
        f"Failing without good cause to attend, or to remain for the whole of, a required {esc(kind)} "
        f"assessment is an offence under the <b>Drugs Act 2005, {section}</b>."
    )


def failure_story(record: PersonRecord, case_id: int, *, prepared_by: str, as_of: datetime) -> list[Flowable]:
    s = styles()
    case = find_case(record, case_id)
    missed = _missed(case)
    story: list[Flowable] = [
        Paragraph(FTA_TITLE, s.h1),
        Paragraph("For the police: a summary of the required assessments and the one missed.", s.small),
        Spacer(1, 0.3 * cm),
        label_table(_person_pairs(record, case) + _case_pairs(case) + _prepared(prepared_by, as_of)),
        Paragraph("Notices given", s.h2),
        appointments_table(appointments(case)),
    ]
    name = f"{record.person.forenames} {record.person.surname}"
    story += [_missed_box(name, a) for a in missed]
    return story


def _pdf(title: str, story: list[Flowable], record: PersonRecord, case_id: int) -> bytes:
    footer = f"Case {find_case(record, case_id).case_ref} · {title} · {record.person.display_name}"
    return pdf_bytes(story, title=title, footer=footer, marking=MARKING)


def attendance_record_bytes(record: PersonRecord, case_id: int, *, prepared_by: str, as_of: datetime) -> bytes:
    story = attendance_story(record, case_id, prepared_by=prepared_by, as_of=as_of)
    return _pdf(ATTENDANCE_TITLE, story, record, case_id)


def write_attendance_record(
    path: Path, record: PersonRecord, case_id: int, *, prepared_by: str, as_of: datetime
) -> None:
    """The attendance record of one case's required assessments, for the person or the court (atomically)."""
    write_atomically(path, attendance_record_bytes(record, case_id, prepared_by=prepared_by, as_of=as_of))


def failure_to_attend_bytes(record: PersonRecord, case_id: int, *, prepared_by: str, as_of: datetime) -> bytes:
    return _pdf(FTA_TITLE, failure_story(record, case_id, prepared_by=prepared_by, as_of=as_of), record, case_id)


def write_failure_to_attend_summary(
    path: Path, record: PersonRecord, case_id: int, *, prepared_by: str, as_of: datetime
) -> None:
    """The failure-to-attend summary for the police. ValueError when no required assessment was missed."""
    write_atomically(path, failure_to_attend_bytes(record, case_id, prepared_by=prepared_by, as_of=as_of))
