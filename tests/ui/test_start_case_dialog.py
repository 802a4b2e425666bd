"""Starting a case on any pathway from the person's record, as a user would (real widgets, real database)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from db.models import Event
from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.services import people
from pathways.services.steps import record_step, start_case
from pathways.store import Store
from tests.listed_services import list_services
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.start_case_dialog import StartCaseDialog


# Siân Evans (the example's EC5) was referred to DIVERT at Bangor custody, to Cranstoun: the users here work there,
# and the administrator has put Cranstoun on the list of services.
@pytest.fixture
def navigator_context(ui_store: Store) -> AppContext:
    list_services(ui_store, "Cranstoun")
    return AppContext(ui_store, Actor("test.custody_navigator", Role.CUSTODY_NAVIGATOR, "test-pc", site="Bangor"))


@pytest.fixture
def worker_context(ui_store: Store) -> AppContext:
    list_services(ui_store, "Cranstoun")
    return AppContext(ui_store, Actor("test.treatment_worker", Role.TREATMENT_WORKER, "test-pc", service="Cranstoun"))


def _record(qtbot: QtBot, context: AppContext, search: str) -> MainWindow:
    window = MainWindow(context, "test database")
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.find_page.search.setText(search)
    qtbot.waitUntil(lambda: window.find_page.model.rowCount() == 1, timeout=5000)
    window.find_page._open_first()
    assert window.pages.currentWidget() is window.person_page
    return window


def _dialog(qtbot: QtBot, context: AppContext, window: MainWindow) -> StartCaseDialog:
    assert window.person_page.person_id is not None
    dialog = StartCaseDialog(context, window.person_page.person_id, window)
    qtbot.addWidget(dialog)
    return dialog


def test_ctrl_shift_n_on_the_record_opens_the_new_case_dialog(qtbot: QtBot, navigator_context: AppContext) -> None:
    window = _record(qtbot, navigator_context, "evans")
    seen: list[list[str]] = []

    def look_and_close(tries: int = 250) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, StartCaseDialog):
            if tries:  # the shortcut has not opened it yet
                QTimer.singleShot(20, lambda: look_and_close(tries - 1))
            return
        seen.append([dialog.pathway.itemText(i) for i in range(dialog.pathway.count())])
        dialog.reject()

    look_and_close()
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.person_page, Qt.Key.Key_N, modifiers)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    (names,) = seen
    window.show_find()  # elsewhere in the window the shortcut does nothing
    look_and_close(25)  # closes the dialog (and so fails the test below) should it open after all
    qtbot.keyClick(window.find_page.search, Qt.Key.Key_N, modifiers)
    qtbot.wait(700)
    assert len(seen) == 1
    assert "Arrest referral" in names and "DIVERT (drug education)" in names
    assert "Youth substance-misuse interventions" in names and "Drug Testing on Arrest" not in names


def test_a_new_arrest_referral_keeps_what_was_typed_when_refused(qtbot: QtBot, navigator_context: AppContext) -> None:
    window = _record(qtbot, navigator_context, "evans")
    cases_before = window.person_page.cases_model.rowCount()
    dialog = _dialog(qtbot, navigator_context, window)
    dialog.choose("arrest_referral")
    form = dialog.form()
    assert form is not None and dialog.save_button.isEnabled()
    reason = form._combos["reason"]
    reason.setCurrentIndex(reason.findData("voluntary_cell_sweep"))
    service = form._listed["service"]
    service.setCurrentIndex(service.findText("Cranstoun"))  # chosen from the list
    qtbot.keyClicks(form.notes, "seen in the cells overnight")
    form.when.setDateTime(form.when.dateTime().addDays(2))  # in the future
    dialog._save()
    assert dialog.error.text().startswith("The time given (") and "is in the future" in dialog.error.text()
    assert dialog.form() is form and form.notes.toPlainText() == "seen in the cells overnight"
    assert reason.currentData() == "voluntary_cell_sweep" and service.currentText() == "Cranstoun"
    form.when.setDateTime(form.when.dateTime().addDays(-2))
    dialog._save()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.result_recorded is not None
    assert dialog.result_recorded.stage == "Contacted"
    page = window.person_page
    qtbot.waitUntil(lambda: page.cases_model.rowCount() == cases_before + 1, timeout=5000)


def test_divert_is_not_offered_again_to_someone_who_did_not_engage(qtbot: QtBot, navigator_context: AppContext) -> None:
    store, actor = navigator_context.store, navigator_context.actor
    person = people.register_person(
        store, actor=actor, surname="Quinn", forenames="Rory", date_of_birth=date(1996, 10, 2), sex="M"
    )
    earlier = start_case(
        store,
        actor=actor,
        person_id=person.id,
        pathway="divert",
        event="referral",
        occurred_at=datetime(2026, 9, 14, 11, tzinfo=LONDON),
        values={"substances": "cannabis", "site": "Worcester"},
    )
    record_step(
        store,
        actor=actor,
        case_id=earlier.case_id,
        event="not_engaged",
        occurred_at=datetime(2026, 10, 30, tzinfo=LONDON),
        values={},
    )
    window = _record(qtbot, navigator_context, "quinn")
    dialog = _dialog(qtbot, navigator_context, window)
    dialog.choose("divert")
    assert dialog.refusal.text() == (
        "DIVERT is not offered again to someone who did not engage: this person did not engage with referral "
        f"{earlier.case_ref} of 14 Sep 2026 (closed as not engaged on 30 Oct 2026)."
    )
    assert dialog.earlier.text().startswith(f"Earlier case: {earlier.case_ref}, started 14 Sep 2026")
    assert dialog.form() is None and not dialog.save_button.isEnabled()
    dialog.choose("arrest_referral")  # another pathway is still open to them
    assert dialog.refusal.text() == "" and dialog.form() is not None and dialog.save_button.isEnabled()


def test_youth_interventions_say_who_they_are_for(qtbot: QtBot, worker_context: AppContext) -> None:
    window = _record(qtbot, worker_context, "evans")  # born 1999: an adult
    dialog = _dialog(qtbot, worker_context, window)
    dialog.choose("youth")
    assert "For people aged under 18 on the day of the referral." in dialog.about.text()
    form = dialog.form()
    assert form is not None
    qtbot.keyClicks(form.notes, "referred by the youth justice service")
    dialog._save()
    assert dialog.error.text().startswith("Referral: give the level of response.")  # nothing chosen for the user
    level = form._combos["kind"]
    level.setCurrentIndex(0)
    dialog._save()
    assert dialog.error.text() == (
        "The Youth substance-misuse interventions pathway is for people aged under 18: "
        "this person was 27 on the day of the referral."
    )
    assert dialog.result() != dialog.DialogCode.Accepted
    assert form.notes.toPlainText() == "referred by the youth justice service"


def test_a_role_that_cannot_record_the_first_step_is_told_so(qtbot: QtBot, navigator_context: AppContext) -> None:
    window = _record(qtbot, navigator_context, "evans")
    dialog = _dialog(qtbot, navigator_context, window)
    dialog.choose("youth")
    assert (
        dialog.refusal.text() == "A custody navigator cannot record a youth intervention step: ask a colleague who can."
    )
    assert dialog.form() is None and not dialog.save_button.isEnabled()
    manager = AppContext(navigator_context.store, Actor("test.manager", Role.MANAGER, "test-pc"))
    assert window.person_page.person_id is not None
    for_manager = StartCaseDialog(manager, window.person_page.person_id, window)
    qtbot.addWidget(for_manager)
    for_manager.choose("divert")
    assert for_manager.refusal.text() == "A manager cannot record a DIVERT step: ask a colleague who can."


def test_the_end_of_a_court_order_starts_empty_and_is_typed_as_a_day(qtbot: QtBot, worker_context: AppContext) -> None:
    """No end is guessed (a court sets it): Save asks for it; a day that does not exist is refused; the day typed
    is kept as a day, and the record shows it so."""
    window = _record(qtbot, worker_context, "evans")
    cases_before = window.person_page.cases_model.rowCount()
    dialog = _dialog(qtbot, worker_context, window)
    dialog.choose("drr")
    form = dialog.form()
    assert form is not None and form.due is None and form.due_typed is not None
    assert form.due_typed.text() == ""
    kind, reviews = form._combos["kind"], form._combos["result"]
    kind.setCurrentIndex(kind.findData("weekly"))
    reviews.setCurrentIndex(reviews.findData("with_reviews"))
    qtbot.keyClicks(form._listed["site"].lineEdit(), "Bangor Magistrates' Court")  # a court not on the list
    qtbot.keyClicks(form._listed["service"].lineEdit(), "Cranstoun")  # typed, to find it on the list
    dialog._save()
    assert dialog.error.text() == "Give the end of the order as dd/mm/yyyy, e.g. 31/05/2027."
    qtbot.keyClicks(form.due_typed, "31/02/2027")
    dialog._save()
    assert dialog.error.text() == "End of the order: 31/02/2027 is not a real date (there is no such day)."
    assert window.person_page.cases_model.rowCount() == cases_before  # nothing written
    form.due_typed.clear()
    qtbot.keyClicks(form.due_typed, "28/02/2027")
    dialog._save()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.result_recorded is not None
    page = window.person_page
    qtbot.waitUntil(lambda: page.cases_model.rowCount() == cases_before + 1, timeout=5000)
    with worker_context.store.unit_of_work() as uow:
        order = uow.session.get_one(Event, dialog.result_recorded.event_id)
        assert (order.due_at, order.due_time_known) == (datetime(2027, 2, 28, tzinfo=LONDON), False)
        assert (order.site, order.service) == ("Bangor Magistrates' Court", "Cranstoun")
    refs = [page.cases_model.index(row, 0).data() for row in range(page.cases_model.rowCount())]
    page.cases.selectRow(refs.index(dialog.result_recorded.case_ref))
    assert page.timeline_model.index(0, 2).data().endswith("Due: 28 Feb 2027")  # a day, not "28 Feb 2027 00:00"


def test_the_form_keeps_its_rows_together_at_the_top_of_a_tall_dialog(
    qtbot: QtBot, navigator_context: AppContext
) -> None:
    """No blank lines for notes with nothing to say, and no gaps between the rows when the dialog is taller than
    they need (it opens 600 pixels tall; a user may make it taller still)."""
    window = _record(qtbot, navigator_context, "evans")
    dialog = _dialog(qtbot, navigator_context, window)
    dialog.choose("arrest_referral")
    dialog.resize(600, 900)
    dialog.show()
    qtbot.waitExposed(dialog)
    form = dialog.form()
    assert form is not None
    assert dialog.refusal.isHidden() and dialog.earlier.isHidden()
    when, notes = (
        form.when.mapTo(dialog, form.when.rect().topLeft()),
        form.notes.mapTo(dialog, form.notes.rect().topLeft()),
    )
    rows = 4  # When, Reason, Custody suite or court, Service: then Notes
    assert notes.y() - when.y() <= rows * (form.when.height() + 16)
    assert when.y() - dialog.about.mapTo(dialog, dialog.about.rect().bottomLeft()).y() <= 24
