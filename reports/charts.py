"""Charts of the cohort report (reportlab.graphics), drawn only from report tables as they will be printed.

A chart never reads the cohort's figures: it is handed the same (for a publication copy, the published) table
as the page shows. A count hidden by disclosure control is drawn as a bar of 0 with a "*" over it, so the
chart cannot reveal what the table hides; HIDDEN_NOTE says so under the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics

from reports.groups import month_words
from reports.pdf_base import INK, MUTED, RULE, styles
from reports.tables import SUPPRESSED, Count, ReportRow, ReportTable

HIDDEN_NOTE = "A * marks a number hidden to protect privacy; its bar is drawn as 0."
STRONG = colors.HexColor("#1f5f7a")
LIGHT = colors.HexColor("#8dbbd0")
SERIES_COLOURS = (colors.HexColor("#1f5f7a"), colors.HexColor("#e08a2c"), colors.HexColor("#6a9f3a"))
ROW_HEIGHT = 15.0
LABEL_SIZE = 8.5


def shown(count: Count) -> float:
    """The length a count is drawn at: a hidden or missing count is drawn as 0."""
    return float(count) if isinstance(count, int) else 0.0


def count_label(count: Count) -> str:
    if count == SUPPRESSED:
        return SUPPRESSED
    return f"{count:,}" if isinstance(count, int) else "\N{EN DASH}"


def anything_to_draw(table: ReportTable, columns: Sequence[int] = (0,)) -> bool:
    """False when every count a chart would draw is hidden, 0 or missing: such a chart would show nothing. The
    total row is not drawn (a trend chart draws the months only), so it does not count."""
    rows = table.rows[:-1] if table.has_total_row else table.rows
    return any(shown(row.counts[c]) > 0 for row in rows for c in columns if c < len(row.counts))


def has_hidden(table: ReportTable, columns: Sequence[int] = (0,)) -> bool:
    return any(row.counts[c] == SUPPRESSED for row in table.rows for c in columns if c < len(row.counts))


def funnel_chart(table: ReportTable, width: float) -> Drawing:
    """One horizontal bar per step of the funnel, all on one scale; sub-steps indented and lighter."""
    s = styles()
    label_width = min(6.3 * cm, width * 0.4)
    value_room = 45.0
    scale_width = width - label_width - value_room
    biggest = max([shown(row.counts[0]) for row in table.rows] + [1.0])
    height = ROW_HEIGHT * len(table.rows) + 2
    drawing = Drawing(width, height)
    drawing.add(Line(label_width, 0, label_width, height, strokeColor=RULE, strokeWidth=0.5))
    for index, row in enumerate(table.rows):
        y = height - ROW_HEIGHT * (index + 1)
        indent = 10.0 * row.depth
        text = _clip(row.label, s.regular, LABEL_SIZE, label_width - indent - 6)
        drawing.add(String(indent, y + 4, text, fontName=s.regular, fontSize=LABEL_SIZE, fillColor=INK))
        length = scale_width * shown(row.counts[0]) / biggest
        colour = STRONG if row.depth == 0 else LIGHT
        drawing.add(Rect(label_width, y + 2, length, ROW_HEIGHT - 4, fillColor=colour, strokeColor=None))
        value = count_label(row.counts[0])
        drawing.add(String(label_width + length + 4, y + 4, value, fontName=s.bold, fontSize=LABEL_SIZE))
    return drawing


def _clip(text: str, font: str, size: float, width: float) -> str:
    """`text`, shortened with an ellipsis if it would not fit in `width`."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "\N{HORIZONTAL ELLIPSIS}", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "\N{HORIZONTAL ELLIPSIS}"


def month_rows(table: ReportTable) -> tuple[ReportRow, ...]:
    """The rows a trend chart draws: the months (not the total row, not "Not recorded")."""
    return tuple(row for row in table.rows[: -1 if table.has_total_row else None] if row.label[:4].isdigit())


def trend_chart(table: ReportTable, columns: Sequence[int], width: float, height: float = 190.0) -> Drawing:
    """Grouped vertical bars: for each month row of `table` (not the total, not "Not recorded"), the counts of
    `columns` (at most three), with a legend of the column headings."""
    s = styles()
    rows = month_rows(table)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 34, 42, width - 44, height - 72
    chart.data = [[shown(row.counts[c]) for row in rows] for c in columns]
    chart.barLabelArray = [[SUPPRESSED if row.counts[c] == SUPPRESSED else "" for row in rows] for c in columns]
    chart.barLabelFormat = "values"
    chart.barLabels.fontName, chart.barLabels.fontSize = s.bold, 7
    chart.barLabels.nudge = 5
    group = chart.width / max(1, len(rows))
    chart.barWidth = min(14.0, group * 0.8 / len(columns))
    chart.groupSpacing, chart.barSpacing = group - chart.barWidth * len(columns), 0
    for index, colour in enumerate(SERIES_COLOURS[: len(columns)]):
        chart.bars[index].fillColor, chart.bars[index].strokeColor = colour, None
    _axes(chart, [row.label for row in rows])
    drawing = Drawing(width, height)
    drawing.add(chart)
    drawing.add(_legend([table.columns[c] for c in columns], chart.x, height - 10))
    return drawing


def _axes(chart: VerticalBarChart, months: Sequence[str]) -> None:
    """Whole-number ticks on the value axis, with light grid lines; month names under the bars."""
    s = styles()
    top = max([value for series in chart.data for value in series] + [1.0])
    step = nice_step(top)
    value_axis, months_axis = chart.valueAxis, chart.categoryAxis
    value_axis.valueMin, value_axis.valueMax, value_axis.valueStep = 0, math.ceil(top / step) * step, step
    value_axis.labels.fontName, value_axis.labels.fontSize = s.regular, 7.5
    value_axis.visibleGrid, value_axis.gridStrokeColor = True, colors.HexColor("#dddddd")
    value_axis.labelTextFormat = "{:,.0f}".format
    months_axis.categoryNames = _month_labels(months)
    months_axis.labels.fontName, months_axis.labels.fontSize = s.regular, 7.5
    months_axis.labels.angle, months_axis.labels.boxAnchor, months_axis.labels.dy = 45, "ne", -2


def nice_step(top: float) -> int:
    """A whole-number gap between the value axis's ticks, 1, 2 or 5 times a power of ten, for 4 to 10 ticks."""
    step = 1
    while top / step > 10:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return step


def _month_labels(months: Sequence[str]) -> list[str]:
    """'2023-03' → 'Mar 2023'; with many months, only every second, third... is named so labels do not collide."""
    step = 1 + (len(months) - 1) // 18
    return [month_words(m) if i % step == 0 else "" for i, m in enumerate(months)]


def _legend(headings: Sequence[str], x: float, y: float) -> Legend:
    s = styles()
    legend = Legend()
    legend.x, legend.y = x, y
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName, legend.fontSize = s.regular, 8
    legend.dx, legend.dy, legend.deltax = 8, 8, 10
    legend.fillColor = MUTED
    legend.colorNamePairs = list(zip(SERIES_COLOURS, headings, strict=False))
    return legend
