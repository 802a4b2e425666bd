"""Start a case on a pathway for the person on screen: choose the pathway, fill in its opening step, save.

Every loaded pathway is offered except DToA, whose arrest has its own wizard (Ctrl+N). Before anything is
typed the dialog says when the pathway's rules across cases refuse a new case (DIVERT after not engaging),
naming the earlier case; the service decides again on save, and a refusal leaves the form as typed.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pathways.actors import ACTION_WORDS
from pathways.clock import local_date
from pathways.definitions import PathwayDefinition
from pathways.engine import age_limits
from pathways.errors import PathwaysError
from pathways.reference import live_definition
from pathways.services.case_openings import new_case_check
from pathways.services.results import EventRecorded
from pathways.services.steps import start_case
from ui.choices import reference_names
from ui.context import AppContext
from ui.event_form import EventForm
from ui.formatting import show_date
from ui.widgets import error_label

DIALOG_LETTERS = ("p", "f")  # Pathway, First step (Save and Cancel have none: Enter and Esc)
OWN_SCREENS = {"dtoa": "A DToA case starts with an arrest: use New arrest (Ctrl+N)."}


def offered_pathways(context: AppContext) -> list[PathwayDefinition]:
    """The pathways a case can be started on here, by name."""
    definitions = context.store.definitions
    return sorted((d for code, d in definitions.items() if code not in OWN_SCREENS), key=lambda d: d.name)


def who_may_start(definition: PathwayDefinition) -> str:
    """The pathway's eligibility by age, in words, when it has one (e.g. youth: under 18)."""
    rule = definition.eligibility
    if rule is None or rule.event not in definition.opening_events or (rule.max_age is None and not rule.min_age):
        return ""
    label = definition.event(rule.event).label.lower()
    return f"For people {age_limits(rule)} on the day of the {label}."


class StartCaseDialog(QDialog):
    def __init__(self, context: AppContext, person_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start a new case")
        self._context, self._person_id = context, person_id
        self._definition: PathwayDefinition | None = None
        self._names = reference_names(context)  # the sites and services the step's form offers
        self.result_recorded: EventRecorded | None = None
        self.pathway = QComboBox()
        self.pathway.setAccessibleName("Pathway")
        for definition in offered_pathways(context):
            self.pathway.addItem(definition.name, definition.code)
        self.opening = QComboBox()
        self.opening.setAccessibleName("First step")
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.refusal = error_label()
        self.refusal.setAccessibleName("Why a case cannot be started")
        self.earlier = QLabel()
        self.earlier.setWordWrap(True)
        self.earlier.setAccessibleName("Earlier case")
        self.forms = QStackedWidget()
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self._layout()
        self.pathway.currentIndexChanged.connect(self._choose_pathway)
        self.opening.currentIndexChanged.connect(self._choose_step)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.resize(600, 600)
        self._choose_pathway()

    def _layout(self) -> None:
        choose = QFormLayout()
        choose.addRow("&Pathway:", self.pathway)
        choose.addRow("&First step:", self.opening)
        layout = QVBoxLayout(self)
        layout.addLayout(choose)
        layout.addWidget(self.about)
        layout.addWidget(self.refusal)
        layout.addWidget(self.earlier)
        layout.addWidget(self.forms, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    @property
    def save_button(self) -> QWidget:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def choose(self, code: str) -> None:
        """Choose a pathway by its code (as a user picking it from the list)."""
        self.pathway.setCurrentIndex(self.pathway.findData(code))

    def _choose_pathway(self) -> None:
        code = self.pathway.currentData()
        self.error.clear()
        if not isinstance(code, str):
            self._definition = None
            self._show_form(None)
            return
        self._definition = live_definition(self._context.store, code)  # choices as the reference lists stand
        words = [self._definition.description, who_may_start(self._definition)]
        self.about.setText(" ".join(w for w in words if w))
        self.opening.blockSignals(True)
        self.opening.clear()
        for name in self._definition.opening_events:
            self.opening.addItem(self._definition.event(name).label, name)
        self.opening.blockSignals(False)
        self.opening.setEnabled(self.opening.count() > 1)
        self._choose_step()

    def _choose_step(self) -> None:
        definition, step = self._definition, self.opening.currentData()
        for note in (self.refusal, self.earlier):  # shown only with words in them: no blank lines above the form
            note.clear()
            note.hide()
        if definition is None or not isinstance(step, str):
            self._show_form(None)
            return
        spec = definition.event(step)
        if not self._context.actor.may(spec.action):
            role = self._context.actor.role.a_label
            self._refuse(f"{role} cannot {ACTION_WORDS.get(spec.action, spec.action)}: ask a colleague who can.")
            return
        try:
            check = new_case_check(
                self._context.store,
                actor=self._context.actor,
                person_id=self._person_id,
                pathway=definition.code,
                opening=self._context.store.clock(),
            )
        except PathwaysError as exc:
            self._refuse(exc.message)
            return
        if check.refusals:
            first = check.refusals[0]
            self._refuse(" ".join(r.message for r in check.refusals))
            started = f", started {show_date(local_date(first.started_at))}" if first.started_at else ""
            self.earlier.setText(f"Earlier case: {first.case_ref}{started} (listed under Cases on the record).")
            self.earlier.show()
            return
        now = self._context.store.clock()
        self._show_form(EventForm(definition, spec, now, None, self._names, taken=DIALOG_LETTERS))

    def _refuse(self, message: str) -> None:
        self.refusal.setText(message)
        self.refusal.show()
        self._show_form(None)

    def _show_form(self, form: EventForm | None) -> None:
        while (old := self.forms.currentWidget()) is not None:
            self.forms.removeWidget(old)
            old.deleteLater()
        if form is not None:
            self.forms.addWidget(form)
        self.save_button.setEnabled(form is not None)

    def form(self) -> EventForm | None:
        widget = self.forms.currentWidget()
        return widget if isinstance(widget, EventForm) else None

    def _save(self) -> None:
        definition, form, step = self._definition, self.form(), self.opening.currentData()
        if definition is None or form is None or not isinstance(step, str):
            return
        try:
            self.result_recorded = start_case(
                self._context.store,
                actor=self._context.actor,
                person_id=self._person_id,
                pathway=definition.code,
                event=step,
                occurred_at=form.occurred_at(),
                values=form.values(),
                due_at=form.due_at(),
                due_time_known=form.due_time_known(),
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)  # the form keeps what was typed
            return
        self._context.notify("case", "tasks")
        self.accept()
