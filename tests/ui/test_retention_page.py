"""The administrator's Records tab: a record past its retention period is listed, held, released, its audit
trail read, and erased through the confirmation dialog with a reason. Real widgets on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from db.models import AuditEntry, Case, Erasure, Person
from pathways.clock import LONDON
from pathways.reference import retention_periods
from pathways.services import people
from pathways.services.steps import record_step, start_case
from pathways.store import Store
from tests.conftest import Clock
from tests.ui.questions import when_modal
from ui.admin_page import AdminPage
from ui.context import AppContext
from ui.retention_dialogs import (
    SURNAME_NEEDED,
    SURNAME_WRONG,
    AuditTrailDialog,
    EraseDialog,
    PeriodDialog,
    ReasonDialog,
)

NAME = "QUIXWELL, Zebedee"
DIVERT = "DIVERT (drug education)"


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


def _shown_text(dialog: QWidget) -> str:
    """Every label of the dialog, a line each (a label of several lines gives several)."""
    return "\n".join(label.text() for label in dialog.findChildren(QLabel) if label.text())


def _refs(context: AppContext, person_id: int) -> list[str]:
    with context.store.unit_of_work() as uow:
        return list(uow.session.scalars(select(Case.case_ref).where(Case.person_id == person_id).order_by(Case.id)))


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
    assert record is not None and record.person_id == person_id and record.pathways == ("divert",)
    assert tab.due_model.index(row, 4).data() == DIVERT  # the pathway's name, as the periods beside it show it
    assert str(record.due_on) == "2032-11-29"  # six years after the closing was recorded (the clock: 29 Nov 2026)
    tab.due_table.selectRow(row)
    people_before, cases_before = _count(admin_context.store, Person), _count(admin_context.store, Case)
    seen: dict[str, object] = {}

    def cancel_first(widget: QWidget) -> None:
        assert isinstance(widget, EraseDialog)
        seen["default"] = widget.cancel_button.isDefault() and not widget.erase_button.isDefault()
        seen["text"] = widget.what.text()
        seen["shown"] = _shown_text(widget)
        seen["early box"] = widget.on_request.isVisibleTo(widget)  # past its period: not an early erasure
        qtbot.keyClick(widget, Qt.Key.Key_Return)  # Enter presses the default button: Cancel

    when_modal(cancel_first)
    qtbot.mouseClick(tab.erase_button, Qt.MouseButton.LeftButton)
    assert seen["default"] is True
    assert f"Erase the record of QUIXWELL, Zebedee (person {person_id})?" in str(seen["text"])
    assert "their 1 case (listed above)" in str(seen["text"]) and seen["early box"] is False
    assert [NAME, "6 May 1991", f"{DIVERT}: {_refs(admin_context, person_id)[0]} (closed)"] == [
        line for line in str(seen["shown"]).split("\n") if line in {NAME, "6 May 1991"} or line.startswith(DIVERT)
    ]
    assert "Past its retention period since 29 Nov 2032." in str(seen["shown"])
    assert _count(admin_context.store, Person) == people_before and tab.outcome.text() == ""

    def erase(widget: QWidget) -> None:
        assert isinstance(widget, EraseDialog)
        qtbot.mouseClick(widget.erase_button, Qt.MouseButton.LeftButton)  # no reason yet: refused, stays open
        seen["refusal"] = widget.error.text()
        qtbot.keyClicks(widget.reason, "retention period ended")
        qtbot.mouseClick(widget.erase_button, Qt.MouseButton.LeftButton)

    when_modal(erase)
    qtbot.mouseClick(tab.erase_button, Qt.MouseButton.LeftButton)
    assert seen["refusal"] == "An erasure needs a reason."
    qtbot.waitUntil(lambda: tab.due_model.find(lambda r: r.name == NAME) < 0 and "due for review" in tab.status.text())
    assert _count(admin_context.store, Person) == people_before - 1
    assert _count(admin_context.store, Case) == cases_before - 1
    assert tab.outcome.text() == f"Erased the record of QUIXWELL, Zebedee (person {person_id})."
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

    shown: list[str] = []

    def hold(widget: QWidget) -> None:
        assert isinstance(widget, ReasonDialog)
        shown.append(_shown_text(widget))
        qtbot.keyClicks(widget.reason, "civil claim")
        qtbot.mouseClick(widget.ok, Qt.MouseButton.LeftButton)

    when_modal(hold)
    qtbot.mouseClick(tab.hold_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.held_model.find(lambda r: r.person_id == person_id) >= 0, timeout=10000)
    assert tab.due_model.find(lambda r: r.person_id == person_id) < 0
    held = tab.held_model.row_at(tab.held_model.find(lambda r: r.person_id == person_id))
    assert held is not None and held.hold is not None and held.hold.reason == "civil claim"
    assert NAME in shown[0] and "6 May 1991" in shown[0] and DIVERT in shown[0]  # whose record, before the hold
    assert tab.outcome.text() == f"Placed a legal hold on the record of {NAME} (person {person_id})."

    qtbot.keyClicks(tab.person_number, str(person_id))
    refusal: dict[str, str] = {}

    def erase_refused(widget: QWidget) -> None:
        assert isinstance(widget, EraseDialog)
        qtbot.keyClicks(widget.reason, "request ref 12")
        qtbot.mouseClick(widget.erase_button, Qt.MouseButton.LeftButton)
        refusal["text"] = widget.error.text()

    when_modal(erase_refused)
    qtbot.mouseClick(tab.erase_button, Qt.MouseButton.LeftButton)
    assert "on legal hold" in refusal["text"] and "cannot be erased" in refusal["text"]
    assert _count(admin_context.store, Erasure) == 0

    tab.held_table.selectRow(tab.held_model.find(lambda r: r.person_id == person_id))

    def lift(widget: QWidget) -> None:
        assert isinstance(widget, ReasonDialog)
        qtbot.keyClicks(widget.reason, "claim settled")
        qtbot.mouseClick(widget.ok, Qt.MouseButton.LeftButton)

    when_modal(lift)
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

    when_modal(read_trail)
    qtbot.mouseClick(tab.trail_button, Qt.MouseButton.LeftButton)
    assert trail["what"][0] == "register a person"
    looked_up = "review records past their retention period"  # each look-up of the number, before the dialog
    assert trail["what"][-5:] == [
        looked_up, "place a legal hold on a record", looked_up, "erase a person's record", "lift a legal hold",
    ]  # fmt: skip
    with admin_context.store.unit_of_work() as uow:
        refused = uow.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "erase_person", AuditEntry.outcome == "refused")
        )
        assert refused == 1
    tab.runner.wait()


def test_an_early_erasure_of_a_typed_number_names_the_person_and_needs_their_surname(
    qtbot: QtBot, admin_context: AppContext, navigator_context: AppContext, clock: Clock
) -> None:
    person_id = _due_person(admin_context, navigator_context, clock)
    clock.at = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)  # its retention period runs until 29 Nov 2032
    page = _records_tab(qtbot, admin_context)
    tab = page.records
    qtbot.waitUntil(lambda: "due for review" in tab.status.text(), timeout=10000)
    assert tab.due_model.find(lambda r: r.person_id == person_id) < 0  # not in the list: typed by its number
    qtbot.keyClicks(tab.person_number, str(person_id))
    (ref,) = _refs(admin_context, person_id)
    seen: dict[str, object] = {}

    def erase_early(widget: QWidget) -> None:
        assert isinstance(widget, EraseDialog)
        seen["shown"] = _shown_text(widget)
        seen["box"] = (widget.on_request.isVisibleTo(widget), widget.on_request.isChecked())
        seen["surname at first"] = widget.surname.isEnabled()
        qtbot.keyClicks(widget.reason, "request ref DSAR-9")
        qtbot.mouseClick(widget.erase_button, Qt.MouseButton.LeftButton)  # the box unticked: the safeguard holds
        refusals = [widget.error.text()]
        widget.on_request.click()
        qtbot.mouseClick(widget.erase_button, Qt.MouseButton.LeftButton)  # ticked, no surname
        refusals.append(widget.error.text())
        qtbot.keyClicks(widget.surname, "Quixwel")
        qtbot.mouseClick(widget.erase_button, Qt.MouseButton.LeftButton)  # one letter short
        refusals.append(widget.error.text())
        seen["refusals"], seen["erased before the surname"] = refusals, _count(admin_context.store, Erasure)
        qtbot.keyClicks(widget.surname, "l ")
        qtbot.mouseClick(widget.erase_button, Qt.MouseButton.LeftButton)

    when_modal(erase_early)
    qtbot.mouseClick(tab.erase_button, Qt.MouseButton.LeftButton)
    shown = str(seen["shown"])
    assert NAME in shown and "6 May 1991" in shown and f"{DIVERT}: {ref} (closed)" in shown
    assert "Kept until 29 Nov 2032: erasing it before then needs a request to erase." in shown
    assert seen["box"] == (True, False) and seen["surname at first"] is False
    refusals = seen["refusals"]
    assert isinstance(refusals, list) and "not due for erasure until 29 Nov 2032" in refusals[0]
    assert refusals[1:] == [SURNAME_NEEDED, SURNAME_WRONG] and seen["erased before the surname"] == 0
    qtbot.waitUntil(lambda: tab.outcome.text() != "", timeout=5000)
    assert tab.outcome.text() == f"Erased the record of {NAME} (person {person_id})."
    with admin_context.store.unit_of_work() as uow:
        tombstone = uow.session.scalars(select(Erasure)).one()
        assert (tombstone.person_id, tombstone.basis) == (person_id, "request")
    tab.runner.wait()


def test_a_number_not_held_is_refused_before_any_dialog(qtbot: QtBot, admin_context: AppContext) -> None:
    page = _records_tab(qtbot, admin_context)
    tab = page.records
    qtbot.waitUntil(lambda: "due for review" in tab.status.text(), timeout=10000)
    opened: list[QWidget] = []
    for button in (tab.erase_button, tab.hold_button):
        tab.person_number.setText("99999")
        when_modal(opened.append, tries=30)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.wait(400)  # (long enough for a dialog to have shown)
        assert tab.error.text() == (
            "No record of a person numbered 99999 is held. Check the number: the Person column of the lists shows it."
        )
        tab.error.clear()
    assert opened == [] and _count(admin_context.store, Erasure) == 0
    tab.runner.wait()


def test_the_change_period_dialog_names_the_pathway(qtbot: QtBot, admin_context: AppContext) -> None:
    page = _records_tab(qtbot, admin_context)
    tab = page.records
    qtbot.waitUntil(lambda: tab.period_model.rowCount() > 0, timeout=10000)
    row = tab.period_model.find(lambda p: p.pathway == "arrest_referral")
    assert tab.period_model.index(row, 0).data() == "Arrest referral"
    tab.period_table.selectRow(row)
    seen: dict[str, str] = {}

    def look(widget: QWidget) -> None:
        assert isinstance(widget, PeriodDialog)
        seen["title"], seen["note"] = widget.windowTitle(), widget.note.text()
        widget.years.setValue(8)
        save = widget.buttons.button(QDialogButtonBox.StandardButton.Save)
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    when_modal(look)
    qtbot.mouseClick(tab.period_button, Qt.MouseButton.LeftButton)
    assert seen["title"] == "Retention period: Arrest referral"
    assert seen["note"].startswith("Arrest referral: how long a person's record is kept after their last case")
    assert retention_periods(admin_context.store)["arrest_referral"].years == 8
    assert tab.outcome.text() == "Changed the retention period of Arrest referral."
    tab.runner.wait()
