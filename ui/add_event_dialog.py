"""Add an event to a case: only the steps the pathway allows now can be chosen; the others say why not.

Saving passes the case's version the screen showed: when someone else changed the case meanwhile, the save is
refused with who and when, the record behind reloads, and the form keeps what was typed. What is typed is kept
as a draft (ui/drafts.py) until it is saved, so a crash does not lose it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
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

from pathways.errors import ConflictingChange, PathwaysError
from pathways.reference import live_definition
from pathways.services.records import StepOption, case_version, next_steps
from pathways.services.results import EventRecorded
from pathways.services.steps import record_step
from ui.choices import reference_names
from ui.context import AppContext
from ui.drafts import DraftFile, DraftKeeper, Values, named_fields, read_fields, write_fields
from ui.event_form import EventForm
from ui.step_dialogs import special_dialog
from ui.widgets import buddy_label, error_label

OPTION_ROLE = Qt.ItemDataRole.UserRole
DIALOG_LETTERS = ("s",)  # Step (Save and Cancel have none: Enter and Esc)


class AddEventDialog(QDialog):
    def __init__(
        self,
        context: AppContext,
        case_id: int,
        pathway: str,
        parent: QWidget | None = None,
        *,
        expected_version: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add an event")
        self._context, self._case_id, self._version = context, case_id, expected_version
        self._definition = live_definition(context.store, pathway)  # choices as the reference lists now stand
        self._names = reference_names(context)  # the sites and services each step's form offers
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
        self.draft = DraftKeeper(
            self,
            DraftFile.for_form(context, "add_event", f"case-{case_id}"),
            what="event for this case",
            snapshot=self._draft_values,
            restore=self._restore_draft,
            clock=context.store.clock,
        )
        self._fill(next_steps(context.store, actor=context.actor, case_id=case_id))
        self.steps.currentItemChanged.connect(self._choose)
        self.steps.currentItemChanged.connect(self.draft.changed)
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
            now = self._context.store.clock()
            form = EventForm(self._definition, spec, now, option.kind, self._names, taken=DIALOG_LETTERS)
            self.forms.addWidget(form)
            self.draft.watch(*named_fields(form).values())

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
                due_time_known=form.due_time_known(),
                expected_version=self._version,
            )
        except ConflictingChange as exc:
            self._changed_meanwhile(exc.message)
            return
        except PathwaysError as exc:
            self.error.setText(exc.message)  # the form keeps what was typed
            return
        self._context.notify("case", "tasks")
        self.accept()

    def _changed_meanwhile(self, message: str) -> None:
        """Someone else saved on the case since it was shown: say so, reload the record behind, keep the form;
        saving again (after a look at the change) goes on from the case as it is now."""
        self.error.setText(message)
        self._context.notify("case")
        try:
            self._version = case_version(self._context.store, actor=self._context.actor, case_id=self._case_id)
        except PathwaysError as exc:
            self.error.setText(f"{message} {exc.message}")

    # --- the draft ---

    def _draft_values(self) -> Values:
        option, form = self._option(), self.form()
        fields = read_fields(named_fields(form)) if form is not None else {}
        return {"event": option.event if option else None, "kind": option.kind if option else None, "fields": fields}

    def _restore_draft(self, values: Values) -> None:
        for row in range(self.steps.count()):
            option = self.steps.item(row).data(OPTION_ROLE)
            if isinstance(option, StepOption) and (option.event, option.kind) == (
                values.get("event"),
                values.get("kind"),
            ):
                if not option.allowed:
                    self.error.setText(f"The unsaved {option.label.lower()} cannot be recorded now: {option.reason}")
                    return
                self.steps.setCurrentRow(row)
                form = self.form()
                if form is not None and isinstance(values.get("fields"), dict):
                    write_fields(named_fields(form), values["fields"])
                return

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.draft.form_shown()  # offers back what a crash left unsaved, the first time
