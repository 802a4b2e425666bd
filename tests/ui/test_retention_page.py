"""The administrator's Records tab: a record past its retention period is listed, held, released, its audit
trail read, and erased through the confirmation dialog with a reason. Real widgets on a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from db.models import AuditEntry, Case, Erasure, Person
from pathways.clock import LONDON
from pathways.services import people
from pathways.services.steps import record_step, start_case
from pathways.store import Store
from tests.conftest import Clock
from ui.admin_page import AdminPage
from ui.context import AppContext
from ui.retention_page import AuditTrailDialog, EraseDialog, ReasonDialog

NAME = "QUIXWELL, Zebedee"


def _due_person(context: AppContext, navigator_context: AppContext, clock: Clock) -> int:
    """A person whose only case (DIVERT) closed on 27 Nov 2026, recorded on 29 Nov; then the clock moves on 7 years."""
    store, navigator = context.store, navigator_context.actor
    person = people.register_person(
        store, actor=navigator, surname="Quixwell", forenames="Zebedee", date_of_birth=date(1991, 5, 6), sex="M"
    )
    referral = start_case(
        store, actor=navigator, person_id=person.id, pathway="divert", event="referral",
        occurred_at=datetime(2026, 11, 20, 10, 0, tzinfo=LONDON), values={"kind": "custody"},
    )  # fmt: skip
    record_step(
        store, actor=navigator, case_id=referral.case_id, event="not_engaged",
        occurred_at=datetime(2026, 11, 27, 10, 0, tzinfo=LONDON), values={},
    )  # fmt: skip
    clock.at = datetime(2033, 12, 1, 12, 0, tzinfo=UTC)
    return person.id


def _records_tab(qtbot: QtBot, context: AppContext) -> AdminPage:
    page = AdminPage(context)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    page.tabs.setCurrentWidget(page.records)
    return page


def _when_modal(act: Callable[[QWidget], None], tries: int = 500) -> None:
    """Act on the next modal dialog once it shows; should `act` fail, close the dialog so the test reports it."""

    def attempt(left: int) -> None:
        widget = QApplication.activeModalWidget()
        if widget is None:
            if left:
                QTimer.singleShot(10, lambda: attempt(left - 1))
            return
        try:
            act(widget)
        finally:
            if widget.isVisible():
                widget.close()

    QTimer.singleShot(0, lambda: attempt(tries))


def _count(store: Store, model: type[Person] | type[Case] | type[Erasure]) -> int:
    with store.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_tab_lists_a_due_person_and_erases_them_through_the_dialog(
    qtbot: QtBot, admin_context: AppContext, navigator_context: AppContext, clock: Clock
) -> None:
    person_id = _due_person(admin_context, navigator_context, clock)
    page = _records_tab(qtbot, admin_context)
    tab = page.records
    qtbot.waitUntil(lambda: tab.due_model.find(lambda r: r.name == NAME) >= 0, timeout=10000)
    row = tab.due_model.find(lambda r: r.name == NAME)
    record = tab.due_model.row_at(row)
    assert record is not None and record.person_id == person_id and record.pathways == "divert"
    assert str(record.due_on) == "2032-11-29"  # six years after the closing was recorded (the clock: 29 Nov 2026)
    tab.due_table.selectRow(row)
    people_before, cases_before = _count(admin_context.store, Person), _count(admin_context.store, Case)
    seen: dict[str, object] = {}

    def cancel_first(widget: QWidget) -> None:
        assert isinstance(widget, EraseDialog)
        seen["default"] = widget.cancel_button.isDefault() and not widget.erase_button.isDefault()
        seen["text"] = widget.what.text()
        qtbot.keyClick(widget, Qt.Key.Key_Return)  # Enter presses the default button: Cancel

    _when_modal(cancel_first)
    qtbot.mouseClick(tab.erase_button, Qt.MouseButton.LeftButton)
    assert seen["default"] is True and "Erase the record of QUIXWELL, Zebedee" in str(seen["text"])
    assert "their 1 case (divert)" in str(seen["text"])
    assert _count(admin_context.store, Person) == people_before

    def erase(widget: QWidget) -> None:
        assert isinstance(widget, EraseDialog)
        qtbot.mouseClick(widget.erase_button, Qt.MouseButton.LeftButton)  # no reason yet: refused, stays open
        seen["refusal"] = widget.error.text()
        qtbot.keyClicks(widget.reason, "retention period ended")
        qtbot.mouseClick(widget.erase_button, Qt.MouseButton.LeftButton)

    _when_modal(erase)
    qtbot.mouseClick(tab.erase_button, Qt.MouseButton.LeftButton)
    assert seen["refusal"] == "An erasure needs a reason."
    qtbot.waitUntil(lambda: tab.due_model.find(lambda r: r.name == NAME) < 0 and "due for review" in tab.status.text())
    assert _count(admin_context.store, Person) == people_before - 1
    assert _count(admin_context.store, Case) == cases_before - 1
    with admin_context.store.unit_of_work() as uow:
        tombstone = uow.session.scalars(select(Erasure)).one()
        assert (tombstone.person_id, tombstone.basis, tombstone.reason) == (
            person_id, "retention", "retention period ended",
        )  # fmt: skip
    tab.runner.wait()


def test_hold_lift_and_audit_trail_through_the_tab(
    qtbot: QtBot, admin_context: AppContext, navigator_context: AppContext, clock: Clock
) -> None:
    person_id = _due_person(admin_context, navigator_context, clock)
    page = _records_tab(qtbot, admin_context)  # kept: the tab lives as long as its page
    tab = page.records
    qtbot.waitUntil(lambda: tab.due_model.find(lambda r: r.name == NAME) >= 0, timeout=10000)
    qtbot.keyClicks(tab.person_number, str(person_id))

    def hold(widget: QWidget) -> None:
        assert isinstance(widget, ReasonDialog)
        qtbot.keyClicks(widget.reason, "civil claim")
        qtbot.mouseClick(widget.ok, Qt.MouseButton.LeftButton)

    _when_modal(hold)
    qtbot.mouseClick(tab.hold_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.held_model.find(lambda r: r.person_id == person_id) >= 0, timeout=10000)
    assert tab.due_model.find(lambda r: r.person_id == person_id) < 0
    held = tab.held_model.row_at(tab.held_model.find(lambda r: r.person_id == person_id))
    assert held is not None and held.hold is not None and held.hold.reason == "civil claim"

    qtbot.keyClicks(tab.person_number, str(person_id))
    refusal: dict[str, str] = {}

    def erase_refused(widget: QWidget) -> None:
        assert isinstance(widget, EraseDialog)
        qtbot.keyClicks(widget.reason, "request ref 12")
        qtbot.mouseClick(widget.erase_button, Qt.MouseButton.LeftButton)
        refusal["text"] = widget.error.text()

    _when_modal(erase_refused)
    qtbot.mouseClick(tab.erase_button, Qt.MouseButton.LeftButton)
    assert "on legal hold" in refusal["text"] and "cannot be erased" in refusal["text"]
    assert _count(admin_context.store, Erasure) == 0

    tab.held_table.selectRow(tab.held_model.find(lambda r: r.person_id == person_id))

    def lift(widget: QWidget) -> None:
        assert isinstance(widget, ReasonDialog)
        qtbot.keyClicks(widget.reason, "claim settled")
        qtbot.mouseClick(widget.ok, Qt.MouseButton.LeftButton)

    _when_modal(lift)
    qtbot.mouseClick(tab.lift_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.due_model.find(lambda r: r.person_id == person_id) >= 0, timeout=10000)
    assert tab.held_model.find(lambda r: r.person_id == person_id) < 0

    tab.person_number.setText(str(person_id))
    trail: dict[str, list[str]] = {}

    def read_trail(widget: QWidget) -> None:
        assert isinstance(widget, AuditTrailDialog)
        model = widget.model
        trail["what"] = [str(model.data(model.index(r, 4))) for r in range(model.rowCount())]
        widget.reject()

    _when_modal(read_trail)
    qtbot.mouseClick(tab.trail_button, Qt.MouseButton.LeftButton)
    assert trail["what"][0] == "register a person"
    assert trail["what"][-3:] == ["place a legal hold on a record", "erase a person's record", "lift a legal hold"]
    with admin_context.store.unit_of_work() as uow:
        refused = uow.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "erase_person", AuditEntry.outcome == "refused")
        )
        assert refused == 1
    tab.runner.wait()
