"""The Checkpoint contract builder, and how a running contract is going.

The builder (opened for the "Contract signed" step): the start date, the end shown as it changes (4 calendar
months on), the needs found at the needs assessment offered as conditions, and up to 5 conditions with
"No reoffending" fixed first. Everything works from the keyboard: Enter adds the chosen suggestion or the typed
condition; on the list, Delete removes and Ctrl+Up / Ctrl+Down move. Save records the contract and offers the
contract PDF for signature, through the same Documents machinery as the person's record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import local_date
from pathways.errors import ConflictingChange, PathwaysError
from pathways.services.contracts import (
    CONTRACT_EVENT,
    MAX_CONDITIONS,
    NO_REOFFENDING,
    PATHWAY,
    TOO_MANY,
    ContractDraft,
    ContractProgress,
    checked_conditions,
    condition_code,
    condition_label,
    contract_draft,
    contract_end,
    contract_progress,
    contract_start,
    sign_contract,
)
from pathways.services.records import CaseSummary, next_steps, person_record
from pathways.services.results import EventRecorded
from ui.context import AppContext
from ui.drafts import DraftFile, DraftKeeper
from ui.widgets import buddy_label, error_label

CODE_ROLE = Qt.ItemDataRole.UserRole
FIXED_NOTE = " — always the first condition"
DAY_PATTERN = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\s*$")
ISO_PATTERN = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_day(text: str) -> date | None:
    """A day typed as 31/10/2027 (or 31.10.27, 31-10-2027, 2027-10-31); None when it is not a date."""
    if match := ISO_PATTERN.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := DAY_PATTERN.match(text):
        day, month, year = (int(part) for part in match.groups())
        year += 2000 if year < 100 else 0
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def long_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def plain_button(text: str, name: str) -> QPushButton:
    """A button Enter never presses by accident (Enter adds a condition here, it does not save)."""
    button = QPushButton(text)
    button.setAutoDefault(False)
    button.setDefault(False)
    button.setAccessibleName(name)
    return button


class ConditionList(QListWidget):
    """The contract's conditions: Delete asks to remove the chosen one, Ctrl+Up / Ctrl+Down to move it."""

    remove_asked = Signal()
    move_asked = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, control = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not control:
            self.remove_asked.emit()
        elif control and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.move_asked.emit(-1 if key == Qt.Key.Key_Up else 1)
        else:
            super().keyPressEvent(event)
            return
        event.accept()


class ContractBuilderDialog(QDialog):
    """Agree a Checkpoint contract on a case. `recorded` holds the result once saved."""

    def __init__(self, context: AppContext, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Checkpoint contract")
        self._context, self._case_id = context, case_id
        self.recorded: EventRecorded | None = None
        self.draft: ContractDraft | None = None
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.start = QLineEdit()
        self.start.setPlaceholderText("dd/mm/yyyy")
        self.start.setMaxLength(10)
        self.end = QLabel()
        self.end.setAccessibleName("End of the contract")
        self.suggestions = QListWidget()
        self.suggestions.setMaximumHeight(120)
        self.add_suggestion = plain_button("&Add suggestion", "Add the chosen suggestion")
        self.own = QLineEdit()
        self.own.setPlaceholderText("e.g. attend the women's centre group weekly")
        self.add_own = plain_button("Add o&wn", "Add the condition typed")
        self.conditions = ConditionList()
        self.conditions.setMaximumHeight(140)
        self.remove = plain_button("&Remove", "Remove the chosen condition")
        self.up = plain_button("Move &up", "Move the chosen condition up")
        self.down = plain_button("Move dow&n", "Move the chosen condition down")
        self.error = error_label()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("What was recorded")
        self.save_button = plain_button("&Save contract", "Save the contract")
        self.print_button = plain_button("&Print the contract for signature…", "Print the contract for signature")
        self.print_button.hide()
        self.close_button = plain_button("Cancel", "Cancel")
        self._layout()
        self._connect()
        self._load()
        # What is typed and chosen is kept as a draft (ui/drafts.py) until the contract is saved, so that a crash
        # does not lose it; the draft belongs to this case.
        self.keeper = DraftKeeper(
            self,
            DraftFile.for_form(context, "contract_builder", key=str(case_id)),
            what="Checkpoint contract",
            snapshot=self._snapshot,
            restore=self._restore,
            clock=context.store.clock,
        )
        self.keeper.watch(self.start, self.own)

    # --- building -------------------------------------------------------------------------------------------
    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow(buddy_label("Start &date:", self.start), self.start)
        form.addRow("Ends:", self.end)
        pick = QHBoxLayout()
        pick.addWidget(self.suggestions, 1)
        pick.addWidget(self.add_suggestion, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow(buddy_label("Su&ggested:", self.suggestions), pick)
        typed = QHBoxLayout()
        typed.addWidget(self.own, 1)
        typed.addWidget(self.add_own)
        form.addRow(buddy_label("&Own condition:", self.own), typed)
        order = QVBoxLayout()
        for button in (self.remove, self.up, self.down):
            order.addWidget(button)
        order.addStretch(1)
        chosen = QHBoxLayout()
        chosen.addWidget(self.conditions, 1, Qt.AlignmentFlag.AlignTop)
        chosen.addLayout(order)
        form.addRow(buddy_label(f"&Conditions (up to {MAX_CONDITIONS}):", self.conditions), chosen)
        keys = QLabel(
            "Enter adds the chosen suggestion or the typed condition. On the conditions: Delete removes, "
            "Ctrl+Up and Ctrl+Down move."
        )
        keys.setWordWrap(True)
        keys.setStyleSheet("color: #555;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(keys)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(640, 500)

    def _connect(self) -> None:
        self.start.textChanged.connect(lambda _text: self._show_end())
        self.suggestions.itemActivated.connect(lambda _item: self.add_chosen_suggestion())
        self.add_suggestion.clicked.connect(self.add_chosen_suggestion)
        self.own.returnPressed.connect(self.add_typed)
        self.add_own.clicked.connect(self.add_typed)
        self.remove.clicked.connect(self.remove_current)
        self.up.clicked.connect(lambda: self.move_current(-1))
        self.down.clicked.connect(lambda: self.move_current(1))
        self.conditions.remove_asked.connect(self.remove_current)
        self.conditions.move_asked.connect(self.move_current)
        self.save_button.clicked.connect(self.save)
        self.print_button.clicked.connect(lambda: self.print_contract())
        self.close_button.clicked.connect(self.reject)

    def _load(self) -> None:
        store = self._context.store
        today = local_date(store.clock())
        self.start.setText(f"{today:%d/%m/%Y}")
        self._append(NO_REOFFENDING)
        try:
            self.draft = contract_draft(store, actor=self._context.actor, case_id=self._case_id)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            self.save_button.setEnabled(False)
            return
        self._show_draft(self.draft)
        self._show_end()

    def _show_draft(self, draft: ContractDraft) -> None:
        """The title and the suggestions of the needs found (the conditions chosen are kept)."""
        self.title.setText(f"Contract for {draft.person_name} · case {draft.case_ref}")
        self.suggestions.clear()
        for suggestion in draft.suggestions:
            item = QListWidgetItem(f"{suggestion.label} ({suggestion.because})")
            item.setData(CODE_ROLE, suggestion.code)
            self.suggestions.addItem(item)
        if self.suggestions.count():
            self.suggestions.setCurrentRow(0)
        if not draft.needs:
            self.status.setText("No needs were recorded at a needs assessment: the suggestions are general ones.")

    # --- the draft ------------------------------------------------------------------------------------------
    def _snapshot(self) -> dict[str, Any]:
        return {"start": self.start.text(), "own": self.own.text(), "conditions": self.codes()}

    def _restore(self, values: Mapping[str, Any]) -> None:
        self.start.setText(str(values.get("start", "")))
        self.own.setText(str(values.get("own", "")))
        kept = [str(code) for code in values.get("conditions", []) if str(code) != NO_REOFFENDING]
        self.conditions.clear()
        self._append(NO_REOFFENDING)
        for code in kept[: MAX_CONDITIONS - 1]:
            self._append(code)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.keeper.form_shown()  # offers back what a crash left unsaved, the first time

    # --- the conditions -------------------------------------------------------------------------------------
    def codes(self) -> list[str]:
        return [str(self.conditions.item(row).data(CODE_ROLE)) for row in range(self.conditions.count())]

    def _append(self, code: str) -> None:
        text = condition_label(code) + (FIXED_NOTE if code == NO_REOFFENDING else "")
        item = QListWidgetItem(text)
        item.setData(CODE_ROLE, code)
        self.conditions.addItem(item)

    def add_condition(self, text: str) -> bool:
        """Add a condition at the end of the list; False (with the reason shown) when it cannot be added."""
        self.error.clear()
        if self.recorded is not None:
            return False
        if len(self.codes()) >= MAX_CONDITIONS:
            self.error.setText(TOO_MANY)
            return False
        try:
            checked_conditions([*self.codes(), text])
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return False
        self._append(condition_code(text))
        self.conditions.setCurrentRow(self.conditions.count() - 1)
        self.keeper.changed()
        return True

    def add_chosen_suggestion(self) -> None:
        item = self.suggestions.currentItem()
        if item is None:
            self.error.setText("Choose a suggestion first, or type your own condition.")
            return
        self.add_condition(str(item.data(CODE_ROLE)))

    def add_typed(self) -> None:
        if self.add_condition(self.own.text()):
            self.own.clear()

    def remove_current(self) -> None:
        self.error.clear()
        row = self.conditions.currentRow()
        if row < 0 or self.recorded is not None:
            return
        if self.codes()[row] == NO_REOFFENDING:
            self.error.setText("“No reoffending” is a condition of every Checkpoint contract: it cannot be removed.")
            return
        self.conditions.takeItem(row)
        self.conditions.setCurrentRow(min(row, self.conditions.count() - 1))
        self.keeper.changed()

    def move_current(self, step: int) -> None:
        self.error.clear()
        row = self.conditions.currentRow()
        target = row + step
        if row < 0 or self.recorded is not None or not 0 <= target < self.conditions.count():
            return
        if NO_REOFFENDING in (self.codes()[row], self.codes()[target]):
            self.error.setText("“No reoffending” is always the first condition.")
            return
        item = self.conditions.takeItem(row)
        self.conditions.insertItem(target, item)
        self.conditions.setCurrentRow(target)
        self.keeper.changed()

    # --- dates ----------------------------------------------------------------------------------------------
    def start_day(self) -> date | None:
        return parse_day(self.start.text())

    def end_day(self) -> date | None:
        start = self.start_day()
        if start is None:
            return None
        store = self._context.store
        return local_date(contract_end(store, contract_start(start, store.clock())))

    def _show_end(self) -> None:
        end, start = self.end_day(), self.start_day()
        if end is None or start is None:
            self.end.setText("Type the start date as day/month/year, e.g. 31/10/2027.")
        elif start > local_date(self._context.store.clock()):
            self.end.setText(f"{long_day(end)} — but a contract cannot start in the future.")
        else:
            self.end.setText(f"{long_day(end)} (4 calendar months)")

    # --- saving and printing --------------------------------------------------------------------------------
    def save(self) -> None:
        self.error.clear()
        if self.draft is None or self.recorded is not None:
            return
        store, start = self._context.store, self.start_day()
        if start is None:
            self.error.setText("Type the start date as day/month/year, e.g. 31/10/2027.")
            self.start.setFocus()
            return
        try:
            self.recorded = sign_contract(
                store,
                actor=self._context.actor,
                case_id=self._case_id,
                starts_on=start,
                conditions=self.codes(),
                occurred_at=store.clock(),
                expected_version=self.draft.version,
            )
        except ConflictingChange as exc:
            self._changed_meanwhile(exc.message)
            return
        except PathwaysError as exc:
            self.error.setText(exc.message)  # everything chosen stays as it was
            return
        self.keeper.discard()  # on record now: nothing left to offer back
        self._context.notify("case", "tasks")
        self.status.setText(
            f"Contract recorded: from {long_day(start)} to {long_day(self.end_day() or start)}. "
            f"Stage: {self.recorded.stage}. Print it now for the person and you to sign."
        )
        for widget in (self.start, self.suggestions, self.add_suggestion, self.own, self.add_own):
            widget.setEnabled(False)
        for widget in (self.remove, self.up, self.down, self.save_button):
            widget.setEnabled(False)
        self.save_button.hide()
        self.print_button.show()
        self.close_button.setText("&Close")
        self.close_button.setAccessibleName("Close")
        self.print_button.setFocus()

    def _changed_meanwhile(self, message: str) -> None:
        """Someone else saved on the case since the draft was made: say so, and make the draft again from the case
        as it is now (its needs may have changed), keeping the conditions chosen; saving again goes on from it."""
        self._context.notify("case")
        try:
            self.draft = contract_draft(self._context.store, actor=self._context.actor, case_id=self._case_id)
        except PathwaysError as exc:
            self.error.setText(f"{message} {exc.message}")
            return
        self._show_draft(self.draft)
        self.error.setText(f"{message} The suggestions are now made from the case as it is.")

    def print_contract(self, path: Path | None = None) -> bool:
        """Save the contract PDF for signature (asking where when no path is given); True when saved."""
        if self.draft is None or self.recorded is None:
            return False
        from ui.documents import DocumentsButton  # ReportLab loads when first printing

        context = self._context
        try:
            record = person_record(context.store, actor=context.actor, person_id=self.draft.person_id)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return False
        case = next(c for c in record.cases if c.id == self._case_id)
        documents = DocumentsButton(context, lambda: record, lambda: case, self._report)
        contract = next(d for d in documents.documents if d.key == "contract")
        return documents.save(contract, path)

    def _report(self, message: str, failed: bool) -> None:
        (self.error if failed else self.status).setText(message)
        if failed:
            return
        self.error.clear()

    def reject(self) -> None:
        """Closing after saving counts as done: the contract is on record."""
        if self.recorded is not None:
            self.accept()
            return
        super().reject()


class ContractProgressDialog(QDialog):
    """A running (or ended) contract: each condition met or not yet, the days left, the state."""

    def __init__(self, context: AppContext, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Checkpoint contract progress")
        self.progress: ContractProgress | None = None
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.dates = QLabel()
        self.state = QLabel()
        self.state.setAccessibleName("How the contract stands")
        self.state.setWordWrap(True)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Condition", "Met"])
        self.table.setAccessibleName("Conditions of the contract")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.error = error_label()
        hint = QLabel("Record a condition met, reoffending, a breach or completion with Add event on the record.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        close = plain_button("&Close", "Close")
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        for widget in (self.title, self.dates, self.state, self.table, self.error, hint):
            layout.addWidget(widget)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(520, 380)
        try:
            self.progress = contract_progress(context.store, actor=context.actor, case_id=case_id)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self._fill(self.progress)
        self.table.setFocus()

    def _fill(self, progress: ContractProgress) -> None:
        self.title.setText(f"Contract · case {progress.case_ref}")
        self.dates.setText(f"From {long_day(progress.starts_on)} to {long_day(progress.ends_on)}")
        met = sum(1 for c in progress.conditions if c.met)
        self.state.setText(f"{progress.summary()} {met} of {len(progress.conditions)} conditions recorded as met.")
        if progress.past_end:
            self.state.setStyleSheet("color: #a4262c; font-weight: 600;")
        for condition in progress.conditions:
            row = self.table.rowCount()
            self.table.insertRow(row)
            met_text = f"Met {condition.met_on.day} {condition.met_on:%b %Y}" if condition.met_on else "Not yet"
            for column, text in enumerate((condition.label, met_text)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if self.table.rowCount():
            self.table.selectRow(0)


def has_contract(case: CaseSummary) -> bool:
    return any(e.name == CONTRACT_EVENT and not e.superseded for e in case.timeline)


def open_contract(context: AppContext, case: CaseSummary, parent: QWidget | None = None) -> str | None:
    """From a person's record: the contract's progress, or the builder when there is no contract yet.
    The reason in words when neither can be shown."""
    if case.pathway != PATHWAY:
        return "Only a Checkpoint case has a contract."
    if has_contract(case):
        ContractProgressDialog(context, case.id, parent).exec()
        return None
    try:
        steps = next_steps(context.store, actor=context.actor, case_id=case.id)
    except PathwaysError as exc:
        return exc.message
    step = next((s for s in steps if s.event == CONTRACT_EVENT), None)
    if step is None or not step.allowed:
        return f"No contract can be agreed on this case yet: {step.reason if step else 'the step is missing'}"
    if not context.actor.may("sign_contract"):
        return f"{context.actor.role.a_label} cannot agree a Checkpoint contract; a custody navigator does."
    ContractBuilderDialog(context, case.id, parent).exec()
    return None
