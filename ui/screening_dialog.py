"""Screen a case with an instrument: its questions, the decision in words as the answers change, and an
override that needs a reason. Built from the instrument file, so a new instrument needs no new screen."""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import age_on, local_date
from pathways.errors import PathwaysError
from pathways.instruments import (
    ELIGIBLE,
    INELIGIBLE,
    OUTCOME_WORDS,
    AnswerError,
    Instrument,
    Outcome,
    Question,
    evaluate,
)
from pathways.services.screening import ScreeningForm, ScreeningRecorded, screen_case, screening_form
from ui.choices import reference_choices
from ui.context import AppContext
from ui.formatting import from_qdatetime, to_qdatetime
from ui.widgets import buddy_label, error_label

AnswerWidget = QComboBox | QLineEdit
DECIDED_STYLE = {True: "color: #1e6b2e;", False: "color: #a4262c;", None: "color: #1f1f1f;"}
PENDING_STYLE = "color: #555555;"
DATE_HINT = "dd/mm/yyyy"
OPPOSITE = {ELIGIBLE: INELIGIBLE, INELIGIBLE: ELIGIBLE}


def parse_day(text: str) -> date | str:
    """A date typed as dd/mm/yyyy (or yyyy-mm-dd); otherwise the text, for the instrument to refuse in words."""
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return text


def _answer_widget(question: Question) -> AnswerWidget:
    if question.type in ("number", "date"):
        edit = QLineEdit()
        edit.setPlaceholderText(DATE_HINT if question.type == "date" else "a whole number")
        return edit
    combo = QComboBox()
    combo.addItem("", None)
    if question.type == "yes_no":
        combo.addItem("Yes", "yes")
        combo.addItem("No", "no")
    elif question.type == "score":
        for choice in question.choices:
            combo.addItem(f"{question.label(choice)} ({choice})", int(choice))
    else:
        for choice in question.choices:
            combo.addItem(question.label(choice), choice)
    return combo


def _question_label(question: Question, number: int, widget: QWidget) -> QLabel:
    text = f"{number}. {question.text}"
    if question.help:
        text += f"<br><span style='color:#555555; font-size:small'>{question.help}</span>"
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setBuddy(widget)
    widget.setAccessibleName(question.text)
    widget.setAccessibleDescription(question.help)
    widget.setToolTip(question.help)
    return label


class ScreeningDialog(QDialog):
    """Opened from Add event for a pathway's screening step (ui/step_dialogs.py)."""

    def __init__(
        self, context: AppContext, case_id: int, parent: QWidget | None = None, *, event: str = "screened"
    ) -> None:
        super().__init__(parent)
        self._context, self._case_id = context, case_id
        self.recorded: ScreeningRecorded | None = None
        self.error = error_label()
        try:
            self.form: ScreeningForm = screening_form(context.store, actor=context.actor, case_id=case_id, event=event)
        except PathwaysError as exc:  # e.g. a role that may not screen: say so, and offer only Close
            self._refused(exc.message)
            return
        self.setWindowTitle(f"Screening — {self.form.pathway_name}")
        self.answers: dict[str, AnswerWidget] = {}
        self._prefilled: dict[str, str] = {}
        self.instrument_choice = QComboBox()
        for instrument in self.form.instruments:
            self.instrument_choice.addItem(instrument.title, instrument.code)
        self.when = QDateTimeEdit(to_qdatetime(context.store.clock()))
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.site = reference_choices(context, "sites", context.actor.site, "Choose or type the site")
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.source.setStyleSheet(PENDING_STYLE)
        self.questions = QScrollArea()
        self.questions.setWidgetResizable(True)
        self.questions.setFrameShape(QFrame.Shape.NoFrame)
        self.decision = QLabel()
        self.decision.setWordWrap(True)
        self.decision.setAccessibleName("Decision")
        self.decision.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.decision.setFrameShape(QFrame.Shape.StyledPanel)
        self.decision.setMargin(8)
        self.override = QCheckBox("&Override the decision")
        self.override_reason = QLineEdit()
        self.override_reason.setPlaceholderText("Why the rules' decision does not fit this person")
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(48)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self._layout()
        self.instrument_choice.currentIndexChanged.connect(self._build_questions)
        self.when.dateTimeChanged.connect(self._when_changed)
        self.override.toggled.connect(self._override_toggled)
        self.override_reason.textChanged.connect(self.refresh)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._keep_in_view)
        self._build_questions()
        self.resize(760, 820)

    def _refused(self, message: str) -> None:
        self.setWindowTitle("Screening")
        self.error.setText(message)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addWidget(close)

    def _layout(self) -> None:
        top = QFormLayout()
        top.addRow(QLabel(f"{self.form.pathway_name} · case {self.form.case_ref}"))
        top.addRow(buddy_label("&Instrument:", self.instrument_choice), self.instrument_choice)
        top.addRow(self.source)
        top.addRow(buddy_label("&When:", self.when), self.when)
        top.addRow(buddy_label("Sit&e:", self.site), self.site)
        bottom = QFormLayout()
        bottom.addRow(self.override)
        self._override_label = buddy_label("&Reason for the override:", self.override_reason)
        bottom.addRow(self._override_label, self.override_reason)
        bottom.addRow(buddy_label("&Notes:", self.notes), self.notes)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.questions, 1)
        layout.addWidget(QLabel("Decision, as the answers stand:"))
        layout.addWidget(self.decision)
        layout.addLayout(bottom)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def instrument(self) -> Instrument:
        code = self.instrument_choice.currentData()
        return next(i for i in self.form.instruments if i.code == code)

    def _day(self) -> date:
        return local_date(from_qdatetime(self.when.dateTime()))

    def _build_questions(self) -> None:
        instrument = self.instrument()
        kept = {key: self._raw(widget) for key, widget in self.answers.items()}  # same question, same answer
        holder = QWidget()
        rows = QVBoxLayout(holder)  # each question above its answer, across the whole width
        self.answers, self._prefilled = {}, {}
        for number, question in enumerate(instrument.questions, start=1):
            widget = _answer_widget(question)
            widget.setMaximumWidth(460)
            if number > 1:
                rows.addSpacing(6)
            rows.addWidget(_question_label(question, number, widget))
            rows.addWidget(widget)
            self.answers[question.key] = widget
            self._restore(question, widget, kept.get(question.key))
            if isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(self.refresh)
            else:
                widget.textChanged.connect(self.refresh)
        rows.addStretch(1)
        self.questions.setWidget(holder)
        chain: list[QWidget] = [self.instrument_choice, self.when, self.site, *self.answers.values()]
        chain += [self.override, self.override_reason, self.notes]  # Tab goes through the questions in order
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        self._prefill()
        self.source.setText(instrument.description + (f" Source: {instrument.source}" if instrument.source else ""))
        rules = instrument.kind == "rules"
        self.override.setVisible(rules)
        self.override_reason.setVisible(rules)
        self._override_label.setVisible(rules)
        self.override.setChecked(False)
        self._override_toggled(False)
        first = next(iter(self.answers.values()), None)
        if first is not None:
            first.setFocus()
        self.refresh()

    def _restore(self, question: Question, widget: AnswerWidget, raw: object) -> None:
        if raw is None:
            return
        if isinstance(widget, QLineEdit):
            widget.setText(raw.strftime("%d/%m/%Y") if isinstance(raw, date) else str(raw))
            return
        index = widget.findData(raw)
        if index >= 0:
            widget.setCurrentIndex(index)

    def _prefill(self) -> None:
        for question in self.instrument().questions:
            widget = self.answers[question.key]
            if question.prefill == "age" and isinstance(widget, QLineEdit):
                age = str(age_on(self.form.date_of_birth, self._day()))
                if not widget.text() or widget.text() == self._prefilled.get(question.key):
                    widget.setText(age)
                self._prefilled[question.key] = age

    def _when_changed(self) -> None:
        self._prefill()
        self.refresh()

    def _override_toggled(self, checked: bool) -> None:
        self.override_reason.setEnabled(checked)
        if checked:
            self.override_reason.setFocus()
        self.refresh()

    @staticmethod
    def _raw(widget: AnswerWidget) -> object:
        if isinstance(widget, QComboBox):
            return widget.currentData()
        text = widget.text().strip()
        if not text:
            return None
        return parse_day(text) if widget.placeholderText() == DATE_HINT else text

    def answer_values(self) -> dict[str, object]:
        """The answers as given so far (unanswered ones left out)."""
        return {key: value for key, widget in self.answers.items() if (value := self._raw(widget)) is not None}

    def refresh(self) -> None:
        """Show the decision the answers make now, with its reasons, or what is still missing."""
        instrument = self.instrument()
        try:
            outcome = evaluate(instrument, self.answer_values(), self._day())
        except AnswerError as problems:
            self._show_pending(problems.problems)
            return
        self._update_override_text(outcome)
        if self.override.isChecked() and instrument.kind == "rules":
            flipped = OPPOSITE[outcome.code]
            reason = " ".join(self.override_reason.text().split()) or "(a reason is needed)"
            text = f"{OUTCOME_WORDS[flipped].capitalize()} by override: {reason}; the rules said: {outcome.explanation}"
            self.decision.setStyleSheet(DECIDED_STYLE[flipped == ELIGIBLE])
        else:
            text = outcome.explanation[:1].upper() + outcome.explanation[1:]
            self.decision.setStyleSheet(DECIDED_STYLE[outcome.eligible])
        self.decision.setText(text)

    def _show_pending(self, problems: tuple[str, ...]) -> None:
        unanswered = sum(1 for p in problems if p.startswith("Not answered"))
        others = [p for p in problems if not p.startswith("Not answered")]
        parts = []
        if unanswered:
            parts.append(f"{unanswered} question{'s' if unanswered != 1 else ''} still to answer.")
        self.decision.setText(" ".join(["Not decided yet:", *parts, *others]))
        self.decision.setStyleSheet(PENDING_STYLE)
        self.override.setText("&Override the decision")

    def _update_override_text(self, outcome: Outcome) -> None:
        if outcome.score is None:
            self.override.setText(f"&Override: record as {OUTCOME_WORDS[OPPOSITE[outcome.code]]}")

    def save(self) -> None:
        override = self.override_reason.text() if self.override.isChecked() else None
        values = {"site": self.site.currentText().strip() or None, "notes": self.notes.toPlainText().strip() or None}
        try:
            self.recorded = screen_case(
                self._context.store,
                actor=self._context.actor,
                case_id=self._case_id,
                instrument=self.instrument().code,
                answers=self.answer_values(),
                occurred_at=from_qdatetime(self.when.dateTime()),
                override_reason=override,
                values=values,
                expected_version=self.form.case_version,
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)  # the answers stay as typed
            return
        self._context.notify("case", "tasks")
        self.accept()

    def _keep_in_view(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Keyboard users tab through the questions: keep the one with the focus in view."""
        holder = self.questions.widget()
        if new is not None and holder is not None and holder.isAncestorOf(new):
            self.questions.ensureWidgetVisible(new)
