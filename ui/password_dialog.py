"""Changing one's own password (File → Change my password…): the current password first, then the new one
typed twice, checked as it is typed against the same policy as every password (pathways/passwords.py).

The same dialog, `required`, comes up straight after signing in with a password an administrator set (a reset, or
a new account): the user chooses their own before the main window opens, and its only other way out signs them
out (ui/app.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from pathways.errors import PathwaysError
from pathways.services.accounts import change_own_password
from ui.admin_dialogs import PasswordPair
from ui.context import AppContext
from ui.widgets import buddy_label, error_label

REQUIRED_TITLE = "Choose your own password"
REQUIRED_TEXT = (
    "Your password was set by an administrator. Choose a new one of your own to go on.\n"
    "Sign out instead, and you can sign in again with the password they gave you."
)
REQUIRED_CURRENT = "&Password given to you:"
REQUIRED_SAVE = "&Save and go on"
SIGN_OUT = "Sign &out"


class ChangePasswordDialog(QDialog):
    """The signed-in user's own password: refused, with what was typed kept, when the current one is not right or
    the new one will not do; `changed` once it was changed. With `required`, the user must choose one before going
    on: the dialog says why, and Cancel (or closing it) is Sign out."""

    def __init__(self, context: AppContext, parent: QWidget | None = None, *, required: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(REQUIRED_TITLE if required else "Change my password")
        self.setMinimumWidth(440)
        self._context = context
        self.changed = False
        self.current = QLineEdit()
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        self.passwords = PasswordPair(context.actor.username, new=True)
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.why = QLabel(REQUIRED_TEXT)
        self.why.setWordWrap(True)
        self.why.setVisible(required)
        if required:
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(REQUIRED_SAVE)
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(SIGN_OUT)
        form = QFormLayout()
        form.addRow("User:", QLabel(context.actor.username))
        form.addRow(buddy_label(REQUIRED_CURRENT if required else "&Current password:", self.current), self.current)
        self.passwords.add_rows(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.why)
        if required:
            layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.current.setFocus()

    def save(self) -> None:
        new = self.passwords.password.text()
        self.error.clear()
        if self.passwords.stops_saving():
            return
        try:
            change_own_password(
                self._context.store, actor=self._context.actor, old_password=self.current.text(), new_password=new
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.changed = True
        self.accept()
