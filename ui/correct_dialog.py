"""Correct an event (its time or notes) or withdraw it as recorded in error. The original stays in the
history, marked as replaced; the correction carries its reason. Saving passes the case's version the screen
showed, so a correction made after someone else changed the case is refused with who and when."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pathways.errors import ConflictingChange, PathwaysError
from pathways.services.corrections import correct_event, withdraw_event
from pathways.services.records import TimelineEntry, case_version
from ui.context import AppContext
from ui.formatting import from_qdatetime, show_moment, to_qdatetime
from ui.widgets import error_label


class CorrectEventDialog(QDialog):
    def __init__(
        self,
        context: AppContext,
        entry: TimelineEntry,
        parent: QWidget | None = None,
        *,
        expected_version: int | None = None,
        case_id: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Correct an event")
        self._context, self._entry = context, entry
        self._version, self._case_id = expected_version, case_id
        self.when = QDateTimeEdit(to_qdatetime(entry.occurred_at))
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.notes = QLineEdit()
        self.withdraw = QCheckBox("&Withdraw it: it was recorded in error")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why: e.g. wrong time typed; entered on the wrong case")
        self.error = error_label()
        form = QFormLayout()
        form.addRow(
            QLabel(f"{entry.label}, {show_moment(entry.occurred_at, entry.occurred_time_known)}: {entry.details}")
        )
        for text, widget in (
            ("&When it happened:", self.when),
            ("&Add to the notes:", self.notes),
            ("", self.withdraw),
            ("&Reason (needed):", self.reason),
        ):
            widget.setAccessibleName(text.replace("&", "").rstrip(":") or self.withdraw.text().replace("&", ""))
            form.addRow(text, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.withdraw.toggled.connect(self.when.setDisabled)
        self.withdraw.toggled.connect(self.notes.setDisabled)

    def save(self) -> None:
        store, actor, event_id = self._context.store, self._context.actor, self._entry.event_id
        reason, version = self.reason.text(), self._version
        try:
            if self.withdraw.isChecked():
                withdraw_event(store, actor=actor, event_id=event_id, reason=reason, expected_version=version)
            else:
                when = from_qdatetime(self.when.dateTime())
                notes = self.notes.text().strip()
                if notes:
                    correct_event(
                        store,
                        actor=actor,
                        event_id=event_id,
                        reason=reason,
                        occurred_at=when,
                        expected_version=version,
                        notes=notes,
                    )
                else:
                    correct_event(
                        store, actor=actor, event_id=event_id, reason=reason, occurred_at=when, expected_version=version
                    )
        except ConflictingChange as exc:
            self._changed_meanwhile(exc.message)
            return
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self._context.notify("case")
        self.accept()

    def _changed_meanwhile(self, message: str) -> None:
        """Someone else saved on the case since it was shown: say so and reload the record behind; the dialog
        keeps what was typed, and saving again goes on from the case as it is now."""
        self.error.setText(message)
        self._context.notify("case")
        if self._case_id is not None:
            try:
                self._version = case_version(self._context.store, actor=self._context.actor, case_id=self._case_id)
            except PathwaysError as exc:
                self.error.setText(f"{message} {exc.message}")
