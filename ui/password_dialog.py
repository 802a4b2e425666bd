"""Changing one's own password (File → Change my password…): the current password first, then the new one
typed twice, checked as it is typed against the same policy as every password (pathways/services/accounts.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from pathways.errors import PathwaysError
from pathways.services.accounts import change_own_password
from ui.admin_dialogs import PASSWORDS_DIFFER, PasswordPair
from ui.context import AppContext
from ui.widgets import buddy_label, error_label


class ChangePasswordDialog(QDialog):
    """The signed-in user's own password: refused, with what was typed kept, when the current one is not right or
    the new one will not do; `changed` once it was changed."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change my password")
        self.setMinimumWidth(440)
        self._context = context
        self.changed = False
        self.current = QLineEdit()
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        self.current.setAccessibleName("Current password")
        self.passwords = PasswordPair(context.actor.username, new=True)
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout()
        form.addRow("User:", QLabel(context.actor.username))
        form.addRow(buddy_label("&Current password:", self.current), self.current)
        self.passwords.add_rows(form)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.current.setFocus()

    def save(self) -> None:
        new = self.passwords.password.text()
        if self.passwords.repeat.text() != new:
            self.error.setText(PASSWORDS_DIFFER)
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
