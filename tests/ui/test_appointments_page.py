"""The appointments page as a treatment worker (and a navigator) uses it: keys on the selected row, small
dialogs filled by keyboard, and what the database and the screen show afterwards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import Event, Person, Task
from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.services import dtoa, people
from pathways.store import Store
from tests.day_alone_case import import_day_alone_case
from ui import appointment_dialogs
from ui.appointment_dialogs import MarkDoneDialog, MissedDialog, RescheduleDialog
from ui.appointments_page import OVERDUE, TASKS, TODAY, WEEK, AppointmentsPage
from ui.context import AppContext
from ui.operations import OperationRunner
from ui.person_page import PersonPage

NAVIGATOR = Actor("nav.setup", Role.CUSTODY_NAVIGATOR, "custody-pc", site="Basingstoke")
HAMPSHIRE, OTHER = "Inclusion Hampshire", "CGL Portsmouth"
PLACE = "12 Church St, Basingstoke"
D = TypeVar("D", bound=QDialog)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A Europe/London moment in late November / early December 2026 (the clock fixture is 29 Nov, 12:00)."""
    month = 11 if day >= 20 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def _case(store: Store, surname: str, arrested: datetime, dues: dict[str, tuple[datetime, str]]) -> tuple[int, int]:
    """A positive DToA case with the given required assessments; returns (person id, case id)."""
    person = people.register_person(
        store, actor=NAVIGATOR, surname=surname, forenames="Sam", date_of_birth=datetime(1990, 5, 1).date(), sex="M"
    )
    case_id = dtoa.record_arrest(
        store, actor=NAVIGATOR, person_id=person.id, occurred_at=arrested, offence="theft_shop"
    ).case_id
    given = arrested + timedelta(hours=1)
    dtoa.record_test(
        store, actor=NAVIGATOR, case_id=case_id, occurred_at=given, result="positive", substances=["cocaine"]
    )
    for kind, (due_at, service) in dues.items():
        dtoa.require_assessment(
            store,
            actor=NAVIGATOR,
            case_id=case_id,
            kind=kind,
            due_at=due_at,
            service=service,
            place=PLACE,
            occurred_at=given,
        )
    return person.id, case_id


@pytest.fixture
def day(ui_store: Store) -> dict[str, tuple[int, int]]:
    """Four people: one overdue since yesterday, one due later today, one due this morning (so overdue too),
    and one for another service."""
    return {
        "ADAMS": _case(
            ui_store, "Adams", at(26, 14), {"initial": (at(28, 10), HAMPSHIRE), "follow_up": (at(2, 10), HAMPSHIRE)}
        ),
        "BAKER": _case(
            ui_store, "Baker", at(28, 20), {"initial": (at(29, 15), HAMPSHIRE), "follow_up": (at(10, 10), HAMPSHIRE)}
        ),
        "CLARK": _case(ui_store, "Clark", at(28, 21), {"initial": (at(29, 9, 30), HAMPSHIRE)}),
        "DAVIS": _case(ui_store, "Davis", at(28, 22), {"initial": (at(29, 16), OTHER)}),
    }


def _page(qtbot: QtBot, context: AppContext, runner: OperationRunner) -> AppointmentsPage:
    page = AppointmentsPage(context, runner)
    qtbot.addWidget(page)
    page.resize(1100, 520)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=5000)
    _wait_loaded(qtbot, page)
    return page


def _wait_loaded(qtbot: QtBot, page: AppointmentsPage) -> None:
    qtbot.waitUntil(lambda: all(w.status != "Loading…" for w in page.lists.values()), timeout=5000)


def _column(page: AppointmentsPage, name: str, column: int) -> list[str]:
    model = page.lists[name].model
    return [model.index(row, column).data() for row in range(model.rowCount())]


def _people(page: AppointmentsPage, name: str) -> list[str]:
    return [person.split(",")[0] for person in _column(page, name, 1)]


def _select(qtbot: QtBot, page: AppointmentsPage, name: str, person: str, label: str | None = None) -> None:
    page.show_list(name)
    rows = list(zip(_people(page, name), _column(page, name, 3), strict=True))
    page.lists[name].view.selectRow(next(i for i, (p, a) in enumerate(rows) if p == person and label in (None, a)))


def _events(store: Store, case_id: int) -> list[Event]:
    with store.unit_of_work() as uow:
        events = uow.session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq)).all()
        uow.session.expunge_all()
        return list(events)


def _key_then_dialog(qtbot: QtBot, page: AppointmentsPage, key: Qt.Key, kind: type[D], fill: Callable[[D], Any]) -> D:
    """Press `key` on the current list; when the modal dialog opens, `fill` it as a user would."""
    seen: list[D] = []
    problems: list[BaseException] = []

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(10, act)
            return
        seen.append(dialog)
        try:
            fill(dialog)
        except BaseException as exc:  # never leave a modal dialog open: the test would hang
            problems.append(exc)
            dialog.reject()

    QTimer.singleShot(0, act)
    qtbot.keyClick(page.current().view, key)
    if problems:
        raise problems[0]
    assert seen, f"no {kind.__name__} opened"
    return seen[0]


def test_worker_sees_own_service_and_navigator_sees_all(
    qtbot: QtBot,
    worker_context: AppContext,
    navigator_context: AppContext,
    runner: OperationRunner,
    day: dict[str, tuple[int, int]],
) -> None:
    page = _page(qtbot, worker_context, runner)
    assert page.title.text() == "Appointments — Inclusion Hampshire"
    assert [page.tabs.tabText(i).replace("&", "") for i in range(4)] == [
        "Today",
        "This week",
        "Overdue",
        "Tell the police",
    ]
    assert _people(page, TODAY) == ["CLARK", "BAKER"]
    assert _column(page, TODAY, 0) == ["29 Nov 2026 09:30", "29 Nov 2026 15:00"]
    assert _column(page, TODAY, 3) == ["Initial assessment", "Initial assessment"]
    assert _column(page, TODAY, 5) == [PLACE, PLACE]
    assert _people(page, WEEK) == ["CLARK", "BAKER", "ADAMS"]  # Adams's follow-up on 2 Dec; Baker's is on 10 Dec
    assert _people(page, OVERDUE) == ["ADAMS", "CLARK"]
    assert page.lists[TODAY].view.isColumnHidden(4)
    assert page.status.text() == "2 appointments today."
    assert page.lists[TODAY].view.currentIndex().row() == 0
    nav_page = _page(qtbot, navigator_context, OperationRunner())
    assert nav_page.title.text() == "Appointments — all services"
    assert _people(nav_page, TODAY) == ["CLARK", "BAKER", "DAVIS"]
    assert not nav_page.lists[TODAY].view.isColumnHidden(4)
    assert _column(nav_page, TODAY, 4)[2] == OTHER


def test_ctrl_page_down_moves_between_lists(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, day: dict[str, tuple[int, int]]
) -> None:
    page = _page(qtbot, worker_context, runner)
    page.show_list(TODAY)
    qtbot.keyClick(page.lists[TODAY].view, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert page.current().name == WEEK
    assert page.status.text() == "3 appointments in the next 7 days."
    qtbot.keyClick(page.lists[WEEK].view, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.lists[OVERDUE].view, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert page.current().name == TASKS
    assert page.status.text() == "No tasks to tell the police about."
    assert page.buttons["done"].isVisible() and not page.buttons["attended"].isVisible()
    qtbot.keyClick(page.lists[TASKS].view, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert page.current().name == OVERDUE and page.buttons["attended"].isVisible()


def test_attended_key_records_and_row_leaves_today_and_overdue(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, day: dict[str, tuple[int, int]]
) -> None:
    page = _page(qtbot, worker_context, runner)
    _select(qtbot, page, TODAY, "CLARK")
    qtbot.keyClick(page.lists[TODAY].view, Qt.Key.Key_A)
    assert page.error.text() == ""
    assert page.outcome.text() == "Attended: CLARK, Sam, initial assessment (29 Nov 2026 09:30)."
    qtbot.waitUntil(lambda: _people(page, TODAY) == ["BAKER"], timeout=5000)
    _wait_loaded(qtbot, page)
    assert _people(page, OVERDUE) == ["ADAMS"]
    assert page.lists[TODAY].view.currentIndex().row() == 0  # the next row, Baker's, is selected
    attended = _events(worker_context.store, day["CLARK"][1])[-1]
    assert (attended.name, attended.kind, attended.service) == ("assessment_attended", "initial", HAMPSHIRE)
    assert attended.occurred_at == at(29, 9, 30)  # at the appointment's time, not when it was marked (12:00)
    assert page.status.text() == "1 appointment today."


def test_attended_is_refused_before_the_appointments_time(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, day: dict[str, tuple[int, int]]
) -> None:
    page = _page(qtbot, worker_context, runner)
    _select(qtbot, page, TODAY, "BAKER")  # due at 15:00; the clock says 12:00
    before = _events(worker_context.store, day["BAKER"][1])
    qtbot.keyClick(page.lists[TODAY].view, Qt.Key.Key_A)
    assert "its time has not come yet" in page.error.text() and "open the record (Enter)" in page.error.text()
    assert page.outcome.text() == ""
    assert [e.id for e in _events(worker_context.store, day["BAKER"][1])] == [e.id for e in before]


def test_missed_confirms_time_then_tell_the_police_and_mark_done(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, day: dict[str, tuple[int, int]]
) -> None:
    page = _page(qtbot, worker_context, runner)
    _select(qtbot, page, OVERDUE, "ADAMS")

    def missed(dialog: MissedDialog) -> None:
        assert dialog.when.dateTime().toString("dd/MM/yyyy HH:mm") == "28/11/2026 10:00"  # the appointment's time
        dialog.when.setFocus()
        qtbot.keyClicks(dialog.notes, "did not arrive")
        qtbot.keyClick(dialog.notes, Qt.Key.Key_Return)  # Enter saves

    _key_then_dialog(qtbot, page, Qt.Key.Key_M, MissedDialog, missed)
    assert page.error.text() == ""
    missed_event = _events(worker_context.store, day["ADAMS"][1])[-1]
    assert (missed_event.name, missed_event.kind, missed_event.notes) == (
        "assessment_missed",
        "initial",
        "did not arrive",
    )
    assert missed_event.occurred_at == at(28, 10)
    qtbot.waitUntil(lambda: _people(page, TASKS) == ["ADAMS"], timeout=5000)
    _wait_loaded(qtbot, page)
    assert _people(page, OVERDUE) == ["CLARK"]
    assert _column(page, TASKS, 3) == ["Tell the police: the initial assessment was missed"]
    assert _column(page, TASKS, 5) == ["28 Nov 2026 10:00"]  # when it was missed, which the police are told
    page.show_list(TASKS)

    def done(dialog: MarkDoneDialog) -> None:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # nothing said: refused, stays open
        assert dialog.isVisible() and dialog.error.text() == "Say what was done, for the record."
        qtbot.keyClicks(dialog.note, "emailed Basingstoke custody, ref 4471")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    _key_then_dialog(qtbot, page, Qt.Key.Key_D, MarkDoneDialog, done)
    qtbot.waitUntil(lambda: page.lists[TASKS].model.rowCount() == 0, timeout=5000)
    with worker_context.store.unit_of_work() as uow:
        task = uow.session.scalars(select(Task)).one()
        assert task.done_note == "emailed Basingstoke custody, ref 4471" and task.done_by == "test.treatment_worker"


def test_reschedule_gives_further_notice_and_saves_the_pdf(
    qtbot: QtBot,
    navigator_context: AppContext,
    runner: OperationRunner,
    day: dict[str, tuple[int, int]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved = tmp_path / "notice.pdf"
    monkeypatch.setattr(appointment_dialogs, "ask_notice_path", lambda _parent, _notice: saved)
    page = _page(qtbot, navigator_context, runner)
    _select(qtbot, page, TODAY, "BAKER")

    def reschedule(dialog: RescheduleDialog) -> None:
        dialog.when.setDateTime(dialog.when.dateTime().addDays(-5))  # 1 Dec, 15:00
        dialog.place.selectAll()
        qtbot.keyClicks(dialog.place, "Inclusion, 3 London St, Basingstoke")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # no reason yet: refused, nothing lost
        assert dialog.error.text() == "A further notice needs the reason for the change."
        assert dialog.place.text() == "Inclusion, 3 London St, Basingstoke"
        qtbot.keyClicks(dialog.reason, "rang: in hospital today")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)

    _key_then_dialog(qtbot, page, Qt.Key.Key_R, RescheduleDialog, reschedule)
    notice = _events(navigator_context.store, day["BAKER"][1])[-1]
    assert (notice.name, notice.kind, notice.due_at) == ("assessment_required", "initial", at(1, 15))
    assert (notice.place, notice.reason) == (
        "Inclusion, 3 London St, Basingstoke",
        "further notice: rang: in hospital today",
    )
    assert saved.read_bytes().startswith(b"%PDF")
    assert page.outcome.text().endswith(f"Notice saved to {saved}.")
    qtbot.waitUntil(lambda: _people(page, TODAY) == ["CLARK", "DAVIS"], timeout=5000)
    _wait_loaded(qtbot, page)
    assert _column(page, WEEK, 0)[2] == "1 Dec 2026 15:00" and _people(page, WEEK)[2] == "BAKER"


def test_waive_only_the_follow_up_and_treatment_started(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, day: dict[str, tuple[int, int]]
) -> None:
    adams = day["ADAMS"][1]
    dtoa.record_attendance(
        worker_context.store,
        actor=worker_context.actor,
        case_id=adams,
        kind="initial",
        attended=True,
        occurred_at=at(28, 10, 5),
    )
    page = _page(qtbot, worker_context, runner)
    _select(qtbot, page, TODAY, "CLARK")
    qtbot.keyClick(page.lists[TODAY].view, Qt.Key.Key_W)
    assert page.error.text() == "Only the follow-up assessment can be waived. Choose the follow-up row of this person."
    _select(qtbot, page, WEEK, "ADAMS", "Follow-up assessment")
    qtbot.keyClick(page.lists[WEEK].view, Qt.Key.Key_T)
    assert page.error.text() == "" and page.outcome.text() == "Treatment started: ADAMS, Sam."
    qtbot.waitUntil(lambda: page.lists[WEEK].view.currentIndex().row() == 2, timeout=5000)  # past the last row: stays
    qtbot.keyClick(page.lists[WEEK].view, Qt.Key.Key_W)
    qtbot.waitUntil(lambda: _people(page, WEEK) == ["CLARK", "BAKER"], timeout=5000)
    assert [e.name for e in _events(worker_context.store, adams)][-2:] == ["treatment_started", "follow_up_waived"]
    assert page.lists[WEEK].view.currentIndex().row() == 1  # Adams's row went; the last row left is chosen
    qtbot.keyClick(page.lists[WEEK].view, Qt.Key.Key_T)
    assert page.error.text() == "" and page.outcome.text() == "Treatment started: BAKER, Sam."
    qtbot.keyClick(page.lists[WEEK].view, Qt.Key.Key_T)  # again, on the same row
    assert page.error.text() == "Treatment has already been recorded as started on this case."


def test_wrong_role_is_refused_in_plain_words(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner, day: dict[str, tuple[int, int]]
) -> None:
    page = _page(qtbot, navigator_context, runner)
    _select(qtbot, page, TODAY, "CLARK")
    qtbot.keyClick(page.lists[TODAY].view, Qt.Key.Key_A)
    assert page.error.text() == "A custody navigator cannot record attendance at an assessment."
    assert [e.name for e in _events(navigator_context.store, day["CLARK"][1])][-1] == "assessment_required"
    assert _people(page, TODAY) == ["CLARK", "BAKER", "DAVIS"]  # nothing lost, same row still chosen
    assert page.lists[TODAY].view.currentIndex().row() == 0


def test_enter_and_the_button_open_the_record(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, day: dict[str, tuple[int, int]]
) -> None:
    page = _page(qtbot, worker_context, runner)
    _select(qtbot, page, TODAY, "BAKER")
    with qtbot.waitSignal(page.open_person, timeout=1000) as opened:
        qtbot.keyClick(page.lists[TODAY].view, Qt.Key.Key_Return)
    assert opened.args == list(day["BAKER"])  # the record opens on the appointment's case
    button = page.buttons["open"]
    assert isinstance(button, QPushButton) and button.accessibleName() == "Open the person's record"
    with qtbot.waitSignal(page.open_person, timeout=1000) as clicked:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert clicked.args == list(day["BAKER"])


def test_attended_button_works_with_the_mouse(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, day: dict[str, tuple[int, int]]
) -> None:
    page = _page(qtbot, worker_context, runner)
    _select(qtbot, page, OVERDUE, "ADAMS")
    assert page.buttons["attended"].text() == "&Attended"
    qtbot.mouseClick(page.buttons["attended"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _people(page, OVERDUE) == ["CLARK"], timeout=5000)
    assert page.lists[OVERDUE].view.currentIndex().row() == 0
    assert _events(worker_context.store, day["ADAMS"][1])[-1].name == "assessment_attended"


def test_an_appointment_given_as_a_day_alone_is_shown_and_attended_as_a_day(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner
) -> None:
    case_id = import_day_alone_case(worker_context.store, "2026-11-27")
    page = _page(qtbot, worker_context, runner)
    _select(qtbot, page, OVERDUE, "DAYONLY")
    due = page.lists[OVERDUE].view.currentIndex().siblingAtColumn(0).data()
    assert due == "27 Nov 2026"  # not "27 Nov 2026 00:00": no time was given
    qtbot.keyClick(page.lists[OVERDUE].view, Qt.Key.Key_A)
    assert page.error.text() == ""
    assert page.outcome.text() == "Attended: DAYONLY, Ray, initial assessment (27 Nov 2026)."
    attended = _events(worker_context.store, case_id)[-1]
    assert attended.name == "assessment_attended"
    assert attended.occurred_at == datetime(2026, 11, 27, tzinfo=LONDON)
    assert attended.occurred_time_known is False  # the day it happened, at no time anyone knows
    record = PersonPage(worker_context)
    qtbot.addWidget(record)
    record.show_person(_person_id(worker_context.store, "Dayonly"))
    rows = record.timeline_model.rowCount()
    shown = [(record.timeline_model.index(r, 0).data(), record.timeline_model.index(r, 2).data()) for r in range(rows)]
    assert shown[0][0] == "25 Nov 2026 14:00"  # the arrest, with its time
    assert shown[2][1].endswith("Due: 27 Nov 2026")  # the requirement, due on a day
    assert shown[-1][0] == "27 Nov 2026"  # the attendance, on that day


def _person_id(store: Store, surname: str) -> int:
    with store.unit_of_work() as uow:
        return int(uow.session.scalars(select(Person.id).where(Person.surname == surname)).one())


def test_missed_on_an_appointment_given_as_a_day_alone_is_recorded_as_a_day(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner
) -> None:
    case_id = import_day_alone_case(worker_context.store, "2026-11-27")
    page = _page(qtbot, worker_context, runner)
    _select(qtbot, page, OVERDUE, "DAYONLY")

    def missed(dialog: MissedDialog) -> None:
        assert dialog.when.dateTime().toString("dd/MM/yyyy HH:mm") == "27/11/2026 00:00"  # its day; no time typed
        qtbot.keyClick(dialog.notes, Qt.Key.Key_Return)

    _key_then_dialog(qtbot, page, Qt.Key.Key_M, MissedDialog, missed)
    assert page.error.text() == ""
    missed_event = _events(worker_context.store, case_id)[-1]
    assert missed_event.name == "assessment_missed"
    assert (missed_event.occurred_at, missed_event.occurred_time_known) == (
        datetime(2026, 11, 27, tzinfo=LONDON),
        False,
    )


def test_coming_to_the_page_puts_the_keyboard_in_the_list_in_front(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, day: dict[str, tuple[int, int]]
) -> None:
    """Ctrl+2 shows the page and gives it the focus (MainWindow._show): A, M, R… must then act on the list's row,
    not fall on the page around it."""
    page = _page(qtbot, worker_context, runner)
    page.tabs.setFocus()  # somewhere else on the page, as after a click on a tab
    page.setFocus()
    assert QApplication.focusWidget() is page.lists[TODAY].view
    page.show_list(OVERDUE)
    page.tabs.setFocus()
    page.setFocus()
    assert QApplication.focusWidget() is page.lists[OVERDUE].view
