"""The idle lock fires on an injected clock, empties the tables, keeps open forms, and opens only for the user."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from pathways.actors import Actor, Role, command_line_actor
from pathways.errors import InvalidInput, NotPermitted
from pathways.services.accounts import add_user, find_user, reset_password, set_workplace
from pathways.services.settings import idle_lock_minutes, set_idle_lock_minutes
from pathways.store import Store
from ui.context import AppContext
from ui.idle_lock import Cover, LockDialog
from ui.main_window import MainWindow
from ui.programmes_page import ProgrammesPage
from ui.register_dialog import RegisterPersonDialog

PASSWORD = "kettle-harbour-lantern-42"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def signed_in(ui_store: Store) -> AppContext:
    add_user(
        ui_store,
        actor=command_line_actor(),
        username="a.navigator",
        display_name="A. Navigator",
        role=Role.CUSTODY_NAVIGATOR,
        password=PASSWORD,
        site="Basingstoke",
        must_change_password=False,  # (so that they can work at once)
    )
    return AppContext(ui_store, Actor("a.navigator", Role.CUSTODY_NAVIGATOR, "test-pc", site="Basingstoke"))


def _window(qtbot: QtBot, context: AppContext, clock: FakeClock) -> MainWindow:
    window = MainWindow(context, "test database")
    qtbot.addWidget(window)
    window.idle_lock.watch.stop()
    window.idle_lock = type(window.idle_lock)(
        window, context, 15, reload=window.reload_after_lock, on_sign_out=window.signed_out_at_lock, clock=clock
    )
    window.show()
    return window


def test_the_window_locks_after_the_idle_time_and_only_the_users_password_opens_it(
    qtbot: QtBot, signed_in: AppContext
) -> None:
    clock = FakeClock()
    window = _window(qtbot, signed_in, clock)
    qtbot.keyClicks(window.find_page.search, "Hughes")
    qtbot.waitUntil(lambda: window.find_page.model.rowCount() > 0, timeout=5000)
    draft = RegisterPersonDialog(signed_in, "Jones", window)
    draft.show()
    typed = draft.findChildren(QLineEdit)[0].text()
    assert typed

    clock.now += 14 * 60
    window.idle_lock.watch.check()
    assert window.idle_lock.dialog is None  # not yet: 14 minutes

    clock.now += 60
    window.idle_lock.watch.check()
    lock = window.idle_lock.dialog
    assert isinstance(lock, LockDialog) and lock.isVisible()
    assert window.find_page.model.rowCount() == 0  # the search results left memory
    assert draft.findChildren(Cover) and window.findChildren(Cover)  # every window is covered

    lock.password.setText("not-the-password")
    qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    assert window.idle_lock.dialog is lock and lock.error.text()
    qtbot.keyClick(lock, Qt.Key.Key_Escape)
    assert window.idle_lock.dialog is lock  # Escape does not unlock

    lock.password.setText(PASSWORD)
    qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    assert window.idle_lock.dialog is None
    qtbot.waitUntil(lambda: not draft.findChildren(Cover), timeout=2000)
    qtbot.waitUntil(lambda: window.find_page.model.rowCount() > 0, timeout=5000)  # read again
    assert draft.isVisible() and draft.findChildren(QLineEdit)[0].text() == typed  # the form kept its input


def test_input_puts_the_lock_off(qtbot: QtBot, signed_in: AppContext) -> None:
    clock = FakeClock()
    window = _window(qtbot, signed_in, clock)
    clock.now += 10 * 60
    qtbot.keyClick(window.find_page.search, Qt.Key.Key_A)
    QApplication.processEvents()
    clock.now += 10 * 60
    window.idle_lock.watch.check()
    assert window.idle_lock.dialog is None


def test_signing_out_from_the_lock_closes_the_window(qtbot: QtBot, signed_in: AppContext) -> None:
    clock = FakeClock()
    window = _window(qtbot, signed_in, clock)
    clock.now += 15 * 60
    window.idle_lock.watch.check()
    lock = window.idle_lock.dialog
    assert lock is not None
    qtbot.mouseClick(lock.sign_out_button, Qt.MouseButton.LeftButton)
    assert not window.isVisible()


def test_signing_out_from_the_lock_never_asks_and_never_unlocks(qtbot: QtBot, worker_context: AppContext) -> None:
    """Marks not saved on a group register make closing ask, but not at the lock: whoever is at the computer may
    sign out without the password, and no answer may leave the window open and unlocked as its user."""
    clock = FakeClock()
    window = _window(qtbot, worker_context, clock)
    page = window.page("programmes")
    assert isinstance(page, ProgrammesPage)
    page.pending[(1, 4)] = {7: "present"}  # a mark typed on a register, not saved
    assert page.unsaved_registers()
    clock.now += 15 * 60
    window.idle_lock.watch.check()
    lock = window.idle_lock.dialog
    assert lock is not None
    asked: list[str] = []

    def refuse_any_question() -> None:  # (were the question asked, this answers it, so the test fails, not hangs)
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            asked.append(box.text())
            box.reject()
        elif window.isVisible():
            QTimer.singleShot(10, refuse_any_question)

    QTimer.singleShot(0, refuse_any_question)
    qtbot.mouseClick(lock.sign_out_button, Qt.MouseButton.LeftButton)
    assert asked == [] and not window.isVisible()


def test_only_an_administrator_sets_the_idle_time(ui_store: Store, signed_in: AppContext) -> None:
    assert idle_lock_minutes(ui_store) == 15
    with pytest.raises(NotPermitted):
        set_idle_lock_minutes(ui_store, actor=signed_in.actor, minutes=5)
    with pytest.raises(InvalidInput, match="between 1 and 240"):
        set_idle_lock_minutes(ui_store, actor=command_line_actor(), minutes=0)
    set_idle_lock_minutes(ui_store, actor=command_line_actor(), minutes=5)
    assert idle_lock_minutes(ui_store) == 5


def _locked(qtbot: QtBot, context: AppContext) -> tuple[MainWindow, LockDialog]:
    clock = FakeClock()
    window = _window(qtbot, context, clock)
    clock.now += 15 * 60
    window.idle_lock.watch.check()
    lock = window.idle_lock.dialog
    assert lock is not None
    return window, lock


def _user_id(store: Store, username: str) -> int:
    return find_user(store, actor=command_line_actor(), username=username).id


def test_the_lock_does_not_open_for_an_account_moved_since_sign_in(qtbot: QtBot, signed_in: AppContext) -> None:
    """Unlocked, the window would read Basingstoke's cases again for a navigator now at Aldershot, and every action
    of theirs would then be refused: the lock says why it stays shut, and signing out is the way on."""
    window, lock = _locked(qtbot, signed_in)
    set_workplace(
        signed_in.store, actor=command_line_actor(), user_id=_user_id(signed_in.store, "a.navigator"), place="Aldershot"
    )
    lock.password.setText(PASSWORD)
    qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    assert window.idle_lock.dialog is lock and lock.isVisible()
    assert "moved your account to Aldershot since you signed in" in lock.error.text()
    assert window.find_page.model.rowCount() == 0 and lock.password.text() == ""
    qtbot.mouseClick(lock.sign_out_button, Qt.MouseButton.LeftButton)
    assert not window.isVisible()


def test_the_lock_does_not_open_with_a_password_an_administrator_set(qtbot: QtBot, signed_in: AppContext) -> None:
    window, lock = _locked(qtbot, signed_in)
    given = "gravel-orchard-beacon-17"
    reset_password(
        signed_in.store,
        actor=command_line_actor(),
        user_id=_user_id(signed_in.store, "a.navigator"),
        new_password=given,
    )
    lock.password.setText(given)
    qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    assert window.idle_lock.dialog is lock
    assert "set a new password for your account" in lock.error.text()
