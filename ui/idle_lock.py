"""The idle lock: after some minutes without input the window locks until the same user's password is given.

When it locks, every table of the window is emptied (the records leave memory; they are read again on
unlock), every window is covered, and a lock dialog asks for the password or offers to sign out. Open forms
and dialogs are covered, not closed, so what the user was typing is still there when they come back.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pathways.actors import Actor
from pathways.errors import PathwaysError
from pathways.services.accounts import sign_in
from ui.context import AppContext
from ui.lazy_model import LazyIdModel
from ui.rows_model import RowsModel
from ui.widgets import buddy_label, error_label

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)
POLL_MS = 5000


class IdleWatch(QObject):
    """Notices input anywhere in the application; `idle` fires once `limit_s` pass without any."""

    idle = Signal()

    def __init__(self, limit_s: float, clock: Callable[[], float] = time.monotonic, parent: QObject | None = None):
        super().__init__(parent)
        self.limit_s, self._clock = limit_s, clock
        self._last = clock()
        self.paused = False
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(POLL_MS)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS and not self.paused:
            self._last = self._clock()
        return False

    def check(self) -> None:
        if not self.paused and self._clock() - self._last >= self.limit_s:
            self.paused = True
            self.idle.emit()

    def resume(self) -> None:
        self._last = self._clock()
        self.paused = False

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class Cover(QWidget):
    """An opaque panel over a window's contents while Pathways is locked."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setAutoFillBackground(True)
        label = QLabel("Pathways is locked.\nEnter your password to carry on.")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("font-size: 14pt;")
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self.setGeometry(window.rect())
        window.installEventFilter(self)  # follow the window's size while locked
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False


class LockDialog(QDialog):
    """Asks for the signed-in user's password; the only other way out is to sign out."""

    SIGNED_OUT = 2

    def __init__(self, context: AppContext, minutes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.setWindowTitle("Pathways is locked")
        self.setMinimumWidth(440)
        actor = context.actor
        message = QLabel(
            f"Pathways locked itself after {minutes} minutes without use, to keep the records private.\n"
            f"Enter the password of {actor.username} to carry on where you left off, or sign out."
        )
        message.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.error = error_label()
        buttons = QDialogButtonBox()
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setDefault(True)
        self.sign_out_button = QPushButton("Sign &out")
        buttons.addButton(self.unlock_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.sign_out_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        layout = QVBoxLayout(self)
        layout.addWidget(message)
        layout.addWidget(buddy_label("&Password:", self.password))
        layout.addWidget(self.password)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.unlock_button.clicked.connect(self.unlock)
        self.sign_out_button.clicked.connect(lambda: self.done(self.SIGNED_OUT))

    def unlock(self) -> None:
        actor = self._context.actor
        try:
            now = sign_in(
                self._context.store,
                username=actor.username,
                password=self.password.text(),
                workstation=actor.workstation,
            )
        except PathwaysError as exc:
            self.password.clear()
            self.error.setText(exc.message)
            return
        changed = changed_since_sign_in(actor, now)
        if changed:
            self.password.clear()
            self.error.setText(changed)
            return
        self.accept()

    def reject(self) -> None:
        """Escape does not unlock: only the password or signing out ends the lock."""


def changed_since_sign_in(before: Actor, now: Actor) -> str | None:
    """Why the window, opened for the account as it was (`before`), cannot carry on as the account now is (`now`):
    it reads the old place's cases, or everything would be refused until the user chooses a password."""
    moved_to = now.site or now.service
    if (now.site, now.service) != (before.site, before.service) and moved_to:
        return (
            f"An administrator has moved your account to {moved_to} since you signed in. Sign out, then sign in "
            f"again to work with {moved_to}'s cases."
        )
    if now.must_change_password:
        return (
            "An administrator has set a new password for your account. Sign out, then sign in again with it to "
            "choose your own."
        )
    return None


def empty_tables(window: QWidget) -> None:
    """Drop the rows every table of the window holds, so no record stays in memory while locked."""
    for view in window.findChildren(QAbstractItemView):
        model = view.model()
        if isinstance(model, QStandardItemModel):
            model.removeRows(0, model.rowCount())
        elif isinstance(model, RowsModel):
            model.set_rows([])
        elif isinstance(model, LazyIdModel):
            model.set_ids([])


class IdleLock(QObject):
    """Locks `window` when its user has been idle for `minutes`; `on_sign_out` runs if they sign out instead."""

    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        window: QMainWindow,
        context: AppContext,
        minutes: int,
        *,
        reload: Callable[[], None],
        on_sign_out: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(window)
        self._window, self._context, self.minutes = window, context, minutes
        self._reload, self._on_sign_out = reload, on_sign_out
        self.watch = IdleWatch(minutes * 60, clock, self)
        self.watch.idle.connect(self.lock)
        self.dialog: LockDialog | None = None
        self._covers: list[Cover] = []

    def lock(self) -> None:
        if self.dialog is not None:
            return
        empty_tables(self._window)
        for top in QApplication.topLevelWidgets():
            if top.isVisible() and not isinstance(top, LockDialog):
                self._covers.append(Cover(top))
        self.locked.emit()
        self.dialog = LockDialog(self._context, self.minutes, self._window)
        self.dialog.finished.connect(self._finished)
        self.dialog.setWindowModality(Qt.WindowModality.ApplicationModal)  # over any form already open
        self.dialog.show()

    def _finished(self, outcome: int) -> None:
        for cover in self._covers:
            cover.deleteLater()
        self._covers.clear()
        self.dialog = None
        if outcome == LockDialog.SIGNED_OUT:
            self.watch.stop()
            self._on_sign_out()
            return
        self.watch.resume()
        self._reload()
        self.unlocked.emit()
