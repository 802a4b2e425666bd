"""Interchange v1 import: the worked example, idempotency, and every refusal writing nothing."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select

from db.models import AuditEntry, Case, Event, Person
from pathways.actors import Actor
from pathways.consent import SharingRequest
from pathways.interchange.exporter import ExportFilter, export_dataset
from pathways.interchange.importer import import_dataset
from pathways.store import Store, open_store
from reports.cohort import CohortQuestion, cohort_figures
from tests.conftest import EXAMPLE

OWN_RECORDS = SharingRequest("own_records", "record_keeping")  # moving the records to another Pathways database

EXPECTED = json.loads((EXAMPLE / "expected.json").read_text())


def _question(key: str) -> CohortQuestion:
    pathway, period = key.split(" ")
    start, end = period.split("..")
    return CohortQuestion(pathway, date.fromisoformat(start), date.fromisoformat(end))


def _counts(store: Store) -> tuple[int, int, int]:
    with store.unit_of_work() as uow:
        return tuple(  # type: ignore[return-value]
            uow.session.scalar(select(func.count()).select_from(model)) for model in (Person, Case, Event)
        )


def _copy_example(tmp_path: Path) -> Path:
    folder = tmp_path / "dataset"
    shutil.copytree(EXAMPLE, folder)
    return folder


def _edit(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Change one cell; `row` counts as a spreadsheet does (header is row 1)."""
    path = folder / f"{table}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[row - 2][column] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_worked_example_gives_the_expected_figures(store: Store, admin: Actor) -> None:
    report = import_dataset(store, actor=admin, path=EXAMPLE)
    assert report.errors == [] and report.written
    assert (report.people_added, report.cases_added, report.events_added) == (5, 5, 25)
    for key, expected in EXPECTED.items():
        assert cohort_figures(store, actor=admin, question=_question(key)).figures == expected, key


def test_importing_twice_changes_nothing(store: Store, admin: Actor) -> None:
    import_dataset(store, actor=admin, path=EXAMPLE)
    before = _counts(store)
    again = import_dataset(store, actor=admin, path=EXAMPLE)
    assert again.errors == [] and (again.people_added, again.cases_added, again.events_added) == (0, 0, 0)
    assert _counts(store) == before == (5, 5, 25)


def test_while_an_import_writes_it_reads_no_timeline_it_does_not_add_to(tmp_path: Path, admin: Actor) -> None:
    """The import's write holds SQLite's write lock (every colleague's save waits for it): it makes sure nothing it
    was checked against changed in a few light reads, and reads the events only of the held cases it adds to. It
    read every held case's timeline again, under the lock (15 s for a re-import of 30,000 people)."""
    store = open_store(f"sqlite:///{tmp_path / 'x.sqlite'}")
    earlier = _copy_example(tmp_path)  # the example before EC5's completion was recorded
    lines = (earlier / "events.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[-1].startswith("E005,EC5,divert,completed,")
    (earlier / "events.csv").write_text("".join(lines[:-1]), encoding="utf-8")
    assert import_dataset(store, actor=admin, path=earlier).written
    folder = EXAMPLE  # then the whole example: one more event, on one held case
    reads: list[tuple[str, tuple[object, ...]]] = []  # (statement, parameters) run while the import held the write lock
    writing = False

    def seen(_conn: object, _cursor: object, statement: str, parameters: tuple[object, ...], *_args: object) -> None:
        nonlocal writing
        writing = writing or statement.startswith("BEGIN IMMEDIATE")
        if writing and statement.startswith("SELECT"):
            reads.append((" ".join(statement.split()), parameters))
        writing = writing and not statement.startswith("COMMIT")

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        report = import_dataset(store, actor=admin, path=folder)
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    with store.unit_of_work() as uow:
        ec5 = uow.session.scalar(select(Case.id).where(Case.case_ref == "EC5"))
    store.engine.dispose()
    assert report.written and report.events_added == 1, report.errors
    timelines = [parameters for statement, parameters in reads if "FROM events" in statement]
    assert timelines and all(p == (ec5,) for p in timelines)  # (held: EC1 to EC5) only EC5's events


def test_export_then_import_into_an_empty_database_gives_the_same_figures(
    store: Store, admin: Actor, tmp_path: Path
) -> None:
    import_dataset(store, actor=admin, path=EXAMPLE)
    result = export_dataset(store, actor=admin, folder=tmp_path / "out", selection=ExportFilter(), sharing=OWN_RECORDS)
    assert (result.people, result.cases, result.events) == (5, 5, 25)
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.sqlite'}", clock=store.clock)
    try:
        report = import_dataset(fresh, actor=admin, path=tmp_path / "out")
        assert report.errors == []
        for key, expected in EXPECTED.items():
            assert cohort_figures(fresh, actor=admin, question=_question(key)).figures == expected, key
    finally:
        fresh.engine.dispose()


def test_export_filters_by_pathway_and_dates(store: Store, admin: Actor, tmp_path: Path) -> None:
    import_dataset(store, actor=admin, path=EXAMPLE)
    selection = ExportFilter(pathway="dtoa", start=date(2023, 3, 5), end=date(2023, 3, 31), site="Basingstoke")
    result = export_dataset(store, actor=admin, folder=tmp_path / "out", selection=selection, sharing=OWN_RECORDS)
    assert (result.people, result.cases) == (2, 2)
    people = (tmp_path / "out" / "people.csv").read_text().splitlines()
    assert people[0] == "person_ref,surname,forenames,date_of_birth,sex,ethnicity,pnc_id,postcode"
    assert [line.split(",")[0] for line in people[1:]] == ["E002", "E003"]


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "message"),
    [
        ("people", 3, "date_of_birth", "1985-02-30", "is not a real date"),
        ("people", 4, "date_of_birth", "2099-01-01", "is in the future"),
        ("people", 2, "sex", "male", "is not a sex code"),
        ("people", 2, "ethnicity", "W", "is not an NHS ethnic category code"),
        ("people", 2, "postcode", "NOT A POSTCODE", "is not a UK postcode"),
        ("events", 2, "occurred_at", "04/03/2023 14:20", "should be YYYY-MM-DD"),
        ("events", 2, "occurred_at", "2099-03-04T14:20", "this is in the future"),
        ("events", 3, "result", "maybe", "Drug test: 'maybe' is not a choice for the test result"),
        ("events", 2, "basis", "", "Arrest: give the basis for the test"),
        ("events", 3, "person_ref", "E999", "not a person_ref of the people table"),
        ("events", 3, "pathway", "dtao", "unknown pathway"),
        ("events", 6, "event", "assessment_attended_x", "not an event of the dtoa pathway"),
    ],
)
def test_each_bad_value_is_listed_and_nothing_is_written(
    store: Store, admin: Actor, tmp_path: Path, table: str, row: int, column: str, value: str, message: str
) -> None:
    folder = _copy_example(tmp_path)
    _edit(folder, table, row, column, value)
    report = import_dataset(store, actor=admin, path=folder)
    assert not report.written
    matching = [e for e in report.errors if (e.table, e.row, e.column) == (table, row, column)]
    assert matching, report.errors
    assert message in matching[0].message and matching[0].value == value
    assert _counts(store) == (0, 0, 0)


def test_a_control_character_is_shown_as_its_picture_and_to_be_corrected_in_the_file(
    store: Store, admin: Actor, tmp_path: Path
) -> None:
    """A NUL in a cell was shown as it was (nothing on screen, or a terminal acting on it) and the user was told to
    retype it, in an import."""
    folder = _copy_example(tmp_path)
    _edit(folder, "events", 2, "notes", "seen\x00by\x1bduty solicitor")
    report = import_dataset(store, actor=admin, path=folder)
    (problem,) = [e for e in report.errors if e.column == "notes"]
    assert problem.value == "seen\u2400by\u241bduty solicitor"
    assert problem.message == (
        "The notes contain control characters (invisible characters such as NUL); correct it in the file."
    )
    assert _counts(store) == (0, 0, 0)


def test_an_event_out_of_order_is_refused_in_the_pathways_words(store: Store, admin: Actor, tmp_path: Path) -> None:
    folder = _copy_example(tmp_path)
    _edit(folder, "events", 6, "occurred_at", "2023-03-04T15:10")  # attended before it was required (15:15)
    report = import_dataset(store, actor=admin, path=folder)
    assert (6, "event", "case EC1: The initial assessment cannot be recorded before it was required.") in [
        (e.row, e.column, e.message) for e in report.errors
    ]
    assert {e.row for e in report.errors} <= {4, 6}  # the requirement now comes after the attendance too
    assert _counts(store) == (0, 0, 0)


def test_a_second_contract_and_a_case_split_across_people(store: Store, admin: Actor, tmp_path: Path) -> None:
    folder = _copy_example(tmp_path)
    with (folder / "events.csv").open("a", encoding="utf-8") as handle:
        handle.write("E004,EC4,checkpoint,contract_signed,2023-02-07,,,,,,,,,,no_reoffending,\n")
        handle.write("E005,EC1,dtoa,closed,2023-04-03,,,,,,,,,done,,\n")
    report = import_dataset(store, actor=admin, path=folder)
    messages = {(e.row, e.message) for e in report.errors}
    assert (27, "case EC4: This case already has a contract; a case holds one contract.") in messages
    assert (28, "case EC1 belongs to person E001 on pathway dtoa (row 2)") in messages
    assert _counts(store) == (0, 0, 0)


def test_unknown_column_refuses_the_dataset(store: Store, admin: Actor, tmp_path: Path) -> None:
    folder = _copy_example(tmp_path)
    text = (folder / "people.csv").read_text().replace("postcode", "post_code", 1)
    (folder / "people.csv").write_text(text)
    report = import_dataset(store, actor=admin, path=folder)
    assert [(e.table, e.row, e.column) for e in report.errors] == [("people", 1, "post_code")]
    assert "unknown column" in report.errors[0].message
    assert _counts(store) == (0, 0, 0)


def test_every_problem_of_both_files_layout_is_listed_at_once(store: Store, admin: Actor, tmp_path: Path) -> None:
    folder = _copy_example(tmp_path)
    people = (folder / "people.csv").read_text().splitlines()
    people[0] = people[0].replace("postcode", "post_code") + ",nickname"
    people[2] += ",Danny,extra"  # row 3: two more cells than the header, with values
    (folder / "people.csv").write_text("\n".join(people) + "\n")
    events = (folder / "events.csv").read_text().splitlines()
    events[0] = events[0].replace("site", "sitee")
    events[4] += ",x"  # row 5: one more cell than the header
    (folder / "events.csv").write_text("\n".join(events) + "\n")
    report = import_dataset(store, actor=admin, path=folder)
    assert [(e.table, e.row, e.column, e.message.split(" (")[0]) for e in report.errors] == [
        ("people", 1, "post_code", "unknown column"),
        ("people", 1, "nickname", "unknown column"),
        ("people", 3, None, "this row has more cells than the header"),
        ("events", 1, "sitee", "unknown column"),
        ("events", 5, None, "this row has more cells than the header"),
    ]
    assert _counts(store) == (0, 0, 0)


def test_rows_longer_than_the_header_are_said_once_with_how_many(store: Store, admin: Actor, tmp_path: Path) -> None:
    """A file whose every row has one value too many is one problem, not one a row (500,000 of them took 460 MB)."""
    folder = _copy_example(tmp_path)
    lines = (folder / "events.csv").read_text().splitlines()
    (folder / "events.csv").write_text("\n".join([lines[0], *(line + ",x" for line in lines[1:])]) + "\n")
    report = import_dataset(store, actor=admin, path=folder)
    assert [(e.table, e.row, e.message) for e in report.errors] == [
        ("events", 2, f"this row has more cells than the header (and {len(lines) - 2} more rows)")
    ]


def test_a_cell_that_cannot_be_read_is_said_once(store: Store, admin: Actor, tmp_path: Path) -> None:
    folder = _copy_example(tmp_path)
    _edit(folder, "events", 4, "due_at", "2023-03-32T10:00")  # EC1's initial assessment: no such day
    report = import_dataset(store, actor=admin, path=folder)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (4, "due_at", "the date or time is not a real date")  # and not also "give the appointment date and time"
    ]


def test_a_column_without_a_name_is_refused_when_it_holds_values(store: Store, admin: Actor, tmp_path: Path) -> None:
    folder = _copy_example(tmp_path)
    lines = (folder / "events.csv").read_text().splitlines()
    # A spreadsheet's trailing empty column is nothing lost: the dataset imports.
    (folder / "events.csv").write_text("\n".join(line + "," for line in lines) + "\n")
    assert import_dataset(store, actor=admin, path=folder, dry_run=True).errors == []
    held = [lines[0] + ","] + [
        line + ("," if n != 3 else ",Inspector Ward authorised") for n, line in enumerate(lines[1:], 2)
    ]
    (folder / "events.csv").write_text("\n".join(held) + "\n")
    report = import_dataset(store, actor=admin, path=folder)
    assert [(e.table, e.row, e.column) for e in report.errors] == [("events", 3, None)]
    assert report.errors[0].message.startswith(
        "column 17 has no name in the header but holds values (the events columns"
    )
    assert _counts(store) == (0, 0, 0)


def test_a_workbooks_times_are_read_as_its_cells_show_them(store: Store, admin: Actor, tmp_path: Path) -> None:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    people = book.create_sheet("people")
    people.append(["person_ref", "surname", "forenames", "date_of_birth", "sex"])
    people.append(["W1", "Hughes", "Danny", datetime(1991, 6, 14), "M"])  # a date typed alone: held as midnight
    events = book.create_sheet("events")
    events.append(
        ["person_ref", "case_ref", "pathway", "event", "occurred_at", "offence", "basis", "result", "substances"]
    )
    events.append(["W1", "WC1", "dtoa", "arrest", datetime(2023, 4, 1, 0, 0), "theft_shop", "trigger"])
    events.append(["W1", "WC1", "dtoa", "test", datetime(2023, 4, 1, 0, 0, 30), None, None, "positive", "opiates"])
    events["E2"].number_format = "dd/mm/yyyy hh:mm"  # midnight, shown with its time
    events["E3"].number_format = "yyyy-mm-dd h:mm:ss"
    people["D2"].number_format = 'd "March" yyyy'  # (the word's h and s are not codes of a time)
    book.save(tmp_path / "times.xlsx")
    report = import_dataset(store, actor=admin, path=tmp_path / "times.xlsx")
    assert report.errors == [] and report.events_added == 2
    with store.unit_of_work() as uow:
        held = uow.session.execute(select(Event.occurred_at, Event.occurred_time_known).order_by(Event.id)).all()
        born = uow.session.scalar(select(Person.date_of_birth))
    assert [(at.astimezone(UTC).isoformat(), known) for at, known in held] == [
        ("2023-03-31T23:00:00+00:00", True),  # 00:00 BST, a time given (not the day alone)
        ("2023-03-31T23:00:30+00:00", True),
    ]
    assert born == date(1991, 6, 14)


def test_a_rows_own_columns_are_checked_whatever_else_is_wrong_with_it(
    store: Store, admin: Actor, tmp_path: Path
) -> None:
    folder = _copy_example(tmp_path)
    with (folder / "events.csv").open("a", encoding="utf-8") as handle:  # a person not in the file; no such basis
        handle.write("P9,XC9,dtoa,arrest,2023-03-05T10:00,Basingstoke,,Theft,maybe,,,,,,,\n")
    report = import_dataset(store, actor=admin, path=folder)
    assert [(e.row, e.column) for e in report.errors] == [(27, "person_ref"), (27, "basis")]
    assert _counts(store) == (0, 0, 0)


def test_a_case_with_a_row_in_error_is_not_judged_by_its_pathways_rules(
    store: Store, admin: Actor, tmp_path: Path
) -> None:
    folder = _copy_example(tmp_path)
    _edit(folder, "events", 2, "occurred_at", "2023-02-31T14:20")  # EC1's arrest: no such day
    report = import_dataset(store, actor=admin, path=folder)
    # only the date: not that EC1's test, taken without that arrest, "cannot come before the arrest"
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "occurred_at", "the date or time is not a real date")
    ]
    assert _counts(store) == (0, 0, 0)


def test_corrupt_and_missing_files_are_refused_clearly(store: Store, admin: Actor, tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert "is not a readable .zip file" in import_dataset(store, actor=admin, path=broken).errors[0].message
    bad_book = tmp_path / "bad.xlsx"
    bad_book.write_text("not a workbook")
    assert "not a readable .xlsx workbook" in import_dataset(store, actor=admin, path=bad_book).errors[0].message
    (tmp_path / "half").mkdir()
    shutil.copy(EXAMPLE / "people.csv", tmp_path / "half" / "people.csv")
    assert "events.csv is missing" in import_dataset(store, actor=admin, path=tmp_path / "half").errors[0].message
    latin = _copy_example(tmp_path)
    (latin / "people.csv").write_bytes((latin / "people.csv").read_text().encode("latin-1"))
    assert "is not UTF-8 text" in import_dataset(store, actor=admin, path=latin).errors[0].message
    assert _counts(store) == (0, 0, 0)


def test_zip_and_workbook_datasets_import(store: Store, admin: Actor, tmp_path: Path) -> None:
    archive = tmp_path / "dataset.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for name in ("people.csv", "events.csv"):
            handle.write(EXAMPLE / name, f"export/{name}")
    assert import_dataset(store, actor=admin, path=archive, dry_run=True).errors == []
    assert _counts(store) == (0, 0, 0)
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for table in ("people", "events"):
        sheet = book.create_sheet(table)
        with (EXAMPLE / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
            for record in csv.reader(handle):
                sheet.append(record)
    book.save(tmp_path / "dataset.xlsx")
    report = import_dataset(store, actor=admin, path=tmp_path / "dataset.xlsx")
    assert report.errors == [] and report.events_added == 25


def test_possible_duplicates_are_reported_not_merged(store: Store, admin: Actor, tmp_path: Path) -> None:
    import_dataset(store, actor=admin, path=EXAMPLE)
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "people.csv").write_text(
        "person_ref,surname,forenames,date_of_birth,sex\nX77,Hughs,Danny,1991-06-14,M\n", encoding="utf-8"
    )
    (folder / "events.csv").write_text(
        "person_ref,case_ref,pathway,event,occurred_at,offence,basis\n"
        "X77,XC1,dtoa,arrest,2023-05-01T10:00,Theft,trigger\n",
        encoding="utf-8",
    )
    report = import_dataset(store, actor=admin, path=folder)
    assert report.errors == [] and report.people_added == 1
    assert [(w.row, w.value) for w in report.warnings] == [(2, "X77")]
    assert "may be the same person as E001 already held" in report.warnings[0].message
    assert _counts(store)[0] == 6


def test_import_is_audited_without_personal_data(store: Store, admin: Actor) -> None:
    import_dataset(store, actor=admin, path=EXAMPLE)
    with store.unit_of_work() as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "import_dataset")).one()
        assert entry.actor == "admin.khan" and entry.detail == "people added 5, cases added 5, events added 25"
