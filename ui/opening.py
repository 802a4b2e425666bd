"""Opening the database at start-up without a frozen, blank screen: the work runs on another thread while a busy
dialog says what is happening. Opening is quick, but the first opening after an upgrade can take minutes on a
large database (the case-figures index and the cohort counts are made again once), so the dialog appears when
opening takes longer than a moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QElapsedTimer, QEventLoop
from PySide6.QtWidgets import QApplication, QLabel, QProgressDialog

from pathways.progress import Progress

T = TypeVar("T")

BUSY_TEXT = (
    "Opening the database…\n\n"
    "The first time after Pathways is updated this can take some minutes on a large database, while the figures "
    "for reports are prepared. It happens once."
)
NEW_DATABASE_BUSY_TEXT = "Setting up the new database…\n\nThis happens once, the first time it is opened."
DEMO_BUSY_TEXT = (
    "Opening the demo database…\n\nThe first time, it is filled with synthetic people (none of them real), which "
    "takes a moment."
)
SHOW_AFTER_MS = 400  # opening that takes less shows no dialog at all


class Background(Generic[T]):
    """`work` running on another thread from the moment this is made; the screen's thread asks whether it is done,
    what it last reported (stage, done, total) and, once done, its result (or its exception, raised there)."""

    def __init__(self, work: Callable[[Progress], T]) -> None:
        self._outcome: dict[str, object] = {}
        self._latest: list[tuple[str, int, int]] = []  # the last report, handed from the work's thread

        def report(stage: str, done: int, total: int) -> None:
            self._latest[:] = [(stage, done, total)]

        def run() -> None:
            try:
                self._outcome["result"] = work(report)
            except BaseException as exc:  # re-raised on the screen's thread, where it can be shown to the user
                self._outcome["error"] = exc

        self._thread = threading.Thread(target=run, name="pathways-opening", daemon=True)
        self._thread.start()

    def done(self, wait_s: float = 0.0) -> bool:
        self._thread.join(wait_s)
        return not self._thread.is_alive()

    def latest(self) -> tuple[str, int, int] | None:
        return self._latest[0] if self._latest else None

    def result(self) -> T:
        """The work's result, or its exception raised here (only once it is done)."""
        assert self.done(), "asked for the result of work still running"
        if "error" in self._outcome:
            raise self._outcome["error"]  # type: ignore[misc]
        return self._outcome["result"]  # type: ignore[return-value]


def counted(text: str, report: tuple[str, int, int]) -> str:
    """`text` with the count of what the work last reported under it."""
    stage, done, total = report
    return f"{text}\n\n{stage}: {done:,} of {total:,}"


def while_busy(work: Callable[[Progress], T], text: str = BUSY_TEXT, show_after_ms: int = SHOW_AFTER_MS) -> T:
    """Run `work` on another thread, keeping the screen alive, with a busy dialog once it has taken a moment;
    its result is returned, or its exception raised, here. What `work` reports through the progress it is given
    (stage, done, total) shows under the text, with a bar that fills."""
    return wait_for(Background(work), text, show_after_ms)


def wait_for(background: Background[T], text: str = BUSY_TEXT, show_after_ms: int = SHOW_AFTER_MS) -> T:
    """Keep the screen alive until `background` is done, with a busy dialog (as `while_busy`) once it has taken a
    moment; its result is returned, or its exception raised, here."""
    busy: QProgressDialog | None = None
    label = QLabel(text)
    shown: tuple[str, int, int] | None = None
    clock = QElapsedTimer()
    clock.start()
    while not background.done():
        if busy is None and clock.elapsed() >= show_after_ms:
            busy = QProgressDialog("", "", 0, 0)
            label.setWordWrap(True)
            label.setFixedWidth(440)  # a short paragraph, not one long line
            busy.setLabel(label)
            busy.setWindowTitle("Pathways")
            busy.setCancelButton(None)
            busy.show()
        latest = background.latest()
        if busy is not None and latest is not None and latest != shown:
            shown = latest
            label.setText(counted(text, latest))
            busy.setRange(0, max(latest[2], 1))
            busy.setValue(min(latest[1], latest[2]))
            busy.adjustSize()  # (the count is a line more than the dialog was made for)
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        background.done(0.05)
    if busy is not None:
        busy.close()
        busy.deleteLater()
    return background.result()
