"""No two controls of one screen share an Alt letter: a clash sends Alt+N to the first of them only (the drug
test's "Negative" and the wizard's "Next" did), so the other cannot be reached by its letter at all."""

from __future__ import annotations

import re
from collections import Counter

from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget, QWizard
from pytestqt.qtbot import QtBot

from ui import add_event_dialog, start_case_dialog
from ui.arrest_wizard import NewArrestWizard
from ui.context import AppContext
from ui.event_form import EventForm
from ui.operations import OperationRunner
from ui.person_page import PersonPage


def _letters(widgets: list[QWidget]) -> list[str]:
    texts = []
    for widget in widgets:
        if isinstance(widget, QAbstractButton | QLabel):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
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
    checked = 0
    for definition in store.definitions.values():
        for spec in definition.events.values():
            for around in (start_case_dialog.DIALOG_LETTERS, add_event_dialog.DIALOG_LETTERS):
                form = EventForm(definition, spec, store.clock(), None, taken=around)
                qtbot.addWidget(form)
                labels: list[QWidget] = [label for label in form.findChildren(QLabel) if label.text()]
                assert len(_letters(labels)) == len(labels), f"{definition.code}/{spec.name}"
                assert _clashes(labels) == {} and not set(_letters(labels)) & set(around), spec.name
                checked += 1
    assert checked > 100
