"""The treatment worker's day: today's and this week's required assessments, the overdue ones, and who the
police must be told about. One key acts on the selected row; lists load in the background and refresh
when a case or task changes. Each save passes the version of the case the list showed (or this page's own
last save on it): when someone else changed the case meanwhile, it is refused with who and when, and the
lists reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from pathways.actors import Role
from pathways.clock import local_date
from pathways.errors import ConflictingChange, PathwaysError
from pathways.services import dtoa
from pathways.services.appointments_view import Appointment, appointments_from, overdue_appointments
from pathways.services.results import EventRecorded
from pathways.services.tasks import TaskView, open_tasks
from reports.notice import write_notice
from ui import appointment_dialogs
from ui.appointment_dialogs import MarkDoneDialog, MissedDialog, RescheduleDialog
from ui.appointment_model import (
    APPOINTMENT_SERVICE_COLUMN,
    TASK_SERVICE_COLUMN,
    appointments_model,
    tasks_model,
)
from ui.context import AppContext
from ui.formatting import show_moment
from ui.operations import OperationRunner
from ui.worklist_tabs import Worklist, WorklistTabs

TODAY, WEEK, OVERDUE, TASKS = "today", "week", "overdue", "tasks"
APPOINTMENT_ACTIONS = ("attended", "missed", "reschedule", "waive", "treatment")
BUTTONS = (  # action, label, accessible name
    ("attended", "&Attended", "Record attended"),
    ("missed", "&Missed…", "Record failed to attend or remain"),
    ("reschedule", "&Reschedule…", "Reschedule: give a further notice"),
    ("waive", "&Waive follow-up", "Record follow-up waived"),
    ("treatment", "&Treatment started", "Record treatment started"),
    ("done", "Mark &done…", "Mark the task done"),
    ("open", "&Open record", "Open the person's record"),
)


def _counted(one: str, many: str, where: str) -> Callable[[int], str]:
    return lambda n: f"No {many} {where}." if n == 0 else f"{n} {one if n == 1 else many} {where}."


class AppointmentsPage(WorklistTabs):
    """`open_person` carries (person id, case id) of the selected row. `refresh()` reloads every list."""

    open_person = Signal(int, int)

    def __init__(self, context: AppContext, runner: OperationRunner) -> None:
        super().__init__(context, runner, name="Worklists", slot="appointments", reload_on=("case", "tasks"))
        self._saved_versions: dict[int, int] = {}  # case id → its version after this page's last save on it
        actor = context.actor
        self.service = actor.service if actor.role == Role.TREATMENT_WORKER else None
        self.title = QLabel(f"Appointments — {self.service or 'all services'}")
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self._make_lists()
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setAccessibleName("What was recorded")
        self.buttons = self._make_buttons()
        self._layout()
        self.lists_added()

    # --- building -------------------------------------------------------------------------------------------
    def _make_lists(self) -> None:
        store, actor, service = self._context.store, self._context.actor, self.service

        def days(count: int) -> Callable[[], list[Appointment]]:
            return lambda: appointments_from(
                store, actor=actor, first_day=local_date(store.clock()), days=count, service=service
            )

        specs: list[tuple[str, str, Callable[[], list[Any]], Callable[[int], str]]] = [
            (TODAY, "Toda&y", days(1), _counted("appointment", "appointments", "today")),
            (WEEK, "This wee&k", days(7), _counted("appointment", "appointments", "in the next 7 days")),
            (
                OVERDUE,
                "O&verdue",
                lambda: overdue_appointments(store, actor=actor, service=service),
                _counted("appointment", "appointments", "overdue, with no attendance recorded"),
            ),
            (
                TASKS,
                "Tell the &police",
                lambda: open_tasks(store, actor=actor, service=service),
                _counted("task", "tasks", "to tell the police about"),
            ),
        ]
        for name, title, load, counted in specs:
            model = tasks_model() if name == TASKS else appointments_model(store.clock)
            view = self.add_list(name, title, model, load, counted)
            view.setColumnHidden(
                TASK_SERVICE_COLUMN if name == TASKS else APPOINTMENT_SERVICE_COLUMN, self.service is not None
            )

    def _make_buttons(self) -> dict[str, QPushButton]:
        buttons = {}
        for action, text, name in BUTTONS:
            button = QPushButton(text)
            button.setAccessibleName(name)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, a=action: self.act(a))
            buttons[action] = button
        return buttons

    def _layout(self) -> None:
        row = QHBoxLayout()
        for button in self.buttons.values():
            row.addWidget(button)
        row.addStretch(1)
        hint = QLabel(
            "Keys on a list: A attended · M missed · R reschedule · W waive follow-up · "
            "T treatment started · D mark done · Enter open record · Ctrl+PgUp/PgDn change list"
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.outcome)
        layout.addWidget(self.error)
        layout.addLayout(row)
        layout.addWidget(hint)

    def list_changed(self) -> None:
        super().list_changed()
        on_tasks = self.current().name == TASKS
        for action, button in self.buttons.items():
            button.setVisible(action in ("done", "open") if on_tasks else action != "done")

    # --- acting ---------------------------------------------------------------------------------------------
    def act(self, action: str) -> None:
        """Do `action` (see BUTTONS) on the selected row of the current list."""
        worklist = self.current()
        row = worklist.model.row_at(worklist.view.current_row())
        self.error.clear()
        if row is None:
            self.error.setText("Choose a row in the list first.")
            return
        if action == "open":
            self.open_person.emit(row.person_id, row.case_id if isinstance(row, TaskView) else row.deadline.case_id)
            return
        problem = self._not_here(worklist, action, row)
        if problem:
            self.error.setText(problem)
            return
        try:
            outcome = self._do(action, row)
        except ConflictingChange as exc:
            self.error.setText(exc.message)
            self._context.notify("case", "tasks")  # reload, to show the change
            return
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        if outcome is not None:
            self._after(worklist, outcome)

    def _not_here(self, worklist: Worklist, action: str, row: Any) -> str | None:
        if worklist.name == TASKS:
            return None if action == "done" else "On this list, mark the task done (D) or open the record (Enter)."
        if action == "done":
            return "Mark done is for the “Tell the police” list."
        if not isinstance(row, Appointment) or row.pathway != dtoa.PATHWAY or row.deadline.kind is None:
            return f"“{row.deadline.label}” is not a required assessment: open the record (Enter) to add events."
        if action == "waive" and row.deadline.kind != "follow_up":
            return "Only the follow-up assessment can be waived. Choose the follow-up row of this person."
        return None

    def _do(self, action: str, row: Any) -> str | None:
        """Record `action`; the words to show when it was recorded, or None when the user cancelled."""
        if action == "done":
            return self._mark_done(row)
        if action == "missed":
            return self._missed(row)
        if action == "reschedule":
            return self._reschedule(row)
        store, actor, now = self._context.store, self._context.actor, self._context.store.clock()
        due, version = row.deadline, self.shown_version(row)
        when = show_moment(due.due_at, due.due_time_known)
        if action == "attended":
            if due.due_at > now:  # one key must not record an attendance that has not happened yet
                self.error.setText(
                    f"This {due.label.lower()} is {'at' if due.due_time_known else 'on'} {when}: its "
                    f"{'time' if due.due_time_known else 'day'} has not come yet. If "
                    f"{row.person_name} came early, open the record (Enter) and add the attendance with its time."
                )
                return None
            self._saved(
                dtoa.record_attendance(
                    store,
                    actor=actor,
                    case_id=due.case_id,
                    kind=str(due.kind),
                    attended=True,
                    occurred_at=due.due_at,  # at the time the notice gave (on the overdue list, perhaps weeks ago)
                    occurred_time_known=due.due_time_known,  # the day alone, when the appointment gave no time
                    expected_version=version,
                )
            )
            return f"Attended: {row.person_name}, {due.label.lower()} ({when})."
        if action == "waive":
            self._saved(
                dtoa.waive_follow_up(store, actor=actor, case_id=due.case_id, occurred_at=now, expected_version=version)
            )
            return f"Follow-up waived: {row.person_name}."
        self._saved(
            dtoa.start_treatment(
                store, actor=actor, case_id=due.case_id, occurred_at=now, service=due.service, expected_version=version
            )
        )
        return f"Treatment started: {row.person_name}."

    def shown_version(self, row: Appointment) -> int:
        """The case's version as this page knows it: from the list, or from its own save since the list loaded."""
        return max(row.case_version, self._saved_versions.get(row.deadline.case_id, 0))

    def _saved(self, recorded: EventRecorded | None) -> None:
        if recorded is not None:
            self._saved_versions[recorded.case_id] = recorded.case_version

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a modal dialog; True when it was saved."""
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()

    def _missed(self, row: Appointment) -> str | None:
        dialog = MissedDialog(self._context, row, self, expected_version=self.shown_version(row))
        if not self.run_dialog(dialog):
            return None
        self._saved(dialog.recorded)
        return f"Failed to attend or remain: {row.person_name}, {row.deadline.label.lower()}. Tell the police."

    def _reschedule(self, row: Appointment) -> str | None:
        dialog = RescheduleDialog(self._context, row, self, expected_version=self.shown_version(row))
        if not self.run_dialog(dialog):
            return None
        self._saved(dialog.recorded)
        words = f"Further notice given: {row.person_name}, {row.deadline.label.lower()}."
        path = appointment_dialogs.ask_notice_path(self, row)
        if path is None:
            return f"{words} No notice was saved."
        try:
            notice = dialog.notice()
            if notice is None:
                return f"{words} No notice was saved."
            write_notice(path, notice)
        except PathwaysError as exc:
            self.error.setText(f"The notice could not be made: {exc.message}")
            return words
        except OSError as exc:
            self.error.setText(f"The notice could not be saved to {path}: {exc.strerror or exc}.")
            return words
        return f"{words} Notice saved to {path}."

    def _mark_done(self, task: TaskView) -> str | None:
        if not self.run_dialog(MarkDoneDialog(self._context, task, self)):
            return None
        return f"Done: {task.label.lower()} — {task.person_name}."

    def _after(self, worklist: Worklist, outcome: str) -> None:
        """Keep the place in the list: select the row that followed the one acted on, then refresh."""
        row = worklist.view.current_row()
        worklist.select_key = worklist.model.key_at(row + 1)
        worklist.select_row = row
        self.outcome.setText(outcome)
        self._context.notify("case", "tasks")
        if not self.isVisible():
            self.refresh()
