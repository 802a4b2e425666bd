"""Two people on the same case from two screens: the second save is refused in the screen with who changed the
case and when, the screen reloads, and what was typed stays; saving again then goes through."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import Event, Person
from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.services import dtoa
from pathways.services.accounts import add_user
from pathways.services.corrections import correct_event
from pathways.store import Store
from tests.conftest import Clock
from tests.ui.test_appointments_page import _case, _page, _select, _wait_loaded, at
from ui.add_event_dialog import AddEventDialog
from ui.appointments_page import OVERDUE, TODAY, WEEK
from ui.context import AppContext
from ui.correct_dialog import CorrectEventDialog
from ui.operations import OperationRunner
from ui.person_page import PersonPage

D = TypeVar("D", bound=QDialog)
SMITH = Actor("jsmith", Role.CUSTODY_NAVIGATOR, "custody-pc-7", site="Basingstoke")
PATEL = Actor("rpatel", Role.TREATMENT_WORKER, "clinic-pc-9", service="Inclusion Hampshire")
REFUSED = (
    "This case was changed by {who} at 14:32 while you were working on it. Reload it to see the change, then try again."
)


@pytest.fixture
def colleagues(ui_store: Store) -> Iterator[None]:
    admin = Actor("admin.setup", Role.ADMINISTRATOR, "office-pc")
    for actor, name in ((SMITH, "J. Smith"), (PATEL, "R. Patel")):
        add_user(
            ui_store,
            actor=admin,
            username=actor.username,
            display_name=name,
            role=actor.role,
            password="Basingstoke custody 7 navigator",
            site=actor.site,
            service=actor.service,
            must_change_password=False,  # (so that they can work at once)
        )
    yield


def _in_modal(kind: type[D], act: Callable[[D], None]) -> list[BaseException]:
    """Do `act` on the modal dialog of `kind` once it opens; problems are returned, and the dialog is never left
    open (the test would hang)."""
    problems: list[BaseException] = []

    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(10, attempt)
            return
        try:
            act(dialog)
        except BaseException as exc:
            problems.append(exc)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, attempt)
    return problems


def _nowak_page(qtbot: QtBot, context: AppContext) -> tuple[PersonPage, int]:
    with context.store.unit_of_work() as uow:
        person_id = uow.session.scalar(select(Person.id).where(Person.surname == "Nowak"))
    assert person_id is not None
    page = PersonPage(context)
    qtbot.addWidget(page)
    page.show()
    page.show_person(person_id)
    case = page.current_case()
    assert case is not None
    return page, case.id


def _tests(store: Store, case_id: int) -> list[str | None]:
    with store.unit_of_work() as uow:
        query = select(Event.result).where(Event.case_id == case_id, Event.name == "test").order_by(Event.seq)
        return list(uow.session.scalars(query))


def test_add_event_after_someone_else_saved_is_refused_then_goes_through(
    qtbot: QtBot, navigator_context: AppContext, colleagues: None, clock: Clock
) -> None:
    clock.at = datetime(2023, 3, 13, 14, 32, tzinfo=LONDON)
    page, case_id = _nowak_page(qtbot, navigator_context)
    shown = page.current_case()
    assert shown is not None
    seen: dict[str, str] = {}

    def add(dialog: AddEventDialog) -> None:
        labels = [dialog.steps.item(i).text() for i in range(dialog.steps.count())]
        dialog.steps.setCurrentRow(labels.index("Drug test"))
        form = dialog.form()
        assert form is not None
        result = form._combos["result"]
        result.setCurrentIndex(result.findData("negative"))
        form.notes.setPlainText("second sample given")
        # Meanwhile, at another workstation, J. Smith records a test on the same case.
        dtoa.record_test(
            navigator_context.store, actor=SMITH, case_id=case_id, occurred_at=clock.at, result="no_sample"
        )
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        seen["error"] = dialog.error.text()
        seen["notes"] = form.notes.toPlainText()
        seen["visible"] = str(dialog.isVisible())
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()  # after a look at the change: again
        seen["second"] = dialog.error.text()
        seen["accepted"] = str(dialog.result() == QDialog.DialogCode.Accepted)

    problems = _in_modal(AddEventDialog, add)
    page.add_event()
    assert problems == []
    assert seen["error"] == REFUSED.format(who="J. Smith")
    assert seen["notes"] == "second sample given" and seen["visible"] == "True"  # the form kept what was typed
    assert seen["accepted"] == "True"
    assert _tests(navigator_context.store, case_id) == ["refused", "no_sample", "negative"]
    reloaded = page.current_case()
    assert reloaded is not None and reloaded.version == shown.version + 2  # the page shows both saves


def test_correction_after_someone_else_saved_is_refused(
    qtbot: QtBot, navigator_context: AppContext, colleagues: None, clock: Clock
) -> None:
    clock.at = datetime(2023, 3, 13, 14, 32, tzinfo=LONDON)
    page, case_id = _nowak_page(qtbot, navigator_context)
    page.timeline.selectRow(1)  # the refused test
    entry = page.current_entry()
    assert entry is not None and entry.label == "Drug test"
    seen: dict[str, str] = {}

    def correct(dialog: CorrectEventDialog) -> None:
        qtbot.keyClicks(dialog.notes, "second sample attempted")
        qtbot.keyClicks(dialog.reason, "notes left out at the time")
        correct_event(
            navigator_context.store, actor=SMITH, event_id=entry.event_id, reason="wrong time", notes="checked"
        )
        dialog.save()
        seen["error"], seen["visible"] = dialog.error.text(), str(dialog.isVisible())

    problems = _in_modal(CorrectEventDialog, correct)
    page.correct_event()
    assert problems == []
    assert seen == {"error": REFUSED.format(who="J. Smith"), "visible": "True"}
    with navigator_context.store.unit_of_work() as uow:
        notes = uow.session.scalars(select(Event.notes).where(Event.case_id == case_id, Event.action == "correct"))
        assert list(notes) == ["checked"]  # only J. Smith's correction was saved


def test_appointments_refuse_a_stale_row_but_not_the_pages_own_saves(
    qtbot: QtBot, worker_context: AppContext, runner: OperationRunner, colleagues: None, clock: Clock
) -> None:
    store = worker_context.store
    _, clark = _case(store, "Clark", at(28, 21), {"initial": (at(29, 9, 30), "Inclusion Hampshire")})
    _, adams = _case(
        store,
        "Adams",
        at(26, 14),
        {"initial": (at(28, 10), "Inclusion Hampshire"), "follow_up": (at(2, 10), "Inclusion Hampshire")},
    )
    clock.at = at(29, 14, 32)
    page = _page(qtbot, worker_context, runner)
    # R. Patel, at another desk, gives Clark a further notice while this list is on screen.
    dtoa.reschedule_assessment(
        store,
        actor=PATEL,
        case_id=clark,
        kind="initial",
        due_at=at(30, 10),
        service="Inclusion Hampshire",
        place="12 Church St, Basingstoke",
        occurred_at=clock.at,
        reason="rang: in hospital",
    )
    _select(qtbot, page, TODAY, "CLARK")
    qtbot.keyClick(page.lists[TODAY].view, Qt.Key.Key_A)
    assert page.error.text() == REFUSED.format(who="R. Patel")
    assert page.outcome.text() == ""
    assert [e for e in _names(store, clark) if e == "assessment_attended"] == []
    qtbot.waitUntil(lambda: "CLARK" not in [p.split(",")[0] for p in _column(page, TODAY)], timeout=5000)

    # This page's own saves follow on from each other without a reload in between.
    _wait_loaded(qtbot, page)
    _select(qtbot, page, OVERDUE, "ADAMS")
    page.act("attended")
    assert page.error.text() == ""
    _select(qtbot, page, WEEK, "ADAMS")  # the list still shows the case as it was before the save
    page.act("waive")
    assert page.error.text() == ""
    assert _names(store, adams)[-2:] == ["assessment_attended", "follow_up_waived"]


def _column(page: object, name: str) -> list[str]:
    model = page.lists[name].model  # type: ignore[attr-defined]
    return [model.index(row, 1).data() for row in range(model.rowCount())]


def _names(store: Store, case_id: int) -> list[str]:
    with store.unit_of_work() as uow:
        return list(uow.session.scalars(select(Event.name).where(Event.case_id == case_id).order_by(Event.seq)))
