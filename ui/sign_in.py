"""Signing in, and the first run of a new database: create the first administrator, or open the demo."""

from __future__ import annotations

import socket
from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pathways.actors import Actor
from pathways.errors import PathwaysError
from pathways.services.accounts import create_first_administrator, sign_in
from pathways.store import Store
from ui.widgets import error_label


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class SignInDialog(QDialog):
    """Sign in to `store`; or, with `connect` (PostgreSQL with a database role per user), first connect as the
    typed user name and password, then sign in on that connection. `store` is the store signed in to."""

    def __init__(
        self,
        store: Store | None,
        *,
        where: str,
        hint: str = "",
        connect: Callable[[str, str], Store] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Pathways")
        self.store = store
        self._connect = connect
        self.actor: Actor | None = None
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.password = _password_field()
        self.password.setAccessibleName("Password")
        self.error = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        form = QFormLayout()
        form.addRow("&User name:", self.username)
        form.addRow("&Password:", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Database: {where}"))
        if hint:
            note = QLabel(hint)
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        buttons.accepted.connect(self._sign_in)
        buttons.rejected.connect(self.reject)

    def _sign_in(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        try:
            if self._connect is not None:
                if self.store is not None:
                    self.store.engine.dispose()
                self.store = self._connect(username, password)
            assert self.store is not None
            self.actor = sign_in(self.store, username=username, password=password, workstation=socket.gethostname())
        except PathwaysError as exc:
            self.error.setText(exc.message)
            self.password.clear()
            self.password.setFocus()
            return
        self.password.clear()
        self.accept()


class FirstRunDialog(QDialog):
    """A new, empty database: make its first administrator, or choose to look around the demo instead."""

    DEMO = 2

    def __init__(self, store: Store, *, where: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Pathways")
        self._store = store
        self.username, self.display_name = QLineEdit(), QLineEdit()
        self.password, self.repeat = _password_field(), _password_field()
        for field, name in (
            (self.username, "User name"),
            (self.display_name, "Full name"),
            (self.password, "Password"),
            (self.repeat, "Password again"),
        ):
            field.setAccessibleName(name)
        self.error = error_label()
        intro = QLabel(
            f"This database ({where}) has no users yet. Create the first administrator: they add everyone else.\n"
            "Passwords need at least 12 characters; a short sentence you will remember works well."
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&User name:", self.username)
        form.addRow("&Full name:", self.display_name)
        form.addRow("&Password:", self.password)
        form.addRow("Password a&gain:", self.repeat)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create administrator")
        self.demo_button = QPushButton("Open the &demo database instead (synthetic people, not real records)")
        layout = QVBoxLayout(self)
        for widget in (intro,):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        layout.addWidget(self.demo_button)
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        self.demo_button.clicked.connect(lambda: self.done(self.DEMO))

    def _create(self) -> None:
        if self.password.text() != self.repeat.text():
            self.error.setText("The two passwords are not the same.")
            return
        try:
            create_first_administrator(
                self._store,
                username=self.username.text(),
                password=self.password.text(),
                display_name=self.display_name.text(),
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.accept()
