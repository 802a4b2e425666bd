"""Unsaved form input kept on the local disk, so that a crash (or a power cut) never loses what was typed.

The forms where losing input hurts (the new-arrest wizard, the add-event and register-person dialogs) each have
a `DraftKeeper`. It saves the form's field values to a small file a moment after each change, and at once when
Pathways hits an unexpected error (`save_open_drafts`, called by ui/crash.py). When the form next opens for the
same user on the same database, it offers the draft back: "You have an unsaved new arrest from 14:32. Restore
it?". Saving the form removes its draft, and so does cancelling it, unless an unexpected error happened while
it was open: then the draft stays until the form is saved or the offer is declined.

A draft holds what was typed, which may be personal data. It is kept on the local disk like the embedded
database: in a `drafts` folder beside it (for PostgreSQL, in the user's data folder), readable only by the
user, and named by a hash, not by anything typed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QObject, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from db.locations import data_folder
from pathways.clock import LONDON, format_local
from ui.formatting import from_qdatetime, to_qdatetime

if TYPE_CHECKING:  # (the crash handler imports this module before the database layer is loaded: ui/start.py)
    from ui.context import AppContext

FORMAT = "pathways-draft-v1"
SAVE_DELAY_MS = 1000  # save this long after the last change, so typing is not slowed by the disk
FieldWidget = QLineEdit | QPlainTextEdit | QComboBox | QDateTimeEdit | QAbstractButton
Values = dict[str, Any]

_open_keepers: weakref.WeakSet[DraftKeeper] = weakref.WeakSet()


@dataclass(frozen=True)
class Draft:
    saved_at: datetime
    values: Values


def drafts_folder(context: AppContext) -> Path:
    """Beside the embedded database file; for a database on a server, the user's data folder."""
    from db.engine import sqlite_path

    path = sqlite_path(context.store.engine.url.render_as_string(hide_password=False))
    return (path.parent if path is not None else data_folder()) / "drafts"


class DraftFile:
    """One form's draft, for one user on one database (`key` tells apart e.g. the cases an event is for)."""

    def __init__(self, folder: Path, *, database: str, username: str, form: str, key: str = "") -> None:
        digest = hashlib.sha256("\0".join((database, username, form, key)).encode()).hexdigest()[:32]
        self.path = folder / f"{form}-{digest}.json"

    @classmethod
    def for_form(cls, context: AppContext, form: str, key: str = "") -> DraftFile:
        database = context.store.engine.url.render_as_string(hide_password=True)
        return cls(drafts_folder(context), database=database, username=context.actor.username, form=form, key=key)

    def save(self, values: Mapping[str, Any], saved_at: datetime) -> None:
        """Write the draft whole or not at all (a new file renamed over the old), readable only by the user."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"format": FORMAT, "saved_at": saved_at.isoformat(), "values": dict(values)})
        partial = self.path.with_suffix(".partial")
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, self.path)

    def load(self) -> Draft | None:
        """The draft, or None when there is none (or it cannot be read: a damaged draft is not offered)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT or not isinstance(raw.get("values"), dict):
                return None
            return Draft(datetime.fromisoformat(raw["saved_at"]), raw["values"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


# --- reading and filling fields -------------------------------------------------------------------------------


def read_field(widget: FieldWidget) -> Any:
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QDateEdit):
        return widget.date().toString("yyyy-MM-dd")
    if isinstance(widget, QDateTimeEdit):
        return from_qdatetime(widget.dateTime()).isoformat()
    return widget.isChecked()


def write_field(widget: FieldWidget, value: Any) -> None:
    """Put a saved value back; a value that no longer fits (e.g. an option since removed) is left out."""
    if isinstance(widget, QLineEdit) and isinstance(value, str):
        widget.setText(value)
    elif isinstance(widget, QPlainTextEdit) and isinstance(value, str):
        widget.setPlainText(value)
    elif isinstance(widget, QComboBox) and isinstance(value, str):
        index = widget.findText(value)
        if index >= 0:
            widget.setCurrentIndex(index)
        elif widget.isEditable():
            widget.setCurrentText(value)
    elif isinstance(widget, QDateEdit) and isinstance(value, str):
        with contextlib.suppress(ValueError):
            day = date.fromisoformat(value)
            widget.setDate(QDate(day.year, day.month, day.day))
    elif isinstance(widget, QDateTimeEdit) and isinstance(value, str):
        with contextlib.suppress(ValueError):
            widget.setDateTime(to_qdatetime(datetime.fromisoformat(value)))
    elif isinstance(widget, QAbstractButton) and isinstance(value, bool):
        widget.setChecked(value)


def read_fields(fields: Mapping[str, FieldWidget]) -> Values:
    return {name: read_field(widget) for name, widget in fields.items()}


def write_fields(fields: Mapping[str, FieldWidget], values: Mapping[str, Any]) -> None:
    for name, widget in fields.items():
        if name in values:
            write_field(widget, values[name])


def named_fields(container: QWidget) -> dict[str, FieldWidget]:
    """The input fields inside `container`, by their accessible names (the names screen readers read out)."""
    found: dict[str, FieldWidget] = {}
    for kind in (QLineEdit, QPlainTextEdit, QComboBox, QDateTimeEdit, QCheckBox, QRadioButton):
        for widget in container.findChildren(kind):
            name = widget.accessibleName()
            if name and name not in found and isinstance(widget, FieldWidget):
                found[name] = widget
    return found


def _changed_signal(widget: FieldWidget) -> Any:
    if isinstance(widget, QLineEdit | QPlainTextEdit):
        return widget.textChanged
    if isinstance(widget, QComboBox):
        return widget.currentTextChanged
    if isinstance(widget, QDateTimeEdit):
        return widget.dateTimeChanged
    return widget.toggled


# --- keeping a form's draft -----------------------------------------------------------------------------------


def _moment(saved_at: datetime, now: datetime) -> str:
    local = saved_at.astimezone(LONDON)
    if local.date() == now.astimezone(LONDON).date():
        return f"{local:%H:%M}"
    return f"{local:%H:%M} on {format_local(saved_at, with_time=False)}"


class DraftKeeper(QObject):
    """Keeps one form's draft: saved soon after each change and at once on a crash, offered back when the
    form opens (its showEvent calls `form_shown`), removed when the form is saved. `snapshot()` gives the values;
    `restore(values)` puts them back.
    """

    def __init__(
        self,
        form: QDialog,
        file: DraftFile,
        *,
        what: str,
        snapshot: Callable[[], Values],
        restore: Callable[[Values], None],
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(form)
        self._form, self.file, self._what = form, file, what
        self._snapshot, self._restore, self._clock = snapshot, restore, clock
        self._dirty = False
        self._paused = False  # while the offer of an older draft is open, and once the form is done
        self._held = False  # a crash happened while the form was open: cancelling it keeps the draft
        self._offered = False
        self.offer_box: QMessageBox | None = None
        self._timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)
        form.accepted.connect(self.discard)
        form.rejected.connect(self._cancelled)
        _open_keepers.add(self)

    def watch(self, *widgets: FieldWidget) -> None:
        """Save a moment after any of these fields changes."""
        for widget in widgets:
            _changed_signal(widget).connect(self.changed)

    def changed(self, *_args: Any) -> None:
        if self._paused:
            return
        self._dirty = True
        self._timer.start()

    def save_now(self) -> bool:
        """Save the draft now, when there is input not yet saved; True when it was written."""
        self._timer.stop()
        if self._paused or not self._dirty:
            return False
        self.file.save(self._snapshot(), self._clock())
        self._dirty = False
        return True

    def hold(self) -> None:
        """After a crash: the draft on disk stays even if the form is then cancelled."""
        self._held = True

    def discard(self) -> None:
        """The form is done with: stop saving and remove the draft."""
        self._paused, self._dirty = True, False
        self._timer.stop()
        self.file.discard()
        _open_keepers.discard(self)

    def _cancelled(self) -> None:
        if self._held:
            self._paused = True
            self._timer.stop()
            _open_keepers.discard(self)
        else:
            self.discard()

    # --- offering an older draft back ---

    def form_shown(self) -> None:
        """Called from the form's showEvent: the first time, offer an older draft back (once the form is up)."""
        if not self._offered:
            self._offered = True
            QTimer.singleShot(0, self.offer)

    def offer(self) -> None:
        """When a draft was left from before, ask whether to restore it (without blocking the form's code)."""
        draft = self.file.load()
        if draft is None:
            self.file.discard()  # nothing usable there
            return
        self._paused = True  # do not overwrite it before the user has answered
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Unsaved work",
            f"You have an unsaved {self._what} from {_moment(draft.saved_at, self._clock())}. Restore it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self._form,
        )
        box.button(QMessageBox.StandardButton.Yes).setText("&Restore it")
        box.button(QMessageBox.StandardButton.No).setText("&Discard it")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda _result: self._answered(box, draft))
        self.offer_box = box
        box.open()

    def _answered(self, box: QMessageBox, draft: Draft) -> None:
        restore = box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
        self.offer_box = None
        box.deleteLater()
        self._paused = False
        if restore:
            self._restore(draft.values)
            self._dirty = False  # what is on disk is what the form now shows
        else:
            self.file.discard()


def save_open_drafts() -> int:
    """Save every open form's unsaved input now, and keep it even if the form is then cancelled (after an
    unexpected error). How many open forms have their input kept on disk. Runs on the GUI thread."""
    kept = 0
    for keeper in list(_open_keepers):
        try:
            keeper.hold()
            keeper.save_now()
            kept += keeper.file.path.exists()
        except (OSError, RuntimeError):  # a full disk, or a form already deleted: save the others
            continue
    return kept
