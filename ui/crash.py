"""The last resort when something goes wrong that nothing else caught (a bug, not a refused save).

`CrashHandler.install()` takes over sys.excepthook and threading.excepthook. On an unexpected error it
1. writes a report for IT support to the `log` folder of the user's data folder: the exception's type and the
   traceback's frames (file, line number, function), never the message, the code's text or any values, which
   may hold a name or an NHS number: the message is replaced by its length and a fingerprint, enough to tell the
   same failure seen twice. The fingerprint is keyed (HMAC) with a random key kept beside the reports and never
   written into them, so a report sent on cannot be used to guess a message by trying candidates;
2. keeps what was typed in any open form that matters (ui/drafts.py), to be offered back when it next opens;
3. tells the user, in plain words, what happened and where the report is, and lets them carry on or close.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import platform
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from pathways.clock import now_utc
from ui.drafts import save_open_drafts

ROOT = Path(__file__).resolve().parents[1]
ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


KEY_FILE = ".fingerprint-key"


def fingerprint(text: str, key: bytes) -> str:
    return hmac.new(key, text.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:16]


def fingerprint_key(folder: Path) -> bytes:
    """This installation's key for fingerprints (made the first time, readable only by the user)."""
    path = folder / KEY_FILE
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(os.urandom(32))
    key = path.read_bytes()
    if len(key) < 16:
        raise OSError(f"the fingerprint key {path} is damaged")
    return key


def _short(filename: str) -> str:
    """A frame's file without the folders above the program or the installed packages (which name the user)."""
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(ROOT))
    except (ValueError, OSError):
        pass
    parts = path.parts
    for marker in ("site-packages", "dist-packages", "lib"):
        if marker in parts:
            return str(Path(*parts[parts.index(marker) + 1 :]))
    return path.name


def _chain(error: BaseException) -> list[BaseException]:
    """The error and those it came from, outermost last, as Python prints them."""
    links: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in links):
        links.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return links[::-1]


def crash_report(error: BaseException, *, at: datetime, thread: str, key: bytes) -> str:
    """The report for IT support: types and frames only; each message withheld, with its length and fingerprint."""
    lines = [
        "Pathways: an unexpected error",
        f"When (UTC): {at.isoformat()}",
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"Thread: {thread}",
        "Messages are withheld (they may hold personal details); each is shown by its length and fingerprint.",
        "",
    ]
    chain = _chain(error)
    for number, link in enumerate(chain):
        if number:
            direct = link.__cause__ is chain[number - 1]
            how = "caused the error below" if direct else "was being handled when the error below happened"
            lines += ["", f"The error above {how}.", ""]
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(link.__traceback__):
            # Not the line's text: a literal in it could be personal data; the file and line number find it.
            lines.append(f'  File "{_short(frame.filename)}", line {frame.lineno}, in {frame.name}')
        kind = type(link)
        message = str(link)
        lines.append(
            f"{kind.__module__}.{kind.__qualname__}: [message withheld: {len(message)} characters, "
            f"fingerprint {fingerprint(message, key)}]"
        )
    return "\n".join(lines) + "\n"


def write_report(folder: Path, error: BaseException, *, at: datetime, thread: str) -> Path:
    text = crash_report(error, at=at, thread=thread, key=fingerprint_key(folder))
    path = folder / f"crash-{at:%Y%m%d-%H%M%S-%f}.log"
    with open(path, "x", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    return path


def user_message(
    report: Path | None, problem: str | None, forms_kept: int, *, connection_lost: str | None = None
) -> tuple[str, str]:
    """The words for the user: (what happened, what it means and what to do). A lost connection to the database
    server is no bug of Pathways', and is told as what it is: `connection_lost` is what happened, in words."""
    kept = (
        "What you had typed in the open form has been kept: the form will offer it back when you next open it."
        if forms_kept == 1
        else f"What you had typed in the {forms_kept} open forms has been kept: each will offer it back when "
        "you next open it."
        if forms_kept
        else ""
    )
    where = (
        f"A report for your IT support is in {report}. It holds no names or other personal details."
        if report is not None
        else f"A report for your IT support could not be written ({problem})."
    )
    saved = "What was already saved is safe: Pathways saves each change whole or not at all."
    if connection_lost:
        what_to_do = (
            "Check this computer's network connection, or ask your administrator whether the database server is "
            "running. Pathways connects again by itself once the server answers: try again in a moment."
        )
        details = "\n\n".join(part for part in (saved, kept, what_to_do, where) if part)
        return connection_lost, details
    carry_on = "You can carry on. If things look wrong, close Pathways and start it again."
    details = "\n\n".join(part for part in (saved, kept, where, carry_on) if part)
    return "Pathways ran into a problem it did not expect, so what you were doing may not have finished.", details


class CrashHandler(QObject):
    """Reports unexpected errors from any thread; the user hears of them on the GUI thread."""

    # report path (or None), problem writing it (or None), a lost connection to the database server in words (or "")
    _report_ready = Signal(object, object, str)

    def __init__(
        self, log_folder: Path, *, clock: Callable[[], datetime] = now_utc, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.log_folder = log_folder
        self._clock = clock
        self._previous_hook: ExceptHook | None = None
        self._previous_thread_hook: Callable[[threading.ExceptHookArgs], Any] | None = None
        self.dialog: QMessageBox | None = None
        self.reports: list[Path] = []
        self._report_ready.connect(self._tell_user)  # queued when the error was on another thread

    def install(self) -> None:
        self._previous_hook, sys.excepthook = sys.excepthook, self.handle
        self._previous_thread_hook, threading.excepthook = threading.excepthook, self._handle_thread

    def uninstall(self) -> None:
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
        if self._previous_thread_hook is not None:
            threading.excepthook = self._previous_thread_hook
        self._previous_hook = self._previous_thread_hook = None

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "unknown"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, thread=name)

    def handle(
        self,
        kind: type[BaseException],
        error: BaseException,
        tb: TracebackType | None,
        *,
        thread: str | None = None,
    ) -> None:
        """Write the report, then have the GUI thread keep the forms' input and tell the user. Never raises."""
        if issubclass(kind, KeyboardInterrupt):
            (self._previous_hook or sys.__excepthook__)(kind, error, tb)
            return
        if error.__traceback__ is None and tb is not None:
            error = error.with_traceback(tb)
        report: Path | None = None
        problem: str | None = None
        try:
            report = write_report(
                self.log_folder, error, at=self._clock(), thread=thread or threading.current_thread().name
            )
            self.reports.append(report)
        except OSError as exc:
            problem = exc.strerror or type(exc).__name__
        with contextlib.suppress(RuntimeError):  # the Qt object is gone (the app is closing): the report is written
            self._report_ready.emit(report, problem, _connection_lost(error))

    def _tell_user(self, report: Path | None, problem: str | None, lost: str) -> None:
        try:
            kept = save_open_drafts()
        except Exception:  # keeping drafts must never stop the user hearing what happened
            kept = 0
        if self.dialog is not None and self.dialog.isVisible():
            return  # one message at a time; every report is still written
        text, details = user_message(report, problem, kept, connection_lost=lost or None)
        parent = QApplication.activeWindow()
        title = "Pathways: the database could not be reached" if lost else "Pathways: something went wrong"
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, parent=parent)
        box.setInformativeText(details)
        box.addButton("&Carry on", QMessageBox.ButtonRole.AcceptRole)
        close = box.addButton("C&lose Pathways", QMessageBox.ButtonRole.DestructiveRole)
        close.clicked.connect(_close_pathways)
        self.dialog = box
        box.open()


LOST_CONNECTION = "The connection to the database server was lost, so what you were doing was not finished."


def _connection_lost(error: BaseException) -> str:
    """What happened, when `error` is a lost connection to the database server: the words of a refusal that says
    so (as a save's: it may not have been saved), or LOST_CONNECTION; "" for any other error."""
    if "sqlalchemy" not in sys.modules:
        return ""  # (not loaded yet, so no database error: the sign-in window shows with no more than Qt)
    from db.connection_errors import connection_lost
    from pathways.errors import DatabaseUnreachable

    if not connection_lost(error):
        return ""
    return error.message if isinstance(error, DatabaseUnreachable) else LOST_CONNECTION


def _close_pathways() -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.closeAllWindows()
        app.quit()


def install_crash_handler(log_folder: Path, parent: QWidget | QApplication | None = None) -> CrashHandler:
    handler = CrashHandler(log_folder, parent=parent)
    handler.install()
    return handler
