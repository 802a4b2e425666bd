"""The administrator's Records tab: records past their retention period, legal holds, erasure, the retention
periods, and the audit trail of any person's record.

The lists are read in the background (ui/operations.py) when the tab is first shown and after each change.
Placing a legal hold or erasing, whether on a record chosen in the list or on a number typed, first looks the
person up and names them (their name, date of birth and cases) in the dialog (ui/retention_dialogs.py); a number
not held is refused with a message, before any dialog. Erasing cannot be undone: afterwards the tab says whose
record was erased."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import format_local
from pathways.errors import PathwaysError
from pathways.reference import retention_periods
from pathways.retention import RetentionPeriod
from pathways.services.audit_trail import person_audit_trail
from pathways.services.retention import (
    RecordDue,
    RecordIdentity,
    identify_record,
    lift_legal_hold,
    place_legal_hold,
    records_on_hold,
    retention_review_list,
)
from ui.context import AppContext
from ui.lazy_model import Column
from ui.operations import OperationRunner, Progress
from ui.retention_dialogs import (
    AuditTrailDialog,
    EraseDialog,
    PeriodDialog,
    ReasonDialog,
    day,
    identity_box,
    pathway_name,
    who,
)
from ui.rows_model import RowsModel
from ui.widgets import buddy_label, button_row, error_label, rows_table

LOAD_SLOT = "retention-lists"
Row = TypeVar("Row")


def due_columns(names: Mapping[str, str]) -> list[Column[RecordDue]]:
    """The review list's columns; its cases' pathways by their names (`names`: code → name)."""
    return [
        Column("Person", lambda r: r.person_id),
        Column("Name", lambda r: r.name),
        Column("Born", lambda r: day(r.date_of_birth)),
        Column("Cases", lambda r: r.case_count),
        Column("Pathways", lambda r: ", ".join(sorted(pathway_name(names, p) for p in r.pathways))),
        Column("Last recorded", lambda r: day(r.last_activity)),
        Column("Due since", lambda r: day(r.due_on)),
    ]


HELD_COLUMNS: list[Column[RecordDue]] = [
    Column("Person", lambda r: r.person_id),
    Column("Name", lambda r: r.name),
    Column("Held since", lambda r: format_local(r.hold.placed_at, with_time=False) if r.hold else ""),
    Column("Placed by", lambda r: r.hold.placed_by if r.hold else ""),
    Column("Reason", lambda r: r.hold.reason if r.hold else ""),
    Column("Due", lambda r: day(r.due_on) or "case open"),
]


def period_columns(names: Mapping[str, str]) -> list[Column[RetentionPeriod]]:
    """The periods' columns: a pathway by its name (`names`: code → name), as the other screens call it."""
    return [
        Column("Pathway", lambda p: pathway_name(names, p.pathway)),
        Column("Kept for", lambda p: p.words),
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


class RecordsTab(QWidget):
    """Records due for review, records on legal hold, the retention periods and the audit trail of a record."""

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.names = {code: d.name for code, d in context.store.definitions.items()}
        self.runner = OperationRunner(self)
        self.due_model: RowsModel[RecordDue] = RowsModel(due_columns(self.names), key=lambda r: r.person_id)
        self.held_model: RowsModel[RecordDue] = RowsModel(HELD_COLUMNS, key=lambda r: r.person_id)
        self.period_model: RowsModel[RetentionPeriod] = RowsModel(period_columns(self.names), key=lambda p: p.pathway)
        self.due_table = rows_table(self.due_model, "Records past their retention period", stretch=1)
        self.held_table = rows_table(self.held_model, "Records on legal hold", stretch=4)
        self.period_table = rows_table(self.period_model, "Retention periods", stretch=1)
        self.person_number = QLineEdit()
        self.person_number.setPlaceholderText("empty: the selected record")
        hint_width = self.person_number.fontMetrics().horizontalAdvance(self.person_number.placeholderText())
        self.person_number.setMinimumWidth(hint_width + 24)  # (the hint whole, not cut short)
        # Alt letters: none of the Administration page's tabs (u o s t v i c) or the menu bar's (f g h).
        self.hold_button = QPushButton("&Place legal hold…")
        self.erase_button = QPushButton("&Erase…")
        self.trail_button = QPushButton("Audit tr&ail…")
        self.lift_button = QPushButton("&Lift hold…")
        self.period_button = QPushButton("Change perio&d…")
        self.refresh_button = QPushButton("&Refresh")
        self.status = QLabel("Loading…")
        self.outcome = QLabel()  # what the last action did, e.g. whose record was erased
        self.outcome.setWordWrap(True)
        self.outcome.setAccessibleName("Done")
        self.error = error_label()

        heading = QLabel("Records &kept past their retention period, not on legal hold (the longest overdue first):")
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
        layout.addWidget(self.outcome)
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
        store, actor, names = self._context.store, self._context.actor, self.names

        def work(progress: Progress) -> Lists:
            progress.check()
            due = retention_review_list(store, actor=actor)
            held = records_on_hold(store, actor=actor)
            periods = sorted(retention_periods(store).values(), key=lambda p: pathway_name(names, p.pathway))
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
    def _chosen(self) -> int | None:
        """The typed person number, else the selected record's; None (with a message) if neither."""
        self.outcome.clear()
        typed = self.person_number.text().strip()
        if typed:
            if not typed.isdigit():
                self.error.setText("A person number is a whole number, as shown in the Person column.")
                return None
            return int(typed)
        record = self.due_model.row_at(self.due_table.currentIndex().row())
        if record is None:
            self.error.setText("Choose a record in the list, or type a person number.")
            return None
        return record.person_id

    def _identified(self) -> RecordIdentity | None:
        """Who the chosen person number is (looked up now, so the dialog names them); None, with the reason
        shown, when nothing is chosen or no such person is held."""
        person_id = self._chosen()
        if person_id is None:
            return None
        try:
            identity = identify_record(self._context.store, actor=self._context.actor, person_id=person_id)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return None
        self.error.clear()
        return identity

    def _done(self, outcome: str) -> None:
        self.error.clear()
        self.person_number.clear()
        self.outcome.setText(outcome)
        self.refresh()

    # --- acting ----------------------------------------------------------------------------------------------
    def place_hold(self) -> None:
        identity = self._identified()
        if identity is None:
            return
        store, actor, person_id = self._context.store, self._context.actor, identity.record.person_id
        dialog = ReasonDialog(
            "Place a legal hold",
            "Put this record on legal hold? It will not be erased, however old, until the hold is lifted. Say why "
            "(for example the case or claim it is held for).",
            "&Place hold",
            lambda reason: place_legal_hold(store, actor=actor, person_id=person_id, reason=reason),
            self,
            identity=identity_box(identity, self.names),
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._done(f"Placed a legal hold on the record of {who(identity)}.")

    def lift_hold(self) -> None:
        self.outcome.clear()
        record = self.held_model.row_at(self.held_table.currentIndex().row())
        if record is None:
            self.error.setText("Choose a record in the list of records on legal hold.")
            return
        store, actor = self._context.store, self._context.actor
        named = f"{record.name} (person {record.person_id})"
        dialog = ReasonDialog(
            "Lift a legal hold",
            f"Lift the legal hold on the record of {named}? Once its retention period has passed it can be erased. "
            "Say why the hold is no longer needed.",
            "&Lift hold",
            lambda reason: lift_legal_hold(store, actor=actor, person_id=record.person_id, reason=reason),
            self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._done(f"Lifted the legal hold on the record of {named}.")

    def erase(self) -> None:
        identity = self._identified()
        if identity is None:
            return
        dialog = EraseDialog(self._context, identity, self.names, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.erased:
            self._done(f"Erased the record of {who(identity)}.")
            self._context.notify("person", "case", "tasks")

    def audit_trail(self) -> None:
        person_id = self._chosen()
        if person_id is None:
            return
        try:
            lines = person_audit_trail(self._context.store, actor=self._context.actor, person_id=person_id)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.error.clear()
        AuditTrailDialog(person_id, lines, self).exec()

    def change_period(self) -> None:
        self.outcome.clear()
        period = self.period_model.row_at(self.period_table.currentIndex().row())
        if period is None:
            self.error.setText("Choose a pathway in the list of retention periods.")
            return
        name = pathway_name(self.names, period.pathway)
        if PeriodDialog(self._context, period, name, self).exec() == QDialog.DialogCode.Accepted:
            self._done(f"Changed the retention period of {name}.")
