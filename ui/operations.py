"""Long work off the GUI thread: a plain function gets a progress callback and a cancel check; the screen
gets progress, the result or the error as signals. Starting a new task in a slot cancels the old one."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from db.connection_errors import connection_lost
from db.disk_errors import disk_full
from pathways.errors import DatabaseUnreachable, DiskFull, PathwaysError


class Cancelled(Exception):
    """The user cancelled the work."""


class Progress:
    """Handed to the work function: report(stage, done, total) and check() for cancellation."""

    def __init__(self, signals: OperationSignals) -> None:
        self._signals = signals
        self._cancel = threading.Event()

    def report(self, stage: str, done: int, total: int) -> None:
        """Show progress; raises Cancelled when the user has cancelled, except at the end (done == total),
        which comes after the work is saved and must not be reported as cancelled."""
        if done < total:
            self.check()
        self._signals.progress.emit(stage, done, total)

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class OperationSignals(QObject):
    progress = Signal(str, int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


UNEXPECTED = "Pathways ran into a problem it did not expect, so this was not finished. Nothing was half-saved."


class Operation(QRunnable):
    def __init__(self, work: Callable[[Progress], Any], owner: QObject) -> None:
        super().__init__()
        self.setAutoDelete(False)
        # Owned by a long-lived QObject on the GUI thread, so the signals outlive the Python wrapper of the
        # runnable and are delivered on the GUI thread.
        self.signals = OperationSignals(owner)
        self.progress = Progress(self.signals)
        self._work = work

    def run(self) -> None:
        try:
            result = self._work(self.progress)
        except Cancelled:
            self.signals.cancelled.emit()
        except PathwaysError as exc:
            self.signals.failed.emit(exc.message)
        except Exception as exc:  # the screen must hear of any failure, never hang waiting
            if disk_full(exc):
                self.signals.failed.emit(DiskFull("it was not finished: nothing was half-saved").message)
                return
            if connection_lost(exc):
                self.signals.failed.emit(DatabaseUnreachable(DatabaseUnreachable.UNFINISHED).message)
                return
            # The last-resort handler (ui/crash.py, once installed) writes its report without personal data, keeps
            # the open forms' input and tells the user; before, the error's own words went to stderr as they were.
            sys.excepthook(type(exc), exc, exc.__traceback__)
            self.signals.failed.emit(UNEXPECTED)
        else:  # the work returned: whatever it did is done, even if Cancel came too late to stop it
            self.signals.finished.emit(result)

    def cancel(self) -> None:
        self.progress.cancel()


class OperationRunner(QObject):
    """Runs operations on a thread pool, one per named slot: a new one in a slot cancels the previous."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._slots: dict[str, Operation] = {}

    def start(
        self,
        slot: str,
        work: Callable[[Progress], Any],
        *,
        finished: Callable[[Any], None],
        failed: Callable[[str], None] | None = None,
        progress: Callable[[str, int, int], None] | None = None,
        cancelled: Callable[[], None] | None = None,
    ) -> Operation:
        """Run `work` in the background; the callbacks are connected before it starts, so none is missed."""
        previous = self._slots.get(slot)
        if previous is not None:
            previous.cancel()
        operation = Operation(work, self)
        operation.signals.finished.connect(finished)
        for signal, callback in (
            (operation.signals.failed, failed),
            (operation.signals.progress, progress),
            (operation.signals.cancelled, cancelled),
        ):
            if callback is not None:
                signal.connect(callback)
        for signal in (operation.signals.finished, operation.signals.failed, operation.signals.cancelled):
            signal.connect(operation.signals.deleteLater)
        self._slots[slot] = operation
        self._pool.start(operation)
        return operation

    def cancel(self, slot: str) -> None:
        operation = self._slots.pop(slot, None)
        if operation is not None:
            operation.cancel()

    def wait(self, msecs: int = 30000) -> bool:
        return bool(self._pool.waitForDone(msecs))
