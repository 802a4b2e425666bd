"""The administrator's Records tab: records past their retention period, legal holds, erasure, the retention
periods, and the audit trail of any person's record.

The lists are read in the background (ui/operations.py) when the tab is first shown and after each change.
Erasing is the one action here that cannot be undone: its dialog says what will go and what stays, needs a
reason, and has Cancel as its default button."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import format_local, local_datetime
from pathways.errors import PathwaysError
from pathways.reference import retention_periods
from pathways.retention import YEARS_RANGE, RetentionPeriod
from pathways.services.audit_trail import AuditLine, person_audit_trail
from pathways.services.retention import (
    RecordDue,
    erase_person,
    lift_legal_hold,
    place_legal_hold,
    records_on_hold,
    retention_review_list,
    set_retention_period,
)
from ui.context import AppContext
from ui.lazy_model import Column
from ui.operations import OperationRunner, Progress
from ui.rows_model import RowsModel
from ui.widgets import buddy_label, button_row, error_label, rows_table

LOAD_SLOT = "retention-lists"
Row = TypeVar("Row")


def _day(value: Any) -> str:
    return "" if value is None else format_local(local_datetime(value), with_time=False)


DUE_COLUMNS: list[Column[RecordDue]] = [
    Column("Person", lambda r: r.person_id),
    Column("Name", lambda r: r.name),
    Column("Born", lambda r: _day(r.date_of_birth)),
    Column("Cases", lambda r: r.case_count),
    Column("Pathways", lambda r: r.pathways),
    Column("Last recorded", lambda r: _day(r.last_activity)),
    Column("Due since", lambda r: _day(r.due_on)),
]
HELD_COLUMNS: list[Column[RecordDue]] = [
    Column("Person", lambda r: r.person_id),
    Column("Name", lambda r: r.name),
    Column("Held since", lambda r: format_local(r.hold.placed_at, with_time=False) if r.hold else ""),
    Column("Placed by", lambda r: r.hold.placed_by if r.hold else ""),
    Column("Reason", lambda r: r.hold.reason if r.hold else ""),
    Column("Due", lambda r: _day(r.due_on) or "case open"),
]


def period_columns(names: Mapping[str, str]) -> list[Column[RetentionPeriod]]:
    """The periods' columns: a pathway by its name (`names`: code → name), as the other screens call it."""
    return [
        Column("Pathway", lambda p: names.get(p.pathway, p.pathway)),
        Column("Kept for", lambda p: p.words),
    ]


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


def _fill(model: RowsModel[Row], table: QTableView, rows: list[Row]) -> None:
    """Show new rows, keeping the selected one selected when it is still there."""
    key = model.key_at(table.currentIndex().row())
    model.set_rows(rows)
    found = model.row_of(key) if key is not None else None
    if model.rowCount():
        table.selectRow(found if found is not None else 0)


@dataclass(frozen=True)
class Lists:
    due: list[RecordDue]
    held: list[RecordDue]
    periods: list[RetentionPeriod]


class ReasonDialog(QDialog):
    """Ask for a reason, then run `act` with it; a refusal is shown here and the dialog stays open."""

    def __init__(self, title: str, text: str, ok_text: str, act: Callable[[str], object], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._act = act
        self.reason = QLineEdit()
        self.error = error_label()
        note = QLabel(text)
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
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


class EraseDialog(QDialog):
    """Erase one person's record, after saying what goes and what stays. Cancel is the default button."""

    def __init__(self, context: AppContext, person_id: int, record: RecordDue | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Erase a person's record")
        self._context, self._person_id, self._record = context, person_id, record
        self.erased = False
        who = f"{record.name} (person {person_id})" if record else f"person {person_id}"
        cases = (
            f"their {record.case_count} case{'s' if record.case_count != 1 else ''} ({record.pathways or 'none'})"
            if record
            else "all their cases"
        )
        self.what = QLabel(
            f"Erase the record of {who}? This cannot be undone. It removes, for good: their name, date of birth, "
            f"numbers and postcode; the words of their name in search; corrections of their details; consents; "
            f"past legal holds; and {cases}, with every event, screening, task, appointment and figure row "
            "(programme places included). Their cases stop counting in cohort reports.\n\n"
            "What stays: a note that a record was erased (its former record numbers, how many rows went, who "
            "erased it, when and why) and the audit log, which holds record numbers only."
        )
        self.what.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. retention period ended; or the request's reference")
        hint = QLabel("The reason is kept after the record is gone, so do not name the person.")
        hint.setWordWrap(True)
        self.on_request = QCheckBox("Erase now, on a &request to erase (before the retention period ends)")
        self.on_request.setChecked(record is None)
        self.error = error_label()
        self.buttons = QDialogButtonBox()
        self.erase_button = self.buttons.addButton("&Erase the record", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.erase_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.erase_button.clicked.connect(self._erase)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.what)
        layout.addWidget(buddy_label("Rea&son:", self.reason))
        layout.addWidget(self.reason)
        layout.addWidget(hint)
        layout.addWidget(self.on_request)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.cancel_button.setFocus()

    def _erase(self) -> None:
        try:
            erase_person(
                self._context.store,
                actor=self._context.actor,
                person_id=self._person_id,
                reason=self.reason.text(),
                on_request=self.on_request.isChecked(),
                expected_version=self._record.version if self._record else None,
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.erased = True
        self.accept()


class PeriodDialog(QDialog):
    """Change how long one pathway's records are kept."""

    def __init__(self, context: AppContext, period: RetentionPeriod, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Retention period: {period.pathway}")
        self._context, self._pathway = context, period.pathway
        self.years = QSpinBox()
        self.years.setRange(*YEARS_RANGE)
        self.years.setSuffix(" years")
        self.years.setValue(period.years)
        self.until_25 = QCheckBox("Keep at least until the person's &25th birthday")
        self.until_25.setChecked(period.until_25)
        self.error = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(buddy_label("&Kept after the last case closed:", self.years))
        layout.addWidget(self.years)
        layout.addWidget(self.until_25)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

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


class RecordsTab(QWidget):
    """Records due for review, records on legal hold, the retention periods and the audit trail of a record."""

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.runner = OperationRunner(self)
        self.due_model: RowsModel[RecordDue] = RowsModel(DUE_COLUMNS, key=lambda r: r.person_id)
        self.held_model: RowsModel[RecordDue] = RowsModel(HELD_COLUMNS, key=lambda r: r.person_id)
        self.period_model: RowsModel[RetentionPeriod] = RowsModel(
            period_columns({code: d.name for code, d in context.store.definitions.items()}), key=lambda p: p.pathway
        )
        self.due_table = rows_table(self.due_model, "Records past their retention period", stretch=1)
        self.held_table = rows_table(self.held_model, "Records on legal hold", stretch=4)
        self.period_table = rows_table(self.period_model, "Retention periods", stretch=1)
        self.person_number = QLineEdit()
        self.person_number.setPlaceholderText("empty: the selected record")
        hint_width = self.person_number.fontMetrics().horizontalAdvance(self.person_number.placeholderText())
        self.person_number.setMinimumWidth(hint_width + 24)  # (the hint whole, not cut short)
        self.hold_button = QPushButton("Place legal &hold…")
        self.erase_button = QPushButton("&Erase…")
        self.trail_button = QPushButton("Audit tr&ail…")
        self.lift_button = QPushButton("&Lift hold…")
        self.period_button = QPushButton("Change &period…")
        self.refresh_button = QPushButton("Re&fresh")
        self.status = QLabel("Loading…")
        self.error = error_label()

        heading = QLabel("Records &past their retention period, not on legal hold (the longest overdue first):")
        heading.setBuddy(self.due_table)
        number_row = QHBoxLayout()
        number_row.addWidget(buddy_label("Person &number:", self.person_number))
        number_row.addWidget(self.person_number)
        number_row.addStretch(1)
        held_box = QGroupBox("On legal hold: never erased until the hold is lifted")
        held_layout = QVBoxLayout(held_box)
        held_layout.addWidget(self.held_table)
        held_layout.addLayout(button_row(self.lift_button))
        period_box = QGroupBox("Retention periods (kept after the person's last case closed)")
        period_layout = QVBoxLayout(period_box)
        period_layout.addWidget(self.period_table)
        period_layout.addLayout(button_row(self.period_button))
        lower = QHBoxLayout()
        lower.addWidget(held_box, 1)
        lower.addWidget(period_box, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.due_table, 2)
        layout.addLayout(number_row)
        layout.addLayout(button_row(self.hold_button, self.erase_button, self.trail_button, self.refresh_button))
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addLayout(lower, 2)

        self.hold_button.clicked.connect(self.place_hold)
        self.erase_button.clicked.connect(self.erase)
        self.trail_button.clicked.connect(self.audit_trail)
        self.lift_button.clicked.connect(self.lift_hold)
        self.period_button.clicked.connect(self.change_period)
        self.refresh_button.clicked.connect(self.refresh)
        self._loaded_once = False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    # --- loading ---------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        store, actor = self._context.store, self._context.actor

        def work(progress: Progress) -> Lists:
            progress.check()
            due = retention_review_list(store, actor=actor)
            held = records_on_hold(store, actor=actor)
            periods = sorted(retention_periods(store).values(), key=lambda p: p.pathway)
            return Lists(due, held, periods)

        self.status.setText("Loading…")
        self.runner.start(LOAD_SLOT, work, finished=self._loaded, failed=self._failed)

    def _loaded(self, lists: Lists) -> None:
        _fill(self.due_model, self.due_table, lists.due)
        _fill(self.held_model, self.held_table, lists.held)
        _fill(self.period_model, self.period_table, lists.periods)
        count = len(lists.due)
        self.status.setText(f"{count} record{'s' if count != 1 else ''} due for review; {len(lists.held)} on hold.")

    def _failed(self, message: str) -> None:
        self.status.setText(message)

    # --- choosing --------------------------------------------------------------------------------------------
    def _chosen(self) -> tuple[int, RecordDue | None] | None:
        """The typed person number, else the selected record in the review list; None (with a message) if neither."""
        typed = self.person_number.text().strip()
        if typed:
            if not typed.isdigit():
                self.error.setText("A person number is a whole number, as shown in the Person column.")
                return None
            number = int(typed)
            found = self.due_model.find(lambda r: r.person_id == number)
            return number, self.due_model.row_at(found)
        record = self.due_model.row_at(self.due_table.currentIndex().row())
        if record is None:
            self.error.setText("Choose a record in the list, or type a person number.")
            return None
        return record.person_id, record

    def _done(self) -> None:
        self.error.clear()
        self.person_number.clear()
        self.refresh()

    # --- acting ----------------------------------------------------------------------------------------------
    def place_hold(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        person_id, _record = chosen
        store, actor = self._context.store, self._context.actor
        dialog = ReasonDialog(
            "Place a legal hold",
            f"Put the record of person {person_id} on legal hold? It will not be erased, however old, until the "
            "hold is lifted. Say why (for example the case or claim it is held for).",
            "&Place hold",
            lambda reason: place_legal_hold(store, actor=actor, person_id=person_id, reason=reason),
            self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._done()

    def lift_hold(self) -> None:
        record = self.held_model.row_at(self.held_table.currentIndex().row())
        if record is None:
            self.error.setText("Choose a record in the list of records on legal hold.")
            return
        store, actor = self._context.store, self._context.actor
        dialog = ReasonDialog(
            "Lift a legal hold",
            f"Lift the legal hold on the record of {record.name} (person {record.person_id})? Once its retention "
            "period has passed it can be erased. Say why the hold is no longer needed.",
            "&Lift hold",
            lambda reason: lift_legal_hold(store, actor=actor, person_id=record.person_id, reason=reason),
            self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._done()

    def erase(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        dialog = EraseDialog(self._context, chosen[0], chosen[1], self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.erased:
            self._done()
            self._context.notify("person", "case", "tasks")

    def audit_trail(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        person_id = chosen[0]
        try:
            lines = person_audit_trail(self._context.store, actor=self._context.actor, person_id=person_id)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.error.clear()
        AuditTrailDialog(person_id, lines, self).exec()

    def change_period(self) -> None:
        period = self.period_model.row_at(self.period_table.currentIndex().row())
        if period is None:
            self.error.setText("Choose a pathway in the list of retention periods.")
            return
        if PeriodDialog(self._context, period, self).exec() == QDialog.DialogCode.Accepted:
            self._done()
