"""For tests of a start (ui/start.py), which shows its sign-in window modally and waits: act on that window as
soon as it is on the screen, from the event loop its wait runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.sign_in import SignInDialog


def when_sign_in_shows(act: Callable[[SignInDialog], None], tries: int = 500) -> None:
    """Call `act` with the sign-in window once it is visible (looking every 10 ms, at most `tries` times)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.sign_in import SignInDialog

    def look(left: int) -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, SignInDialog) and w.isVisible()]
        if shown:
            act(shown[0])
        elif left:
            QTimer.singleShot(10, lambda: look(left - 1))

    QTimer.singleShot(0, lambda: look(tries))
