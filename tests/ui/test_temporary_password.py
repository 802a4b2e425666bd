"""Signing in with a password an administrator set (a reset, or a new account): before the main window the user is
asked to choose their own, and cannot go on without it; signing out there goes back to the sign-in window, with
nobody signed in. Started as the application starts (ui/start.py), on a real database file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import AuditEntry, User
from pathways.actors import Role
from pathways.services import accounts, search
from pathways.store import open_store
from tests.sign_in_window import database_with_navigator, when_shows, when_sign_in_shows
from ui.admin_dialogs import PASSWORDS_DIFFER
from ui.main_window import MainWindow
from ui.password_dialog import REQUIRED_TEXT, ChangePasswordDialog
from ui.sign_in import SignInDialog
from ui.start import start_window

GIVEN = "violet kettle harbour"  # the administrator's choice
OWN = "marmalade tractor seventeen"  # the navigator's own
WAIT = 2000  # tries of 10 ms: the sign-in window waits for the database to open


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A database with its administrator, who has added a navigator with a password of their choosing."""
    return database_with_navigator(tmp_path, GIVEN, must_change_password=True)


def _sign_in_with(password: str) -> None:
    def sign_in(dialog: SignInDialog) -> None:
        dialog.username.setText("nav.jones")
        dialog.password.setText(password)
        dialog._sign_in()

    when_sign_in_shows(sign_in, WAIT)


def _flagged(url: str) -> bool:
    store = open_store(url)
    try:
        with store.unit_of_work() as uow:
            query = select(User.must_change_password).where(User.username == "nav.jones")
            return bool(uow.session.scalars(query).one())
    finally:
        store.engine.dispose()


def _audited(url: str, action: str) -> list[tuple[str, str | None]]:
    store = open_store(url)
    try:
        with store.unit_of_work() as uow:
            query = select(AuditEntry).where(AuditEntry.action == action, AuditEntry.actor == "nav.jones")
            return [(e.outcome, e.detail) for e in uow.session.scalars(query.order_by(AuditEntry.seq))]
    finally:
        store.engine.dispose()


def _give_up_if_still_open(dialog: ChangePasswordDialog) -> None:
    """Should the password not have been taken, sign out and close the sign-in window that follows: the start then
    ends with no window, and the test fails instead of waiting for ever."""
    if dialog.isVisible():
        when_sign_in_shows(lambda sign_in: sign_in.close(), WAIT)
        dialog.reject()


def _no_main_window() -> bool:
    return not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]


def test_the_user_chooses_their_own_password_before_the_main_window(qtbot: QtBot, database: str) -> None:
    seen: dict[str, object] = {}

    def choose(dialog: ChangePasswordDialog) -> None:
        try:
            try_passwords(dialog)
        finally:
            _give_up_if_still_open(dialog)

    def try_passwords(dialog: ChangePasswordDialog) -> None:
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
        sign_out = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        seen.update(
            title=dialog.windowTitle(),
            why=dialog.why.text() if dialog.why.isVisible() else None,
            buttons=(save.text(), sign_out.text()),
            no_main_window=_no_main_window(),
        )
        said = []
        dialog.current.setText(GIVEN)
        dialog.passwords.password.setText(GIVEN)  # the administrator's own choice will not do
        dialog.passwords.repeat.setText(GIVEN)
        save.click()
        said.append(dialog.error.text())
        dialog.passwords.password.setText(OWN)
        dialog.passwords.repeat.setText(OWN + " again")
        save.click()
        said.append(dialog.passwords.hint.text() if not dialog.error.text() else "(said twice)")
        dialog.passwords.repeat.setText(OWN)
        save.click()  # accepted: the dialog closes, and the main window is made
        seen["said"] = said

    _sign_in_with(GIVEN)
    when_shows(ChangePasswordDialog, choose, WAIT)
    window = start_window(database)

    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    try:
        assert seen["title"] == "Choose your own password"
        assert seen["why"] == REQUIRED_TEXT
        assert REQUIRED_TEXT.startswith(
            "Your password was set by an administrator. Choose a new one of your own to go on."
        )
        assert seen["buttons"] == ("&Save and go on", "Sign &out")
        assert seen["no_main_window"]  # asked before the main window was made
        assert seen["said"] == ["Choose a new password that is different from your current one.", PASSWORDS_DIFFER]
        actor = window.context.actor
        assert (actor.username, actor.role, actor.must_change_password) == ("nav.jones", Role.CUSTODY_NAVIGATOR, False)
        assert search.search_people(window.context.store, actor=actor, text="nobody at all") == []  # may work
    finally:
        window.context.store.engine.dispose()
    assert not _flagged(database)
    assert _audited(database, "sign_in") == [("ok", "password must be changed")]
    assert _audited(database, "change_own_password") == [("ok", "temporary password replaced")]
    store = open_store(database)
    try:
        again = accounts.sign_in(store, username="nav.jones", password=OWN, workstation="custody-pc")
        assert not again.must_change_password
    finally:
        store.engine.dispose()


def test_signing_out_instead_goes_back_to_the_sign_in_window_and_signs_nobody_in(qtbot: QtBot, database: str) -> None:
    signed_in_again: list[SignInDialog] = []

    def give_up(dialog: SignInDialog) -> None:
        signed_in_again.append(dialog)
        dialog.close()

    def sign_out(dialog: ChangePasswordDialog) -> None:
        dialog.current.setText(GIVEN)
        dialog.passwords.password.setText(OWN)  # typed, but not saved
        dialog.passwords.repeat.setText(OWN)
        when_sign_in_shows(give_up, WAIT)  # (the next sign-in window)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()

    _sign_in_with(GIVEN)
    when_shows(ChangePasswordDialog, sign_out, WAIT)
    assert start_window(database) is None

    assert len(signed_in_again) == 1 and signed_in_again[0].password.text() == ""
    assert _no_main_window()
    assert _flagged(database)  # still to be changed at the next sign-in
    assert _audited(database, "change_own_password") == []
    store = open_store(database)
    try:
        assert accounts.sign_in(store, username="nav.jones", password=GIVEN, workstation="pc").must_change_password
    finally:
        store.engine.dispose()


def test_escape_signs_out_and_the_next_sign_in_asks_again(qtbot: QtBot, database: str) -> None:
    """Escape (or closing the dialog) is Sign out too; signing in again asks again, and then the window opens."""
    asked: list[str] = []

    def escape(dialog: ChangePasswordDialog) -> None:
        asked.append("escaped")
        _sign_in_with(GIVEN)  # (the next sign-in window)
        when_shows(ChangePasswordDialog, choose, WAIT)  # (and the question again)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    def choose(dialog: ChangePasswordDialog) -> None:
        asked.append("chose")
        dialog.current.setText(GIVEN)
        dialog.passwords.password.setText(OWN)
        dialog.passwords.repeat.setText(OWN)
        try:
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        finally:
            _give_up_if_still_open(dialog)

    _sign_in_with(GIVEN)
    when_shows(ChangePasswordDialog, escape, WAIT)
    window = start_window(database)

    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    window.context.store.engine.dispose()
    assert asked == ["escaped", "chose"]
    assert _audited(database, "sign_in") == [("ok", "password must be changed")] * 2
    assert not _flagged(database)
