"""Signing in, and the first run of a new database: create the first administrator, or open the demo.

The sign-in window can appear before the database is open (ui/start.py): it loads no more than Qt, and what signs
in is imported when it is needed."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pathways.actors import Actor
from pathways.errors import PathwaysError
from ui.opening import Background, counted
from ui.widgets import error_label

if TYPE_CHECKING:
    from pathways.store import Store

OPENING = "Opening the database…"
SIGNING_IN_WHEN_OPEN = "You will be signed in as soon as the database is open…"
MINIMUM_WIDTH = 420  # wide enough for the opening's count on one line


class OpenedDatabase(NamedTuple):
    """A database opened behind the sign-in window: where it is, whether it is the demo (and the demo's sign-in
    hint), and whether it has no users yet (a first run, which has its own window)."""

    store: Store
    where: str
    demo: bool
    hint: str
    first_run: bool

    @property
    def shown_where(self) -> str:
        return self.where + (" (DEMO DATA)" if self.demo else "")


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class SignInDialog(QDialog):
    """Sign in to `store`; or, with `connect` (PostgreSQL with a database role per user), connect as the typed
    user name and password and sign in on that connection (`connect` does both, and gives the store and the
    signed-in user; it keeps the screen alive while it waits on the server); or, with `opening`, as soon as the
    database being opened behind the window is open (the user types meanwhile). `store` is the store signed in to.

    With `opening`, the window closes by itself when the opening fails (`failure` holds why) or finds no users
    yet (it ends with FIRST_RUN; `opened` holds the database)."""

    FIRST_RUN = 2

    def __init__(
        self,
        store: Store | None,
        *,
        where: str,
        hint: str = "",
        connect: Callable[[str, str], tuple[Store, Actor]] | None = None,
        opening: Background[OpenedDatabase] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Pathways")
        self.store = store
        self._connect = connect
        self.actor: Actor | None = None
        self.opened: OpenedDatabase | None = None
        self.failure: BaseException | None = None
        self._opening = opening
        self._waiting = False  # the user asked to sign in before the database was open
        self._connecting = False  # signing in (with `connect`, perhaps for some seconds)
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
        self.where = QLabel(f"Database: {where}")
        self.where.setVisible(bool(where))  # (not yet known while the database opens)
        self.hint = QLabel(hint)
        self.hint.setWordWrap(True)
        self.hint.setVisible(bool(hint))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setVisible(False)
        self.progress = QProgressBar()  # the count of a long opening (the first after an update)
        self.progress.setVisible(False)
        self.setMinimumWidth(MINIMUM_WIDTH)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.hint)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        buttons.accepted.connect(self._sign_in)
        buttons.rejected.connect(self.reject)
        if opening is not None:
            self._show_opening()
            self._poll = QTimer(self)
            self._poll.timeout.connect(self._look_at_opening)
            self._poll.start(50)

    def done(self, result: int) -> None:
        if self._opening is not None:
            self._poll.stop()  # closed: whatever the opening brings, nobody is signed in
        super().done(result)

    def _look_at_opening(self) -> None:
        """Show how the opening is going; once it is done, take the database (or close, as the class says)."""
        assert self._opening is not None
        if not self._opening.done():
            self._show_opening()
            return
        self._poll.stop()
        try:
            opened = self._opening.result()
        except BaseException as exc:  # shown by the caller, in the user's words when it has them
            self.failure = exc
            self.reject()
            return
        self.opened = opened
        if opened.first_run:
            self.done(self.FIRST_RUN)
            return
        self.store = opened.store
        self.where.setText(f"Database: {opened.shown_where}")
        self.where.setVisible(True)
        self.hint.setText(opened.hint)
        self.hint.setVisible(bool(opened.hint))
        self.status.setVisible(False)
        self.progress.setVisible(False)
        self.adjustSize()
        if self._waiting:
            self._sign_in()

    def _show_opening(self) -> None:
        assert self._opening is not None
        text = SIGNING_IN_WHEN_OPEN if self._waiting else OPENING
        latest = self._opening.latest()
        shown = text if latest is None else counted(text, latest)
        if self.status.text() == shown and self.status.isVisibleTo(self):
            return  # (nothing new: the window keeps the size the user gave it)
        self.status.setText(shown)
        self.status.setVisible(True)
        if latest is not None:
            _stage, done, total = latest
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(min(done, total))
            self.progress.setVisible(True)
        self.adjustSize()  # (the lines above come and go: the window grows to fit them)

    def reject(self) -> None:
        if self._connecting:
            return  # (a busy window says what is happening; the connection gives up by itself in time)
        super().reject()

    def _sign_in(self) -> None:
        if self.store is None and self._connect is None:  # still opening: sign in as soon as it is open
            self._waiting = True
            self._show_opening()
            return
        if self._connecting:
            return  # (Sign in pressed again while connecting)
        username, password = self.username.text().strip(), self.password.text()
        self._connecting = True
        self.setEnabled(False)  # `connect` keeps the screen alive while it connects: nothing here may be pressed
        try:
            self._check(username, password)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            self.password.clear()
            self.adjustSize()  # (a message of a few lines: the window grows to show it whole)
            return
        finally:
            self._connecting = False
            self.setEnabled(True)
            self.password.setFocus()
        self.password.clear()
        self.accept()

    def _check(self, username: str, password: str) -> None:
        if self._connect is not None:
            if self.store is not None:
                self.store.engine.dispose()
                self.store = None
            self.store, self.actor = self._connect(username, password)
            return
        from pathways.services.accounts import sign_in  # (loaded by now, with the database)

        assert self.store is not None
        self.actor = sign_in(self.store, username=username, password=password, workstation=socket.gethostname())


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
        from pathways.services.accounts import create_first_administrator

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
