"""The Records tab's dialogs: a reason for a legal hold, erasing a record, a pathway's retention period, and the
audit trail of a record.

Acting on a record typed by its number names the person first (ui/retention_page.py looks them up): their name,
date of birth and cases, so that one wrong digit is seen before anything is done. Erasing cannot be undone: its
dialog says what goes and what stays, needs a reason, has Cancel as its default button, and an erasure before the
record's retention period ends needs the person's surname typed as well."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import format_local, local_datetime
from pathways.errors import PathwaysError
from pathways.retention import YEARS_RANGE, RetentionPeriod
from pathways.services.audit_trail import AuditLine
from pathways.services.erasure import erase_person
from pathways.services.retention import RecordIdentity, set_retention_period
from ui.context import AppContext
from ui.lazy_model import Column
from ui.rows_model import RowsModel
from ui.widgets import buddy_label, error_label, rows_table

SURNAME_NEEDED = "To erase this record before its retention period ends, type the person's surname to confirm."
SURNAME_WRONG = (
    "That is not this person's surname. Check that this is the record you mean, then type the surname shown above."
)


def day(value: Any) -> str:
    """A date (or a UTC datetime) as a day in words: "6 May 1991"."""
    return "" if value is None else format_local(local_datetime(value), with_time=False)


def pathway_name(names: Mapping[str, str], code: str) -> str:
    """A pathway as the screens call it (`names`: code → name); its code should a retired pathway have no name."""
    return names.get(code, code)


def who(identity: RecordIdentity) -> str:
    """The person as the messages name them: "QUIXWELL, Zebedee (person 12)"."""
    return f"{identity.record.name} (person {identity.record.person_id})"


def _retention_words(identity: RecordIdentity) -> str:
    record = identity.record
    if record.hold is not None:
        hold = record.hold
        return (
            f"On legal hold since {format_local(hold.placed_at, with_time=False)} (placed by {hold.placed_by}: "
            f"{hold.reason}): it cannot be erased until the hold is lifted."
        )
    if record.due_on is None:
        return "A case is still open, so the record cannot be erased."
    if identity.due:
        return f"Past its retention period since {day(record.due_on)}."
    return f"Kept until {day(record.due_on)}: erasing it before then needs a request to erase."


def identity_box(identity: RecordIdentity, names: Mapping[str, str]) -> QGroupBox:
    """Who the record is: number, name, date of birth, each case (pathway and reference) and its retention."""
    record = identity.record
    box = QGroupBox("The record")
    form = QFormLayout(box)
    name = QLabel(record.name)
    bold = QFont(name.font())
    bold.setBold(True)
    name.setFont(bold)
    cases = "\n".join(
        f"{pathway_name(names, c.pathway)}: {c.reference} ({'closed' if c.closed else 'open'})" for c in identity.cases
    )
    rows = (
        ("Person number:", QLabel(str(record.person_id))),
        ("Name:", name),
        ("Born:", QLabel(day(record.date_of_birth))),
        ("Cases:", QLabel(cases or "none")),
        ("Retention:", QLabel(_retention_words(identity))),
    )
    for text, value in rows:
        value.setWordWrap(True)
        value.setAccessibleName(text.rstrip(":"))
        form.addRow(text, value)
    return box


class ReasonDialog(QDialog):
    """Ask for a reason, then run `act` with it; a refusal is shown here and the dialog stays open. `identity`,
    when given, shows whose record it is above the question."""

    def __init__(
        self,
        title: str,
        text: str,
        ok_text: str,
        act: Callable[[str], object],
        parent: QWidget,
        identity: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self._act = act
        self.reason = QLineEdit()
        self.error = error_label()
        self.note = QLabel(text)
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if identity is not None:
            layout.addWidget(identity)
        layout.addWidget(self.note)
        layout.addWidget(buddy_label("&Reason:", self.reason))
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _save(self) -> None:
        try:
            self._act(self.reason.text())
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.accept()


def _what_goes(identity: RecordIdentity) -> str:
    count = len(identity.cases)
    cases = f"their {count} case{'s' if count != 1 else ''} (listed above)" if count else "any cases"
    return (
        f"Erase the record of {who(identity)}? This cannot be undone. It removes, for good: their name, date of "
        f"birth, numbers and postcode; the words of their name in search; corrections of their details; consents; "
        f"past legal holds; and {cases}, with every event, screening, task, appointment and figure row "
        "(programme places included). Their cases stop counting in cohort reports.\n\n"
        "What stays: a note that a record was erased (its former record numbers, how many rows went, who "
        "erased it, when and why) and the audit log, which holds record numbers only."
    )


class EraseDialog(QDialog):
    """Erase one person's record, after saying whose it is, what goes and what stays. Cancel is the default button.

    The record is erased on a request (before its retention period ends) only when that box is ticked, which it is
    not at first, and the person's surname is typed."""

    def __init__(
        self, context: AppContext, identity: RecordIdentity, names: Mapping[str, str], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Erase a person's record")
        self.setMinimumWidth(560)
        self._context, self.identity = context, identity
        self.erased = False
        self.what = QLabel(_what_goes(identity))
        self.what.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. retention period ended; or the request's reference")
        hint = QLabel("The reason is kept after the record is gone, so do not name the person.")
        hint.setWordWrap(True)
        self.on_request = QCheckBox("Erase now, on a &request to erase (before the retention period ends)")
        self.on_request.setChecked(False)
        self.surname = QLineEdit()
        self.surname.setEnabled(False)
        surname_label = buddy_label("&Type the person's surname to confirm an early erasure:", self.surname)
        self.error = error_label()
        self.buttons = QDialogButtonBox()
        self.erase_button = self.buttons.addButton("&Erase the record", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.erase_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.erase_button.clicked.connect(self._erase)
        self.buttons.rejected.connect(self.reject)
        self.on_request.toggled.connect(self._request_toggled)
        layout = QVBoxLayout(self)
        layout.addWidget(identity_box(identity, names))
        layout.addWidget(self.what)
        layout.addWidget(buddy_label("Rea&son:", self.reason))
        layout.addWidget(self.reason)
        layout.addWidget(hint)
        # Past its period, a record is erased on that basis; with a case open, not at all: neither is early.
        early = not identity.due and identity.record.due_on is not None
        for widget in (self.on_request, surname_label, self.surname):
            layout.addWidget(widget)
            widget.setVisible(early)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.cancel_button.setFocus()

    def _request_toggled(self, ticked: bool) -> None:
        self.surname.setEnabled(ticked)
        if not ticked:
            self.surname.clear()

    def _surname_problem(self) -> str | None:
        """Why an early erasure may not go ahead yet: the surname not typed, or not this person's."""
        typed = " ".join(self.surname.text().split()).casefold()
        if not typed:
            return SURNAME_NEEDED
        if typed != " ".join(self.identity.surname.split()).casefold():
            return SURNAME_WRONG
        return None

    def _erase(self) -> None:
        early = self.on_request.isChecked()
        problem = self._surname_problem() if early else None
        if problem is not None:
            self.error.setText(problem)
            self.surname.setFocus()
            return
        try:
            erase_person(
                self._context.store,
                actor=self._context.actor,
                person_id=self.identity.record.person_id,
                reason=self.reason.text(),
                on_request=early,
                expected_version=self.identity.record.version,
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.erased = True
        self.accept()


class PeriodDialog(QDialog):
    """Change how long one pathway's records are kept (`name`: the pathway as the screens call it)."""

    def __init__(self, context: AppContext, period: RetentionPeriod, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Retention period: {name}")
        self.setMinimumWidth(460)
        self._context, self._pathway = context, period.pathway
        self.note = QLabel(
            f"{name}: how long a person's record is kept after their last case closed, when they had a case on "
            "this pathway. A person with cases on more than one pathway is kept for the longest of their periods."
        )
        self.note.setWordWrap(True)
        self.years = QSpinBox()
        self.years.setRange(*YEARS_RANGE)
        self.years.setSuffix(" years")
        self.years.setValue(period.years)
        self.until_25 = QCheckBox("Keep at least until the person's &25th birthday")
        self.until_25.setChecked(period.until_25)
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(buddy_label("&Kept after the last case closed:", self.years))
        layout.addWidget(self.years)
        layout.addWidget(self.until_25)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _save(self) -> None:
        try:
            set_retention_period(
                self._context.store,
                actor=self._context.actor,
                pathway=self._pathway,
                years=self.years.value(),
                until_25=self.until_25.isChecked(),
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.accept()


TRAIL_COLUMNS: list[Column[AuditLine]] = [
    Column("When", lambda a: format_local(a.at)),
    Column("Who", lambda a: a.actor),
    Column("Role", lambda a: a.role.replace("_", " ")),
    Column("Workstation", lambda a: a.workstation),
    Column("What", lambda a: a.words),
    Column("Outcome", lambda a: a.outcome),
    Column("Record", lambda a: f"{a.record_type or ''} {a.record_id or ''}".strip()),
    Column("Detail", lambda a: a.detail or ""),
]


class AuditTrailDialog(QDialog):
    """Every audit entry about one person's record, oldest first."""

    def __init__(self, person_id: int, lines: list[AuditLine], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Audit trail of person {person_id}")
        self.model: RowsModel[AuditLine] = RowsModel(TRAIL_COLUMNS)
        self.model.set_rows(lines)
        self.table = rows_table(self.model, f"Audit trail of person {person_id}", stretch=7)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{len(lines)} entr{'y' if len(lines) == 1 else 'ies'}, oldest first."))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(1000, 500)
