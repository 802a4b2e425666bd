"""Report tables (reports/tables.py) as a CSV an analyst can pivot, and as an .xlsx workbook to read.

CSV: long ("tidy") format, one line per cell of every table, so that one file holds tables of different
shapes and a pivot table (or pandas `pivot`) rebuilds any of them without reshaping first:

    table,row,column,value,percent,percent_of
    funnel,Eligible,Number,12,80.0,Cases
    by_site,Basingstoke,Cases,*,,

- `table`: the table's key ("funnel", "by_site"...); `row`: the row's label (not indented; a total row is
  labelled as in the report); `column`: the count column's heading.
- `value`: the count as a whole number; `*` where disclosure control hid it; empty where it does not apply.
- `percent`, `percent_of`: for a row that shows its counts as a share of another row (a funnel step), the share
  as a number with one decimal, rounded half up, without a % sign (`*` when either count is hidden, empty when
  the other row's count is 0), and the label of the row it is a share of. Empty on other rows.
Lines come in report order (table by table, row by row, column by column). The file is UTF-8 with a byte-order
mark, so that Excel reads names such as "Siân" correctly; pandas and the csv module (encoding "utf-8-sig")
read it as usual.

XLSX: one sheet per table, named from its key (at most 31 characters, unique). Each sheet shows the report's
title and the table's title, a bold header row (the label column, each count column, and where rows have
shares a "%" column after each count column and a "Percentage of" column), the rows (counts as numbers, `*`
as text, shares as numbers formatted 0.0%), the table's note, and the footer (the question and data version).

Every text cell that a spreadsheet would run as a formula (beginning with = + - @ after leading spaces, or with
a tab or carriage return) gets a leading apostrophe, in both formats: a label "=1+1" is shown as '=1+1 and never
evaluated. In the workbook such a cell is stored as a plain string, never as a formula; control characters a
workbook cannot hold (other than tab, line feed and carriage return) are left out of its text.
Both writers replace the file atomically: the whole file appears, or the old one is left as it was.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.figures import percentage
from reports.pdf_base import write_atomically
from reports.tables import SUPPRESSED, Count, ReportRow, ReportTable

FORMULA_STARTS = ("=", "+", "-", "@")


def defuse(cell: str) -> str:
    """`cell`, with a leading apostrophe if a spreadsheet would otherwise read it as a formula."""
    stripped = cell.lstrip()
    if stripped.startswith(FORMULA_STARTS) or cell.startswith(("\t", "\r")):
        return "'" + cell
    return cell


CSV_HEADER = ("table", "row", "column", "value", "percent", "percent_of")
SHEET_NAME_LIMIT = 31  # Excel's limit
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
PERCENT_FORMAT = "0.0%"
Share = float | str | None  # a share of 1 (0.667 for 66.7%), SUPPRESSED, or None where none can be given


def tables_csv(tables: Sequence[ReportTable]) -> str:
    """All `tables` as one long-format CSV text (see the module's description)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for table in tables:
        writer.writerows(_csv_lines(table))
    return out.getvalue()


def write_tables_csv(path: Path, tables: Sequence[ReportTable]) -> None:
    """Write `tables_csv(tables)` to `path` atomically, as UTF-8 with a byte-order mark."""
    write_atomically(path, tables_csv(tables).encode("utf-8-sig"))


def _csv_lines(table: ReportTable) -> Iterator[list[str]]:
    key = defuse(table.key)
    for row in table.rows:
        base = _base_row(table, row)
        label = defuse(row.label)
        for index, column in enumerate(table.columns):
            count = _count(row, index)
            percent, of = "", ""
            if base is not None:
                share = _share(count, _count(base, index))
                percent = SUPPRESSED if share == SUPPRESSED else "" if share is None else f"{float(share) * 100:.1f}"
                of = defuse(base.label)
            yield [key, label, defuse(column), _count_csv(count), percent, of]


def _count_csv(count: Count) -> str:
    if count is None:
        return ""
    if isinstance(count, int):
        return str(count)
    return count if count == SUPPRESSED else defuse(count)


def _count(row: ReportRow, index: int) -> Count:
    return row.counts[index] if index < len(row.counts) else None


def _base_row(table: ReportTable, row: ReportRow) -> ReportRow | None:
    """The row whose counts `row` is a share of, if any (and if it exists)."""
    if row.percent_of_row is None or not 0 <= row.percent_of_row < len(table.rows):
        return None
    return table.rows[row.percent_of_row]


def _share(part: Count, whole: Count) -> Share:
    """`part` as a share of `whole` (0.667 for 66.7%, rounded as the figures are); SUPPRESSED if either is hidden."""
    if part == SUPPRESSED or whole == SUPPRESSED:
        return SUPPRESSED
    if not isinstance(part, int) or not isinstance(whole, int):
        return None
    value = percentage(part, whole)
    return None if value is None else round(value / 100, 4)


# --- The workbook --------------------------------------------------------------------------------------


def write_tables_xlsx(path: Path, tables: Sequence[ReportTable], *, title: str, footer: str) -> None:
    """One sheet per table, each with `title` above and `footer` below the table; written atomically."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    for table, name in zip(tables, sheet_names(tables), strict=True):
        _fill_sheet(workbook.create_sheet(name), table, title=title, footer=footer)
    if not tables:  # a workbook must hold a sheet
        sheet = workbook.create_sheet("report")
        _text(sheet, 1, 1, title).font = Font(bold=True, size=14)
        _text(sheet, 3, 1, "This report has no tables.")
        _text(sheet, 5, 1, footer).font = Font(italic=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_atomically(path, buffer.getvalue())


def sheet_names(tables: Sequence[ReportTable]) -> list[str]:
    """A sheet name per table: its key without the characters Excel refuses, at most 31 characters, unique."""
    names: list[str] = []
    taken: set[str] = set()
    for table in tables:
        base = _SHEET_FORBIDDEN.sub("_", table.key).strip().strip("'")[:SHEET_NAME_LIMIT] or "table"
        if base.lower() == "history":  # a name Excel keeps for itself
            base = "history_"
        name, number = base, 1
        while name.lower() in taken:
            number += 1
            suffix = f"~{number}"
            name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        taken.add(name.lower())
        names.append(name)
    return names


def _fill_sheet(sheet: Worksheet, table: ReportTable, *, title: str, footer: str) -> None:
    bold = Font(bold=True)
    _text(sheet, 1, 1, title).font = Font(bold=True, size=14)
    _text(sheet, 2, 1, table.title).font = Font(bold=True, size=12)
    with_shares = any(_base_row(table, row) is not None for row in table.rows)
    header_row = 4
    for column, heading in enumerate(_headings(table, with_shares), 1):
        _text(sheet, header_row, column, heading).font = bold
    for number, row in enumerate(table.rows, header_row + 1):
        last = table.has_total_row and number == header_row + len(table.rows)
        _fill_row(sheet, number, table, row, with_shares=with_shares, bold=last)
    below = header_row + len(table.rows) + 2
    if table.note:
        _text(sheet, below, 1, table.note)
        below += 1
    _text(sheet, below, 1, footer).font = Font(italic=True)
    sheet.freeze_panes = f"B{header_row + 1}"
    _size_columns(sheet, table, with_shares)


def _headings(table: ReportTable, with_shares: bool) -> list[str]:
    headings = [table.row_title]
    for column in table.columns:
        headings.append(column)
        if with_shares:
            headings.append("%" if len(table.columns) == 1 else f"{column} %")
    if with_shares:
        headings.append("Percentage of")
    return headings


def _fill_row(
    sheet: Worksheet, number: int, table: ReportTable, row: ReportRow, *, with_shares: bool, bold: bool
) -> None:
    label = _text(sheet, number, 1, row.label)
    label.alignment = Alignment(indent=row.depth * 2)
    base = _base_row(table, row)
    column = 2
    for index in range(len(table.columns)):
        count = _count(row, index)
        _value(sheet, number, column, count)
        column += 1
        if with_shares:
            share = _share(count, _count(base, index)) if base is not None else None
            _value(sheet, number, column, share).number_format = PERCENT_FORMAT
            column += 1
    if with_shares and base is not None:
        _text(sheet, number, column, base.label)
    if bold:
        for column_number in range(1, column + 1):
            _cell(sheet, number, column_number).font = Font(bold=True)


def _value(sheet: Worksheet, row: int, column: int, value: int | float | str | None) -> Cell:
    """A count or share as a number; SUPPRESSED (or any other text) as text; None as an empty cell."""
    if isinstance(value, str):
        return _text(sheet, row, column, value)
    cell = _cell(sheet, row, column)
    if value is not None:
        cell.value = value
    return cell


def _text(sheet: Worksheet, row: int, column: int, text: str) -> Cell:
    """A text cell, defused, and stored as a string whatever it begins with (openpyxl would make "=..." a formula).
    Control characters a workbook cannot hold (openpyxl refuses them) are left out."""
    cell = _cell(sheet, row, column)
    cell.value = defuse(ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"
    return cell


def _cell(sheet: Worksheet, row: int, column: int) -> Cell:
    cell = sheet.cell(row=row, column=column)
    assert isinstance(cell, Cell)  # never a merged cell: this module merges none
    return cell


def _size_columns(sheet: Worksheet, table: ReportTable, with_shares: bool) -> None:
    widest = max([len(table.row_title), *(len(row.label) + 2 * row.depth for row in table.rows)], default=10)
    sheet.column_dimensions["A"].width = min(max(widest + 2, 12), 60)
    for column, heading in enumerate(_headings(table, with_shares)[1:], 2):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(len(heading) + 2, 10), 40)
