"""New arrest, for a busy custody suite: person → arrest → test → required assessments → notice.

Keyboard only: each page opens with the cursor in its first field and Enter moves on. Each step is
recorded when the navigator moves past it, so nothing already done is lost if the wizard is closed. What is
typed on the page not yet recorded is kept as a draft (ui/drafts.py, ui/arrest_draft.py), so a crash does not
lose it either: the wizard offers it back when it next opens.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget, QWizard, QWizardPage

from pathways.errors import PathwaysError
from pathways.services.dtoa import recent_arrest, record_test, require_assessments
from ui import arrest_draft
from ui.arrest_steps import ArrestForm, AssessmentForm, PersonChooser, TestForm
from ui.context import AppContext
from ui.drafts import DraftFile, DraftKeeper
from ui.formatting import show_moment
from ui.notice_actions import NoticeButtons
from ui.operations import OperationRunner
from ui.widgets import ask_to_go_on, error_label

PERSON, ARREST, TEST, ASSESSMENTS, DONE = range(5)


class _Step(QWizardPage):
    """A page whose `record()` stores its step when the navigator presses Next; errors keep them on it. Once its
    step is recorded (`recorded()`), going Back to the page shows it as recorded, not to be changed there: Next
    records nothing again, and a change is a correction, made on the person's record."""

    def __init__(self, wizard: NewArrestWizard, title: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.owner = wizard
        self.error = error_label()
        self.body = QVBoxLayout(self)
        self.recorded_note = QLabel()
        self.recorded_note.setWordWrap(True)
        self.recorded_note.hide()

    def record(self) -> None:
        """Store this step (raises PathwaysError when the pathway or the data refuse it)."""

    def recorded(self) -> bool:
        return False

    def form_widget(self) -> QWidget | None:
        return None

    def show_recorded(self) -> None:
        """Whether the page's step is recorded decides whether its fields may be changed."""
        done, form = self.recorded(), self.form_widget()
        if form is not None:
            form.setEnabled(not done)
        self.recorded_note.setText(
            f"Recorded on case {self.owner.case_ref}. To change it, use Correct… on the person's record."
            if done
            else ""
        )
        self.recorded_note.setVisible(done)

    def validatePage(self) -> bool:
        try:
            self.record()
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return False
        self.error.clear()
        return True


class _PersonStep(_Step):
    def __init__(self, wizard: NewArrestWizard, runner: OperationRunner) -> None:
        super().__init__(wizard, "Who was arrested?")
        self.chooser = PersonChooser(wizard.context, runner, self)
        self.body.addWidget(self.chooser)
        self.body.addWidget(self.recorded_note)
        self.body.addWidget(self.error)
        self.chooser.chosen.connect(lambda _id: wizard.next() if not self.recorded() else None)

    def recorded(self) -> bool:
        return self.owner.case_id is not None  # the arrest of the person chosen is recorded

    def form_widget(self) -> QWidget | None:
        return self.chooser

    def isComplete(self) -> bool:
        return self.chooser.person_id() is not None

    def record(self) -> None:
        if not self.recorded():
            self.owner.person_id = self.chooser.person_id()


class _ArrestStep(_Step):
    def __init__(self, wizard: NewArrestWizard) -> None:
        super().__init__(wizard, "Arrest")
        self.form = ArrestForm(wizard.context)
        self.body.addWidget(self.form)
        self.body.addWidget(self.recorded_note)
        self.body.addWidget(self.error)
        self.form.offence.currentTextChanged.connect(lambda _text: self.completeChanged.emit())

    def recorded(self) -> bool:
        return self.owner.case_id is not None

    def form_widget(self) -> QWidget | None:
        return self.form

    def isComplete(self) -> bool:
        return self.recorded() or self.form.chosen_offence() >= 0

    def validatePage(self) -> bool:
        return self._not_twice() and super().validatePage()

    def _not_twice(self) -> bool:
        """A second arrest of the person within a day is most often the first entered twice: ask before recording."""
        context, person_id = self.owner.context, self.owner.person_id
        if self.owner.case_id is not None or person_id is None:
            return True
        try:
            earlier = recent_arrest(
                context.store, actor=context.actor, person_id=person_id, at=self.form.when_arrested()
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return False
        if earlier is None:
            return True
        case_ref, arrested_at = earlier
        words = f"This person already has case {case_ref}, from an arrest at {show_moment(arrested_at)}."
        return ask_to_go_on(
            self, "New arrest", f"{words} Record another arrest all the same?", "&Record another arrest"
        )

    def initializePage(self) -> None:
        if self.owner.person_id is not None:
            self.form.set_person(self.owner.person_id)
        self.form.offence.setFocus()

    def record(self) -> None:
        if self.owner.case_id is not None:
            return  # already recorded; going back and forth does not arrest twice
        assert self.owner.person_id is not None
        result = self.form.record(self.owner.person_id)
        self.owner.case_id, self.owner.case_ref = result.case_id, result.case_ref
        self.owner.eligible = bool(result.explanation and result.explanation.startswith("eligible"))
        self.owner.explanation = result.explanation or ""

    def nextId(self) -> int:
        lawful = self.owner.eligible if self.recorded() else self.form.lawful_now()
        return TEST if lawful else DONE


class _TestStep(_Step):
    def __init__(self, wizard: NewArrestWizard) -> None:
        super().__init__(wizard, "Drug test")
        self.form = TestForm(wizard.context)
        self.body.addWidget(self.form)
        self.body.addWidget(self.recorded_note)
        self.body.addWidget(self.error)

    def recorded(self) -> bool:
        return self.owner.tested

    def form_widget(self) -> QWidget | None:
        return self.form

    def initializePage(self) -> None:
        if not self.recorded():  # (a recorded test keeps the time it was recorded with)
            self.form.reset_time()
            self.form.focus_first()

    def record(self) -> None:
        assert self.owner.case_id is not None
        if self.recorded():
            return  # going back and forth does not test twice
        context = self.owner.context
        record_test(
            context.store,
            actor=context.actor,
            case_id=self.owner.case_id,
            occurred_at=self.form.when(),
            result=self.form.result(),
            substances=self.form.substances(),
        )
        self.owner.tested, self.owner.positive = True, self.form.result() == "positive"

    def nextId(self) -> int:
        positive = self.owner.positive if self.recorded() else self.form.result() == "positive"
        return ASSESSMENTS if positive else DONE


class _AssessmentStep(_Step):
    def __init__(self, wizard: NewArrestWizard) -> None:
        super().__init__(wizard, "Required assessments (Drugs Act 2005 s.9 and s.10)")
        self.form = AssessmentForm(wizard.context)
        self.body.addWidget(self.form)
        self.body.addWidget(self.error)

    def initializePage(self) -> None:
        self.form.reset_times()
        self.form.service.setFocus()

    def record(self) -> None:
        assert self.owner.case_id is not None
        if self.owner.required:
            return
        context = self.owner.context
        require_assessments(  # both, or (refused) neither
            context.store,
            actor=context.actor,
            case_id=self.owner.case_id,
            due=[("initial", self.form.initial_due()), ("follow_up", self.form.follow_up_due())],
            service=self.form.service.currentText().strip(),
            place=self.form.place.text().strip(),
            occurred_at=context.store.clock(),
        )
        self.owner.required = True


class _DoneStep(_Step):
    def __init__(self, wizard: NewArrestWizard) -> None:
        super().__init__(wizard, "Done")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.notice = NoticeButtons(wizard.context, self)
        self.body.addWidget(self.summary)
        self.body.addWidget(self.notice)
        self.body.addStretch(1)

    def initializePage(self) -> None:
        owner = self.owner
        lines = [f"Case {owner.case_ref} recorded.", f"Test on arrest: {owner.explanation}."]
        if owner.required:
            lines.append("Initial and follow-up assessments required. Give the person their written notice now.")
        elif owner.positive:
            lines.append("Positive test: no assessment was required.")
        self.summary.setText("\n".join(lines))
        self.notice.setVisible(owner.required)
        if owner.required and owner.case_id is not None:
            self.notice.set_case(owner.case_id, "initial")
            self.notice.save_button.setFocus()


class NewArrestWizard(QWizard):
    def __init__(self, context: AppContext, runner: OperationRunner, person_id: int | None = None) -> None:
        super().__init__()
        self.context = context
        self.setWindowTitle("New arrest")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage)  # (all is saved by then: Cancel undoes nothing)
        self.person_id = person_id
        self.case_id: int | None = None
        self.case_ref = ""
        self.eligible = self.tested = self.positive = self.required = False
        self.explanation = ""
        self.person_step = _PersonStep(self, runner)
        self.arrest_step, self.test_step = _ArrestStep(self), _TestStep(self)
        self.assessment_step = _AssessmentStep(self)
        self.setPage(PERSON, self.person_step)
        self.setPage(ARREST, self.arrest_step)
        self.setPage(TEST, self.test_step)
        self.setPage(ASSESSMENTS, self.assessment_step)
        self.setPage(DONE, _DoneStep(self))
        self.setStartId(ARREST if person_id is not None else PERSON)
        self.finished.connect(lambda _code: context.notify("case", "person", "tasks"))
        self.draft = DraftKeeper(
            self,
            DraftFile.for_form(context, "new_arrest"),
            what="new arrest",
            snapshot=lambda: arrest_draft.snapshot(self),
            restore=lambda values: arrest_draft.restore(self, values),
            clock=context.store.clock,
        )
        self.draft.watch(*arrest_draft.fields(self).values())
        self.currentIdChanged.connect(self._page_changed)
        self.resize(720, 560)

    def show_recorded(self) -> None:
        """Whether the current page's step is recorded decides whether it may be changed (_Step.show_recorded)."""
        step = self.currentPage()
        if isinstance(step, _Step):
            step.show_recorded()

    def _page_changed(self, page: int) -> None:
        self.show_recorded()
        if page == DONE:
            self.draft.discard()  # every step is recorded: nothing is left unsaved
        elif page != self.startId():
            self.draft.changed()  # moved on (a step recorded, or a person chosen): worth keeping

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.draft.form_shown()  # offers back what a crash left unsaved, the first time

    def reject(self) -> None:
        """Closing part-way: the steps already recorded stay recorded, and the navigator is told so first."""
        if self.eligible and not self.tested:
            missing = "The drug test is not recorded yet: it can be added"
        elif self.positive and not self.required:
            missing = "The required assessments are not recorded yet: they can be added"
        else:
            missing = ""
        if self.case_id is None or self.currentId() == DONE or not missing:
            super().reject()
            return
        words = f"The arrest is recorded as case {self.case_ref}. {missing} later on the person's record (Add event)."
        if ask_to_go_on(self, "New arrest", words, "&Close the wizard"):
            super().reject()
