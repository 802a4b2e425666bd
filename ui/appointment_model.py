"""The tables of the appointments page: a model over rows loaded in the background, and a table view that
turns single keys (A, M, R, W, T, D, Enter) into actions on the selected row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QWidget

from pathways.services.appointments_view import Appointment
from pathways.services.tasks import TaskView
from ui.formatting import show_moment
from ui.lazy_model import Column
from ui.rows_model import RowsModel
from ui.widgets import KeyedRowsView

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex
OVERDUE = QColor("#a4262c")

APPOINTMENT_COLUMNS: list[Column[Appointment]] = [
    Column("Due", lambda a: show_moment(a.deadline.due_at, a.deadline.due_time_known)),
    Column("Person", lambda a: a.person_name),
    Column("Case", lambda a: a.deadline.case_ref),
    Column("Appointment", lambda a: a.deadline.label),  # (an assessment, a review hearing, a session)
    Column("Service", lambda a: a.deadline.service),
    Column("Place", lambda a: a.deadline.place),
]
APPOINTMENT_SERVICE_COLUMN = 4

TASK_COLUMNS: list[Column[TaskView]] = [
    Column("Created", lambda t: show_moment(t.created_at)),
    Column("Person", lambda t: t.person_name),
    Column("Case", lambda t: t.case_ref),
    Column("What to do", lambda t: t.label),
    Column("Service", lambda t: t.service),
    Column("When it happened", lambda t: _happened(t)),  # what the police are told of
]
TASK_SERVICE_COLUMN = 4

# Keys pressed on a list, without modifiers, and the action each one asks for.
ACTION_KEYS = {
    Qt.Key.Key_A: "attended",
    Qt.Key.Key_M: "missed",
    Qt.Key.Key_R: "reschedule",
    Qt.Key.Key_W: "waive",
    Qt.Key.Key_T: "treatment",
    Qt.Key.Key_D: "done",
    Qt.Key.Key_Return: "open",
    Qt.Key.Key_Enter: "open",
}
TAB_KEYS = (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Tab, Qt.Key.Key_Backtab)


def appointments_model(now: Callable[[], datetime]) -> RowsModel[Appointment]:
    def late(appointment: Appointment, column: int) -> QColor | None:
        return OVERDUE if column == 0 and appointment.deadline.overdue_at <= now() else None

    return RowsModel(APPOINTMENT_COLUMNS, key=lambda a: a.key, colour=late)


def tasks_model() -> RowsModel[TaskView]:
    return RowsModel(TASK_COLUMNS, key=lambda t: t.id)


class WorklistView(KeyedRowsView):
    """A list the keyboard can work through: a single key acts on the selected row (see ACTION_KEYS).
    Ctrl+PgUp/PgDn and Ctrl+Tab are left to the tabs around the list."""

    action = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self.activated.connect(lambda _index: self.action.emit("open"))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        key = Qt.Key(event.key())
        if modifiers & Qt.KeyboardModifier.ControlModifier and key in TAB_KEYS:
            event.ignore()  # the tab widget moves between lists
            return
        if key in ACTION_KEYS and modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            self.action.emit(ACTION_KEYS[key])
            event.accept()
            return
        super().keyPressEvent(event)


def _happened(task: TaskView) -> str:
    """When the event behind a task happened, as it now stands."""
    if task.happened_at is None:
        return ""
    shown = show_moment(task.happened_at, task.happened_time_known)
    return f"{shown} (withdrawn)" if task.withdrawn else shown
