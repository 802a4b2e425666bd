"""Answering the questions (QMessageBox) and dialogs a screen opens, as a user would, in tests."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget


def answer_next_question(button_text: str, asked: list[str], tries: int = 500) -> None:
    """When the next question opens, add its text to `asked` and press its button named `button_text` (without
    the & of its Alt letter). Call it just before what asks; with no question within about 5 seconds it gives up
    (the test's own assertions then fail), so that it cannot answer a later test's question."""

    def attempt(left: int) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            if left > 0:
                QTimer.singleShot(10, lambda: attempt(left - 1))
            return
        asked.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()

    QTimer.singleShot(0, lambda: attempt(tries))


def when_modal(act: Callable[[QWidget], None], tries: int = 500) -> None:
    """Act on the next modal dialog once it is showing (a button that opens one waits in exec()). Should `act`
    fail, the dialog is closed so that exec() returns and the test reports the failure instead of hanging."""

    def attempt(left: int) -> None:
        widget = QApplication.activeModalWidget()
        if widget is None:
            if left:
                QTimer.singleShot(10, lambda: attempt(left - 1))
            return
        try:
            act(widget)
        finally:
            if widget.isVisible():
                widget.close()

    QTimer.singleShot(0, lambda: attempt(tries))
