"""Checkpoint contracts to act on: those ending in the next 14 days, and those past their end with no outcome
(neither completed nor failed). Lists load in the background and refresh when a case changes; Enter opens the
person's record, where the outcome is recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from pathways.clock import local_date
from pathways.services.worklists import ContractDue, contracts_ending_soon, contracts_past_end
from ui.appointment_model import WorklistView
from ui.context import AppContext
from ui.formatting import show_date
from ui.lazy_model import Column
from ui.operations import OperationRunner, Progress
from ui.rows_model import RowsModel
from ui.widgets import error_label

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


@dataclass
class ContractList:
    name: str
    view: WorklistView
    model: RowsModel[ContractDue]
    load: Callable[[], list[ContractDue]]
    counted: Callable[[int], str]
    status: str = "Loading…"


class ContractsPage(QWidget):
    """`open_person` carries (person id, case id) of the chosen row. `refresh()` reloads both lists."""

    open_person = Signal(int, int)

    def __init__(self, context: AppContext, runner: OperationRunner) -> None:
        super().__init__()
        self._context, self._runner = context, runner
        self.title = QLabel("Checkpoint contracts")
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Contract worklists")
        self.lists = self._make_lists()
        self.status = QLabel("Loading…")
        self.status.setAccessibleName("How many")
        self.error = error_label()
        self.open_button = QPushButton("&Open record")
        self.open_button.setAccessibleName("Open the person's record")
        self.view_button = QPushButton("&View contract…")
        self.view_button.setAccessibleName("View the contract's progress")
        for button in (self.open_button, self.view_button):
            button.setAutoDefault(False)
        self.open_button.clicked.connect(lambda: self.act("open"))
        self.view_button.clicked.connect(lambda: self.act("view"))
        self._reload = QTimer(self, singleShot=True, interval=0)
        self._reload.timeout.connect(self._load_all)
        self._layout()
        self.tabs.currentChanged.connect(lambda _index: self._show_status())
        for keys, step in (("Ctrl+PgDown", 1), ("Ctrl+PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self._step_list(step))
        context.changed.connect(self._on_changed)

    def _make_lists(self) -> dict[str, ContractList]:
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
        lists: dict[str, ContractList] = {}
        for name, title, load, count in specs:

            def colour(row: ContractDue, column: int, past: bool = name == PAST) -> QColor | None:
                return LATE if past and column in (0, 3) else None

            model: RowsModel[ContractDue] = RowsModel(
                contract_columns(store.clock, name == PAST), key=lambda r: r.key, colour=colour
            )
            view = WorklistView(title.replace("&", ""))
            view.setModel(model)
            view.action.connect(self.act)
            lists[name] = ContractList(name, view, model, load, count)
            self.tabs.addTab(view, title)
        return lists

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

    # --- loading --------------------------------------------------------------------------------------------
    def current(self) -> ContractList:
        return list(self.lists.values())[self.tabs.currentIndex()]

    def show_list(self, name: str) -> None:
        self.tabs.setCurrentWidget(self.lists[name].view)
        self.lists[name].view.setFocus()

    def _step_list(self, step: int) -> None:
        names = list(self.lists)
        self.show_list(names[(self.tabs.currentIndex() + step) % len(names)])

    def slots(self) -> list[str]:
        return [f"contracts-{name}" for name in self.lists]

    def refresh(self) -> None:
        self._reload.start()

    def _load_all(self) -> None:
        for worklist in self.lists.values():
            self._load(worklist)

    def _load(self, worklist: ContractList) -> None:
        def work(progress: Progress) -> list[ContractDue]:
            progress.check()
            return worklist.load()

        worklist.status = "Loading…"
        self._runner.start(
            f"contracts-{worklist.name}",
            work,
            finished=lambda rows: self._loaded(worklist, rows),
            failed=lambda message: self._failed(worklist, message),
        )
        self._show_status()

    def _loaded(self, worklist: ContractList, rows: Any) -> None:
        view, model = worklist.view, worklist.model
        key = model.key_at(view.current_row())
        model.set_rows(rows)
        found = model.row_of(key) if key is not None else None
        if model.rowCount():
            view.selectRow(found if found is not None else 0)
        view.fit_columns()
        worklist.status = worklist.counted(model.rowCount())
        self._show_status()

    def _failed(self, worklist: ContractList, message: str) -> None:
        worklist.status = message
        self._show_status()

    def _show_status(self) -> None:
        self.status.setText(self.current().status)

    def _on_changed(self, topic: str) -> None:
        if topic == "case" and self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

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
