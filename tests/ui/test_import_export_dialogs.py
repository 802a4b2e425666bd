"""Importing a dataset into the app and exporting cases from it, through the dialogs, as a user would."""

from __future__ import annotations

import csv
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDateEdit, QDialog, QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from db.models import Case, Event, Person
from pathways.actors import Actor, Role
from pathways.errors import DiskFull
from pathways.interchange.importer import ImportReport
from pathways.store import Store, open_store
from tests.conftest import EXAMPLE, Clock
from ui import import_dialog
from ui.context import AppContext
from ui.export_dialog import ExportDialog
from ui.import_dialog import ImportDialog
from ui.operations import OperationRunner, Progress

WAIT = 10000
HEADER = "Table\tRow\tColumn\tValue\tProblem"
# The worked example names two sites and two services that are not on the starting reference lists.
EXAMPLE_NAMES = "4 names not on the reference lists (allowed: check the spelling):"


@pytest.fixture
def empty_store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'empty.sqlite'}", clock=clock)
    yield store
    store.engine.dispose()


@pytest.fixture
def empty_admin(empty_store: Store) -> AppContext:
    return AppContext(empty_store, Actor("test.admin", Role.ADMINISTRATOR, "test-pc"))


def _counts(store: Store) -> tuple[int, int, int]:
    with store.unit_of_work() as uow:
        return tuple(  # type: ignore[return-value]
            int(uow.session.scalar(select(func.count()).select_from(table)) or 0) for table in (Person, Case, Event)
        )


def _copy_example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "dataset"))


def _show(qtbot: QtBot, dialog: QDialog) -> None:
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)


def _import_dialog(qtbot: QtBot, context: AppContext, runner: OperationRunner, path: Path) -> ImportDialog:
    dialog = ImportDialog(context, runner)
    _show(qtbot, dialog)
    qtbot.keyClicks(dialog.path, str(path))
    return dialog


def _run(qtbot: QtBot, dialog: ImportDialog, button: str = "import") -> None:
    clicked = dialog.import_button if button == "import" else dialog.check_button
    qtbot.mouseClick(clicked, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None and dialog.import_button.isEnabled(), timeout=WAIT)


def _table(dialog: ImportDialog) -> list[list[str]]:
    model = dialog.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_import_the_example_into_an_empty_database(
    qtbot: QtBot, empty_admin: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    dialog = _import_dialog(qtbot, empty_admin, runner, _copy_example(tmp_path))
    _run(qtbot, dialog, "check")
    assert dialog.summary.text().startswith("Checked: no problems found; nothing was written.")
    assert _counts(empty_admin.store) == (0, 0, 0)
    topics: list[str] = []
    empty_admin.changed.connect(topics.append)
    _run(qtbot, dialog)
    assert dialog.summary.text() == f"Imported: 5 people, 5 cases, 25 events added. {EXAMPLE_NAMES}"
    assert _counts(empty_admin.store) == (5, 5, 25)
    assert topics == ["person", "case"]
    assert dialog.model.rowCount() == 4 and not dialog.progress.isVisible()  # the names not on the lists
    _run(qtbot, dialog)  # the same dataset again changes nothing
    assert dialog.summary.text() == (
        f"Imported: 0 people, 0 cases, 0 events added. Everything in it was already held. {EXAMPLE_NAMES}"
    )
    assert _counts(empty_admin.store) == (5, 5, 25)


def test_import_a_zip_and_the_keyboard(
    qtbot: QtBot, empty_admin: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    archive = Path(shutil.make_archive(str(tmp_path / "example"), "zip", EXAMPLE))
    dialog = ImportDialog(empty_admin, runner, path=archive)
    _show(qtbot, dialog)
    assert dialog.path.text() == str(archive)
    shown: list[int] = []
    dialog.progress.valueChanged.connect(shown.append)
    qtbot.keyClick(dialog, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.report is not None and dialog.import_button.isEnabled(), timeout=WAIT)
    assert dialog.summary.text() == f"Imported: 5 people, 5 cases, 25 events added. {EXAMPLE_NAMES}"
    assert 2 in shown and not dialog.progress.isVisible()  # "Writing", step 2 of 3
    qtbot.keyClick(dialog, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    assert dialog.path.hasFocus()
    for widget in (dialog.path, dialog.table, dialog.progress):
        assert widget.accessibleName()


def test_a_broken_dataset_is_refused_and_its_problems_can_be_copied(
    qtbot: QtBot, empty_admin: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    folder = _copy_example(tmp_path)
    people = folder / "people.csv"
    people.write_text(people.read_text(encoding="utf-8").replace("2005-03-02", "2005-02-30"), encoding="utf-8")
    dialog = _import_dialog(qtbot, empty_admin, runner, folder)
    _run(qtbot, dialog)
    assert dialog.summary.text() == f"Refused: nothing was written. 1 problem, then {EXAMPLE_NAMES}"
    rows = _table(dialog)
    assert len(rows) == 5 and [row[4].startswith("Warning: ") for row in rows] == [False] + [True] * 4
    bad = [row for row in rows if row[:4] == ["people", "4", "date_of_birth", "2005-02-30"]]
    assert len(bad) == 1 and bad[0][4]
    assert _counts(empty_admin.store) == (0, 0, 0)
    assert dialog.table.hasFocus()
    dialog.table.selectRow(rows.index(bad[0]))
    qtbot.keyClick(dialog.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == f"{HEADER}\n" + "\t".join(bad[0]) + "\n"
    qtbot.mouseClick(dialog.copy_all_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text().splitlines() == [HEADER, *("\t".join(row) for row in rows)]


def test_a_possible_duplicate_is_listed_not_merged(
    qtbot: QtBot, admin_context: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "people.csv").write_text(
        "person_ref,surname,forenames,date_of_birth,sex\nX9,Hughes,Danny,1991-06-14,M\n", encoding="utf-8"
    )
    (folder / "events.csv").write_text("person_ref,case_ref,pathway,event,occurred_at\n", encoding="utf-8")
    dialog = _import_dialog(qtbot, admin_context, runner, folder)
    _run(qtbot, dialog)
    assert dialog.summary.text() == "Imported: 1 person, 0 cases, 0 events added. 1 possible duplicate (not merged):"
    [row] = _table(dialog)
    assert row[:4] == ["people", "2", "person_ref", "X9"]
    assert row[4].startswith("Warning: may be the same person as E001")


def test_names_not_on_the_lists_are_listed_as_warnings_and_imported(
    qtbot: QtBot, empty_admin: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    dialog = _import_dialog(qtbot, empty_admin, runner, _copy_example(tmp_path))
    _run(qtbot, dialog, "check")
    assert dialog.summary.text() == (
        f"Checked: no problems found; nothing was written. Press Import to take it in. {EXAMPLE_NAMES}"
    )
    rows = _table(dialog)
    assert [row[:4] for row in rows] == [
        ["events", "15", "site", "Durham"],
        ["events", "22", "site", "Bangor"],
        ["events", "17", "service", "Checkpoint navigators"],
        ["events", "22", "service", "Cranstoun"],
    ]
    assert rows[2][4] == (
        "Warning: not on the services list: 5 rows (rows 17, 18, 19, 20, 21). Kept as written, but a treatment "
        "worker sees a case only when it names their service as the list spells it."
    )
    colour = dialog.model.index(0, 4).data(Qt.ItemDataRole.ForegroundRole).color()
    assert colour == import_dialog.WARNING_COLOUR and dialog.copy_all_button.isEnabled()
    dialog.grab().save(str(tmp_path / "import-warnings.png"))  # (drawn offscreen: the table and its colours)
    assert (tmp_path / "import-warnings.png").stat().st_size > 0
    _run(qtbot, dialog)
    assert dialog.summary.text() == f"Imported: 5 people, 5 cases, 25 events added. {EXAMPLE_NAMES}"
    assert _table(dialog) == rows and _counts(empty_admin.store) == (5, 5, 25)


def _after_a_check(qtbot: QtBot, context: AppContext, runner: OperationRunner, path: Path) -> ImportDialog:
    """The dialog once the worked example has been checked: a summary and four warnings shown."""
    dialog = _import_dialog(qtbot, context, runner, path)
    _run(qtbot, dialog, "check")
    assert dialog.summary.text().startswith("Checked:") and dialog.model.rowCount() == 4
    return dialog


def _shows_nothing_of_the_last_run(dialog: ImportDialog) -> bool:
    return (
        dialog.report is None
        and dialog.summary.text() in (import_dialog.HINT, "")
        and dialog.model.rowCount() == 0
        and not dialog.copy_all_button.isEnabled()
    )


def test_a_missing_file_after_a_good_one_shows_its_error_alone(
    qtbot: QtBot, empty_admin: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    """The review's case: a good file checked, then a bad one chosen: its error, and nothing of the good one."""
    dialog = _after_a_check(qtbot, empty_admin, runner, _copy_example(tmp_path))
    dialog.path.clear()
    assert _shows_nothing_of_the_last_run(dialog) and dialog.summary.text() == import_dialog.HINT
    qtbot.keyClicks(dialog.path, str(tmp_path / "missing.zip"))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "Choose a folder, .zip or .xlsx file that exists." and dialog.error.isVisible()
    assert _shows_nothing_of_the_last_run(dialog)
    dialog.path.setText(str(tmp_path / "dataset"))  # back to the good one: the error goes with the choice
    assert dialog.error.isHidden()
    _run(qtbot, dialog, "check")
    assert dialog.summary.text().startswith("Checked:") and dialog.error.isHidden()


def test_a_refused_file_after_a_good_one_lists_only_its_own_problems(
    qtbot: QtBot, empty_admin: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    dialog = _after_a_check(qtbot, empty_admin, runner, _copy_example(tmp_path))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "people.csv").write_text("person_ref,surname,forenames,date_of_birth,sex\nP1,Doe,Jo,1990-02-31,F\n")
    (bad / "events.csv").write_text("person_ref,case_ref,pathway,event,occurred_at\n")
    dialog.path.setText(str(bad))
    _run(qtbot, dialog, "check")
    assert dialog.summary.text() == "Refused: nothing was written. 1 problem:"
    assert [row[:4] for row in _table(dialog)] == [["people", "2", "date_of_birth", "1990-02-31"]]


def test_choosing_a_file_again_after_an_import_clears_its_results(
    qtbot: QtBot, empty_admin: AppContext, runner: OperationRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same path chosen again may be a corrected file: what was found in the old one goes."""
    archive = Path(shutil.make_archive(str(tmp_path / "example"), "zip", EXAMPLE))
    dialog = _import_dialog(qtbot, empty_admin, runner, archive)
    _run(qtbot, dialog)
    assert dialog.summary.text().startswith("Imported: 5 people") and dialog.model.rowCount() == 4
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(archive), ""))
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    assert dialog.path.text() == str(archive) and _shows_nothing_of_the_last_run(dialog)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(tmp_path))
    _run(qtbot, dialog)
    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    assert dialog.path.text() == str(tmp_path) and _shows_nothing_of_the_last_run(dialog)


def test_a_failed_import_after_a_good_check_shows_only_the_failure(
    qtbot: QtBot, empty_admin: AppContext, runner: OperationRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _after_a_check(qtbot, empty_admin, runner, _copy_example(tmp_path))

    def disk_full(store: Store, *, actor: Actor, path: Path, dry_run: bool, progress: Progress) -> ImportReport:
        raise DiskFull("it was not finished: nothing was half-saved")

    monkeypatch.setattr(import_dialog, "import_dataset", disk_full)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=WAIT)
    assert dialog.error.text().startswith("The disk is full") and _shows_nothing_of_the_last_run(dialog)
    assert _counts(empty_admin.store) == (0, 0, 0)


def test_no_dataset_chosen(qtbot: QtBot, empty_admin: AppContext, runner: OperationRunner, tmp_path: Path) -> None:
    dialog = _import_dialog(qtbot, empty_admin, runner, tmp_path / "nowhere")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "Choose a folder, .zip or .xlsx file that exists."
    assert dialog.report is None and dialog.path.hasFocus()


def test_cancel_during_the_checks_writes_nothing(
    qtbot: QtBot, empty_admin: AppContext, runner: OperationRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()

    def slow(store: Store, *, actor: Actor, path: Path, dry_run: bool, progress: Progress) -> ImportReport:
        gate.wait(WAIT / 1000)
        progress("Checking people and events", 0, 3)  # type: ignore[operator]
        raise AssertionError("a cancelled import goes no further")

    monkeypatch.setattr(import_dialog, "import_dataset", slow)
    dialog = _import_dialog(qtbot, empty_admin, runner, _copy_example(tmp_path))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.progress.isVisible() and dialog.cancel_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(lambda: dialog.stage.text() == "Cancelled: nothing was written.", timeout=WAIT)
    assert dialog.import_button.isEnabled() and not dialog.cancel_button.isVisible()


def test_a_cancel_that_comes_after_the_commit_reports_the_import(
    qtbot: QtBot, empty_admin: AppContext, runner: OperationRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()

    def written(store: Store, *, actor: Actor, path: Path, dry_run: bool, progress: Progress) -> ImportReport:
        gate.wait(WAIT / 1000)
        return ImportReport(people_added=1, cases_added=1, events_added=2, written=True)

    monkeypatch.setattr(import_dialog, "import_dataset", written)
    dialog = _import_dialog(qtbot, empty_admin, runner, _copy_example(tmp_path))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT)
    assert dialog.summary.text() == "Imported: 1 person, 1 case, 2 events added."


def _export_dialog(qtbot: QtBot, context: AppContext, runner: OperationRunner, folder: Path) -> ExportDialog:
    dialog = ExportDialog(context, runner)
    _show(qtbot, dialog)
    qtbot.keyClicks(dialog.folder, str(folder))
    dialog.recipient.setCurrentIndex(dialog.recipient.findData("own_records:record_keeping"))  # shared with no one
    return dialog


def _type_date(qtbot: QtBot, edit: QDateEdit, digits: str) -> None:
    edit.setFocus()
    edit.setSelectedSection(QDateEdit.Section.DaySection)
    qtbot.keyClicks(edit, digits)


def _export(qtbot: QtBot, dialog: ExportDialog) -> None:
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=WAIT)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_everything(qtbot: QtBot, manager_context: AppContext, runner: OperationRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    dialog = _export_dialog(qtbot, manager_context, runner, out)
    assert not dialog.start.isEnabled()
    _export(qtbot, dialog)
    assert dialog.message.text() == f"Exported 5 people, 5 cases and 25 events to {out}."
    assert len(_rows(out / "people.csv")) == 5 and len(_rows(out / "events.csv")) == 25


def test_export_one_pathway_and_period(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    out = tmp_path / "march"
    dialog = _export_dialog(qtbot, manager_context, runner, out)
    dialog.pathway.setCurrentIndex(dialog.pathway.findData("dtoa"))
    qtbot.mouseClick(dialog.only_between, Qt.MouseButton.LeftButton)
    assert dialog.start.isEnabled()
    _type_date(qtbot, dialog.start, "31032023")
    _type_date(qtbot, dialog.end, "01032023")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "The second date (1 Mar 2023) is before the first (31 Mar 2023)."
    assert not out.exists()
    _type_date(qtbot, dialog.start, "01032023")
    _type_date(qtbot, dialog.end, "31032023")
    _export(qtbot, dialog)
    assert dialog.message.text() == f"Exported 3 people, 3 cases and 13 events to {out}."
    assert {row["pathway"] for row in _rows(out / "events.csv")} == {"dtoa"}


def test_export_offers_the_sites_and_asks_about_one_that_matches_nothing(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    dialog = _export_dialog(qtbot, manager_context, runner, out)
    sites = [dialog.site.itemText(i) for i in range(dialog.site.count())]
    assert sites[0] == "All sites" and "Basingstoke" in sites
    dialog.site.setCurrentText("Basingstok")
    _export(qtbot, dialog)
    assert dialog.message.text() == (
        f"Exported 0 people, 0 cases and 0 events to {out}. No case started at “Basingstok”: is the site's name right?"
    )
    dialog.site.setCurrentIndex(sites.index("Basingstoke"))
    dialog.folder.setText(str(tmp_path / "basingstoke"))  # (a new folder: nothing to ask about replacing)
    _export(qtbot, dialog)
    assert dialog.message.text().startswith("Exported ") and "is the site's name right" not in dialog.message.text()


def test_export_refused_for_a_role_that_may_not(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    dialog = _export_dialog(qtbot, navigator_context, runner, tmp_path / "out")
    _export(qtbot, dialog)
    assert "export data" in dialog.error.text() and dialog.message.text() == ""


def test_export_to_a_folder_that_cannot_be_made(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    dialog = _export_dialog(qtbot, manager_context, runner, blocker / "out")
    _export(qtbot, dialog)
    assert dialog.error.text().startswith(f"The files could not be written to {blocker / 'out'}:")
