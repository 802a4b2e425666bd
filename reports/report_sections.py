"""The parts of the cohort report as flowables: the cover, report tables (a funnel with shares, or a grid of
counts with a total row), and the page saying what each figure counts. Plain data in, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from reports.breakdowns import columns_for
from reports.cohort import CohortAnswer
from reports.cohort_tables import label_for
from reports.groups import month_words
from reports.pdf_base import FRAME_WIDTH, RULE, SHADE, esc, london_when, long_date, styles
from reports.tables import Count, ReportTable, percent_text

INTERNAL = "Internal: not for publication"
PUBLISHED = "For publication: small numbers suppressed"
GREEN = "#2e6b30"
RED = "#b00020"
GRID_SIZE = 9.0  # points: the text of a grid of counts
PAD = 3.0  # points either side of a count
FEW_COLUMNS = 3  # a grid with this many count columns or fewer is not stretched across the page
LONG_TABLE = 24  # rows; a longer table may start on the page the previous section ends on, and split


@dataclass(frozen=True)
class Extra:
    """Styles this report adds to the shared ones."""

    heading: ParagraphStyle  # a section heading kept with what follows it
    note: ParagraphStyle
    head_cell: ParagraphStyle  # a grid's column headings
    head_right: ParagraphStyle
    head_centre: ParagraphStyle  # over a group of columns
    grid_cell: ParagraphStyle
    grid_bold: ParagraphStyle
    grid_indented: ParagraphStyle  # a row under its group's heading
    status: ParagraphStyle


@cache
def extra() -> Extra:
    s = styles()
    return Extra(
        heading=ParagraphStyle("section", parent=s.h2, keepWithNext=1),
        note=ParagraphStyle("note", parent=s.small, spaceBefore=3, spaceAfter=4),
        head_cell=ParagraphStyle("head_cell", parent=s.cell_bold, fontSize=7.5, leading=9),
        head_right=ParagraphStyle("head_right", parent=s.cell_bold, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        head_centre=ParagraphStyle("head_centre", parent=s.cell_bold, fontSize=7.5, leading=9, alignment=TA_CENTER),
        grid_cell=ParagraphStyle("grid_cell", parent=s.cell, fontSize=GRID_SIZE, leading=GRID_SIZE * 1.25),
        grid_bold=ParagraphStyle("grid_bold", parent=s.cell_bold, fontSize=GRID_SIZE, leading=GRID_SIZE * 1.25),
        grid_indented=ParagraphStyle(
            "grid_indented", parent=s.cell, fontSize=GRID_SIZE, leading=GRID_SIZE * 1.25, leftIndent=8
        ),
        status=ParagraphStyle("status", parent=s.big, fontSize=13, leading=17),
    )


def cover(answer: CohortAnswer, *, publication: bool, title: str, contents: Sequence[str]) -> list[Flowable]:
    """Page 1: what was asked, of which data, and whether this copy may be published."""
    s = styles()
    colour = GREEN if publication else RED
    status = Paragraph(f"<font color='{colour}'>{esc(PUBLISHED if publication else INTERNAL)}</font>", extra().status)
    box = Table([[status]], colWidths=[FRAME_WIDTH])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.2, HexColor(colour)), ("TOPPADDING", (0, 0), (-1, -1), 8)]))
    box.setStyle(TableStyle([("BOTTOMPADDING", (0, 0), (-1, -1), 10), ("LEFTPADDING", (0, 0), (-1, -1), 10)]))
    story: list[Flowable] = [Paragraph(esc(title), s.h1), box, Spacer(1, 0.5 * cm), question_table(answer)]
    story += [Paragraph("In this report", extra().heading)]
    story += [Paragraph(f"\N{BULLET} {esc(line)}", s.body) for line in contents]
    return story


def counting_sentence(answer: CohortAnswer) -> str:
    text = "Figures count cases unless a line says otherwise. A person with more than one case in the period is"
    text += " counted once for each case"
    return text + (", except in People, which counts distinct people." if "people" in answer.figures else ".")


def question_table(answer: CohortAnswer) -> Table:
    s = styles()
    q = answer.question
    rows = [
        ("Pathway", f"{answer.pathway_name}, definition version {answer.pathway_version}"),
        ("Period", f"{long_date(q.start)} to {long_date(q.end)}"),
        ("Site", q.site or "all sites"),
        ("Figures as of", f"{london_when(answer.as_of)} (UK time)"),
        ("Counting", counting_sentence(answer)),
        ("Data version", answer.data_version or "not recorded"),
    ]
    cells = [[Paragraph(label, s.cell_bold), Paragraph(esc(value), s.body)] for label, value in rows]
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


def grid_style(header_rows: int = 1) -> list[tuple[object, ...]]:
    s = styles()
    return [
        ("FONTNAME", (0, 0), (-1, header_rows - 1), s.bold),
        ("FONTNAME", (0, header_rows), (-1, -1), s.regular),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]


def count_text(count: Count) -> str:
    """A count as printed: thousands separated; "*" when hidden; a dash where it does not apply."""
    if isinstance(count, int):
        return f"{count:,}"
    return count if isinstance(count, str) else "\N{EN DASH}"


def funnel_flowable(table: ReportTable) -> Table:
    """A one-column table whose rows may be shares of other rows: Step | Number | % | Of."""
    s = styles()
    rows: list[list[object]] = [[table.row_title, table.columns[0], "%", "Of"]]
    for row in table.rows:
        whole = table.rows[row.percent_of_row] if row.percent_of_row is not None else None
        share = percent_text(row.counts[0], whole.counts[0]) if whole else ""
        of_text = f"of {whole.label.lower()}" if whole else ""
        label = Paragraph(esc(row.label), s.cell_bold if row.depth == 0 else s.cell)
        rows.append([label, count_text(row.counts[0]), share, Paragraph(esc(of_text), s.cell)])
    widths = [6.8 * cm, 1.9 * cm, 1.8 * cm, FRAME_WIDTH - 10.5 * cm]
    flowable = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands = [*grid_style(), ("ALIGN", (1, 0), (2, -1), "RIGHT")]
    commands += [("LEFTPADDING", (0, n), (0, n), 18) for n, row in enumerate(table.rows, 1) if row.depth]
    flowable.setStyle(TableStyle(commands))
    return flowable


def grid_flowable(table: ReportTable) -> Table:
    """Label column and count columns; the total row (when there is one) in bold under a rule. Each count
    column is as wide as its longest heading word or count, so headings wrap between words only."""
    e = extra()
    headings = column_headings(table)
    widths = _count_widths(table, headings)
    room = FRAME_WIDTH - sum(widths)
    label_width = min(room, 9 * cm) if len(widths) <= FEW_COLUMNS else room
    head = [Paragraph(esc(table.row_title), e.head_cell)]
    head += [Paragraph(esc(heading), e.head_right) for heading in headings]
    group_row, group_commands = _group_row(table)
    words = month_words if table.key == "by_month" else str  # (a CSV keeps '2025-11', which sorts)
    heads = 2 if group_row else 1
    body: list[list[object]] = []
    spans: list[tuple[object, ...]] = []
    for row, (heading, label) in zip(table.rows, _label_groups([words(r.label) for r in table.rows]), strict=True):
        if heading is not None:  # "Asian or Asian British" over its rows "Indian", "Pakistani", …
            spans.append(("SPAN", (0, heads + len(body)), (-1, heads + len(body))))
            body.append([Paragraph(esc(heading), e.grid_bold), *([""] * len(row.counts))])
        style = e.grid_cell if label == words(row.label) else e.grid_indented
        body.append([Paragraph(esc(label), style), *map(count_text, row.counts)])
    commands = [
        *grid_style(heads),
        *group_commands,
        *spans,
        ("FONTSIZE", (0, 0), (-1, -1), GRID_SIZE),
        ("ALIGN", (1, heads), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, heads - 1), "BOTTOM"),
        ("LEFTPADDING", (1, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (1, 0), (-1, -1), PAD + 1),
    ]
    if table.has_total_row and body:
        body[-1][0] = Paragraph(esc(table.rows[-1].label), e.grid_bold)
        commands += [("FONTNAME", (1, -1), (-1, -1), styles().bold), ("LINEABOVE", (0, -1), (-1, -1), 1, RULE)]
    rows = [group_row, head, *body] if group_row else [head, *body]
    flowable = Table(rows, colWidths=[label_width, *widths], repeatRows=heads, hAlign="LEFT")
    flowable.setStyle(TableStyle(commands))
    return flowable


GROUPED = " - "  # "Asian or Asian British - Indian": a category's group, then the category


def _label_groups(labels: Sequence[str]) -> list[tuple[str | None, str]]:
    """Each row's label as printed, and the heading to print above it: where two or more rows in a row share a
    group ("White - British", "White - Irish"), the group once above them and each row its own part."""
    groups = [label.split(GROUPED, 1) if GROUPED in label else [label] for label in labels]
    shown: list[tuple[str | None, str]] = []
    for index, parts in enumerate(groups):
        group = parts[0] if len(parts) == 2 else None
        after = groups[index + 1][0] if index + 1 < len(groups) and len(groups[index + 1]) == 2 else None
        before = groups[index - 1][0] if index > 0 and len(groups[index - 1]) == 2 else None
        if group is None or group not in (after, before):
            shown.append((None, labels[index]))
        else:
            shown.append((group if group != before else None, parts[1][:1].upper() + parts[1][1:]))
    return shown


def column_headings(table: ReportTable) -> list[str]:
    """The count columns' headings as the PDF shows them: under a group, without the group's words."""
    shown = []
    for heading, group in zip(table.columns, table.groups or [""] * len(table.columns), strict=True):
        rest = heading[len(group) :].strip() if group and heading.startswith(group) else heading
        shown.append(rest[:1].upper() + rest[1:])
    return shown


def _group_row(table: ReportTable) -> tuple[list[Paragraph | str], list[tuple[object, ...]]]:
    """The heading row over grouped columns, and its spans (none when no column has a group)."""
    if not any(table.groups):
        return [], []
    row: list[Paragraph | str] = [""] * (len(table.columns) + 1)
    commands: list[tuple[object, ...]] = [("LINEBELOW", (0, 0), (-1, 0), 0, SHADE)]
    start = 0
    while start < len(table.groups):
        end = start
        while end + 1 < len(table.groups) and table.groups[end + 1] == table.groups[start]:
            end += 1
        if table.groups[start]:
            row[start + 1] = Paragraph(esc(table.groups[start]), extra().head_centre)
            commands += [("SPAN", (start + 1, 0), (end + 1, 0)), ("LINEBELOW", (start + 1, 0), (end + 1, 0), 0.5, RULE)]
        start = end + 1
    return row, commands


def _count_widths(table: ReportTable, headings: Sequence[str]) -> list[float]:
    e = extra()
    bold = styles().bold
    widths: list[float] = []
    for index, heading in enumerate(headings):
        word = max((stringWidth(w, bold, e.head_cell.fontSize) for w in heading.split()), default=0.0)
        cells = [stringWidth(count_text(row.counts[index]), bold, GRID_SIZE) for row in table.rows]
        widths.append(max([word, *cells, 24.0]) + 2 * PAD + 2)
    if len(widths) <= FEW_COLUMNS:
        widths = [max(width, 2.6 * cm) for width in widths]
    return widths


def section(table: ReportTable, *, heading: str | None = None) -> list[Flowable]:
    """A heading, the table and its note; kept on one page unless the table is long."""
    flowable = funnel_flowable(table) if _is_funnel(table) else grid_flowable(table)
    parts: list[Flowable] = [Paragraph(esc(heading or table.title), extra().heading), flowable]
    if table.note:
        parts.append(Paragraph(esc(table.note), extra().note))
    return [KeepTogether(parts)] if len(table.rows) <= LONG_TABLE else parts


def _is_funnel(table: ReportTable) -> bool:
    return len(table.columns) == 1 and any(row.percent_of_row is not None for row in table.rows)


def definitions(answer: CohortAnswer, funnel_labels: dict[str, str], rules: str | None) -> list[Flowable]:
    """What each figure counts (the definition's own words), how the breakdowns group cases, and (for a
    publication copy) how small numbers are protected."""
    s = styles()
    rows = [
        [_figure_cell(key, funnel_labels), Paragraph(esc(meaning), s.cell)] for key, meaning in answer.meanings.items()
    ]
    story: list[Flowable] = [Paragraph("What each figure counts", s.h1)]
    if rows:
        story.append(_two_columns(rows))
    else:
        story.append(Paragraph("This pathway's definition gives no meanings for its figures.", s.body))
    story += _breakdown_notes(answer, funnel_labels)
    if rules is not None:
        paragraphs = [Paragraph(esc(text), s.body) for text in rules.split("\n\n") if text.strip()]
        story.append(KeepTogether([Paragraph("How small numbers are protected", extra().heading), *paragraphs]))
    return story


def figure_name(key: str, funnel_labels: dict[str, str]) -> str:
    """The report's name for a figure; a share is named after its count ('initial_missed_pct' → 'Initial
    assessment missed (%)')."""
    base = key.removesuffix("_pct")
    if key.endswith("_pct") and base in funnel_labels:
        return f"{funnel_labels[base]} (%)"
    return funnel_labels.get(key) or label_for(key)


def _figure_cell(key: str, funnel_labels: dict[str, str]) -> Paragraph:
    name = esc(figure_name(key, funnel_labels))
    return Paragraph(f"<b>{name}</b><br/><font size='8'>{esc(key)}</font>", styles().cell)


def _two_columns(rows: list[list[Paragraph]]) -> Table:
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
    return table


def _breakdown_notes(answer: CohortAnswer, funnel_labels: dict[str, str]) -> list[Flowable]:
    s = styles()
    columns = [
        [Paragraph(f"<b>{esc(column.heading)}</b>", s.cell), _column_meaning(answer, column.key, funnel_labels)]
        for column in columns_for(answer.question.pathway)
    ]
    return [
        Paragraph("How the breakdowns are made", extra().heading),
        Paragraph(esc(BREAKDOWN_TEXT), s.body),
        Paragraph("The breakdowns' columns", extra().heading),
        _two_columns(columns),
    ]


def _column_meaning(answer: CohortAnswer, key: str, funnel_labels: dict[str, str]) -> Paragraph:
    meaning = answer.meanings.get(key, "Cases in the group.")
    text = f"{esc(figure_name(key, funnel_labels))} <font size='8'>({esc(key)})</font>: {esc(meaning)}"
    return Paragraph(text, styles().cell)


BREAKDOWN_TEXT = (
    "Each breakdown puts every case of the cohort in exactly one group and counts each group with the same figures "
    "as above, so its total row equals the whole cohort's figures. Site: where the case's first event happened "
    "(Not recorded when none was given). Month: the month of the first event, UK time. Age band: age in whole "
    "years on the day of the first event, in the NDTMS bands (Under 18 is shown only when there are such cases). "
    "Sex and ethnicity: as recorded for the person; ethnicity uses the NHS ethnic categories."
)
