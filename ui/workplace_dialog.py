"""Move a custody navigator to another custody site, or a treatment worker to another service (Administration → Users
→ Move to another site or service…). The new one is chosen from its list, as when the account was added: the cases
a navigator or a worker sees are found by that name exactly."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from pathways.actors import Role
from pathways.errors import PathwaysError
from pathways.services.accounts import MOVED_FROM_NEXT_SIGN_IN, UserView, set_workplace
from ui.choices import reference_choices
from ui.context import AppContext
from ui.widgets import buddy_label, error_label


class WorkplaceDialog(QDialog):
    def __init__(self, context: AppContext, user: UserView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        navigator = user.role is Role.CUSTODY_NAVIGATOR
        words, list_name, now = ("site", "sites", user.site) if navigator else ("service", "services", user.service)
        self.setWindowTitle(f"Move {user.display_name} to another {words}")
        self.setMinimumWidth(440)
        self._context, self._user = context, user
        self.moved: UserView | None = None
        self.place = reference_choices(context, list_name, None, f"Choose the new {words}")
        self.place.setAccessibleName(f"New {words}")
        self.error = error_label()
        form = QFormLayout()
        form.addRow("User:", QLabel(f"{user.display_name} ({user.username}), {user.role.label}"))
        form.addRow("Now at:" if navigator else "Now with:", QLabel(now or "none"))
        form.addRow(buddy_label(f"&New {words}:", self.place), self.place)
        hint = QLabel(MOVED_FROM_NEXT_SIGN_IN)
        hint.setWordWrap(True)
        form.addRow("", hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _save(self) -> None:
        try:
            self.moved = set_workplace(
                self._context.store, actor=self._context.actor, user_id=self._user.id, place=self.place.currentText()
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self._context.notify("users")
        self.accept()
