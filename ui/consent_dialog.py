"""What a person agreed to share: a grid of recipients (the police, the treatment provider, NDTMS...) by purposes
(prosecution, treatment...), each "agreed" or "declined", with the history of their answers below. Saving records
only the answers changed (pathways/services/consent.py): "declined" where they had agreed records the withdrawal."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import format_local
from pathways.consent import ConsentState, sharing_rules
from pathways.errors import PathwaysError
from pathways.services.consent import ConsentEntry, PersonConsent, consent_for, record_consent
from ui.context import AppContext
from ui.widgets import error_label

NOT_ASKED, AGREED, DECLINED = "Not asked", "Agreed", "Declined"


def _since(state: ConsentState, since: datetime | None, by: str | None) -> str:
    if state is ConsentState.NOT_ASKED or since is None:
        return "Not asked yet."
    verb = {"agreed": "Agreed", "declined": "Declined", "withdrawn": "Agreement withdrawn"}[state.value]
    return f"{verb} on {format_local(since)} (recorded by {by})."


def history_line(entry: ConsentEntry) -> str:
    """One answer as recorded, and its withdrawal: "3 Mar 2026 14:00, nav.smith: Police, prosecution: agreed"."""
    rules = sharing_rules()
    what = f"{rules.recipient(entry.recipient).title}, {rules.purpose(entry.purpose).title.lower()}"
    line = f"{format_local(entry.recorded_at)}, {entry.recorded_by}: {what}: {'agreed' if entry.agreed else 'declined'}"
    if entry.withdrawn_at is not None:
        line += f"; withdrawn {format_local(entry.withdrawn_at)}, {entry.withdrawn_by}"
    return line


class ConsentDialog(QDialog):
    """`cells` maps (recipient, purpose) to its choice; `saved_changes` counts the answers saved while open."""

    def __init__(self, context: AppContext, person_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context, self._person_id = context, person_id
        self.setWindowTitle("Consent to share")
        self.cells: dict[tuple[str, str], QComboBox] = {}
        self.consent: PersonConsent | None = None
        self.saved_changes = 0
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.grid = QGridLayout()
        self.history = QPlainTextEdit()
        self.history.setReadOnly(True)
        self.history.setAccessibleName("History of the answers")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.error = error_label()
        self.may_record = context.actor.may("record_consent")
        buttons = QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        self.buttons = QDialogButtonBox(buttons if self.may_record else QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(self.grid)
        layout.addWidget(QLabel("History:"))
        layout.addWidget(self.history)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if self.save_button is not None:
            self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self._build_grid()
        self.load()

    def _build_grid(self) -> None:
        rules = sharing_rules()
        pairs = rules.consent_pairs()
        purposes = list(dict.fromkeys(p.code for _r, p in pairs))
        recipients = list(dict.fromkeys(r.code for r, _p in pairs))
        for column, code in enumerate(purposes, start=1):
            self.grid.addWidget(QLabel(f"<b>{rules.purpose(code).title}</b>"), 0, column)
        for row, code in enumerate(recipients, start=1):
            self.grid.addWidget(QLabel(rules.recipient(code).title), row, 0)
        for recipient, purpose in pairs:
            combo = QComboBox()
            combo.setAccessibleName(f"{recipient.title}, {purpose.title.lower()}")
            combo.setEnabled(self.may_record)
            self.cells[(recipient.code, purpose.code)] = combo
            self.grid.addWidget(combo, recipients.index(recipient.code) + 1, purposes.index(purpose.code) + 1)

    def load(self) -> None:
        """Read the person's answers now and show them (and the history)."""
        try:
            self.consent = consent_for(self._context.store, actor=self._context.actor, person_id=self._person_id)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            if self.save_button is not None:
                self.save_button.setEnabled(False)
            return
        self.heading.setText(f"What {self.consent.name} agreed to share, with whom and what for.")
        for answer in self.consent.answers:
            combo = self.cells[(answer.recipient, answer.purpose)]
            combo.clear()
            if answer.state is ConsentState.NOT_ASKED:
                combo.addItem(NOT_ASKED, None)
            combo.addItem(AGREED, True)
            combo.addItem(DECLINED, False)
            combo.setCurrentIndex(combo.findData(self._current(answer.state)))
            combo.setToolTip(_since(answer.state, answer.since, answer.by))
        self.history.setPlainText(
            "\n".join(history_line(e) for e in reversed(self.consent.history)) or "No answers yet."
        )

    @staticmethod
    def _current(state: ConsentState) -> bool | None:
        return None if state is ConsentState.NOT_ASKED else state is ConsentState.AGREED

    def changed(self) -> dict[tuple[str, str], bool]:
        """The answers that differ from what is recorded."""
        if self.consent is None:
            return {}
        found: dict[tuple[str, str], bool] = {}
        for answer in self.consent.answers:
            chosen = self.cells[(answer.recipient, answer.purpose)].currentData()
            if chosen is not None and chosen != self._current(answer.state):
                found[(answer.recipient, answer.purpose)] = bool(chosen)
        return found

    def save(self) -> bool:
        answers = self.changed()
        if not answers:
            self.status.setText("Nothing has changed, so nothing was saved.")
            return False
        context = self._context
        try:
            result = record_consent(context.store, actor=context.actor, person_id=self._person_id, answers=answers)
        except PathwaysError as exc:
            self.error.setText(f"Not saved: {exc.message}")
            return False
        self.error.clear()
        self.saved_changes += len(result.changes)
        self.status.setText(f"Saved {len(result.changes)} {'answer' if len(result.changes) == 1 else 'answers'}.")
        self.load()
        context.notify("person")
        return True
