"""A user changes their own password from the File menu: the current one first, the new one twice; refused in
words, with nothing changed, when either is wrong; afterwards only the new one signs in."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from pathways.actors import Actor, Role, command_line_actor
from pathways.services.accounts import SignInFailed, add_user, sign_in
from pathways.store import Store
from ui.admin_dialogs import PASSWORD_OK, PASSWORDS_DIFFER
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.password_dialog import ChangePasswordDialog

OLD, NEW = "kettle-harbour-lantern-42", "violet lantern orchard seventeen"


@pytest.fixture
def signed_in(ui_store: Store) -> AppContext:
    add_user(
        ui_store,
        actor=command_line_actor(),
        username="a.worker",
        display_name="A. Worker",
        role=Role.TREATMENT_WORKER,
        password=OLD,
        service="Inclusion Hampshire",
    )
    return AppContext(ui_store, Actor("a.worker", Role.TREATMENT_WORKER, "test-pc", service="Inclusion Hampshire"))


def _signs_in(store: Store, password: str) -> bool:
    try:
        sign_in(store, username="a.worker", password=password, workstation="test-pc")
    except SignInFailed:
        return False
    return True


def test_a_user_changes_their_own_password_from_the_file_menu(qtbot: QtBot, signed_in: AppContext) -> None:
    window = MainWindow(signed_in, "test database", on_sign_out=lambda: None)
    qtbot.addWidget(window)
    seen: list[tuple[str, str]] = []  # (the hint under the passwords, the error above the buttons)

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ChangePasswordDialog):
            qtbot.wait(20)
            return fill()
        dialog.current.setText("not my password")
        dialog.passwords.password.setText(NEW)
        dialog.passwords.repeat.setText(NEW + "!")
        dialog.save()
        seen.append((dialog.passwords.hint.text(), dialog.error.text()))  # the two new ones differ: said once
        dialog.passwords.repeat.setText(NEW)
        dialog.save()
        seen.append((dialog.passwords.hint.text(), dialog.error.text()))  # the current one is not right
        dialog.current.setText(OLD)
        dialog.save()  # accepted: the dialog closes

    QTimer.singleShot(0, fill)
    window.password_action.trigger()
    assert seen == [(PASSWORDS_DIFFER, ""), (PASSWORD_OK, "Your current password is not right.")]
    assert window.statusBar().currentMessage() == "Your password was changed."
    assert _signs_in(signed_in.store, NEW) and not _signs_in(signed_in.store, OLD)


def test_without_a_password_to_change_the_menu_does_not_offer_it(qtbot: QtBot, worker_context: AppContext) -> None:
    window = MainWindow(worker_context, "test database")  # (the computer's own account: no sign-out, no password)
    qtbot.addWidget(window)
    assert "Change my &password…" not in [a.text() for a in window.file_menu.actions()]
