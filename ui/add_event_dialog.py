"""Add an event to a case: only the steps the pathway allows now can be chosen; the others say why not."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pathways.errors import PathwaysError
from pathways.reference import live_definition
from pathways.services.records import StepOption, next_steps
from pathways.services.results import EventRecorded
from pathways.services.steps import record_step
from ui.context import AppContext
from ui.event_form import EventForm
from ui.step_dialogs import special_dialog
from ui.widgets import buddy_label, error_label

OPTION_ROLE = Qt.ItemDataRole.UserRole


class AddEventDialog(QDialog):
    def __init__(self, context: AppContext, case_id: int, pathway: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add an event")
        self._context, self._case_id = context, case_id
        self._definition = live_definition(context.store, pathway)  # choices as the reference lists now stand
        self.result_recorded: EventRecorded | None = None
        self.steps = QListWidget()
        self.steps.setAccessibleName("Steps of the pathway")
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.forms = QStackedWidget()
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(buddy_label("&Step:", self.steps))
        layout.addWidget(self.steps)
        layout.addWidget(self.reason)
        layout.addWidget(self.forms)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._fill(next_steps(context.store, actor=context.actor, case_id=case_id))
        self.steps.currentItemChanged.connect(self._choose)
        self._choose()
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.resize(560, 560)

    def _fill(self, options: list[StepOption]) -> None:
        for option in sorted(options, key=lambda o: not o.allowed):
            item = QListWidgetItem(option.label if option.allowed else f"{option.label} — not now")
            item.setData(OPTION_ROLE, option)
            if not option.allowed:
                item.setForeground(Qt.GlobalColor.gray)
                item.setToolTip(option.reason or "")
            self.steps.addItem(item)
        if self.steps.count():
            self.steps.setCurrentRow(0)

    def _option(self) -> StepOption | None:
        item = self.steps.currentItem()
        option = item.data(OPTION_ROLE) if item is not None else None
        return option if isinstance(option, StepOption) else None

    def _choose(self) -> None:
        option = self._option()
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.error.clear()
        if option is None:
            return
        save.setEnabled(option.allowed)
        self.reason.setText("" if option.allowed else f"Not now: {option.reason}")
        while (old := self.forms.currentWidget()) is not None:
            self.forms.removeWidget(old)
            old.deleteLater()
        if option.allowed and special_dialog(self._definition.code, option.event) is not None:
            self.reason.setText(f"{option.label} has its own form: Save opens it.")
        elif option.allowed:
            spec = self._definition.event(option.event)
            self.forms.addWidget(EventForm(self._definition, spec, self._context.store.clock(), option.kind))

    def form(self) -> EventForm | None:
        widget = self.forms.currentWidget()
        return widget if isinstance(widget, EventForm) else None

    def _save(self) -> None:
        option, form = self._option(), self.form()
        if option is not None and option.allowed:
            own = special_dialog(self._definition.code, option.event)
            if own is not None:
                if own(self._context, self._case_id, self).exec():
                    self.accept()
                return
        if option is None or form is None or not option.allowed:
            return
        try:
            self.result_recorded = record_step(
                self._context.store,
                actor=self._context.actor,
                case_id=self._case_id,
                event=option.event,
                occurred_at=form.occurred_at(),
                values=form.values(),
                due_at=form.due_at(),
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)  # the form keeps what was typed
            return
        self._context.notify("case", "tasks")
        self.accept()
