"""The written notice of a required assessment (Drugs Act 2005 s.9 initial, s.10 follow-up), given in custody.

Written for a person just released: short sentences, the time, place and service in a large block, the
duty to stay, the offence warning (ss.12 and 14), and what to do if they cannot go: ring the service, on the
number the administrator keeps for it, or on a line left blank to write it on when none is kept. No penalties
are stated: they are not confirmed in the domain brief. No database, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from reports.pdf_base import (
    ALERT,
    FRAME_WIDTH,
    INK,
    RULE,
    SHADE,
    esc,
    london_when,
    long_date,
    pdf_bytes,
    styles,
    write_pdf,
)

TITLE = "Notice of required assessment"
KINDS = {"initial": ("an initial", "section 9"), "follow_up": ("a follow-up", "section 10")}


@dataclass(frozen=True)
class AssessmentNotice:
    person_name: str
    date_of_birth: date
    case_ref: str
    kind: str  # "initial" or "follow_up"
    due_at: datetime  # aware; shown in Europe/London
    service: str
    place: str
    given_at: datetime  # aware
    given_by: str  # the officer's or navigator's name
    follow_up_due_at: datetime | None = None  # when an initial notice also states the follow-up
    further_notice: bool = False  # True when this notice changes an earlier time or place
    due_time_known: bool = True  # False: the assessment was given as a day alone (an imported record)
    follow_up_time_known: bool = True
    service_phone: str | None = None  # the service's number; None leaves a line to write it on


def write_notice(path: Path, notice: AssessmentNotice) -> None:
    """Write the notice to `path` as a PDF (atomically)."""
    write_pdf(path, notice_story(notice), title=TITLE, footer=_footer(notice))


def notice_pdf_bytes(notice: AssessmentNotice) -> bytes:
    """The notice as PDF bytes, for a preview."""
    return pdf_bytes(notice_story(notice), title=TITLE, footer=_footer(notice))


def _footer(notice: AssessmentNotice) -> str:
    return f"Case {notice.case_ref} · {TITLE}"


def _check(notice: AssessmentNotice) -> None:
    if notice.kind not in KINDS:
        raise ValueError(f"The kind of assessment must be 'initial' or 'follow_up', not '{notice.kind}'.")
    if notice.follow_up_due_at is not None and notice.kind != "initial":
        raise ValueError("Only an initial notice can also state the follow-up time.")
    for moment in (notice.due_at, notice.given_at, notice.follow_up_due_at):
        if moment is not None and moment.tzinfo is None:
            raise ValueError("Times on a notice must carry their zone (aware datetimes).")


def notice_story(notice: AssessmentNotice) -> list[Flowable]:
    """The flowables of one notice, top to bottom."""
    _check(notice)
    s = styles()
    which, section = KINDS[notice.kind]
    story: list[Flowable] = [Paragraph(f"You must go to {which} drug assessment", s.h1)]
    if notice.further_notice:
        story.append(_further_notice_box())
    story += [
        _person_table(notice),
        Spacer(1, 0.4 * cm),
        Paragraph(
            f"The police require you to go to {which} assessment with a drug worker "
            f"(Drugs Act 2005, {section}). This is because of your drug test after arrest.",
            s.body,
        ),
        Paragraph(
            "The drug worker will talk with you about your drug use, and whether help or treatment "
            "could be useful to you.",
            s.body,
        ),
        Spacer(1, 0.2 * cm),
        _when_where_block(notice),
        Spacer(1, 0.3 * cm),
        Paragraph("<b>You must stay for the whole assessment.</b> Keep this notice and bring it with you.", s.body),
        *_follow_up_lines(notice),
        _warning_box(),
        *_cannot_attend(notice),
        _signatures(notice),
    ]
    return story


def _boxed(rows: list[list[Flowable]], border: object, background: object | None = None) -> Table:
    table = Table(rows, colWidths=[FRAME_WIDTH])
    commands: list[tuple[object, ...]] = [
        ("BOX", (0, 0), (-1, -1), 1.5, border),
        ("LEFTPADDING", (0, 0), (-1, -1), 10),
        ("RIGHTPADDING", (0, 0), (-1, -1), 10),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
    if background is not None:
        commands.append(("BACKGROUND", (0, 0), (-1, -1), background))
    table.setStyle(TableStyle(commands))
    return table


def _further_notice_box() -> Flowable:
    s = styles()
    text = (
        "<b>This is a further notice.</b> It changes the time or place of your assessment. "
        "It replaces the time and place you were given before. Go at the time and to the place on this notice."
    )
    return KeepTogether([_boxed([[Paragraph(text, s.body)]], INK, SHADE), Spacer(1, 0.4 * cm)])


def _person_table(notice: AssessmentNotice) -> Table:
    s = styles()
    rows = [
        ["Name", notice.person_name],
        ["Date of birth", long_date(notice.date_of_birth)],
        ["Case reference", notice.case_ref],
    ]
    cells = [[Paragraph(esc(label), s.cell), Paragraph(f"<b>{esc(value)}</b>", s.body)] for label, value in rows]
    table = Table(cells, colWidths=[3.5 * cm, FRAME_WIDTH - 3.5 * cm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _when_where_block(notice: AssessmentNotice) -> Table:
    s = styles()
    rows = [
        ("WHEN", london_when(notice.due_at, notice.due_time_known)),
        ("WHERE", notice.place),
        ("WHO WITH", notice.service),
    ]
    cells = [[Paragraph(label, s.big_label), Paragraph(esc(value), s.big)] for label, value in rows]
    table = Table(cells, colWidths=[3.5 * cm, FRAME_WIDTH - 3.5 * cm])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 2, INK),
                ("LINEBELOW", (0, 0), (-1, -2), 0.5, RULE),
                ("BACKGROUND", (0, 0), (0, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


def _follow_up_lines(notice: AssessmentNotice) -> list[Flowable]:
    s = styles()
    if notice.kind != "initial":
        return []
    if notice.follow_up_due_at is not None:
        when = london_when(notice.follow_up_due_at, notice.follow_up_time_known)
        text = (
            f"<b>You must also go to a follow-up assessment on {esc(when)}.</b> "
            "The drug worker at your first assessment will tell you where. If that drug worker says the "
            "follow-up is not needed, you do not have to go."
        )
    else:
        text = (
            "At your first assessment, the drug worker may give you a time and place for a follow-up "
            "assessment. If they do, you must go to that too, and stay for all of it."
        )
    return [Paragraph(text, s.body)]


def _warning_box() -> Flowable:
    s = styles()
    rows: list[list[Flowable]] = [
        [Paragraph('<font color="#b00020"><b>WARNING</b></font>', s.h2)],
        [
            Paragraph(
                "If you do not go, or you leave before the end, without a good reason, "
                "<b>you commit a criminal offence</b> (Drugs Act 2005, sections 12 and 14). "
                "<b>You may be prosecuted.</b>",
                s.body,
            )
        ],
        [Paragraph("The drug service must tell the police if you do not go or do not stay.", s.body)],
    ]
    return KeepTogether([Spacer(1, 0.2 * cm), _boxed(rows, ALERT), Spacer(1, 0.3 * cm)])


def _cannot_attend(notice: AssessmentNotice) -> list[Flowable]:
    s = styles()
    service = esc(notice.service)
    number = f"<b>{_unbroken(notice.service_phone)}</b>" if notice.service_phone else "_" * 30
    return [
        Paragraph(
            f"<b>If you cannot go:</b> ring {service} <b>before</b> your appointment and tell them why. "
            "Do not just stay away.",
            s.body,
        ),
        Paragraph(f"Phone number for {service}: {number}", s.body),
    ]


def _unbroken(text: str) -> str:
    """`text` escaped, its spaces kept from breaking the line (a phone number is read as one)."""
    return esc(text).replace(" ", "&nbsp;")


def _signatures(notice: AssessmentNotice) -> Flowable:
    s = styles()
    line = "_" * 24
    person = [
        Paragraph("<b>Person given this notice</b>", s.cell),
        Paragraph(f"Signature {line}", s.body),
        Paragraph(f"Date {line}", s.body),
    ]
    officer = [
        Paragraph(f"<b>Given by</b> {esc(notice.given_by)}", s.cell),
        Paragraph(f"on {esc(london_when(notice.given_at))}", s.body),
        Paragraph(f"Signature {line}", s.body),
    ]
    table = Table([[p, o] for p, o in zip(person, officer, strict=True)], colWidths=[FRAME_WIDTH / 2] * 2)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("TOPPADDING", (0, 1), (-1, -1), 12),
                ("LINEABOVE", (0, 0), (-1, 0), 0.5, RULE),
            ]
        )
    )
    return KeepTogether([Spacer(1, 0.4 * cm), table])
