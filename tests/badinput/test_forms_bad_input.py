"""The forms driven with real widgets (pytest-qt, offscreen) and nasty values typed in: no exception escapes to Qt
(the crash handler's sys.excepthook is never reached), the form shows a plain message, and nothing is written;
or, for acceptable text (right-to-left, formula-like), it is saved exactly as typed."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import TracebackType

import pytest
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import Case, Event, Person
from pathways.actors import Actor
from pathways.store import Store
from tests.badinput import strategies as bad
from tests.badinput.conftest import plain_words, table_counts
from tests.conftest import Clock
from tests.pathways.contract_case import checkpoint_case
from tests.ui.conftest import admin_context, navigator_context, ui_store, worker_context
from tests.ui.test_find_and_record import _window
from ui.add_event_dialog import AddEventDialog
from ui.admin_dialogs import AddUserDialog
from ui.context import AppContext
from ui.contract_builder import ContractBuilderDialog
from ui.correct_dialog import CorrectEventDialog
from ui.programme_dialogs import NewProgrammeDialog
from ui.register_dialog import RegisterPersonDialog
from ui.sign_in import SignInDialog

NASTY = {
    "nul": "second sample\x00 attempted",
    "escape": "sample \x1b[31m refused",
    "10,000 characters": "A" * bad.LONG,
    "10,001 characters": "B" * (bad.LONG + 1),
    "right-to-left": bad.RTL_SAMPLES[0],
    "override": bad.RTL_SAMPLES[2],
    "formula": bad.FORMULAS[0],
    "+cmd": bad.FORMULAS[2],
}
EVENT_NOTES = ["nul", "escape", "10,000 characters", "10,001 characters", "right-to-left", "formula"]
__all__ = ["admin_context", "navigator_context", "ui_store", "worker_context"]  # the screens' fixtures, used here too
MUST_REFUSE = {"nul", "escape", "10,001 characters"}


@pytest.fixture(autouse=True)
def no_crash(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[BaseException]]:
    """Fail when anything reaches sys.excepthook (what the app's crash handler takes over)."""
    caught: list[BaseException] = []

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        caught.append(error)

    monkeypatch.setattr(sys, "excepthook", hook)
    yield caught
    assert not caught, caught


def _case_id(context: AppContext, case_ref: str) -> int:
    with context.store.unit_of_work() as uow:
        return int(uow.session.scalars(select(Case.id).where(Case.case_ref == case_ref)).one())


def _notes_of_tests(context: AppContext, case_id: int) -> list[str | None]:
    with context.store.unit_of_work() as uow:
        query = select(Event.notes).where(Event.case_id == case_id, Event.name == "test").order_by(Event.seq)
        return list(uow.session.scalars(query))


@pytest.mark.parametrize("kind", EVENT_NOTES)
def test_add_event_notes(qtbot: QtBot, navigator_context: AppContext, clock: Clock, kind: str) -> None:
    clock.at = datetime(2023, 3, 13, 12, 0, tzinfo=UTC)
    case_id = _case_id(navigator_context, "EC3")  # Nowak: a refused test; another may follow
    dialog = AddEventDialog(navigator_context, case_id, "dtoa")
    qtbot.addWidget(dialog)
    labels = [dialog.steps.item(i).text() for i in range(dialog.steps.count())]
    dialog.steps.setCurrentRow(labels.index("Drug test"))
    form = dialog.form()
    assert form is not None
    form._combos["result"].setCurrentIndex(form._combos["result"].findData("negative"))
    form.notes.setPlainText(NASTY[kind])
    before = table_counts(navigator_context.store)
    dialog._save()
    if kind in MUST_REFUSE:
        assert plain_words(dialog.error.text()) and dialog.result() != dialog.DialogCode.Accepted
        assert table_counts(navigator_context.store) == before
        assert form.notes.toPlainText() == NASTY[kind]  # what was typed is kept, to be put right
    else:
        assert dialog.error.text() == "" and dialog.result() == dialog.DialogCode.Accepted
        assert _notes_of_tests(navigator_context, case_id)[-1] == NASTY[kind]


@pytest.mark.parametrize("kind", ["nul", "10,001 characters", "right-to-left", "formula"])
def test_correct_event_reason(qtbot: QtBot, navigator_context: AppContext, clock: Clock, kind: str) -> None:
    clock.at = datetime(2023, 3, 13, 12, 0, tzinfo=UTC)
    window = _window(qtbot, navigator_context)
    window.find_page.search.setText("nowak")
    qtbot.waitUntil(lambda: window.find_page.model.rowCount() == 1, timeout=5000)
    window.find_page._open_first()
    window.person_page.timeline.selectRow(1)
    entry = window.person_page.current_entry()
    assert entry is not None
    dialog = CorrectEventDialog(navigator_context, entry, window)
    qtbot.addWidget(dialog)
    dialog.notes.setText("second sample attempted")
    dialog.reason.setText(NASTY[kind])
    before = table_counts(navigator_context.store)
    dialog.save()
    if kind in MUST_REFUSE:
        assert plain_words(dialog.error.text()) and dialog.result() != dialog.DialogCode.Accepted
        assert table_counts(navigator_context.store) == before
    else:
        assert dialog.result() == dialog.DialogCode.Accepted
        with navigator_context.store.unit_of_work() as uow:
            reasons = uow.session.scalars(select(Event.correction_reason).where(Event.action == "correct")).all()
            assert NASTY[kind] in reasons


@pytest.mark.parametrize(
    "typed", ["31/02/2027", "29/02/2027", "2027-02-31", "31.04.2027", "00/01/2027", "01/01/2031", "\x00", "=1+1"]
)
def test_contract_start_date(
    qtbot: QtBot, navigator_context: AppContext, clock: Clock, navigator: Actor, typed: str
) -> None:
    clock.at = datetime(2027, 11, 5, 12, tzinfo=UTC)
    _person, case_id = checkpoint_case(
        navigator_context.store, navigator_context.actor, datetime(2027, 10, 29, 9, tzinfo=UTC)
    )
    dialog = ContractBuilderDialog(navigator_context, case_id)
    qtbot.addWidget(dialog)
    dialog.start.setText(typed)
    assert dialog.end_day() is None or typed == "01/01/2031"  # no end worked out from a day that does not exist
    before = table_counts(navigator_context.store)
    dialog.save()
    assert plain_words(dialog.error.text()), dialog.error.text()
    assert dialog.recorded is None and table_counts(navigator_context.store) == before


def _refused_in_the_form(context: AppContext, dialog: QDialog, error: QLabel, save: Callable[[], None]) -> None:
    before = table_counts(context.store)
    save()
    assert plain_words(error.text()), error.text()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert table_counts(context.store) == before


def _born_and_sex(dialog: RegisterPersonDialog) -> None:
    """The details the dialog never fills in itself, so that only the bad value is refused."""
    dialog.born.setText("02/03/1990")
    dialog.sex.setCurrentIndex(dialog.sex.findData("F"))


@pytest.mark.parametrize(
    ("field", "kind"),
    [
        ("surname", "nul"),
        ("surname", "10,000 characters"),
        ("forenames", "escape"),
        ("nhs", "wrong check digit"),
        ("postcode", "formula"),
        ("pnc", "+cmd"),
    ],
)
def test_register_person(qtbot: QtBot, navigator_context: AppContext, field: str, kind: str) -> None:
    dialog = RegisterPersonDialog(navigator_context, "Zed Quinn")
    qtbot.addWidget(dialog)
    _born_and_sex(dialog)
    value = bad.WRONG_NHS[0] if kind == "wrong check digit" else NASTY[kind]
    getattr(dialog, field).setText(value)
    _refused_in_the_form(navigator_context, dialog, dialog.error, dialog._save)


@pytest.mark.parametrize("kind", ["right-to-left", "formula"])
def test_register_person_keeps_acceptable_names(qtbot: QtBot, navigator_context: AppContext, kind: str) -> None:
    dialog = RegisterPersonDialog(navigator_context)
    qtbot.addWidget(dialog)
    dialog.surname.setText(NASTY[kind])
    dialog.forenames.setText("Sam")
    _born_and_sex(dialog)
    dialog._save()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.chosen_id is not None
    with navigator_context.store.unit_of_work() as uow:
        person = uow.session.get(Person, dialog.chosen_id)
        assert person is not None and person.surname == NASTY[kind]


def test_register_person_refuses_31_february_and_the_future(qtbot: QtBot, navigator_context: AppContext) -> None:
    """A day that does not exist is refused, never moved to a nearby one; a birth after today is refused; nothing
    is written either time."""
    for typed, words in (("31/02/1990", "is not a real date"), ("01/01/2031", "is in the future")):
        dialog = RegisterPersonDialog(navigator_context, "Zed Quinn")
        qtbot.addWidget(dialog)
        _born_and_sex(dialog)
        dialog.born.setText(typed)
        _refused_in_the_form(navigator_context, dialog, dialog.error, dialog._save)
        assert words in dialog.error.text() and dialog.chosen_id is None


@pytest.mark.parametrize(
    ("field", "kind"),
    [("username", "nul"), ("username", "override"), ("full_name", "nul"), ("full_name", "10,001 characters")],
)
def test_add_user(qtbot: QtBot, admin_context: AppContext, field: str, kind: str) -> None:
    dialog = AddUserDialog(admin_context)
    qtbot.addWidget(dialog)
    dialog.username.setText("tw.okafor")
    dialog.full_name.setText("Ada Okafor")
    dialog.role.setCurrentIndex(dialog.role.findText("Manager"))
    getattr(dialog, field).setText(NASTY[kind])
    for box in (dialog.passwords.password, dialog.passwords.repeat):
        box.setText("a long and unusual pass phrase 7")
    _refused_in_the_form(admin_context, dialog, dialog.error, dialog._save)


@pytest.mark.parametrize("kind", ["nul", "10,001 characters", "override", "formula"])
def test_sign_in(qtbot: QtBot, ui_store: Store, kind: str) -> None:
    dialog = SignInDialog(ui_store, where="test")
    qtbot.addWidget(dialog)
    dialog.username.setText(NASTY[kind])
    dialog.password.setText(NASTY[kind])
    before = table_counts(ui_store)
    dialog._sign_in()
    assert plain_words(dialog.error.text()) and dialog.actor is None
    after = table_counts(ui_store)
    assert {k for k in after if after[k] != before[k]} <= {"audit_log", "settings"}  # the failed attempt, audited


@pytest.mark.parametrize(
    ("field", "kind"), [("name", "nul"), ("name", "10,000 characters"), ("code", "formula"), ("code", "override")]
)
def test_new_programme(qtbot: QtBot, worker_context: AppContext, field: str, kind: str) -> None:
    dialog = NewProgrammeDialog(worker_context)
    qtbot.addWidget(dialog)
    dialog.code.setText("WONDER-27")
    dialog.name.setText("Wonder")
    getattr(dialog, field).setText(NASTY[kind])
    _refused_in_the_form(worker_context, dialog, dialog.error, dialog._save)
