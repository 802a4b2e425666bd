"""Small dialogs of the appointments page: a missed assessment, a further notice (new time or place), and
marking a tell-the-police task done. Each calls its service itself, so a refusal is shown in the dialog
and nothing typed is lost. The case dialogs pass the case's version the list showed: when someone else
changed the case meanwhile, the save is refused with who and when, and the lists reload."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from pathways.errors import ConflictingChange, PathwaysError
from pathways.services import dtoa
from pathways.services.appointments_view import Appointment
from pathways.services.records import case_version
from pathways.services.results import EventRecorded
from pathways.services.tasks import TaskView, complete_task
from reports.notice import AssessmentNotice
from reports.notice_data import assessment_notice
from ui.context import AppContext
from ui.formatting import from_qdatetime, show_moment, to_qdatetime
from ui.widgets import error_label

DATE_TIME_FORMAT = "dd/MM/yyyy HH:mm"


def _moment_edit(moment: datetime) -> QDateTimeEdit:
    edit = QDateTimeEdit(to_qdatetime(moment))
    edit.setDisplayFormat(DATE_TIME_FORMAT)
    edit.setCalendarPopup(True)
    return edit


def _intro(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class _ServiceDialog(QDialog):
    """A form, a problem label and Save/Cancel; `_save` calls the service and accepts when it succeeds."""

    def __init__(self, title: str, save_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(save_text)
        self.save_button.setAccessibleName(save_text.replace("&", ""))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(480)

    def _finish_layout(self, intro: QLabel) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _add_row(self, text: str, widget: QWidget) -> None:
        widget.setAccessibleName(text.replace("&", "").rstrip(":"))
        self.form.addRow(text, widget)

    def _save(self) -> None:
        try:
            self._call_service()
        except ConflictingChange as exc:
            self.error.setText(exc.message)  # what was typed stays in the form
            self._changed_meanwhile()
            return
        except PathwaysError as exc:
            self.error.setText(exc.message)  # what was typed stays in the form
            return
        self.accept()

    def _call_service(self) -> None:
        raise NotImplementedError

    def _changed_meanwhile(self) -> None:
        """Someone else saved on the record since it was shown (the refusal is on screen)."""


class _CaseDialog(_ServiceDialog):
    """A dialog that records on an appointment's case, from the version of the case the list showed."""

    def __init__(
        self,
        title: str,
        save_text: str,
        context: AppContext,
        appointment: Appointment,
        expected_version: int | None,
        parent: QWidget | None,
    ) -> None:
        super().__init__(title, save_text, parent)
        self._context, self._appointment, self._version = context, appointment, expected_version

    def _changed_meanwhile(self) -> None:
        """Reload the lists to show the change; saving again goes on from the case as it is now."""
        self._context.notify("case", "tasks")
        try:
            self._version = case_version(
                self._context.store, actor=self._context.actor, case_id=self._appointment.deadline.case_id
            )
        except PathwaysError as exc:
            self.error.setText(f"{self.error.text()} {exc.message}")


class MissedDialog(_CaseDialog):
    """Failed to attend, or to remain for the whole of, a required assessment."""

    def __init__(
        self,
        context: AppContext,
        appointment: Appointment,
        parent: QWidget | None = None,
        *,
        expected_version: int | None = None,
    ) -> None:
        super().__init__(
            "Failed to attend or remain", "Record as &missed", context, appointment, expected_version, parent
        )
        self.recorded: EventRecorded | None = None
        due = appointment.deadline
        self.when = _moment_edit(min(due.due_at, context.store.clock()))  # the appointment's time, once it has come
        self.notes = QLineEdit()
        self.notes.setPlaceholderText("Optional, e.g. left after 10 minutes")
        self._add_row("&When it happened:", self.when)
        self._add_row("&Notes:", self.notes)
        early = due.due_at > context.store.clock()
        self._finish_layout(
            _intro(
                f"{appointment.person_name} did not attend, or did not stay for the whole of, the "
                f"{due.label.lower()} due {show_moment(due.due_at, due.due_time_known)} ({due.case_ref}). "
                "The police will have to be told: a task will be added to “Tell the police”."
                + ("\n\nNote: the time of this appointment has not come yet." if early else "")
            )
        )

    def _call_service(self) -> None:
        due = self._appointment.deadline
        when = from_qdatetime(self.when.dateTime())
        self.recorded = dtoa.record_attendance(
            self._context.store,
            actor=self._context.actor,
            case_id=due.case_id,
            kind=due.kind or "",
            attended=False,
            occurred_at=when,
            notes=self.notes.text().strip() or None,
            expected_version=self._version,
            # an appointment given as a day alone, missed on that day with no time typed: a day alone too
            occurred_time_known=due.due_time_known or when != due.due_at,
        )


class RescheduleDialog(_CaseDialog):
    """A further notice: a new time or place for a required assessment, with the reason."""

    def __init__(
        self,
        context: AppContext,
        appointment: Appointment,
        parent: QWidget | None = None,
        *,
        expected_version: int | None = None,
    ) -> None:
        super().__init__(
            "Reschedule: further notice", "&Give further notice", context, appointment, expected_version, parent
        )
        self.recorded: EventRecorded | None = None
        due = appointment.deadline
        self.when = _moment_edit(max(due.due_at, context.store.clock()) + timedelta(days=7))
        self.place = QLineEdit(due.place or "")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Required, e.g. rang: in hospital that day")
        self._add_row("New &date and time:", self.when)
        self._add_row("&Place:", self.place)
        self._add_row("&Reason for the change:", self.reason)
        self._finish_layout(
            _intro(
                f"{appointment.person_name}, {due.label.lower()} now due {show_moment(due.due_at, due.due_time_known)} "
                f"with {due.service or 'the service'} ({due.case_ref}). The further notice replaces that time "
                "and place; give the person a copy."
            )
        )

    def _service(self) -> str:
        return self._appointment.deadline.service or self._context.actor.service or ""

    def _call_service(self) -> None:
        due = self._appointment.deadline
        self.recorded = dtoa.reschedule_assessment(
            self._context.store,
            actor=self._context.actor,
            case_id=due.case_id,
            kind=due.kind or "",
            due_at=from_qdatetime(self.when.dateTime()),
            service=self._service(),
            place=self.place.text().strip(),
            occurred_at=self._context.store.clock(),
            reason=self.reason.text(),
            expected_version=self._version,
        )

    def notice(self) -> AssessmentNotice | None:
        """The person's further notice, read from the case as it now stands once it has been recorded (as every
        notice is: reports/notice_data.py; reading it for printing is audited)."""
        if self.recorded is None:
            return None
        due = self._appointment.deadline
        context = self._context
        return assessment_notice(
            context.store, actor=context.actor, case_id=due.case_id, kind=due.kind or "", given_by=context.actor.name
        )


class MarkDoneDialog(_ServiceDialog):
    """Mark a tell-the-police task done, saying what was done."""

    def __init__(self, context: AppContext, task: TaskView, parent: QWidget | None = None) -> None:
        super().__init__("Mark done", "&Mark done", parent)
        self._context, self._task = context, task
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("Required, e.g. emailed custody at Basingstoke, reference 1234")
        self.note.setFixedHeight(80)
        self._add_row("&What was done:", self.note)
        self._finish_layout(
            _intro(f"{task.label} — {task.person_name} ({task.case_ref}), added {show_moment(task.created_at)}.")
        )

    def _call_service(self) -> None:
        complete_task(
            self._context.store, actor=self._context.actor, task_id=self._task.id, note=self.note.toPlainText()
        )


def ask_notice_path(parent: QWidget, appointment: Appointment) -> Path | None:
    """Where to save the person's further notice (None when the user chooses not to)."""
    due = appointment.deadline
    suggested = Path.home() / f"further-notice-{due.case_ref}-{due.kind}.pdf"
    chosen, _filter = QFileDialog.getSaveFileName(
        parent,
        f"Save the further notice for {appointment.person_name} (Cancel to skip)",
        str(suggested),
        "PDF (*.pdf)",
    )
    return Path(chosen) if chosen else None
