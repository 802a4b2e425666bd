"""Answering the questions (QMessageBox) a screen asks, as a user would, in tests."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def answer_next_question(button_text: str, asked: list[str]) -> None:
    """When the next question opens, add its text to `asked` and press its button named `button_text` (without
    the & of its Alt letter). Call it just before what asks."""

    def attempt() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, attempt)
            return
        asked.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()

    QTimer.singleShot(0, attempt)
