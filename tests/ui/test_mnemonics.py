"""No two controls of one screen share an Alt letter: a clash sends Alt+N to the first of them only (the drug
test's "Negative" and the wizard's "Next" did), so the other cannot be reached by its letter at all."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenuBar, QTabBar, QWidget, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import Person
from pathways.reference import retention_periods
from pathways.services.records import person_record
from pathways.services.retention import identify_record
from ui import add_event_dialog, start_case_dialog
from ui.admin_dialogs import AddUserDialog
from ui.arrest_wizard import NewArrestWizard
from ui.choices import reference_names
from ui.context import AppContext
from ui.event_form import EventForm
from ui.main_window import MainWindow
from ui.operations import OperationRunner
from ui.person_details_dialog import PersonDetailsDialog
from ui.person_page import PersonPage
from ui.register_dialog import RegisterPersonDialog
from ui.retention_dialogs import EraseDialog, PeriodDialog


def _letters(widgets: list[QWidget]) -> list[str]:
    """The Alt letters of the widgets: of a label, button or group box, and of each tab of a tab bar and each menu
    of a menu bar (which work wherever the focus is in their window)."""
    texts = []
    for widget in widgets:
        if isinstance(widget, QAbstractButton | QLabel):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QTabBar):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QMenuBar):
            texts += [action.text() for action in widget.actions()]
    return [m.group(1).lower() for text in texts if (m := re.search(r"&([^&\s])", text.replace("&&", "")))]


def _clashes(widgets: list[QWidget]) -> dict[str, int]:
    return {letter: n for letter, n in Counter(_letters(widgets)).items() if n > 1}


def test_each_page_of_the_new_arrest_has_its_own_letters(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner
) -> None:
    wizard = NewArrestWizard(navigator_context, runner)
    qtbot.addWidget(wizard)
    buttons = [wizard.button(b) for b in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton)]
    for page_id in wizard.pageIds():
        page = wizard.page(page_id)
        controls: list[QWidget] = [*page.findChildren(QAbstractButton), *page.findChildren(QLabel)]
        controls += page.findChildren(QGroupBox)
        assert _letters(controls), page.title()  # (the page has letters to check)
        assert _clashes([*controls, *buttons]) == {}, page.title()


def test_the_person_record_has_its_own_letters(qtbot: QtBot, worker_context: AppContext) -> None:
    page = PersonPage(worker_context)
    qtbot.addWidget(page)
    controls: list[QWidget] = [*page.findChildren(QAbstractButton), *page.findChildren(QLabel)]
    assert len(_letters(controls)) >= 8 and _clashes(controls) == {}


def test_every_step_form_gives_each_field_a_letter_of_its_own(qtbot: QtBot, worker_context: AppContext) -> None:
    """The forms of every step of every pathway (the start-case and add-event dialogs show them): each label has a
    letter, none the same as another's or as one of the dialog around it."""
    store = worker_context.store
    names = reference_names(worker_context)
    checked = 0
    for definition in store.definitions.values():
        for spec in definition.events.values():
            for around in (start_case_dialog.DIALOG_LETTERS, add_event_dialog.DIALOG_LETTERS):
                form = EventForm(definition, spec, store.clock(), None, names, taken=around)
                qtbot.addWidget(form)
                labels: list[QWidget] = [label for label in form.findChildren(QLabel) if label.text()]
                assert len(_letters(labels)) == len(labels), f"{definition.code}/{spec.name}"
                assert _clashes(labels) == {} and not set(_letters(labels)) & set(around), spec.name
                checked += 1
    assert checked > 100


def _controls(widget: QWidget) -> list[QWidget]:
    return [*widget.findChildren(QAbstractButton), *widget.findChildren(QLabel), *widget.findChildren(QGroupBox)]


def test_each_tab_of_the_administration_page_has_its_own_letters(qtbot: QtBot, admin_context: AppContext) -> None:
    """A tab's controls, the tabs themselves and the menu bar (File, Go, Help) are all within Alt's reach at once:
    Sites and Settings were both Alt+T, Records' Refresh took the File menu's Alt+F and Place legal hold Help's."""
    window = MainWindow(admin_context, "test database")
    qtbot.addWidget(window)
    page = window.admin_page
    around: list[QWidget] = [window.menuBar(), page.tabs.tabBar()]
    assert _letters([window.menuBar()]) == ["f", "g", "h"]  # the menus keep theirs
    assert _clashes(around) == {}
    for index in range(page.tabs.count()):
        tab = page.tabs.widget(index)
        assert tab is not None
        controls = _controls(tab)
        assert len(_letters(controls)) >= 2, page.tabs.tabText(index)
        assert _clashes([*controls, *around]) == {}, page.tabs.tabText(index)
    toggled = page.users  # the account button reads Enable or Disable, notes Grant or Withdraw
    for text in ("&Enable", "&Disable"):
        toggled.toggle_button.setText(text)
        assert _clashes([*_controls(toggled), *around]) == {}


def test_the_administrators_dialogs_have_their_own_letters(qtbot: QtBot, admin_context: AppContext) -> None:
    store, actor = admin_context.store, admin_context.actor
    identity = identify_record(store, actor=actor, person_id=1)
    assert not identity.due  # (so the erase dialog has the early erasure's box and the surname too)
    parent = QWidget()
    qtbot.addWidget(parent)
    dialogs = [
        EraseDialog(admin_context, identity, {}, parent),
        PeriodDialog(admin_context, retention_periods(store)["dtoa"], "Drug Testing on Arrest", parent),
        AddUserDialog(admin_context, parent),
    ]
    for dialog in dialogs:
        controls = _controls(dialog)
        assert len(_letters(controls)) >= 2 and _clashes(controls) == {}, type(dialog).__name__


def test_the_person_records_dialogs_have_their_own_letters(qtbot: QtBot, navigator_context: AppContext) -> None:
    store, actor = navigator_context.store, navigator_context.actor
    with store.unit_of_work() as uow:
        hughes = uow.session.scalars(select(Person.id).where(Person.surname == "Hughes")).one()
    record = person_record(store, actor=actor, person_id=hughes)
    parent = QWidget()
    qtbot.addWidget(parent)
    for dialog in (
        PersonDetailsDialog(navigator_context, record.person, record.changes, parent),
        RegisterPersonDialog(navigator_context, "Jones", parent),
    ):
        controls = _controls(dialog)
        assert len(_letters(controls)) >= 6 and _clashes(controls) == {}, type(dialog).__name__


@pytest.mark.parametrize("role", ["navigator", "worker", "manager"])
def test_no_page_of_the_window_takes_a_menus_letter(qtbot: QtBot, role: str, request: pytest.FixtureRequest) -> None:
    """The menus' Alt letters (File, Go, Help) work from every page: the Find page's own "Find:" took Alt+F, so the
    File menu could not be opened by its letter where everyone starts. (The administration page has its own test.)"""
    context: AppContext = request.getfixturevalue(f"{role}_context")
    window = MainWindow(context, "test database")
    qtbot.addWidget(window)
    menus = _letters([window.menuBar()])
    assert menus == ["f", "g", "h"]
    pages = [window.find_page, window.person_page, *(window.page(name) for name in window._builders if name != "admin")]
    for page in pages:
        taken = set(_letters(_controls(page))) & set(menus)
        assert taken == set(), type(page).__name__
