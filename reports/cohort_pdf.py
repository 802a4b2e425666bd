"""The cohort report as a PDF: the question asked, the figures (as a funnel where the pathway has one), and
what each figure counts. Takes a finished CohortAnswer; no database, no Qt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from pathways.clock import LONDON
from reports.cohort import CohortAnswer
from reports.figures import FigureValue, percentage
from reports.pdf_base import FRAME_WIDTH, RULE, SHADE, esc, london_when, long_date, pdf_bytes, styles, write_pdf

NOT_FOR_PUBLICATION = "Not for publication"
DASH = "\N{EN DASH}"
NO_VALUE = DASH  # a share or count that cannot be given


@dataclass(frozen=True)
class FunnelStep:
    key: str  # the figure
    label: str  # what the row says
    of: str | None  # the figure it is a percentage of (None: no percentage)
    depth: int = 0  # indent under the step above


DTOA_FUNNEL: tuple[FunnelStep, ...] = (
    FunnelStep("cases", "Cases", None),
    FunnelStep("eligible", "Eligible", "cases"),
    FunnelStep("tested", "Tested", "eligible"),
    FunnelStep("positive", "Positive", "tested"),
    FunnelStep("initial_required", "Initial assessment required", "positive"),
    FunnelStep("initial_attended", "Initial assessment attended", "initial_required", 1),
    FunnelStep("initial_missed", "Initial assessment missed", "initial_required", 1),
    FunnelStep("follow_up_required", "Follow-up assessment required", "initial_required"),
    FunnelStep("follow_up_attended", "Follow-up assessment attended", "follow_up_required", 1),
    FunnelStep("follow_up_missed", "Follow-up assessment missed", "follow_up_required", 1),
    FunnelStep("treatment_started", "Treatment started", "initial_attended"),
    FunnelStep("prosecuted", "Prosecuted", "cases"),
    FunnelStep("prosecuted_failed_to_attend", "Prosecuted for failing to attend", "prosecuted", 1),
)
FUNNELS: dict[str, tuple[FunnelStep, ...]] = {"dtoa": DTOA_FUNNEL}


def write_cohort_pdf(path: Path, answer: CohortAnswer, *, publication: bool = False) -> None:
    """Write the cohort report to `path` (atomically). Unless `publication`, every page says "Not for publication"."""
    write_pdf(path, cohort_story(answer), title=_title(answer), footer=_footer(answer), marking=_marking(publication))


def cohort_pdf_bytes(answer: CohortAnswer, *, publication: bool = False) -> bytes:
    """The cohort report as PDF bytes, for a preview."""
    return pdf_bytes(cohort_story(answer), title=_title(answer), footer=_footer(answer), marking=_marking(publication))


def _title(answer: CohortAnswer) -> str:
    return f"{answer.pathway_name}: cohort report"


def _marking(publication: bool) -> str:
    return "" if publication else NOT_FOR_PUBLICATION


def _footer(answer: CohortAnswer) -> str:
    q = answer.question
    local = answer.as_of.astimezone(LONDON)
    as_of = f"{long_date(local.date())} {local:%H:%M}"
    return f"Pathways · {answer.pathway_name} {long_date(q.start)}{DASH}{long_date(q.end)} · as of {as_of}"


def cohort_story(answer: CohortAnswer) -> list[Flowable]:
    """Page 1: the question and the figures; then what each figure counts."""
    s = styles()
    story: list[Flowable] = [Paragraph(esc(_title(answer)), s.h1), _question_table(answer), Spacer(1, 0.3 * cm)]
    funnel = FUNNELS.get(answer.question.pathway)
    if funnel is None:
        story += [Paragraph("Figures", s.h2), _figure_table(answer, list(answer.figures))]
    else:
        story += [Paragraph("From arrest to outcome", s.h2), _funnel_table(answer, funnel)]
        others = _not_in_funnel(answer, funnel)
        if others:
            story += [Paragraph("Other figures", s.h2), _figure_table(answer, others)]
    story += [Paragraph("What each figure counts", s.h2), _definitions_table(answer, funnel or ())]
    return story


def _question_table(answer: CohortAnswer) -> Table:
    s = styles()
    q = answer.question
    rows = [
        ("Pathway", f"{answer.pathway_name}, definition version {answer.pathway_version}"),
        ("Period", f"{long_date(q.start)} to {long_date(q.end)}"),
        ("Site", q.site or "all sites"),
        ("Figures as of", f"{london_when(answer.as_of)} (UK time)"),
        ("Counting", "Figures count cases unless a line says otherwise."),
    ]
    cells = [[Paragraph(label, s.cell), Paragraph(esc(value), s.body)] for label, value in rows]
    table = Table(cells, colWidths=[3.5 * cm, FRAME_WIDTH - 3.5 * cm])
    table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _count_text(value: FigureValue) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, dict):
        return NO_VALUE
    if isinstance(value, float):
        return f"{value:.1f}%"
    return f"{value:,}"


def _share_text(part: FigureValue, whole: FigureValue) -> str:
    """`part` as a percentage of `whole`, rounded half up to one decimal; a dash when `whole` is 0 or unknown."""
    if not isinstance(part, int) or not isinstance(whole, int):
        return NO_VALUE
    share = percentage(part, whole)
    return NO_VALUE if share is None else f"{share:.1f}%"


def _funnel_table(answer: CohortAnswer, funnel: Sequence[FunnelStep]) -> Table:
    s = styles()
    labels = {step.key: step.label for step in funnel}
    rows: list[list[object]] = [["Step", "Number", "%", "Of"]]
    for step in funnel:
        value = answer.figures.get(step.key)
        share = _share_text(value, answer.figures.get(step.of)) if step.of else ""
        of_text = f"of {labels.get(step.of, step.of).lower()}" if step.of else ""
        label = Paragraph(esc(step.label), s.cell_bold if step.depth == 0 else s.cell)
        rows.append([label, _count_text(value), share, Paragraph(esc(of_text), s.cell)])
    table = Table(rows, colWidths=[6.8 * cm, 1.9 * cm, 1.8 * cm, FRAME_WIDTH - 10.5 * cm], repeatRows=1)
    commands = [*_grid_style(), ("ALIGN", (1, 0), (2, -1), "RIGHT")]
    commands += [("LEFTPADDING", (0, row), (0, row), 18) for row, step in enumerate(funnel, 1) if step.depth]
    table.setStyle(TableStyle(commands))
    return table


def _grid_style() -> list[tuple[object, ...]]:
    s = styles()
    return [
        ("FONTNAME", (0, 0), (-1, 0), s.bold),
        ("FONTNAME", (0, 1), (-1, -1), s.regular),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]


def _not_in_funnel(answer: CohortAnswer, funnel: Sequence[FunnelStep]) -> list[str]:
    """Figures the funnel does not show; a `<step>_pct` figure is left out, as the funnel gives that share."""
    shown = {step.key for step in funnel} | {f"{step.key}_pct" for step in funnel if step.of}
    return [key for key in answer.figures if key not in shown]


def label_for(key: str, funnel: Sequence[FunnelStep] = ()) -> str:
    """A reader's name for a figure: the funnel's label, else the key in words ('tested_pct' → 'Tested (%)')."""
    for step in funnel:
        if step.key == key:
            return step.label
    words = key.removesuffix("_pct").replace("_", " ")
    words = words[:1].upper() + words[1:]
    return f"{words} (%)" if key.endswith("_pct") else words


def _figure_table(answer: CohortAnswer, keys: Sequence[str]) -> Table:
    s = styles()
    rows: list[list[object]] = [["Figure", "Number", "What it counts"]]
    for key in keys:
        value = answer.figures[key]
        shown: object = _sub_table(value) if isinstance(value, dict) else _count_text(value)
        meaning = Paragraph(esc(answer.meanings.get(key, "")), s.cell)
        rows.append([Paragraph(esc(label_for(key)), s.cell_bold), shown, meaning])
    table = Table(rows, colWidths=[5.3 * cm, 2.7 * cm, FRAME_WIDTH - 8 * cm], repeatRows=1)
    table.setStyle(TableStyle([*_grid_style(), ("ALIGN", (1, 0), (1, -1), "RIGHT")]))
    return table


def _sub_table(value: dict[str, int]) -> Flowable:
    """A figure counted per value (e.g. checkpoint needs) as a small table of its own."""
    s = styles()
    if not value:
        return Paragraph(NO_VALUE, s.cell)
    rows = [[Paragraph(esc(name), s.cell), f"{count:,}"] for name, count in value.items()]
    table = Table(rows, colWidths=[2.2 * cm, 1 * cm])
    table.setStyle(
        TableStyle(
            [
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("FONTNAME", (1, 0), (1, -1), s.regular),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, colors.lightgrey),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("RIGHTPADDING", (1, 0), (1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _definitions_table(answer: CohortAnswer, funnel: Sequence[FunnelStep]) -> Flowable:
    s = styles()
    rows = [
        [
            Paragraph(f"<b>{esc(label_for(key, funnel))}</b><br/><font size='8'>{esc(key)}</font>", s.cell),
            Paragraph(esc(meaning), s.cell),
        ]
        for key, meaning in answer.meanings.items()
    ]
    if not rows:
        return Paragraph("This pathway's definition gives no meanings for its figures.", s.body)
    table = Table(rows, colWidths=[5.5 * cm, FRAME_WIDTH - 5.5 * cm])
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    return KeepTogether([table]) if len(rows) < 8 else table
