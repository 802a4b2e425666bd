"""A crash never loses the user's work: an unexpected error in a slot is reported to a log without personal data,
the user is told in plain words where the report is, and the form's input comes back when it is opened again."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import Event, Person
from pathways.clock import LONDON
from pathways.services.records import person_record
from tests.conftest import Clock
from tests.pathways.contract_case import checkpoint_case
from ui.add_event_dialog import AddEventDialog
from ui.arrest_wizard import ARREST, NewArrestWizard
from ui.context import AppContext
from ui.contract_builder import ContractBuilderDialog
from ui.crash import CrashHandler, crash_report, fingerprint, fingerprint_key
from ui.drafts import SAVE_DELAY_MS
from ui.operations import UNEXPECTED, OperationRunner
from ui.person_details_dialog import PersonDetailsDialog
from ui.register_dialog import RegisterPersonDialog

CRASH_AT = datetime(2026, 11, 26, 14, 32, tzinfo=LONDON)
SURNAME, NHS_NUMBER = "Hughes", "943 476 5919"


@pytest.fixture
def crash_handler(tmp_path: Path, clock: Clock) -> Iterator[CrashHandler]:
    clock.at = CRASH_AT
    handler = CrashHandler(tmp_path / "log", clock=clock)
    handler.install()
    yield handler
    handler.uninstall()
    if handler.dialog is not None:
        handler.dialog.close()


def _person_id(context: AppContext, surname: str) -> int:
    with context.store.unit_of_work() as uow:
        found = uow.session.scalar(select(Person.id).where(Person.surname == surname))
    assert found is not None
    return found


def _crash_in_a_slot(qtbot: QtBot, handler: CrashHandler) -> str:
    """An error nobody caught, raised from a slot the event loop calls; its message names the person."""
    message = f"NHS number {NHS_NUMBER} of {SURNAME.upper()} did not check out"

    def boom() -> None:
        raise ValueError(message)

    QTimer.singleShot(0, boom)
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible(), timeout=5000)
    return message


def _answer(
    qtbot: QtBot,
    keeper_owner: NewArrestWizard | AddEventDialog | RegisterPersonDialog | PersonDetailsDialog,
    restore: bool,
) -> str:
    keeper = keeper_owner.draft
    qtbot.waitUntil(lambda: keeper.offer_box is not None and keeper.offer_box.isVisible(), timeout=5000)
    box = keeper.offer_box
    assert box is not None
    text = box.text()
    box.button(QMessageBox.StandardButton.Yes if restore else QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: keeper.offer_box is None, timeout=5000)
    return text


@pytest.mark.qt_no_exception_capture
def test_a_crash_in_the_new_arrest_wizard_keeps_its_input_and_logs_no_personal_data(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner, crash_handler: CrashHandler
) -> None:
    hughes = _person_id(navigator_context, SURNAME)
    wizard = NewArrestWizard(navigator_context, runner, person_id=hughes)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.currentId() == ARREST, timeout=5000)
    arrest = wizard.arrest_step.form
    not_trigger = next(i for i in range(arrest.offence.count()) if not arrest.offence.itemData(i)[1])
    arrest.offence.setCurrentIndex(not_trigger)
    qtbot.keyClicks(arrest.inspector, "Insp. Rowe")
    qtbot.keyClicks(arrest.grounds, "Seen using a crack pipe in the cell")
    typed = (arrest.offence.currentText(), arrest.when.dateTime(), arrest.site.currentText())

    message = _crash_in_a_slot(qtbot, crash_handler)

    # The report: what failed and where, and nothing about the person.
    assert len(crash_handler.reports) == 1
    report = crash_handler.reports[0]
    assert report.parent == crash_handler.log_folder
    text = report.read_text()
    assert (
        "builtins.ValueError: [message withheld" in text
        and f"fingerprint {fingerprint(message, fingerprint_key(report.parent))}" in text
    )
    assert 'File "tests/ui/test_crash_and_drafts.py"' in text and "in boom" in text
    for secret in (SURNAME, SURNAME.upper(), NHS_NUMBER, NHS_NUMBER.replace(" ", ""), "Rowe", "crack pipe"):
        assert secret not in text
    # The user is told what happened, that their input was kept, and where the report is.
    dialog = crash_handler.dialog
    assert dialog is not None
    assert dialog.text().startswith("Pathways ran into a problem it did not expect")
    details = dialog.informativeText()
    assert f"A report for your IT support is in {report}." in details
    assert "What you had typed in the open form has been kept" in details
    assert "no names or other personal details" in details
    draft = wizard.draft.file.path
    assert draft.exists() and stat.S_IMODE(os.stat(draft).st_mode) == 0o600
    assert SURNAME not in draft.name and "Rowe" in draft.read_text()  # the input, on the local disk only

    # The user carries on, then closes the wizard: after a crash the draft is kept all the same.
    next(b for b in dialog.buttons() if b.text() == "&Carry on").click()
    wizard.reject()
    assert draft.exists()

    # Next time the wizard opens (from the menu, for nobody in particular) it offers the arrest back.
    again = NewArrestWizard(navigator_context, runner)
    qtbot.addWidget(again)
    again.show()
    assert _answer(qtbot, again, restore=True) == "You have an unsaved new arrest from 14:32. Restore it?"
    assert again.currentId() == ARREST and again.person_id == hughes
    restored = again.arrest_step.form
    assert (restored.offence.currentText(), restored.when.dateTime(), restored.site.currentText()) == typed
    assert (restored.inspector.text(), restored.grounds.text()) == ("Insp. Rowe", "Seen using a crack pipe in the cell")
    assert restored.who.text().startswith("HUGHES, Daniel")
    again.next()  # and it carries on as if nothing had happened: the arrest is recorded once
    assert again.case_id is not None
    with navigator_context.store.unit_of_work() as uow:
        arrests = uow.session.scalars(select(Event.authorised_by).where(Event.case_id == again.case_id)).all()
    assert arrests == ["Insp. Rowe"]
    again.done(0)  # (closed without the question closing part-way asks: the test is over)


@pytest.mark.qt_no_exception_capture
def test_a_crash_on_another_thread_is_reported_on_the_screen(
    qtbot: QtBot, navigator_context: AppContext, crash_handler: CrashHandler
) -> None:
    def work() -> None:
        raise KeyError(f"{SURNAME} {NHS_NUMBER}")

    worker = threading.Thread(target=work, name="background-work")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: crash_handler.dialog is not None and crash_handler.dialog.isVisible(), timeout=5000)
    text = crash_handler.reports[0].read_text()
    assert "Thread: background-work" in text and "builtins.KeyError" in text and SURNAME not in text
    assert crash_handler.dialog is not None
    assert "What you had typed" not in crash_handler.dialog.informativeText()  # no form was open


@pytest.mark.qt_no_exception_capture
def test_a_crash_in_background_work_is_reported_without_personal_data(
    qtbot: QtBot, navigator_context: AppContext, crash_handler: CrashHandler, capfd: pytest.CaptureFixture[str]
) -> None:
    """A report, an export or an import runs on a worker thread: an unexpected error there went to stderr with its
    own words (a name, an NHS number) and by the handler's report. Now the handler writes its report, the user is
    told, and the screen that started the work hears it was not finished, in words."""
    runner = OperationRunner()

    def work(_progress: object) -> None:
        raise KeyError(f"{SURNAME} {NHS_NUMBER}")

    heard: list[str] = []
    runner.start("report", work, finished=lambda _result: None, failed=heard.append)
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    qtbot.waitUntil(lambda: crash_handler.dialog is not None and crash_handler.dialog.isVisible(), timeout=5000)
    assert heard == [UNEXPECTED] and "KeyError" not in heard[0]
    text = crash_handler.reports[0].read_text()
    assert "builtins.KeyError" in text and SURNAME not in text
    printed = capfd.readouterr()
    assert SURNAME not in printed.err + printed.out
    runner.wait()


def test_the_register_dialog_saves_a_draft_as_you_type_and_offers_it_back(
    qtbot: QtBot, navigator_context: AppContext, clock: Clock
) -> None:
    clock.at = CRASH_AT
    first = RegisterPersonDialog(navigator_context)
    qtbot.addWidget(first)
    first.show()
    qtbot.keyClicks(first.surname, "Quill")
    qtbot.keyClicks(first.forenames, "Ada")
    qtbot.keyClicks(first.born, "02/03/1990")
    first.sex.setCurrentIndex(first.sex.findData("F"))
    qtbot.keyClicks(first.nhs, NHS_NUMBER)
    draft = first.draft.file.path
    qtbot.waitUntil(draft.exists, timeout=SAVE_DELAY_MS * 5)  # a moment after typing, without any crash
    first.hide()  # the power went: the dialog is never saved or cancelled

    second = RegisterPersonDialog(navigator_context)
    qtbot.addWidget(second)
    second.show()
    assert _answer(qtbot, second, restore=True) == "You have an unsaved new person's details from 14:32. Restore it?"
    assert (second.surname.text(), second.forenames.text(), second.nhs.text()) == ("Quill", "Ada", NHS_NUMBER)
    assert (second.born.text(), second.sex.currentData()) == ("02/03/1990", "F")
    second.buttons.accepted.emit()  # Save: no one similar is held, so the person is registered
    qtbot.waitUntil(lambda: second.chosen_id is not None, timeout=5000)
    assert not draft.exists()  # saved, so the draft has gone

    third = RegisterPersonDialog(navigator_context)
    qtbot.addWidget(third)
    third.show()
    qtbot.wait(50)
    assert third.draft.offer_box is None  # nothing to offer


def test_declining_the_offer_discards_the_draft(qtbot: QtBot, navigator_context: AppContext, clock: Clock) -> None:
    clock.at = CRASH_AT
    first = RegisterPersonDialog(navigator_context)
    qtbot.addWidget(first)
    qtbot.keyClicks(first.surname, "Quill")
    assert first.draft.save_now()
    second = RegisterPersonDialog(navigator_context)
    qtbot.addWidget(second)
    second.show()
    _answer(qtbot, second, restore=False)
    assert second.surname.text() == "" and not second.draft.file.path.exists()


@pytest.mark.qt_no_exception_capture
def test_the_add_event_dialog_gets_its_step_and_fields_back_after_a_crash(
    qtbot: QtBot, navigator_context: AppContext, crash_handler: CrashHandler, clock: Clock
) -> None:
    clock.at = datetime(2023, 3, 13, 14, 32, tzinfo=LONDON)
    nowak = _person_id(navigator_context, "Nowak")
    case = person_record(navigator_context.store, actor=navigator_context.actor, person_id=nowak).cases[0]
    dialog = AddEventDialog(navigator_context, case.id, case.pathway, expected_version=case.version)
    qtbot.addWidget(dialog)
    dialog.show()
    labels = [dialog.steps.item(i).text() for i in range(dialog.steps.count())]
    dialog.steps.setCurrentRow(labels.index("Drug test"))
    form = dialog.form()
    assert form is not None
    form._combos["result"].setCurrentIndex(form._combos["result"].findData("negative"))
    form.notes.setPlainText("second sample given at 14:20")
    _crash_in_a_slot(qtbot, crash_handler)
    dialog.hide()

    again = AddEventDialog(navigator_context, case.id, case.pathway, expected_version=case.version)
    qtbot.addWidget(again)
    again.show()
    assert _answer(qtbot, again, restore=True) == "You have an unsaved event for this case from 14:32. Restore it?"
    restored = again.form()
    assert restored is not None and again.steps.currentItem().text() == "Drug test"
    assert restored._combos["result"].currentData() == "negative"
    assert restored.notes.toPlainText() == "second sample given at 14:20"


@pytest.mark.qt_no_exception_capture
def test_the_contract_builder_gets_its_conditions_back_after_a_crash(
    qtbot: QtBot, navigator_context: AppContext, crash_handler: CrashHandler, clock: Clock
) -> None:
    """The reviewer typed a condition of their own, the app crashed, and the builder opened empty again."""
    store = navigator_context.store
    clock.at = datetime(2027, 11, 5, 12, tzinfo=LONDON)
    _person, case_id = checkpoint_case(store, navigator_context.actor, datetime(2027, 10, 29, 9, tzinfo=LONDON))
    builder = ContractBuilderDialog(navigator_context, case_id)
    qtbot.addWidget(builder)
    builder.show()
    builder.start.setText("31/10/2027")
    assert builder.add_condition("attend the women's centre group weekly")
    builder.own.setText("and ring the navigator on Fri")  # typed, not yet added
    chosen = builder.codes()
    _crash_in_a_slot(qtbot, crash_handler)
    builder.hide()

    again = ContractBuilderDialog(navigator_context, case_id)
    qtbot.addWidget(again)
    again.show()
    keeper = again.keeper
    qtbot.waitUntil(lambda: keeper.offer_box is not None and keeper.offer_box.isVisible(), timeout=5000)
    assert keeper.offer_box is not None
    assert keeper.offer_box.text() == "You have an unsaved Checkpoint contract from 12:00. Restore it?"
    keeper.offer_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: keeper.offer_box is None, timeout=5000)
    assert again.codes() == chosen and len(chosen) == 2
    assert (again.start.text(), again.own.text()) == ("31/10/2027", "and ring the navigator on Fri")
    again.save()
    assert again.recorded is not None and not keeper.file.path.exists()  # on record: no draft left to offer


@pytest.mark.qt_no_exception_capture
def test_a_correction_of_the_details_comes_back_after_a_crash(
    qtbot: QtBot, navigator_context: AppContext, crash_handler: CrashHandler, clock: Clock
) -> None:
    nowak = _person_id(navigator_context, "Nowak")
    record = person_record(navigator_context.store, actor=navigator_context.actor, person_id=nowak)
    dialog = PersonDetailsDialog(navigator_context, record.person, record.changes)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.born.setText("03/02/2005")
    dialog.reason.setText("date of birth as on his passport")
    _crash_in_a_slot(qtbot, crash_handler)
    dialog.hide()

    again = PersonDetailsDialog(navigator_context, record.person, record.changes)
    qtbot.addWidget(again)
    again.show()
    assert _answer(qtbot, again, restore=True) == (
        "You have an unsaved correction of this person's details from 14:32. Restore it?"
    )
    assert (again.born.text(), again.reason.text()) == ("03/02/2005", "date of birth as on his passport")
    again.save()
    assert again.corrected is not None and not again.draft.file.path.exists()


def test_the_report_withholds_every_message_of_a_chained_error(tmp_path: Path) -> None:
    def look_up() -> None:
        raise KeyError(f"{SURNAME} born 14/06/1991")

    def check() -> None:
        try:
            look_up()
        except KeyError as exc:
            raise ValueError(f"NHS number {NHS_NUMBER} not found") from exc

    with pytest.raises(ValueError) as raised:
        check()
    key = fingerprint_key(tmp_path)
    text = crash_report(raised.value, at=CRASH_AT, thread="MainThread", key=key)
    assert text.index("builtins.KeyError") < text.index("The error above caused the error below.")
    assert text.index("The error above caused") < text.index("builtins.ValueError")
    assert "in look_up" in text and "in check" in text
    assert SURNAME not in text and NHS_NUMBER not in text and "14/06/1991" not in text
    assert fingerprint_key(tmp_path) == key and fingerprint("x", key) != fingerprint("x", b"another key of 16+ bytes")
