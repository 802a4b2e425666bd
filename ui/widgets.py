"""Small widget helpers shared by the screens."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

ERROR_STYLE = "color: #a4262c;"


def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A label whose &-mnemonic moves the keyboard focus to `buddy` (and names it for screen readers)."""
    label = QLabel(text)
    label.setBuddy(buddy)
    if not buddy.accessibleName():
        buddy.setAccessibleName(text.replace("&", "").rstrip(":"))
    return label


def error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setAccessibleName("Problem")
    return label
