"""Reading a dataset: a folder or .zip of people.csv and events.csv, or an .xlsx workbook."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
from pathlib import Path
from typing import Any

from pathways.interchange.format import TABLES, DatasetRefused, Problem, Row, TableRows


@dataclass(frozen=True)
class Dataset:
    people: list[Row]
    events: list[Row]

    @classmethod
    def of_records(cls, people: Iterable[Mapping[str, str]], events: Iterable[Mapping[str, str]]) -> Dataset:
        """Records a program made (the demo generator), kept as a file's rows are read (numbered from 2: the header
        is row 1)."""
        people_rows, event_rows = TableRows("people"), TableRows("events")
        return cls(
            [people_rows.row(n, record.items()) for n, record in enumerate(people, 2)],
            [event_rows.row(n, record.items()) for n, record in enumerate(events, 2)],
        )


def _rows(table: str, records: Iterable[Sequence[object]]) -> list[Row]:
    """Header-matched rows; unknown, repeated or unnamed columns with values, or rows longer than the header,
    refuse the dataset, every one of them listed."""
    iterator = iter(records)
    header_cells = next(iterator, None)
    if header_cells is None:
        raise DatasetRefused([Problem(table, 1, None, "", "the table is empty: it needs a header row")])
    header = [("" if c is None else str(c)).strip().lstrip("\ufeff").lower() for c in header_cells]
    columns = f"the {table} columns are: {', '.join(TABLES[table])}"
    problems = [
        Problem(table, 1, name, name, f"unknown column ({columns})")
        for name in header
        if name and name not in TABLES[table]
    ]
    named = [name for name in header if name]
    problems += [
        Problem(table, 1, name, name, "this column appears twice")
        for name in sorted(set(named))
        if named.count(name) > 1
    ]
    unnamed = [place for place, name in enumerate(header) if not name]  # (a spreadsheet's trailing empty columns)
    valued: dict[int, int] = {}  # an unnamed column's place → the first row with a value in it
    longer: list[int] = []  # the rows with more cells than the header (said once, with how many)
    rows: list[Row] = []
    table_rows = TableRows(table)
    for number, cells in enumerate(iterator, start=2):
        texts = ["" if c is None else str(c).strip() for c in cells]
        if not any(texts):
            continue
        if len(texts) > len(header) and any(texts[len(header) :]):
            longer.append(number)
        for place in unnamed:
            if place < len(texts) and texts[place]:
                valued.setdefault(place, number)
        rows.append(table_rows.row(number, zip(header, texts, strict=False)))
    problems += [
        Problem(table, row, None, "", f"column {place + 1} has no name in the header but holds values ({columns})")
        for place, row in sorted(valued.items())
    ]
    if longer:
        more = f" (and {len(longer) - 1} more rows)" if len(longer) > 1 else ""
        problems.append(Problem(table, longer[0], None, "", f"this row has more cells than the header{more}"))
    if problems:
        raise DatasetRefused(sorted(problems, key=lambda p: p.row or 0))
    return rows


def _tables(read: Mapping[str, Callable[[], Iterable[Sequence[object]]]]) -> Dataset:
    """Each table's rows from its records; the problems of both tables are listed together."""
    tables: dict[str, list[Row]] = {}
    problems: list[Problem] = []
    for table, records in read.items():
        try:
            tables[table] = _rows(table, records())
        except DatasetRefused as refused:
            problems += refused.problems
    if problems:
        raise DatasetRefused(problems)
    return Dataset(tables["people"], tables["events"])


def _csv_records(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetRefused([Problem(name, None, None, "", f"is not UTF-8 text ({exc.reason})")]) from exc


def _from_texts(texts: dict[str, str]) -> Dataset:
    try:
        return _tables({table: partial(_csv_records, texts[table]) for table in TABLES})
    except csv.Error as exc:
        raise DatasetRefused([Problem("dataset", None, None, "", f"a CSV file is malformed: {exc}")]) from exc


def _read_folder(folder: Path) -> Dataset:
    texts: dict[str, str] = {}
    for table in TABLES:
        path = folder / f"{table}.csv"
        if not path.is_file():
            raise DatasetRefused([Problem(table, None, None, "", f"{path.name} is missing from {folder}")])
        texts[table] = _decode(path.read_bytes(), path.name)
    return _from_texts(texts)


def _read_zip(path: Path) -> Dataset:
    try:
        with zipfile.ZipFile(path) as archive:
            names = {Path(n).name.lower(): n for n in archive.namelist() if not n.endswith("/")}
            texts: dict[str, str] = {}
            for table in TABLES:
                member = names.get(f"{table}.csv")
                if member is None:
                    raise DatasetRefused([Problem(table, None, None, "", f"{table}.csv is missing from {path.name}")])
                texts[table] = _decode(archive.read(member), f"{table}.csv")
    except (zipfile.BadZipFile, OSError) as exc:
        raise DatasetRefused([Problem("dataset", None, None, "", f"{path.name} is not a readable .zip file")]) from exc
    return _from_texts(texts)


def _read_workbook(path: Path) -> Dataset:
    from openpyxl import load_workbook  # imported here: only workbook imports need it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise DatasetRefused(
            [Problem("dataset", None, None, "", f"{path.name} is not a readable .xlsx workbook")]
        ) from exc
    try:
        sheets = {name.lower(): name for name in book.sheetnames}
        missing = [table for table in TABLES if table not in sheets]
        if missing:
            raise DatasetRefused(
                [Problem(table, None, None, "", f"the workbook has no sheet named {table}") for table in missing]
            )
        return _tables({table: partial(_sheet_records, book[sheets[table]]) for table in TABLES})
    finally:
        book.close()


_FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')  # quoted text, [colour] or [$-locale], an escaped character


def _shows_time(number_format: str) -> bool:
    """Whether a cell's number format shows a time (an h or s among its codes, not in its quoted words)."""
    codes = _FORMAT_LITERALS.sub("", number_format).lower()
    return "h" in codes or "s" in codes


def _sheet_records(sheet: Any) -> Iterator[list[str]]:
    return ([_cell_text(cell) for cell in row] for row in sheet.iter_rows())


def _cell_text(cell: object) -> str:
    """A workbook cell as the text a CSV would hold: whole numbers without .0, and dates as ISO; a date-time to the
    minute (to the second when it has seconds), or the day alone when its cell shows no time (a date typed alone
    is held as that day at midnight, and shown without one)."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, datetime):
        shows_time = _shows_time(str(getattr(cell, "number_format", "")))
        if value.time() == time(0) and not shows_time:
            return value.date().isoformat()
        return value.strftime("%Y-%m-%dT%H:%M:%S" if value.second else "%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_dataset(path: Path) -> Dataset:
    """Read a dataset from a folder, a .zip or an .xlsx; raises DatasetRefused when it cannot be read."""
    if path.is_dir():
        return _read_folder(path)
    if not path.exists():
        raise DatasetRefused([Problem("dataset", None, None, str(path), "there is no such file or folder")])
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _read_zip(path)
    if suffix == ".xlsx":
        return _read_workbook(path)
    raise DatasetRefused([Problem("dataset", None, None, path.name, "give a folder, a .zip or an .xlsx workbook")])
