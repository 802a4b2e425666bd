"""File → Sign out and File → Change my password… in the application as it starts (ui/start.py), on a real
database file: signing out closes the window and gives the computer to the next user at the sign-in window; closing
that window instead ends Pathways with nobody signed in."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from pathways.actors import Role
from tests.sign_in_window import ADMIN_PASSWORD, database_with_navigator, when_sign_in_shows
from ui.main_window import MainWindow
from ui.sign_in import SignInDialog
from ui.start import start_window

NAVIGATOR_PASSWORD = "marmalade tractor seventeen"
WAIT = 2000  # tries of 10 ms: the first sign-in window waits for the database to open


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A database with its administrator and a navigator who has chosen their own password."""
    return database_with_navigator(tmp_path, NAVIGATOR_PASSWORD, must_change_password=False)


def _sign_in_as(username: str, password: str) -> None:
    def sign_in(dialog: SignInDialog) -> None:
        dialog.username.setText(username)
        dialog.password.setText(password)
        dialog._sign_in()

    when_sign_in_shows(sign_in, WAIT)


def _main_windows() -> list[MainWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]


def _file_menu(window: MainWindow) -> list[str]:
    return [action.text() for action in window.file_menu.actions() if not action.isSeparator()]


def test_signing_out_gives_the_computer_to_the_next_user(qtbot: QtBot, database: str) -> None:
    _sign_in_as("nav.jones", NAVIGATOR_PASSWORD)
    first = start_window(database)
    assert isinstance(first, MainWindow)
    first.show()
    assert _file_menu(first) == ["Change my &password…", "Sign &out", "&Quit"]
    store, watch = first.context.store, first.idle_lock.watch

    _sign_in_as("asha.admin", ADMIN_PASSWORD)  # the next user, at the sign-in window the sign-out shows
    first.sign_out()
    qtbot.waitUntil(lambda: len(_main_windows()) == 1 and not isValid(first), timeout=5000)  # (the first one freed)
    (second,) = _main_windows()
    qtbot.addWidget(second)
    try:
        assert (second.context.actor.username, second.context.actor.role) == ("asha.admin", Role.ADMINISTRATOR)
        assert second.context.store is store  # the same database, still open
        assert "Sign &out" in _file_menu(second)
        assert not isValid(watch) and second.idle_lock.watch.timer.isActive()  # only the new window locks
    finally:
        second.close()
        store.engine.dispose()


def test_a_form_left_open_at_the_idle_lock_is_closed_by_signing_out_there(qtbot: QtBot, database: str) -> None:
    """The idle lock covers a form left open; signing out at the lock closes it (as Cancel), so the next user does
    not find the last one's form, which would save as them."""
    _sign_in_as("nav.jones", NAVIGATOR_PASSWORD)
    first = start_window(database)
    assert isinstance(first, MainWindow)
    first.show()
    store = first.context.store
    left_open = QDialog(first)
    left_open.setWindowTitle("Add an event")
    stray = QDialog()  # a window of the last user's with no parent (a message, a file dialog) goes as well
    stray.setWindowTitle("Save the notice")
    stray.show()

    def lock_then_sign_out() -> None:
        _sign_in_as("asha.admin", ADMIN_PASSWORD)
        first.signed_out_at_lock()

    QTimer.singleShot(0, lock_then_sign_out)
    assert left_open.exec() == QDialog.DialogCode.Rejected  # (returns once signing out has closed it)
    qtbot.waitUntil(lambda: len(_main_windows()) == 1, timeout=5000)
    (second,) = _main_windows()
    qtbot.addWidget(second)
    try:
        assert second.context.actor.username == "asha.admin"
        shown = [w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible()]
        assert "Add an event" not in shown and "Save the notice" not in shown
    finally:
        second.close()
        store.engine.dispose()


def test_closing_the_sign_in_window_after_signing_out_leaves_nobody_signed_in(qtbot: QtBot, database: str) -> None:
    _sign_in_as("nav.jones", NAVIGATOR_PASSWORD)
    window = start_window(database)
    assert isinstance(window, MainWindow)
    window.show()
    store = window.context.store
    shown: list[str] = []

    def close(dialog: SignInDialog) -> None:
        shown.append(dialog.username.text())
        dialog.close()

    when_sign_in_shows(close, WAIT)
    try:
        window.sign_out()
        qtbot.waitUntil(lambda: shown == [""], timeout=5000)  # a fresh sign-in window: nobody's name left in it
        qtbot.waitUntil(QApplication.quitOnLastWindowClosed, timeout=5000)  # (off only while the windows change)
        assert _main_windows() == []
    finally:
        store.engine.dispose()
