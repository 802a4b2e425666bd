"""The Checkpoint contract builder driven from the keyboard, its progress view, and the contracts worklist."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import AuditEntry, Case, Event
from pathways.clock import LONDON, local_date
from pathways.services.contracts import TOO_MANY, sign_contract
from tests.conftest import Clock
from tests.pathways.contract_case import checkpoint_case, colleague_reassesses_needs
from tests.ui.questions import when_modal
from tests.ui.test_main_window import _unnamed
from ui.context import AppContext
from ui.contract_builder import ContractBuilderDialog, ContractProgressDialog, parse_day
from ui.contracts_page import PAST, SOON, ContractsPage
from ui.main_window import MainWindow
from ui.operations import OperationRunner
from ui.step_dialogs import special_dialog


def local(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LONDON)


def _builder(qtbot: QtBot, context: AppContext, case_id: int) -> ContractBuilderDialog:
    dialog = ContractBuilderDialog(context, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    return dialog


def _cell(dialog: ContractProgressDialog, row: int, column: int) -> str:
    item = dialog.table.item(row, column)
    return item.text() if item is not None else ""


def _texts(dialog: ContractBuilderDialog) -> list[str]:
    return [dialog.conditions.item(row).text() for row in range(dialog.conditions.count())]


def _keys(qtbot: QtBot, widget: QWidget, *keys: Qt.Key, modifier: Qt.KeyboardModifier | None = None) -> None:
    for key in keys:
        if modifier is None:
            qtbot.keyClick(widget, key)
        else:
            qtbot.keyClick(widget, key, modifier)


def test_days_are_read_as_day_month_year() -> None:
    assert parse_day("31/10/2027") == date(2027, 10, 31)
    assert parse_day(" 1.2.27 ") == date(2027, 2, 1) and parse_day("2027-10-31") == date(2027, 10, 31)
    assert parse_day("31/11/2027") is None and parse_day("next week") is None


def test_the_contract_step_has_its_own_form() -> None:
    assert special_dialog("checkpoint", "contract_signed") is ContractBuilderDialog
    assert special_dialog("checkpoint", "condition_met") is None


def test_building_a_contract_from_the_keyboard(
    qtbot: QtBot, navigator_context: AppContext, clock: Clock, tmp_path: Path
) -> None:
    store = navigator_context.store
    clock.at = local(2027, 11, 5, 12).astimezone(UTC)
    _person, case_id = checkpoint_case(store, navigator_context.actor, local(2027, 10, 29, 9))
    dialog = _builder(qtbot, navigator_context, case_id)
    assert dialog.title.text() == f"Contract for OKAFOR, Grace · case {dialog.draft.case_ref if dialog.draft else ''}"
    assert dialog.start.text() == "05/11/2027" and dialog.end.text().startswith("Sunday 5 March 2028")

    dialog.start.setFocus()
    qtbot.keyClick(dialog.start, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.start, "31/10/2027")
    assert dialog.end.text() == "Tuesday 29 February 2028 (4 calendar months)"

    suggestions = [dialog.suggestions.item(row).text() for row in range(dialog.suggestions.count())]
    assert suggestions == [
        "Drug education programme (need: drugs)",
        "Attend housing advice (need: housing)",
        "Restorative approach (any contract)",
        "Voluntary work (any contract)",
    ]
    dialog.suggestions.setFocus()
    qtbot.keyClick(dialog.suggestions, Qt.Key.Key_Return)
    for _ in range(3):
        _keys(qtbot, dialog.suggestions, Qt.Key.Key_Down, Qt.Key.Key_Return)
    assert _texts(dialog) == [
        "No reoffending — always the first condition",
        "Drug education programme",
        "Attend housing advice",
        "Restorative approach",
        "Voluntary work",
    ]
    dialog.own.setFocus()
    qtbot.keyClicks(dialog.own, "Attend the women's centre group weekly")
    qtbot.keyClick(dialog.own, Qt.Key.Key_Return)
    assert dialog.error.text() == TOO_MANY
    assert len(_texts(dialog)) == 5 and dialog.own.text()  # nothing lost: the typed words stay

    dialog.conditions.setFocus()
    _keys(qtbot, dialog.conditions, Qt.Key.Key_Home, Qt.Key.Key_Delete)
    assert "cannot be removed" in dialog.error.text()
    assert _texts(dialog)[0].startswith("No reoffending") and len(_texts(dialog)) == 5
    qtbot.keyClick(dialog.conditions, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.conditions, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert dialog.error.text() == "“No reoffending” is always the first condition."
    _keys(qtbot, dialog.conditions, Qt.Key.Key_End)
    qtbot.keyClick(dialog.conditions, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog.conditions, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    _keys(qtbot, dialog.conditions, Qt.Key.Key_Down, Qt.Key.Key_Delete)  # the housing advice, now 4th
    assert dialog.codes() == ["no_reoffending", "drug_education_programme", "voluntary_work", "restorative_approach"]

    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # the button's mnemonic
    qtbot.waitUntil(lambda: dialog.recorded is not None or bool(dialog.error.text()), timeout=5000)
    assert dialog.recorded is not None and dialog.error.text() == ""
    assert "Stage: Contract running" in dialog.status.text()
    assert "to Tuesday 29 February 2028" in dialog.status.text()
    with store.unit_of_work() as uow:
        event = uow.session.scalars(
            select(Event).where(Event.case_id == case_id, Event.name == "contract_signed")
        ).one()
        assert event.conditions == "no_reoffending;drug_education_programme;voluntary_work;restorative_approach"
        assert local_date(event.occurred_at) == date(2027, 10, 31)
        assert event.due_at is not None and local_date(event.due_at) == date(2028, 2, 29)
        assert uow.session.get_one(Case, case_id).stage == "Contract running"
    assert dialog.print_button.isVisible() and not dialog.save_button.isVisible()

    assert dialog.print_contract(tmp_path / "contract.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "contract.pdf").pages)
    assert "Do not commit any further offence" in " ".join(text.split())
    assert "29 February 2028" in text and "Complete unpaid voluntary work" in " ".join(text.split())
    assert dialog.status.text() == f"Saved to {tmp_path / 'contract.pdf'}"
    with store.unit_of_work() as uow:
        printed = uow.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "print_document")).all()
    assert printed == ["contract"]
    dialog.reject()  # Escape after saving: the step is done
    assert dialog.result() == ContractBuilderDialog.DialogCode.Accepted


def test_a_refused_contract_keeps_what_was_chosen(qtbot: QtBot, navigator_context: AppContext, clock: Clock) -> None:
    store = navigator_context.store
    clock.at = local(2027, 11, 5, 12).astimezone(UTC)
    _person, case_id = checkpoint_case(store, navigator_context.actor, local(2027, 10, 29, 9))
    dialog = _builder(qtbot, navigator_context, case_id)
    dialog.start.setText("20/10/2027")  # before the arrest
    assert dialog.add_condition("Voluntary work")
    assert not dialog.add_condition("voluntary_work") and "twice" in dialog.error.text()
    dialog.save()
    assert dialog.recorded is None
    assert dialog.error.text() == (
        "The contract signed cannot come before the arrest: a Checkpoint (deferred prosecution) case starts with "
        "the arrest."
    )
    assert dialog.codes() == ["no_reoffending", "voluntary_work"] and dialog.save_button.isEnabled()
    dialog.start.setText("06/11/2027")
    assert "cannot start in the future" in dialog.end.text()
    dialog.start.setText("31/11/2027")
    dialog.save()
    assert dialog.error.text() == "Type the start date as day/month/year, e.g. 31/10/2027."


def test_a_case_changed_while_the_contract_is_built_is_said_and_the_draft_made_again(
    qtbot: QtBot, navigator_context: AppContext, clock: Clock
) -> None:
    store, navigator = navigator_context.store, navigator_context.actor
    clock.at = local(2027, 11, 5, 12).astimezone(UTC)
    _person, case_id = checkpoint_case(store, navigator, local(2027, 10, 29, 9), needs=("drugs",))
    dialog = _builder(qtbot, navigator_context, case_id)
    assert dialog.suggestions.count() == 3  # drugs, then the two for any contract
    assert dialog.add_condition("Voluntary work")
    colleague_reassesses_needs(store, navigator, case_id, local(2027, 11, 5, 11), ("drugs", "housing"))
    dialog.save()
    assert dialog.recorded is None
    assert dialog.error.text().startswith("This case was changed by nav.second at")
    assert dialog.error.text().endswith("then try again. The suggestions are now made from the case as it is.")
    assert dialog.codes() == ["no_reoffending", "voluntary_work"]  # what was chosen is kept
    suggestions = [dialog.suggestions.item(row).text() for row in range(dialog.suggestions.count())]
    assert "Attend housing advice (need: housing)" in suggestions  # the draft was made again from the case now
    with store.unit_of_work() as uow:
        signed = uow.session.scalar(select(Event).where(Event.case_id == case_id, Event.name == "contract_signed"))
    assert signed is None
    dialog.save()
    assert dialog.recorded is not None and dialog.recorded.stage


def test_the_person_page_opens_the_builder_then_the_progress(
    qtbot: QtBot, navigator_context: AppContext, clock: Clock
) -> None:
    store = navigator_context.store
    person_id, case_id = checkpoint_case(store, navigator_context.actor, local(2026, 11, 20, 9))
    window = MainWindow(navigator_context, "test database")
    qtbot.addWidget(window)
    window.show()
    window.open_person(person_id, case_id)
    page = window.person_page
    assert page.contract_button.isEnabled()

    def agree(widget: QWidget) -> None:
        assert isinstance(widget, ContractBuilderDialog)
        widget.suggestions.setFocus()
        qtbot.keyClick(widget.suggestions, Qt.Key.Key_Return)
        widget.save_button.click()
        assert widget.recorded is not None, widget.error.text()

    when_modal(agree)
    page.contract_button.click()
    qtbot.waitUntil(lambda: page.cases_model.item(0, 2).text() == "Contract running", timeout=5000)

    shown: list[str] = []

    def look(widget: QWidget) -> None:
        assert isinstance(widget, ContractProgressDialog)
        shown.append(widget.state.text())
        shown.extend(_cell(widget, row, 0) + " | " + _cell(widget, row, 1) for row in range(2))

    when_modal(look)
    page.contract_button.click()
    assert shown == [
        f"Running: {(date(2027, 3, 29) - date(2026, 11, 29)).days} days left. 0 of 2 conditions recorded as met.",
        "No reoffending | Not yet",
        "Drug education programme | Not yet",
    ]


def test_progress_of_the_worked_example_contract(qtbot: QtBot, navigator_context: AppContext) -> None:
    with navigator_context.store.unit_of_work() as uow:
        case_id = uow.session.scalars(select(Case.id).where(Case.case_ref == "EC4")).one()
    durham = AppContext(navigator_context.store, replace(navigator_context.actor, site="Durham"))  # EC4's site
    dialog = ContractProgressDialog(durham, case_id)
    qtbot.addWidget(dialog)
    rows = [[_cell(dialog, r, c) for c in range(2)] for r in range(dialog.table.rowCount())]
    assert rows == [
        ["No reoffending", "Met 6 Jun 2023"],
        ["Drug education programme", "Met 1 Mar 2023"],
        ["Voluntary work", "Not yet"],
    ]
    assert dialog.state.text() == "Completed: no further action (6 June 2023). 2 of 3 conditions recorded as met."
    assert dialog.dates.text() == "From Monday 6 February 2023 to Tuesday 6 June 2023"


def _sign(context: AppContext, arrested: datetime, start: date, surname: str) -> tuple[int, int]:
    person_id, case_id = checkpoint_case(context.store, context.actor, arrested, surname=surname)
    sign_contract(
        context.store,
        actor=context.actor,
        case_id=case_id,
        starts_on=start,
        conditions=["voluntary_work"],
        occurred_at=context.store.clock(),
    )
    return person_id, case_id


def test_the_contracts_worklist(
    qtbot: QtBot, navigator_context: AppContext, manager_context: AppContext, runner: OperationRunner
) -> None:
    # The clock reads 29 November 2026, 12:00.
    soon_person, soon_case = _sign(navigator_context, local(2026, 7, 28, 9), date(2026, 8, 5), "Soon")
    _late_person, late_case = _sign(navigator_context, local(2026, 6, 20, 9), date(2026, 7, 1), "Late")
    _sign(navigator_context, local(2026, 8, 20, 9), date(2026, 9, 1), "Later")  # ends 1 January 2027
    page = ContractsPage(manager_context, runner)
    qtbot.addWidget(page)
    page.resize(900, 420)
    page.show()
    qtbot.waitUntil(lambda: page.status.text() == "1 contract ends in the next 14 days.", timeout=5000)
    soon = page.lists[SOON].model
    assert soon.rowCount() == 1 and _ref(page, SOON).startswith("CHECKPOINT-")
    assert [soon.data(soon.index(0, c)) for c in (0, 1, 3)] == ["5 Dec 2026", "SOON, Grace", "6 days"]
    page.show_list(PAST)
    past = page.lists[PAST].model
    qtbot.waitUntil(lambda: past.rowCount() == 1, timeout=5000)
    assert past.row_at(0) is not None and past.row_at(0).deadline.case_id == late_case  # type: ignore[union-attr]
    assert [past.data(past.index(0, c)) for c in (0, 1, 3)] == ["1 Nov 2026", "LATE, Grace", "28 days"]
    assert page.status.text() == "1 contract is past its end with no outcome recorded: record completed or failed."
    page.show_list(SOON)
    with qtbot.waitSignal(page.open_person) as opened:
        qtbot.keyClick(page.lists[SOON].view, Qt.Key.Key_Return)
    assert opened.args == [soon_person, soon_case]


def _ref(page: ContractsPage, name: str) -> str:
    row = page.lists[name].model.row_at(0)
    return row.deadline.case_ref if row is not None else ""


def test_ctrl_4_opens_the_contracts_page(qtbot: QtBot, navigator_context: AppContext) -> None:
    window = MainWindow(navigator_context, "test database")
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.contracts_page
    qtbot.waitUntil(lambda: window.contracts_page.status.text() == "No contracts end in the next 14 days.")


def test_the_contract_screens_name_their_controls(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner
) -> None:
    _person, case_id = checkpoint_case(navigator_context.store, navigator_context.actor, local(2026, 11, 20, 9))
    dialog = _builder(qtbot, navigator_context, case_id)
    page = ContractsPage(navigator_context, runner)
    qtbot.addWidget(page)
    page.show()
    assert _unnamed(dialog) == [] and _unnamed(page) == []
