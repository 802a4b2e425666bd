"""Answering the questions (QMessageBox) a screen asks, as a user would, in tests."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


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
