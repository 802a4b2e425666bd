"""Import an interchange v1 dataset (a folder, .zip or .xlsx): check it, or check and take it in, off the GUI
thread; every problem is listed in a table the user can copy into an email or a spreadsheet."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pathways.interchange.format import Problem
from pathways.interchange.importer import ImportReport, import_dataset
from ui.context import AppContext
from ui.lazy_model import Index
from ui.operations import OperationRunner, Progress
from ui.widgets import buddy_label, error_label

IMPORT_SLOT = "import-dataset"
HEADERS = ("Table", "Row", "Column", "Value", "Problem")
WARNING = "Warning: "
WARNING_COLOUR = QColor("#8a5300")
HINT = "Choose a dataset, then Check only, or Import."


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _warnings_text(report: ImportReport) -> str:
    """The warnings the table lists after any errors, counted ("" when there are none)."""
    notes = []
    if report.warnings:
        notes.append(f"{_plural(len(report.warnings), 'possible duplicate', 'possible duplicates')} (not merged)")
    if report.unlisted:
        names = _plural(report.unlisted_count, "name", "names")
        notes.append(f"{names} not on the reference lists (allowed: check the spelling)")
    return " and ".join(notes)


def summary_text(report: ImportReport, *, dry_run: bool) -> str:
    """One line saying what happened, in the words the dialog shows above the table."""
    warnings = _warnings_text(report)
    if report.errors:
        problems = _plural(len(report.errors), "problem", "problems")
        return f"Refused: nothing was written. {problems}" + (f", then {warnings}" if warnings else "") + ":"
    if report.written:
        text = (
            f"Imported: {_plural(report.people_added, 'person', 'people')}, "
            f"{_plural(report.cases_added, 'case', 'cases')}, {_plural(report.events_added, 'event', 'events')} added."
        )
        if not (report.people_added or report.cases_added or report.events_added):
            text += " Everything in it was already held."
    elif dry_run:
        text = "Checked: no problems found; nothing was written. Press Import to take it in."
    else:
        text = "Nothing was written."
    if warnings:
        text += f" {warnings[0].upper()}{warnings[1:]}:"
    return text


class ProblemsModel(QAbstractTableModel):
    """Errors, then warnings (possible duplicates, names not on the reference lists), one per row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str, str, str, str]] = []
        self._warnings: set[int] = set()

    def set_problems(self, errors: list[Problem], warnings: list[Problem]) -> None:
        self.beginResetModel()
        self.rows = [_cells(p, "") for p in errors] + [_cells(p, WARNING) for p in warnings]
        self._warnings = set(range(len(errors), len(errors) + len(warnings)))
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.row() in self._warnings:
            return QBrush(WARNING_COLOUR)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def as_text(self, rows: list[int] | None = None) -> str:
        """The rows (all when None) as tab-separated text with a header line, for pasting into a spreadsheet."""
        chosen = range(len(self.rows)) if rows is None else rows
        lines = ["\t".join(HEADERS)] + ["\t".join(_flat(c) for c in self.rows[r]) for r in chosen]
        return "\n".join(lines) + "\n"


def _cells(problem: Problem, prefix: str) -> tuple[str, str, str, str, str]:
    row = "" if problem.row is None else str(problem.row)
    return problem.table, row, problem.column or "", problem.value, prefix + problem.message


def _flat(cell: str) -> str:
    return " ".join(cell.replace("\t", " ").splitlines())


class ProblemsTable(QTableView):
    """Ctrl+C (the platform's Copy) copies the selected rows, with the header, as tab-separated text."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        super().keyPressEvent(event)

    def copy_selection(self) -> None:
        model = self.model()
        if isinstance(model, ProblemsModel):
            rows = sorted({index.row() for index in self.selectionModel().selectedIndexes()})
            if rows:
                QApplication.clipboard().setText(model.as_text(rows))


class ImportDialog(QDialog):
    """`report` holds the last ImportReport (None until a run has finished). What a run found belongs to the
    dataset chosen then: choosing or typing another, or starting another run, clears it all first (the summary,
    the table, any error), so an old file's results never stand under a new file's name or error."""

    def __init__(
        self, context: AppContext, runner: OperationRunner, parent: QWidget | None = None, path: Path | None = None
    ) -> None:
        super().__init__(parent)
        self._context, self._runner = context, runner
        self.report: ImportReport | None = None
        self._running = False
        self.setWindowTitle("Import a dataset")
        self._make_widgets()
        self._layout()
        self._connect()
        if path is not None:
            self.path.setText(str(path))
        self._set_running(False)
        self.resize(900, 560)

    def _make_widgets(self) -> None:
        self.path = QLineEdit()
        self.path.setPlaceholderText("A folder holding people.csv and events.csv, or a .zip or .xlsx file")
        self.folder_button = QPushButton("Choose &folder…")
        self.file_button = QPushButton("Choose .&zip or .xlsx…")
        self.check_button = QPushButton("Check &only")
        self.check_button.setToolTip("Check the whole dataset and list any problems; nothing is written.")
        self.check_button.setDefault(True)
        self.import_button = QPushButton("&Import")
        self.import_button.setAutoDefault(False)
        self.cancel_button = QPushButton("&Cancel")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.stage = QLabel()
        self.summary = QLabel(HINT)
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: bold;")
        self.error = error_label()
        self.model = ProblemsModel()
        self.table = ProblemsTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Problems and warnings")
        self.table.setAccessibleDescription("Select rows, then Ctrl+C to copy them as tab-separated text.")
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.copy_all_button = QPushButton("Copy &all")
        self.copy_all_button.setToolTip("Copy every problem, as tab-separated text, to paste into a spreadsheet.")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)

    def _layout(self) -> None:
        source = QHBoxLayout()
        source.addWidget(buddy_label("&Dataset:", self.path))
        source.addWidget(self.path, 1)
        source.addWidget(self.folder_button)
        source.addWidget(self.file_button)
        run = QHBoxLayout()
        widgets: list[QWidget] = [self.check_button, self.import_button, self.cancel_button, self.progress, self.stage]
        for widget in widgets:
            run.addWidget(widget)
        run.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.copy_all_button)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(source)
        layout.addLayout(run)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(buddy_label("&Problems and warnings (select rows, then Ctrl+C to copy them):", self.table))
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        order = [self.path, self.folder_button, self.file_button, self.check_button, self.import_button]
        order += [self.cancel_button, self.table, self.copy_all_button, self.buttons]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

    def _connect(self) -> None:
        self.path.textChanged.connect(self._clear_results)
        self.folder_button.clicked.connect(self.choose_folder)
        self.file_button.clicked.connect(self.choose_file)
        self.check_button.clicked.connect(lambda: self.start(dry_run=True))
        self.import_button.clicked.connect(lambda: self.start(dry_run=False))
        self.cancel_button.clicked.connect(self.cancel)
        self.copy_all_button.clicked.connect(self.copy_all)
        self.buttons.rejected.connect(self.reject)

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose the folder holding people.csv and events.csv")
        if chosen:
            self._clear_results()  # (the same path again may be a corrected file: setText would not clear)
            self.path.setText(chosen)

    def choose_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Choose the dataset", "", "Datasets (*.zip *.xlsx);;All files (*)"
        )
        if chosen:
            self._clear_results()
            self.path.setText(chosen)

    def _clear_results(self) -> None:
        """Forget what the last run found, and any error: they belonged to the dataset chosen then."""
        if self._running:
            return
        self.report = None
        self.model.set_problems([], [])
        self.summary.setText(HINT)
        self.stage.setText("")
        self._show_error("")
        self.copy_all_button.setEnabled(False)

    def start(self, *, dry_run: bool) -> None:
        """Check (dry_run) or import the chosen dataset in the background."""
        self._clear_results()
        text = self.path.text().strip()
        if not text or not Path(text).exists():
            self._show_error("Choose a folder, .zip or .xlsx file that exists." if text else "Choose a dataset first.")
            self.path.setFocus()
            return
        path, store, actor = Path(text), self._context.store, self._context.actor
        outcome: list[ImportReport] = []  # set on the worker thread: read if a cancel comes too late

        def step(progress: Progress, stage: str, done: int, total: int) -> None:
            if done < total:  # the last step comes after the commit: too late to cancel
                progress.report(stage, done, total)

        def work(progress: Progress) -> ImportReport:
            report = import_dataset(
                store, actor=actor, path=path, dry_run=dry_run, progress=lambda *a: step(progress, *a)
            )
            outcome.append(report)
            return report

        def finished(report: Any) -> None:
            self._finished(report, dry_run)

        def cancelled() -> None:
            if outcome and outcome[0].written:
                self._finished(outcome[0], dry_run)
            else:
                self._set_running(False, "Cancelled: nothing was written.")

        self._set_running(True, "Starting…")
        self._runner.start(
            IMPORT_SLOT, work, finished=finished, failed=self._failed, progress=self._progress, cancelled=cancelled
        )

    def cancel(self) -> None:
        if self._running and self.cancel_button.isEnabled():
            self._runner.cancel(IMPORT_SLOT)
            self.cancel_button.setEnabled(False)
            self.stage.setText("Cancelling…")

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.stage.setText(stage + "…")
        if stage == "Writing":
            self.cancel_button.setEnabled(False)

    def _finished(self, report: ImportReport, dry_run: bool) -> None:
        self.report = report
        self.model.set_problems(report.errors, report.warnings + report.unlisted_warnings)
        self.table.resizeColumnsToContents()
        self.summary.setText(summary_text(report, dry_run=dry_run))
        self._set_running(False)
        if report.written:
            self._context.notify("person", "case")
        if self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def _failed(self, message: str) -> None:
        self._set_running(False, "")
        self._show_error(message)

    def _set_running(self, running: bool, stage: str = "") -> None:
        self._running = running
        for widget in (self.path, self.folder_button, self.file_button, self.check_button, self.import_button):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.cancel_button.setVisible(running)
        self.progress.setVisible(running)
        self.progress.setRange(0, 0)
        self.copy_all_button.setEnabled(not running and bool(self.model.rowCount()))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setEnabled(not running)
        self.stage.setText(stage)
        if running:
            self._show_error("")
            self.summary.setText("")

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def copy_all(self) -> None:
        QApplication.clipboard().setText(self.model.as_text())

    def reject(self) -> None:
        """Close (or Esc) while checking cancels the check; while writing, waits for the import to finish."""
        if self._running:
            if self.cancel_button.isEnabled():
                self.cancel()
            return
        super().reject()
