"""The tables a report is made of, as plain data: the PDF, the CSV, the .xlsx and the JSON all show these.

A table is a label column plus count columns. When `has_total_row` is true, the last row is the total of the
rows above it in every column: a published margin, which disclosure control (reports/disclosure.py) must
take into account. A row may show each count as a percentage of another row of the same column
(`percent_of_row`), as a funnel does ("tested, 78.0% of eligible").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

SUPPRESSED = "*"
Count = int | str | None  # an exact count, SUPPRESSED, or None where the figure does not apply


@dataclass(frozen=True)
class ReportRow:
    label: str
    counts: tuple[Count, ...]
    percent_of_row: int | None = None  # index of the row each count is a percentage of (same column)
    depth: int = 0  # indentation under the row above (sub-steps of a funnel)


@dataclass(frozen=True)
class ReportTable:
    key: str  # e.g. "funnel", "by_site", "by_month"; used for sheet and file names
    title: str
    row_title: str  # heading of the label column ("Step", "Site", "Month", "Age band"...)
    columns: tuple[str, ...]  # headings of the count columns
    rows: tuple[ReportRow, ...]
    has_total_row: bool = False
    note: str = ""
    # Each count column's group ("" for none): a PDF heads consecutive columns of one group together, each column
    # by the rest of its heading ("Initial assessment" over "Required", "Attended", "Missed").
    groups: tuple[str, ...] = ()

    def with_rows(self, rows: tuple[ReportRow, ...]) -> ReportTable:
        return replace(self, rows=rows)


def percent_text(part: Count, whole: Count) -> str:
    """A share as shown in a report: one decimal, rounded half up; "*" when either count is hidden; a dash for 0."""
    from reports.figures import percentage  # the same rounding as the cohort figures

    if part == SUPPRESSED or whole == SUPPRESSED:
        return SUPPRESSED
    if not isinstance(part, int) or not isinstance(whole, int):
        return "\N{EN DASH}"
    value = percentage(part, whole)
    return "\N{EN DASH}" if value is None else f"{value:.1f}%"
