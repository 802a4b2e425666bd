"""Opening the database at start-up without a frozen, blank screen: the work runs on another thread while a busy
dialog says what is happening. Opening is quick, but the first opening after an upgrade can take minutes on a
large database (the case-figures index and the cohort counts are made again once), so the dialog appears when
opening takes longer than a moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QElapsedTimer, QEventLoop
from PySide6.QtWidgets import QApplication, QLabel, QProgressDialog

from pathways.progress import Progress

T = TypeVar("T")

BUSY_TEXT = (
    "Opening the database…\n\n"
    "The first time after Pathways is updated this can take some minutes on a large database, while the figures "
    "for reports are prepared. It happens once."
)
SHOW_AFTER_MS = 400  # opening that takes less shows no dialog at all


def while_busy(work: Callable[[Progress], T], text: str = BUSY_TEXT, show_after_ms: int = SHOW_AFTER_MS) -> T:
    """Run `work` on another thread, keeping the screen alive, with a busy dialog once it has taken a moment;
    its result is returned, or its exception raised, here. What `work` reports through the progress it is given
    (stage, done, total) shows under the text, with a bar that fills."""
    outcome: dict[str, object] = {}
    latest: list[tuple[str, int, int]] = []  # the last report, handed from the work's thread to this one

    def report(stage: str, done: int, total: int) -> None:
        latest[:] = [(stage, done, total)]

    def run() -> None:
        try:
            outcome["result"] = work(report)
        except BaseException as exc:  # re-raised on the calling thread, where it can be shown to the user
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="pathways-opening", daemon=True)
    thread.start()
    busy: QProgressDialog | None = None
    label = QLabel(text)
    shown: tuple[str, int, int] | None = None
    clock = QElapsedTimer()
    clock.start()
    while thread.is_alive():
        if busy is None and clock.elapsed() >= show_after_ms:
            busy = QProgressDialog("", "", 0, 0)
            label.setWordWrap(True)
            label.setFixedWidth(440)  # a short paragraph, not one long line
            busy.setLabel(label)
            busy.setWindowTitle("Pathways")
            busy.setCancelButton(None)
            busy.show()
        if busy is not None and latest and latest[0] != shown:
            shown = latest[0]
            stage, done, total = shown
            label.setText(f"{text}\n\n{stage}: {done:,} of {total:,}")
            busy.setRange(0, max(total, 1))
            busy.setValue(min(done, total))
            busy.adjustSize()  # (the count is a line more than the dialog was made for)
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        thread.join(0.05)
    if busy is not None:
        busy.close()
        busy.deleteLater()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]
