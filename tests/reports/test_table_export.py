"""Report tables as a long-format CSV and as an .xlsx workbook: numbers stay numbers, "*" stays text, and no
cell is ever a formula."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from reports.table_export import CSV_HEADER, sheet_names, tables_csv, write_tables_csv, write_tables_xlsx
from reports.tables import SUPPRESSED, ReportRow, ReportTable

FUNNEL = ReportTable(
    key="funnel",
    title="From arrest to outcome",
    row_title="Step",
    columns=("Number",),
    rows=(
        ReportRow("Cases", (40,)),
        ReportRow("Eligible", (30,), percent_of_row=0),
        ReportRow("Tested", (SUPPRESSED,), percent_of_row=1),
        ReportRow("Positive", (0,), percent_of_row=2, depth=1),
        ReportRow("Prosecuted", (None,), percent_of_row=0),
    ),
)
BY_SITE = ReportTable(
    key="by_site",
    title="Cases by custody suite",
    row_title="Site",
    columns=("Cases", "=Tested"),
    rows=(
        ReportRow("=1+1", (12, 9)),
        ReportRow("+44 suite", (SUPPRESSED, SUPPRESSED)),
        ReportRow(" -1", (7, 5)),
        ReportRow("@SUM(A1)", (5, 0)),
        ReportRow("\tTab", (6, 6)),
        ReportRow("Total", (33, 23)),
    ),
    has_total_row=True,
    note='=HYPERLINK("http://example.invalid")',
)
FORMULA_LABELS = ("=1+1", "+44 suite", " -1", "@SUM(A1)", "\tTab")


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_is_long_format_one_line_per_cell_in_report_order() -> None:
    text = tables_csv([FUNNEL, BY_SITE])
    assert text.splitlines()[0] == ",".join(CSV_HEADER)
    rows = csv_rows(text)
    assert len(rows) == len(FUNNEL.rows) * 1 + len(BY_SITE.rows) * 2
    assert rows[0] == {
        "table": "funnel",
        "row": "Cases",
        "column": "Number",
        "value": "40",
        "percent": "",
        "percent_of": "",
    }
    assert rows[1] == {
        "table": "funnel",
        "row": "Eligible",
        "column": "Number",
        "value": "30",
        "percent": "75.0",
        "percent_of": "Cases",
    }
    assert [r["table"] for r in rows] == ["funnel"] * 5 + ["by_site"] * 12
    assert [(r["row"], r["column"], r["value"]) for r in rows[5:7]] == [
        ("'=1+1", "Cases", "12"),
        ("'=1+1", "'=Tested", "9"),
    ]


def test_csv_keeps_suppressed_counts_as_star_and_their_shares_too() -> None:
    rows = {r["row"]: r for r in csv_rows(tables_csv([FUNNEL]))}
    assert rows["Tested"]["value"] == SUPPRESSED
    assert rows["Tested"]["percent"] == SUPPRESSED  # a share of a hidden count would give it away
    assert rows["Positive"]["percent"] == SUPPRESSED  # its base (Tested) is hidden
    assert rows["Prosecuted"]["value"] == "" and rows["Prosecuted"]["percent"] == ""
    assert rows["Positive"]["value"] == "0"


def test_csv_share_of_a_zero_is_empty_not_a_division_error() -> None:
    table = ReportTable("t", "T", "Step", ("N",), (ReportRow("A", (0,)), ReportRow("B", (0,), percent_of_row=0)))
    rows = csv_rows(tables_csv([table]))
    assert rows[1]["percent"] == "" and rows[1]["percent_of"] == "A"


def test_csv_neutralises_every_text_cell_a_spreadsheet_would_run() -> None:
    rows = csv_rows(tables_csv([BY_SITE]))
    labels = list(dict.fromkeys(r["row"] for r in rows))
    assert labels[: len(FORMULA_LABELS)] == ["'" + label for label in FORMULA_LABELS]
    assert {r["column"] for r in rows} == {"Cases", "'=Tested"}
    for row in rows:
        for cell in row.values():
            assert not cell.lstrip().startswith(("=", "+", "-", "@")), cell


def test_csv_file_is_utf8_with_bom_and_written_whole(tmp_path: Path) -> None:
    table = ReportTable("t", "T", "Name", ("N",), (ReportRow("Siân", (5,)),))
    path = tmp_path / "tables.csv"
    write_tables_csv(path, [table])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert csv_rows(raw.decode("utf-8-sig"))[0]["row"] == "Siân"
    assert os.listdir(tmp_path) == ["tables.csv"]  # no temporary file left behind


def workbook(tmp_path: Path, tables: list[ReportTable]) -> dict[str, Worksheet]:
    path = tmp_path / "tables.xlsx"
    write_tables_xlsx(path, tables, title="DToA: cohort report", footer="Question: dtoa 2023 · data version 7")
    assert os.listdir(tmp_path) == ["tables.xlsx"]
    book = load_workbook(path)
    return {sheet.title: sheet for sheet in book.worksheets}


def cells(sheet: Worksheet) -> dict[tuple[int, int], object]:
    return {(c.row, c.column): c.value for row in sheet.iter_rows() for c in row if c.value is not None}


def find(sheet: Worksheet, value: object) -> tuple[int, int]:
    return next(place for place, v in cells(sheet).items() if v == value)


def test_xlsx_one_sheet_per_table_with_title_header_and_footer(tmp_path: Path) -> None:
    sheets = workbook(tmp_path, [FUNNEL, BY_SITE])
    assert list(sheets) == ["funnel", "by_site"]
    for sheet in sheets.values():
        values = cells(sheet)
        assert values[(1, 1)] == "DToA: cohort report"
        assert values[max(values)] == "Question: dtoa 2023 · data version 7"
        assert sheet.cell(row=4, column=1).font.bold
    funnel = sheets["funnel"]
    assert [funnel.cell(row=4, column=c).value for c in range(1, 5)] == ["Step", "Number", "%", "Percentage of"]
    assert all(funnel.cell(row=4, column=c).font.bold for c in range(1, 5))
    assert cells(funnel)[(2, 1)] == "From arrest to outcome"


def test_xlsx_counts_are_numbers_and_hidden_counts_are_text(tmp_path: Path) -> None:
    funnel = workbook(tmp_path, [FUNNEL])["funnel"]
    row = find(funnel, "Eligible")[0]
    count, share = funnel.cell(row=row, column=2), funnel.cell(row=row, column=3)
    assert (count.value, count.data_type) == (30, "n")
    assert share.value == pytest.approx(0.75) and share.data_type == "n" and share.number_format == "0.0%"
    tested = find(funnel, "Tested")[0]
    assert (funnel.cell(row=tested, column=2).value, funnel.cell(row=tested, column=2).data_type) == ("*", "s")
    assert funnel.cell(row=tested, column=3).value == "*"
    assert funnel.cell(row=find(funnel, "Prosecuted")[0], column=2).value is None


def test_xlsx_never_holds_a_formula(tmp_path: Path) -> None:
    sheet = workbook(tmp_path, [BY_SITE])["by_site"]
    row, column = find(sheet, "'=1+1")
    label = sheet.cell(row=row, column=column)
    assert label.data_type == "s" and isinstance(label.value, str)
    for text in FORMULA_LABELS:
        find(sheet, "'" + text)
    assert find(sheet, "'=Tested")[0] == 4
    for line in sheet.iter_rows():
        for cell in line:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                assert not cell.value.lstrip().startswith(("=", "+", "-", "@")), cell.value
    total = sheet.cell(row=find(sheet, "Total")[0], column=2)
    assert total.value == 33 and total.font.bold


def test_sheet_names_fit_excel() -> None:
    long_key = "cases_by_month_and_custody_suite_and_age_band"
    tables = [
        ReportTable(key, "T", "R", ("N",), ())
        for key in (long_key, long_key, "by/site:[all]?", "history", "'quoted'", "")
    ]
    names = sheet_names(tables)
    assert names[0] == long_key[:31]
    assert names[1] == long_key[:29] + "~2"
    assert names[2] == "by_site__all__"
    assert names[3] == "history_"
    assert names[4] == "quoted"
    assert names[5] == "table"
    assert all(len(name) <= 31 for name in names)
    assert len({name.lower() for name in names}) == len(names)


def test_xlsx_with_no_tables_still_opens(tmp_path: Path) -> None:
    sheets = workbook(tmp_path, [])
    assert list(sheets) == ["report"]
    assert cells(sheets["report"])[(1, 1)] == "DToA: cohort report"


def test_a_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tables.xlsx"
    path.write_bytes(b"old")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_tables_xlsx(path, [FUNNEL], title="T", footer="F")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["tables.xlsx"]


def test_xlsx_leaves_out_control_characters_a_workbook_cannot_hold(tmp_path: Path) -> None:
    table = ReportTable("t", "T", "Site", ("N",), (ReportRow("Bell\x07 suite\x00", (5,)), ReportRow("\x01=2+2", (6,))))
    sheet = workbook(tmp_path, [table])["t"]
    assert find(sheet, "Bell suite") == (5, 1)
    assert find(sheet, "'=2+2") == (6, 1)
