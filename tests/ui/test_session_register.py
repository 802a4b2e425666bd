"""The group-programme page as a treatment worker uses it: the register of a session marked for three people from
the keyboard (P, A, Space) and saved whole with Ctrl+S; a re-mark saved as a correction; a future session
refused in words; a person found by name and enrolled; a new programme set up; the main window's page; and the
person's record opened from the register, with their attendance in the register's figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import Event, Person
from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.services import people, steps
from pathways.services.programme_register import ABSENT, PRESENT, record_register
from pathways.services.programmes import ProgrammeView, create_programme, enrol
from pathways.store import Store
from tests.dtoa_case import assessment_required
from tests.ui.questions import answer_next_question
from tests.ui.test_main_window import _unnamed
from ui.context import AppContext
from ui.formatting import show_date
from ui.main_window import MainWindow
from ui.operations import OperationRunner
from ui.person_page import CASE_HEADERS, PersonPage
from ui.programme_dialogs import EnrolDialog, NewProgrammeDialog
from ui.programmes_page import ProgrammesPage

ADMIN = Actor("admin.setup", Role.ADMINISTRATOR, "office-pc")
WORKER = Actor("tw.setup", Role.TREATMENT_WORKER, "clinic-pc", service="Inclusion Hampshire")
NAVIGATOR = Actor("nav.setup", Role.CUSTODY_NAVIGATOR, "custody-pc", site="Basingstoke")
SESSION_4 = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)  # the clock fixture is Sunday 29 November 2026, 12:00


@pytest.fixture
def group(ui_store: Store) -> tuple[ProgrammeView, dict[str, int]]:
    """FREE-2026: 12 weekly sessions from Monday 2 November 2026 (four held so far), three women enrolled."""
    programme = create_programme(
        ui_store,
        actor=ADMIN,
        code="FREE-2026",
        name="FREE women's group",
        first_session_at=datetime(2026, 11, 2, 10, 0, tzinfo=LONDON),
        sessions=12,
        service="Inclusion Hampshire",
        site="Basingstoke Women's Centre",
    )
    cases = {}
    for surname in ("Adams", "Baker", "Clark"):
        person = people.register_person(
            ui_store, actor=WORKER, surname=surname, forenames="Jo", date_of_birth=date(1988, 3, 4), sex="F"
        )
        enrolled = enrol(
            ui_store,
            actor=WORKER,
            programme_id=programme.id,
            person_id=person.id,
            occurred_at=datetime(2026, 11, 1, tzinfo=LONDON),
        )
        cases[surname] = enrolled.case_id
    return programme, cases


def _page(qtbot: QtBot, context: AppContext, runner: OperationRunner) -> ProgrammesPage:
    page = ProgrammesPage(context, runner)
    qtbot.addWidget(page)
    page.resize(1100, 640)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=5000)
    _wait_loaded(qtbot, page)
    return page


def _wait_loaded(qtbot: QtBot, page: ProgrammesPage) -> None:
    qtbot.waitUntil(lambda: page.attendance is not None and page.status.text() != "Loading…", timeout=5000)


def _programmes_in_window(qtbot: QtBot, context: AppContext) -> tuple[MainWindow, ProgrammesPage]:
    """The main window, its Group programmes page opened with Ctrl+G and loaded."""
    window = MainWindow(context, "test database")
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    page = window.pages.currentWidget()
    assert isinstance(page, ProgrammesPage)
    _wait_loaded(qtbot, page)
    return window, page


def _column(page: ProgrammesPage, column: int) -> list[str]:
    return [page.model.index(row, column).data() for row in range(page.model.rowCount())]


def _marks(store: Store, cases: dict[str, int]) -> dict[str, list[tuple[str, str]]]:
    """Each person's session events at session 4 (name, action), in the order recorded."""
    with store.unit_of_work() as uow:
        found = uow.session.scalars(
            select(Event).where(Event.case_id.in_(cases.values()), Event.occurred_at == SESSION_4).order_by(Event.id)
        ).all()
        by_case = {case_id: surname for surname, case_id in cases.items()}
        marks: dict[str, list[tuple[str, str]]] = {surname: [] for surname in cases}
        for event in found:
            marks[by_case[event.case_id]].append((event.name, event.action))
        return marks


def test_a_register_is_marked_by_keyboard_and_saved_whole(
    qtbot: QtBot,
    worker_context: AppContext,
    runner: OperationRunner,
    group: tuple[ProgrammeView, dict[str, int]],
    tmp_path: Path,
) -> None:
    _programme, cases = group
    page = _page(qtbot, worker_context, runner)
    assert page.session_box.currentText() == "Session 4 — Mon 23 Nov 2026 10:00"  # the latest held
    assert _column(page, 0) == ["ADAMS, Jo", "BAKER, Jo", "CLARK, Jo"]
    assert _column(page, 1) == ["Not marked"] * 3
    assert page.register.hasFocus() or page.focusProxy() is page.register
    page.register.setFocus()
    page.register.selectRow(0)

    for key in (Qt.Key.Key_P, Qt.Key.Key_A, Qt.Key.Key_P):
        qtbot.keyClick(page.register, key)
    assert _column(page, 1) == ["Present (not saved)", "Absent (not saved)", "Present (not saved)"]
    assert page.status.text() == (
        "3 on the register: 2 present, 1 absent, 0 not marked. 3 marks not saved yet: Ctrl+S saves the register."
    )
    assert _marks(worker_context.store, cases) == {"Adams": [], "Baker": [], "Clark": []}  # nothing saved yet

    page.grab().save(str(tmp_path / "register-marked.png"))
    qtbot.keyClick(page.register, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.error.text() == ""
    assert page.outcome.text() == "Register saved for session 4 (23 Nov 2026 10:00): 3 marked."
    assert _marks(worker_context.store, cases) == {
        "Adams": [("session_attended", "record")],
        "Baker": [("session_missed", "record")],
        "Clark": [("session_attended", "record")],
    }
    qtbot.waitUntil(lambda: _column(page, 1) == ["Present", "Absent", "Present"], timeout=5000)
    assert _column(page, 2) == ["1 of 4 held", "0 of 4 held", "1 of 4 held"]
    assert _column(page, 3) == ["1 of 12 sessions", "0 of 12 sessions", "1 of 12 sessions"]
    assert page.error.text() == ""  # the reload after saving went well
    page.grab().save(str(tmp_path / "register-saved.png"))

    # Baker came late after all: Space switches her mark; saving corrects the one mark, the others stay.
    page.register.selectRow(1)
    qtbot.keyClick(page.register, Qt.Key.Key_Space)
    assert _column(page, 1)[1] == "Present (not saved)"
    qtbot.keyClick(page.register, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.outcome.text() == "Register saved for session 4 (23 Nov 2026 10:00): 1 corrected."
    assert _marks(worker_context.store, cases)["Baker"] == [
        ("session_missed", "record"),
        ("session_attended", "correct"),
    ]
    qtbot.waitUntil(lambda: _column(page, 2) == ["1 of 4 held", "1 of 4 held", "1 of 4 held"], timeout=5000)


def test_a_register_saved_leaves_the_marks_someone_else_saved_since_it_was_read(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, group: tuple[ProgrammeView, dict[str, int]]
) -> None:
    """Two workers with the same register open: each save writes only the marks its own user typed. A mark the
    other saved since is neither undone nor "corrected" back, and typing over that same mark is refused."""
    programme, cases = group
    store = worker_context.store
    record_register(store, actor=WORKER, programme_id=programme.id, session=4, marks={cases["Adams"]: PRESENT})
    page = _page(qtbot, worker_context, runner)
    assert _column(page, 1) == ["Present", "Not marked", "Not marked"]
    colleague = Actor("tw.other", Role.TREATMENT_WORKER, "clinic-pc-2", service="Inclusion Hampshire")
    record_register(store, actor=colleague, programme_id=programme.id, session=4, marks={cases["Adams"]: ABSENT})

    page.register.setFocus()
    page.register.selectRow(1)
    qtbot.keyClick(page.register, Qt.Key.Key_P)  # Baker, on the page still showing Adams present
    qtbot.keyClick(page.register, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.error.text() == ""
    assert page.outcome.text() == (
        "Register saved for session 4 (23 Nov 2026 10:00): 1 marked. 1 person is not marked yet."
    )
    marks = _marks(store, cases)
    assert marks["Adams"] == [("session_attended", "record"), ("session_missed", "correct")]  # the colleague's stands
    assert marks["Baker"] == [("session_attended", "record")]
    qtbot.waitUntil(lambda: _column(page, 1) == ["Absent", "Present", "Not marked"], timeout=5000)

    record_register(store, actor=colleague, programme_id=programme.id, session=4, marks={cases["Adams"]: PRESENT})
    page.register.selectRow(0)
    qtbot.keyClick(page.register, Qt.Key.Key_P)  # over a mark the colleague has changed again since
    qtbot.keyClick(page.register, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "changed by" in page.error.text()
    assert _marks(store, cases)["Adams"][-1] == ("session_attended", "correct")  # nothing of the stale save


def test_a_session_still_to_come_cannot_be_marked(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, group: tuple[ProgrammeView, dict[str, int]]
) -> None:
    page = _page(qtbot, worker_context, runner)
    page.session_box.setCurrentIndex(4)
    assert page.session_box.currentText() == "Session 5 — Mon 30 Nov 2026 10:00 (to come)"
    assert page.status.text() == (
        "Session 5 is on 30 Nov 2026 10:00: its register can be taken once the session has started."
    )
    page.register.setFocus()
    page.register.selectRow(0)
    qtbot.keyClick(page.register, Qt.Key.Key_P)
    assert "its register can be taken once the session has started" in page.error.text()
    assert _column(page, 1) == ["Not marked"] * 3


def test_a_person_is_found_by_name_and_enrolled(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, group: tuple[ProgrammeView, dict[str, int]]
) -> None:
    programme, _cases = group
    people.register_person(
        worker_context.store,
        actor=worker_context.actor,  # registered by the worker who enrols her: in their scope
        surname="Dunn",
        forenames="Eve",
        date_of_birth=date(1992, 6, 1),
        sex="F",
    )
    page = _page(qtbot, worker_context, runner)
    dialog = EnrolDialog(worker_context, runner, programme, page)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.search, "dunn eve")
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.error.text() == ""
    assert dialog.enrolled is not None and dialog.enrolled_name == "DUNN, Eve"
    record = PersonPage(worker_context)  # the enrolment was given as a day: shown as one, not at "00:00"
    qtbot.addWidget(record)
    record.show_person(_person_id(worker_context.store, "Dunn"))
    started = record.cases_model.index(0, CASE_HEADERS.index("Started")).data()
    assert started == show_date(worker_context.store.clock().astimezone(LONDON).date())
    # Enrolled today: not on the register of session 4, held last Monday; on session 5's.
    qtbot.waitUntil(lambda: page.attendance is not None and len(page.attendance.rows) == 4, timeout=5000)
    assert page.model.rowCount() == 3
    page.session_box.setCurrentIndex(4)
    assert _column(page, 0) == ["ADAMS, Jo", "BAKER, Jo", "CLARK, Jo", "DUNN, Eve"]
    again = EnrolDialog(worker_context, runner, programme, page)
    qtbot.addWidget(again)
    qtbot.keyClicks(again.search, "dunn")
    qtbot.waitUntil(lambda: again.model.rowCount() == 1, timeout=5000)
    again.enrol_button.click()
    assert again.error.text() == "Eve Dunn is already enrolled on FREE women's group (FREE-2026)."


def test_a_programme_is_set_up_in_the_dialog(qtbot: QtBot, worker_context: AppContext) -> None:
    dialog = NewProgrammeDialog(worker_context)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.code, "wonder-27")
    qtbot.keyClicks(dialog.name, "WONDER+")
    dialog.sessions.setValue(36)
    assert dialog.preview.text() == "Every Sunday at 10:00, weekly: 36 sessions, the last on 8 Aug 2027 10:00."
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    save.click()
    assert dialog.error.text() == ""
    assert dialog.created is not None and dialog.created.code == "WONDER-27"
    assert dialog.created.service == "Inclusion Hampshire"  # the worker's own service, offered first
    again = NewProgrammeDialog(worker_context)
    qtbot.addWidget(again)
    qtbot.keyClicks(again.code, "WONDER-27")
    qtbot.keyClicks(again.name, "Another")
    again.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert again.error.text() == "There is already a programme with the code WONDER-27."


def test_the_window_offers_the_page_to_those_who_may_use_it(
    qtbot: QtBot,
    worker_context: AppContext,
    navigator_context: AppContext,
    group: tuple[ProgrammeView, dict[str, int]],
) -> None:
    navigator = MainWindow(navigator_context, "test database")
    qtbot.addWidget(navigator)
    assert "Group programmes" not in [a.text().replace("&", "") for a in navigator.toolbar.actions()]
    _window, page = _programmes_in_window(qtbot, worker_context)
    assert _unnamed(page) == []
    assert page.model.rowCount() == 3


def test_closing_with_marks_not_saved_asks_first(
    qtbot: QtBot, worker_context: AppContext, group: tuple[ProgrammeView, dict[str, int]]
) -> None:
    _programme, cases = group
    window, page = _programmes_in_window(qtbot, worker_context)
    page.register.setFocus()
    page.register.selectRow(0)
    for key in (Qt.Key.Key_P, Qt.Key.Key_A):
        qtbot.keyClick(page.register, key)
    assert page.unsaved_registers() == ["session 4 of FREE-2026: 2 marks"]
    asked: list[str] = []
    answer_next_question("Go back", asked)
    assert not window.close()  # gone back: the window stays, on the register, with the marks
    assert "session 4 of FREE-2026: 2 marks" in asked[0] and window.isVisible()
    assert window.pages.currentWidget() is page and page.unsaved_registers()
    answer_next_question("Close without saving", asked)
    assert window.close() and len(asked) == 2
    assert _marks(worker_context.store, cases) == {"Adams": [], "Baker": [], "Clark": []}  # nothing was saved


def _person_id(store: Store, surname: str) -> int:
    with store.unit_of_work() as uow:
        return int(uow.session.scalars(select(Person.id).where(Person.surname == surname)).one())


def test_the_record_opened_from_the_register_shows_the_attendance_the_register_counts(
    qtbot: QtBot, worker_context: AppContext, group: tuple[ProgrammeView, dict[str, int]], tmp_path: Path
) -> None:
    """Enter on a register row opens the person's record; their group programme case reads its attendance in the
    register's figures (a re-marked session as re-marked). A case on another pathway shows none."""
    programme, cases = group
    store, actor = worker_context.store, worker_context.actor
    for number in (1, 2, 3, 4):
        marks = {cases["Adams"]: PRESENT, cases["Baker"]: ABSENT}
        record_register(store, actor=actor, programme_id=programme.id, session=number, marks=marks)
    record_register(store, actor=actor, programme_id=programme.id, session=3, marks={cases["Adams"]: ABSENT})
    left = datetime(2026, 11, 24, 9, 0, tzinfo=LONDON)
    steps.record_step(
        store, actor=actor, case_id=cases["Baker"], event="left", occurred_at=left, values={"kind": "FREE-2026"}
    )
    window, page = _programmes_in_window(qtbot, worker_context)
    assert (_column(page, 2)[0], _column(page, 3)[0]) == ("3 of 4 held", "3 of 12 sessions")
    page.register.setFocus()
    page.register.selectRow(0)
    qtbot.keyClick(page.register, Qt.Key.Key_Return)

    record = window.person_page
    assert window.pages.currentWidget() is record and record.title.text() == "ADAMS, Jo"
    assert record.attendance.isVisible()
    assert record.attendance.text() == (
        "Attended 3 of 4 sessions held so far · 3 of 12 in the whole programme · 1 missed · "
        "last attended session 4 on 23 Nov 2026"
    )
    shown = record.current_case()
    assert page.attendance is not None and shown is not None
    assert shown.attendance == page.attendance.rows[0].counts  # the same figures as the register's row
    record.grab().save(str(tmp_path / "record-attendance.png"))
    words = {
        "Baker": "Attended 0 of 4 sessions held while enrolled · 0 of 12 in the whole programme · 4 missed",
        "Clark": "Attended 0 of 4 sessions held so far · 0 of 12 in the whole programme · 4 not marked",
    }
    for surname, said in words.items():
        window.open_person(_person_id(store, surname))
        assert record.attendance.text() == said

    window.open_person(_person_id(store, "Hughes"))  # a DToA case referred to the worker's service
    assert record.title.text() == "HUGHES, Daniel"
    assert not record.attendance.isVisible() and record.attendance.text() == ""


def test_the_record_opened_from_the_register_is_on_the_enrolment_not_the_persons_latest_case(
    qtbot: QtBot, worker_context: AppContext, group: tuple[ProgrammeView, dict[str, int]]
) -> None:
    """Daniel Hughes was arrested again since he enrolled (that case is the first of his record): Enter on his
    register row opens the record on his enrolment, where its attendance is."""
    programme, _cases = group
    store, actor = worker_context.store, worker_context.actor
    hughes = _person_id(store, "Hughes")
    since = datetime(2026, 11, 1, tzinfo=LONDON)
    enrolment = enrol(store, actor=actor, programme_id=programme.id, person_id=hughes, occurred_at=since).case_id
    arrested = datetime(2026, 11, 20, 9, 0, tzinfo=LONDON)
    due = arrested + timedelta(days=3)
    newest = assessment_required(store, NAVIGATOR, hughes, arrested=arrested, due=due, service="Inclusion Hampshire")
    window, page = _programmes_in_window(qtbot, worker_context)
    row = next(r for r in range(page.model.rowCount()) if page.model.row_at(r).person_id == hughes)  # type: ignore[union-attr]
    page.register.setFocus()
    page.register.selectRow(row)
    qtbot.keyClick(page.register, Qt.Key.Key_Return)
    record = window.person_page
    shown = record.current_case()
    assert record.title.text() == "HUGHES, Daniel" and shown is not None
    assert (shown.id, shown.pathway) == (enrolment, "group_programme") and record.attendance.isVisible()
    assert record.record is not None and record.record.cases[0].id == newest  # (not the one shown)
