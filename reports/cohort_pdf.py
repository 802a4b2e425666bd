"""The cohort report as a PDF: a cover with the question, the funnel (table and chart), the monthly trend, the
breakdowns, and what each figure counts. Takes a finished CohortAnswer; no database, no Qt.

Every number printed comes from the answer's report tables (reports/cohort_tables.py). A publication copy runs
every table through disclosure control first (reports/publication.py), and the charts are drawn from those
published tables: a hidden count is drawn as a bar of 0 with a "*" over it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from pathways.definitions import load_definitions
from reports import disclosure
from reports.charts import HIDDEN_NOTE, anything_to_draw, funnel_chart, has_hidden, month_rows, trend_chart
from reports.cohort import CohortAnswer
from reports.cohort_tables import DTOA_FUNNEL, FUNNELS, FunnelStep, figure_tables, label_for
from reports.pdf_base import FRAME_WIDTH, esc, long_date, pdf_bytes, styles, write_atomically
from reports.publication import PARTS_RULE, publish_tables
from reports.report_sections import cover, definitions, extra, section
from reports.tables import ReportTable

__all__ = [
    "DTOA_FUNNEL",
    "FUNNELS",
    "NOT_FOR_PUBLICATION",
    "FunnelStep",
    "cohort_pdf_bytes",
    "cohort_story",
    "label_for",
    "report_tables",
    "write_cohort_pdf",
]

NOT_FOR_PUBLICATION = "Not for publication"
DASH = "\N{EN DASH}"
FIGURE_TABLES = ("funnel", "tested_by_basis", "positive_by_substance", "other_figures")
BREAKDOWNS = ("by_site", "by_month", "by_age", "by_sex", "by_ethnicity")
TREND_SERIES = {
    "dtoa": ("Cases", "Tested", "Positive"),
    "checkpoint": ("Cases", "Signed", "Completed"),
    "divert": ("Referrals", "Assessed", "Completed"),
}
Progress = Callable[[str, int, int], None]  # (stage, done, total), as the import's progress


def write_cohort_pdf(
    path: Path, answer: CohortAnswer, *, publication: bool = False, progress: Progress | None = None
) -> None:
    """Write the cohort report to `path` (atomically). Unless `publication`, every page says "Not for publication"."""
    write_atomically(path, cohort_pdf_bytes(answer, publication=publication, progress=progress))


def cohort_pdf_bytes(answer: CohortAnswer, *, publication: bool = False, progress: Progress | None = None) -> bytes:
    """The cohort report as PDF bytes (for a preview, or to save)."""
    step = progress or (lambda _stage, _done, _total: None)
    step("Preparing the tables", 0, 3)
    tables = report_tables(answer, publication=publication)
    step("Drawing the charts", 1, 3)
    story = cohort_story(answer, tables, publication=publication)
    step("Laying out the pages", 2, 3)
    data = pdf_bytes(story, title=_title(answer), footer=_footer(answer), marking=_marking(publication))
    step("Done", 3, 3)
    return data


def report_tables(answer: CohortAnswer, *, publication: bool) -> list[ReportTable]:
    """The tables as this copy prints them: published when `publication`. An answer made without tables (by
    hand, or by an older caller) gets the tables its figures alone give: no breakdowns."""
    tables = list(answer.tables)
    if not tables:
        definition = load_definitions().get(answer.question.pathway)
        tables = figure_tables(definition, answer.figures) if definition else []
    return publish_tables(answer.question.pathway, tables) if publication else tables


def _title(answer: CohortAnswer) -> str:
    return f"{answer.pathway_name}: cohort report"


def _marking(publication: bool) -> str:
    return "" if publication else NOT_FOR_PUBLICATION


def _footer(answer: CohortAnswer) -> str:
    q = answer.question
    period = f"{long_date(q.start)}{DASH}{long_date(q.end)}"
    return f"Pathways · {answer.pathway_name} {period} · data version {answer.data_version or 'not recorded'}"


def cohort_story(
    answer: CohortAnswer, tables: Sequence[ReportTable] | None = None, *, publication: bool = False
) -> list[Flowable]:
    """Cover; figures with the funnel chart; monthly trend; breakdowns; the rest; what each figure counts."""
    if tables is None:
        tables = report_tables(answer, publication=publication)
    by_key = {table.key: table for table in tables}
    story = cover(answer, publication=publication, title=_title(answer), contents=_contents(tables, publication))
    story.append(PageBreak())
    for table in tables:
        if table.key in FIGURE_TABLES:
            story += _funnel_section(table) if table.key == "funnel" else section(table)
    story += _trend_section(answer.question.pathway, by_key.get("by_month"))
    story += [part for key in BREAKDOWNS if key in by_key for part in section(by_key[key])]
    for table in tables:
        if table.key not in FIGURE_TABLES and table.key not in BREAKDOWNS:
            story += section(table)
    funnel_labels = {step.key: step.label for step in FUNNELS.get(answer.question.pathway, ())}
    story.append(PageBreak())
    story += definitions(answer, funnel_labels, f"{disclosure.RULES}\n\n{PARTS_RULE}" if publication else None)
    return story


def _contents(tables: Sequence[ReportTable], publication: bool) -> list[str]:
    """The cover's list of what follows."""
    figures = [t.title for t in tables if t.key in FIGURE_TABLES[1:]]
    breakdowns = [t.title.removeprefix("By ").lower() for t in tables if t.key in BREAKDOWNS]
    rest = [t.title for t in tables if t.key not in FIGURE_TABLES and t.key not in BREAKDOWNS]
    lines = [f"{t.title}: as a table (with each step as a share of another) and as a chart" for t in tables[:1]]
    lines += ["; ".join(figures)] if figures else []
    lines += ["Month by month: a chart", f"Breakdowns by {', '.join(breakdowns)}"] if breakdowns else []
    lines += ["; ".join(rest)] if rest else []
    lines.append("What each figure counts" + ("; how small numbers are protected" if publication else ""))
    return lines


def _funnel_section(table: ReportTable) -> list[Flowable]:
    s = styles()
    if not anything_to_draw(table):
        note = "There is no chart: every number in this table is 0 or hidden."
        return [*section(table), Paragraph(esc(note), extra().note)]
    caption = "Each step as a bar, on one scale."
    chart: list[Flowable] = [Spacer(1, 0.3 * cm), funnel_chart(table, FRAME_WIDTH)]
    chart.append(Paragraph(esc(f"{caption} {HIDDEN_NOTE}" if has_hidden(table) else caption), s.small))
    return [*section(table), KeepTogether(chart)]


def _trend_section(pathway: str, months: ReportTable | None) -> list[Flowable]:
    if months is None:
        return []
    s = styles()
    heading = Paragraph("Month by month", extra().heading)
    wanted = TREND_SERIES.get(pathway, months.columns[:1])
    columns = [months.columns.index(h) for h in wanted if h in months.columns] or [0]
    drawn = months.with_rows(month_rows(months))  # what the chart draws: the months, not the total
    if not drawn.rows:
        return [heading, Paragraph("No cases began in the period, so there is no monthly trend.", s.body)]
    if not anything_to_draw(drawn, columns):
        return [heading, Paragraph("There is no chart: every monthly number is 0 or hidden.", s.body)]
    caption = f"{', '.join(months.columns[c] for c in columns)}, by the month of each case's first event (UK time)."
    if has_hidden(drawn, columns):
        caption += f" {HIDDEN_NOTE}"
    return [KeepTogether([heading, trend_chart(months, columns, FRAME_WIDTH), Paragraph(esc(caption), s.small)])]
