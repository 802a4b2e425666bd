"""Checkpoint contracts to act on: those ending in the next 14 days, and those past their end with no outcome
(neither completed nor failed). Lists load in the background and refresh when a case changes; Enter opens the
person's record, where the outcome is recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from pathways.clock import local_date
from pathways.services.worklists import ContractDue, contracts_ending_soon, contracts_past_end
from ui.context import AppContext
from ui.formatting import show_date
from ui.lazy_model import Column
from ui.operations import OperationRunner
from ui.rows_model import RowsModel
from ui.worklist_tabs import WorklistTabs

SOON, PAST = "soon", "past"
SOON_DAYS = 14
LATE = QColor("#a4262c")


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def contract_columns(now: Callable[[], datetime], past: bool) -> list[Column[ContractDue]]:
    def left(row: ContractDue) -> str:
        days = (local_date(row.deadline.due_at) - local_date(now())).days
        if past:
            return "ended today" if days == 0 else _days(-days)
        return "ends today" if days == 0 else _days(days)

    return [
        Column("Ended" if past else "Ends", lambda r: show_date(local_date(r.deadline.due_at))),
        Column("Person", lambda r: r.person_name),
        Column("Case", lambda r: r.deadline.case_ref),
        Column("Past its end by" if past else "Days left", left),
    ]


class ContractsPage(WorklistTabs):
    """`open_person` carries (person id, case id) of the chosen row. `refresh()` reloads both lists."""

    open_person = Signal(int, int)

    def __init__(self, context: AppContext, runner: OperationRunner) -> None:
        super().__init__(context, runner, name="Contract worklists", slot="contracts", reload_on=("case",))
        self.title = QLabel("Checkpoint contracts")
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self._make_lists()
        self.open_button = QPushButton("&Open record")
        self.open_button.setAccessibleName("Open the person's record")
        self.view_button = QPushButton("&View contract…")
        self.view_button.setAccessibleName("View the contract's progress")
        for button in (self.open_button, self.view_button):
            button.setAutoDefault(False)
        self.open_button.clicked.connect(lambda: self.act("open"))
        self.view_button.clicked.connect(lambda: self.act("view"))
        self._layout()
        self.lists_added()

    def _make_lists(self) -> None:
        store, actor = self._context.store, self._context.actor

        def counted(none: str, one: str, many: str) -> Callable[[int], str]:
            return lambda n: none if n == 0 else (one if n == 1 else many.format(n=n))

        specs = [
            (
                SOON,
                f"&Ending in {SOON_DAYS} days",
                lambda: contracts_ending_soon(store, actor=actor, days=SOON_DAYS),
                counted(
                    f"No contracts end in the next {SOON_DAYS} days.",
                    f"1 contract ends in the next {SOON_DAYS} days.",
                    f"{{n}} contracts end in the next {SOON_DAYS} days.",
                ),
            ),
            (
                PAST,
                "&Past end, no outcome",
                lambda: contracts_past_end(store, actor=actor),
                counted(
                    "No contracts are past their end without an outcome.",
                    "1 contract is past its end with no outcome recorded: record completed or failed.",
                    "{n} contracts are past their end with no outcome recorded: record completed or failed.",
                ),
            ),
        ]
        for name, title, load, count in specs:

            def colour(row: ContractDue, column: int, past: bool = name == PAST) -> QColor | None:
                return LATE if past and column in (0, 3) else None

            model: RowsModel[ContractDue] = RowsModel(
                contract_columns(store.clock, name == PAST), key=lambda r: r.key, colour=colour
            )
            self.add_list(name, title, model, load, count)

    def _layout(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.view_button)
        row.addStretch(1)
        hint = QLabel(
            "Enter opens the person's record: record the outcome there with Add event (condition met, "
            "completed, reoffended, not complying). Ctrl+PgUp/PgDn change list."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addLayout(row)
        layout.addWidget(hint)

    # --- acting ---------------------------------------------------------------------------------------------
    def act(self, action: str) -> None:
        """Open the chosen row's record ("open"), or its contract's progress ("view")."""
        worklist = self.current()
        row = worklist.model.row_at(worklist.view.current_row())
        self.error.clear()
        if row is None:
            self.error.setText("Choose a contract in the list first.")
            return
        if action == "open":
            self.open_person.emit(row.person_id, row.deadline.case_id)
        elif action == "view":
            from ui.contract_builder import ContractProgressDialog

            ContractProgressDialog(self._context, row.deadline.case_id, self).exec()
        else:
            self.error.setText("On this list, Enter opens the record, where the outcome is recorded.")
