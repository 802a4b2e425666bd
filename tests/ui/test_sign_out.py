"""File → Sign out and File → Change my password… in the application as it starts (ui/start.py), on a real
database file: signing out closes the window and gives the computer to the next user at the sign-in window; closing
that window instead ends Pathways with nobody signed in."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

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
    qtbot.addWidget(first)
    first.show()
    assert _file_menu(first) == ["Change my &password…", "Sign &out", "&Quit"]

    _sign_in_as("asha.admin", ADMIN_PASSWORD)  # the next user, at the sign-in window the sign-out shows
    first.sign_out()
    (second,) = _main_windows()
    qtbot.addWidget(second)
    try:
        assert not first.isVisible() and second is not first
        assert (second.context.actor.username, second.context.actor.role) == ("asha.admin", Role.ADMINISTRATOR)
        assert second.context.store is first.context.store  # the same database, still open
        assert "Sign &out" in _file_menu(second)
    finally:
        second.close()
        second.context.store.engine.dispose()


def test_closing_the_sign_in_window_after_signing_out_leaves_nobody_signed_in(qtbot: QtBot, database: str) -> None:
    _sign_in_as("nav.jones", NAVIGATOR_PASSWORD)
    window = start_window(database)
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    window.show()
    shown: list[str] = []

    def close(dialog: SignInDialog) -> None:
        shown.append(dialog.username.text())
        dialog.close()

    when_sign_in_shows(close, WAIT)
    try:
        window.sign_out()
        assert shown == [""]  # a fresh sign-in window: nobody's name left in it
        assert _main_windows() == []
        assert QApplication.quitOnLastWindowClosed()  # (kept off only while the windows change over)
    finally:
        window.context.store.engine.dispose()
