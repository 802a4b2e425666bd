"""The import fed with the worked example where one cell of one row is replaced by a nasty value.

Either the dataset is refused, with a problem naming the table, row and column, in plain words, and nothing
written (every table's row count, the audit log's among them, unchanged), or the value is acceptable text and it
is imported and comes back exactly the same from the export.
"""

from __future__ import annotations

import csv
import itertools
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from db.models import Person
from pathways.actors import Actor
from pathways.consent import SharingRequest
from pathways.interchange.checks import TEXT_COLUMNS
from pathways.interchange.exporter import ExportFilter, export_dataset
from pathways.interchange.importer import ImportReport, import_dataset
from pathways.store import Store
from pathways.text_limits import longest_text
from tests.badinput import strategies as bad
from tests.badinput.conftest import FEW, Db, plain_words, table_counts
from tests.conftest import EXAMPLE

# Free-text columns: any printable text of a sensible length is a legitimate value (right-to-left names,
# formula-like text, long notes) and must be kept exactly; control characters and over-long text are refused.
FREE_PEOPLE = ("person_ref", "surname", "forenames")
FREE_EVENTS = ("case_ref", "site", "service", "offence", "notes")
# Coded columns: a nasty value is never a valid one, so it must be refused.
CODED_PEOPLE = ("date_of_birth", "sex", "ethnicity", "pnc_id", "postcode")
CODED_EVENTS = ("occurred_at", "due_at", "basis", "result", "kind", "substances")
MULTILINE = ("notes", "offence", "reason", "conditions")
_fresh = itertools.count(1)


@dataclass(frozen=True)
class Dataset:
    folder: Path
    table: str
    row: int  # as a spreadsheet shows it
    column: str
    value: str  # as written to the file (the reader trims the ends of every cell)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _dataset(root: Path, table: str, column: str, value: str, pick: int) -> Dataset:
    """The worked example with fresh keys (so each dataset is new to the database) and one cell replaced."""
    n = next(_fresh)
    folder = root / f"set{n}"
    shutil.copytree(EXAMPLE, folder)
    tables = {t: _read(folder / f"{t}.csv") for t in ("people", "events")}
    for rows in tables.values():
        for row in rows:
            row["person_ref"] = f"{row['person_ref']}-{n}"
            if "case_ref" in row:
                row["case_ref"] = f"{row['case_ref']}-{n}"
    rows = tables[table]
    candidates = [
        i
        for i, row in enumerate(rows)
        if column in FREE_PEOPLE + FREE_EVENTS + ("date_of_birth",) or column == "occurred_at" or row[column]
    ]
    index = candidates[pick % len(candidates)]
    if column in ("person_ref", "case_ref"):  # every row of that person or case, so the dataset stays whole
        value = f"{value}{n}"  # a key new to the database
        old = rows[index][column]
        for t in tables.values():
            for row in t:
                if row.get(column) == old:
                    row[column] = value
    else:
        rows[index][column] = value
    for name, table_rows in tables.items():
        _write(folder / f"{name}.csv", table_rows)
    return Dataset(folder, table, index + 2, column, value)


def _must_refuse(data: Dataset) -> bool:
    kept = _kept(data)
    allowed = "\t\n\r" if data.column in MULTILINE else ""
    control = any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in kept)
    column = Person.__table__.c[data.column] if data.table == "people" else TEXT_COLUMNS[data.column]
    name = data.column in ("surname", "forenames") and bool(kept)
    return control or len(kept) > longest_text(column) or (name and bad.is_refused_name(kept))


def _kept(data: Dataset) -> str:
    """The value as it should be stored: trimmed, and names with their spacing made single."""
    return " ".join(data.value.split()) if data.column in ("surname", "forenames") else data.value.strip()


def _names_the_cell(report: ImportReport, data: Dataset) -> bool:
    return any(p.table == data.table and p.column == data.column and p.row is not None for p in report.errors)


def _exported_value(store: Store, actor: Actor, folder: Path, data: Dataset) -> list[str]:
    own = SharingRequest("own_records", "record_keeping")
    export_dataset(store, actor=actor, folder=folder, selection=ExportFilter(), sharing=own)
    return [row[data.column] for row in _read(folder / f"{data.table}.csv")]


def _check(store: Store, admin: Actor, tmp: Path, data: Dataset, coded: bool) -> None:
    before = table_counts(store)
    report = import_dataset(store, actor=admin, path=data.folder)
    if data.column in FREE_PEOPLE + FREE_EVENTS and not _must_refuse(data):
        assert report.written, f"{data.column}={data.value[:40]!r}: {[p.describe() for p in report.errors]}"
    if not report.written:
        assert report.errors, "refused without saying why"
        assert all(plain_words(p.describe()) for p in report.errors), [p.describe() for p in report.errors]
        assert _names_the_cell(report, data) or data.column in ("person_ref", "case_ref"), [
            p.describe() for p in report.errors
        ]
        assert table_counts(store) == before, "a refused import wrote something"
        return
    assert not coded, f"{data.column}={data.value!r} was accepted"
    assert not _must_refuse(data), f"{data.column}={data.value[:40]!r}... was accepted"
    if data.column in FREE_PEOPLE + FREE_EVENTS:
        assert _kept(data) in _exported_value(store, admin, tmp / f"out{next(_fresh)}", data)


@FEW
@given(
    column=st.sampled_from(FREE_PEOPLE),
    value=bad.nasty_text(),
    pick=st.integers(0, 4),
)
def test_nasty_text_in_people(db: Db, admin: Actor, tmp_path: Path, column: str, value: str, pick: int) -> None:
    data = _dataset(tmp_path, "people", column, value, pick)
    _check(db.store, admin, tmp_path, data, coded=False)


@FEW
@given(
    column=st.sampled_from(FREE_EVENTS),
    value=bad.nasty_text(),
    pick=st.integers(0, 30),
)
def test_nasty_text_in_events(db: Db, admin: Actor, tmp_path: Path, column: str, value: str, pick: int) -> None:
    _check(db.store, admin, tmp_path, _dataset(tmp_path, "events", column, value, pick), coded=False)


@FEW
@given(
    column=st.sampled_from(CODED_PEOPLE),
    value=st.one_of(bad.nasty_text(), bad.invalid_date_text(), bad.future_date().map(str), bad.wrong_nhs_number()),
    pick=st.integers(0, 4),
)
def test_bad_codes_in_people(db: Db, admin: Actor, tmp_path: Path, column: str, value: str, pick: int) -> None:
    data = _dataset(tmp_path, "people", column, value, pick)
    _check(db.store, admin, tmp_path, data, coded=bool(value.strip()) or column in ("date_of_birth", "sex"))


@FEW
@given(
    column=st.sampled_from(CODED_EVENTS),
    value=st.one_of(bad.nasty_text(), bad.invalid_date_text(), bad.future_date().map(str)),
    pick=st.integers(0, 30),
)
def test_bad_codes_in_events(db: Db, admin: Actor, tmp_path: Path, column: str, value: str, pick: int) -> None:
    data = _dataset(tmp_path, "events", column, value, pick)
    future_due = column == "due_at" and value[:1].isdigit() and len(value) == 10 and value > "2026-11-29"
    _check(db.store, admin, tmp_path, data, coded=bool(value.strip()) and not future_due)
