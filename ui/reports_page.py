"""Cohort reports for managers: pick a pathway, a period and a site, count the figures off the GUI thread,
then preview, print, save the PDF or export the figures as CSV."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QStandardPaths,
    Qt,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import local_date
from pathways.definitions import PathwayDefinition
from pathways.errors import InvalidInput
from pathways.reference import reference_list
from reports.breakdowns import value_label
from reports.cohort import CohortAnswer, CohortQuestion, cohort_figures
from reports.cohort_csv import cohort_csv
from reports.cohort_pdf import FUNNELS, FunnelStep, cohort_pdf_bytes, label_for, report_tables, write_cohort_pdf
from reports.figures import FigureValue
from reports.pdf_base import write_atomically
from reports.publication import published_json
from ui.context import AppContext
from ui.formatting import from_qdate, show_date
from ui.lazy_model import Index
from ui.operations import OperationRunner, Progress
from ui.pdf_pane import PdfPane, date_edit
from ui.widgets import buddy_label, error_label

COUNT_SLOT = "reports-count"
PUBLICATION_CAPTION = "For publication: counts of 1 to 4, and any that would give one away, are shown as *."


def suggested_name(answer: CohortAnswer, *, publication: bool, suffix: str) -> str:
    """The file name a saved report is offered under: its pathway, site, period and copy, so that two saved
    reports are never told apart by opening them ("cohort-dtoa-basingstoke-2025-01-01-to-2025-12-31.pdf")."""
    q = answer.question
    site = "-".join(re.findall(r"[a-z0-9]+", (q.site or "all sites").lower()))
    copy = "-for-publication" if publication else ""
    return f"cohort-{q.pathway}-{site}-{q.start:%Y-%m-%d}-to-{q.end:%Y-%m-%d}{copy}.{suffix}"


PDF_SLOT = "reports-pdf"
ALL_SITES = "All sites"
DASH = "\N{EN DASH}"


def last_full_month(today: date) -> tuple[date, date]:
    """The first and last day of the calendar month before the one `today` is in."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def value_text(value: FigureValue | str) -> str:
    """A figure as the table shows it: percentages with one decimal and '%', a dash when there is none, "*" when
    a publication copy hides it."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, dict):
        return DASH
    if isinstance(value, float):
        return f"{value:.1f}%"
    return f"{value:,}"


def figure_label(key: str, funnel: Sequence[FunnelStep]) -> str:
    """The report's name for a figure; a share is named after its count ('initial_missed_pct' → 'Initial
    assessment missed (%)')."""
    if key.endswith("_pct"):
        return f"{label_for(key.removesuffix('_pct'), funnel)} (%)"
    return label_for(key, funnel)


@dataclass(frozen=True)
class FigureRow:
    figure: str
    value: str
    meaning: str


def figure_rows(answer: CohortAnswer, definition: PathwayDefinition, *, publication: bool = False) -> list[FigureRow]:
    """One row per figure, in the definition's order; a figure counted per value gives a row per value (named in
    words: 'Needs: Mental health', not the code). With `publication`, the figures as the publication copy's JSON
    gives them: every count it hides (1 to 4, and any that would give one away) and every share of one is "*"."""
    funnel = FUNNELS.get(answer.question.pathway, ())
    figures: Mapping[str, Any] = answer.figures
    if publication:
        published = published_json(definition, answer, report_tables(answer, publication=True))
        figures = cast(Mapping[str, Any], published["figures"])
    rows: list[FigureRow] = []
    for key, value in figures.items():
        label, meaning = figure_label(key, funnel), answer.meanings.get(key, "")
        if isinstance(value, dict):
            rows.extend(
                FigureRow(f"{label}: {value_label(definition, name)}", value_text(n), meaning)
                for name, n in value.items()
            )
            if not value:
                rows.append(FigureRow(label, DASH, meaning))
        else:
            rows.append(FigureRow(label, value_text(value), meaning))
    return rows


class FiguresModel(QAbstractTableModel):
    HEADERS = ("Figure", "Value", "What it counts")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[FigureRow] = []

    def set_rows(self, rows: list[FigureRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (row.figure, row.value, row.meaning)[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class ReportsPage(QWidget):
    """The manager's page. `answer` is the last counted CohortAnswer (None until Count has run)."""

    SLOTS = (COUNT_SLOT, PDF_SLOT)

    def __init__(self, context: AppContext, runner: OperationRunner) -> None:
        super().__init__()
        self._context, self._runner = context, runner
        self.answer: CohortAnswer | None = None
        self._answers = 0  # counts answers, so a loaded PDF is known to be of the answer shown
        self._make_inputs()
        self._make_outputs()
        self._layout()
        self._connect()
        self._set_busy(None, self.status.text())
        self.setFocusProxy(self.pathway)  # showing the page puts the keyboard on its first field

    def _make_inputs(self) -> None:
        self.pathway = QComboBox()
        definitions = self._context.store.definitions
        for code in sorted(definitions, key=lambda c: (c != "dtoa", definitions[c].name)):  # DToA first
            self.pathway.addItem(definitions[code].name, code)
        start, end = last_full_month(local_date(self._context.store.clock()))
        self.start, self.end = date_edit(start), date_edit(end)
        self.site = QComboBox()
        self.site.setEditable(True)  # (a site no longer on the list can still be typed: older cases keep theirs)
        self.site.addItem(ALL_SITES)
        self.site.addItems([entry.label for entry in reference_list(self._context.store, "sites")])
        self.site.setMinimumContentsLength(24)
        self.publication = QCheckBox("For p&ublication")
        self.publication.setToolTip(
            'Leave unticked to mark every page of the PDF "Not for publication". Ticked, small counts are shown '
            "as * here and in the PDF and CSV."
        )
        self.count_button = QPushButton("&Count")
        self.count_button.setDefault(True)
        self.cancel_button = QPushButton("Cance&l")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setAccessibleName("Working")
        self.busy.setMaximumWidth(160)
        self.status = QLabel("Choose a pathway and a period, then Count.")
        self.error = error_label()

    def _make_outputs(self) -> None:
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.model = FiguresModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Figures")
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.preview_button = QPushButton("&Preview PDF")
        self.print_button = QPushButton("P&rint…")
        self.save_button = QPushButton("&Save PDF…")
        self.csv_button = QPushButton("E&xport CSV…")
        self.preview_pane = PdfPane("Count the figures, then press Preview PDF to see the report here.")
        self.pdf_document, self.pdf_view = self.preview_pane.document, self.preview_pane.view

    def _layout(self) -> None:
        question, run = QHBoxLayout(), QHBoxLayout()
        fields: list[tuple[str, QWidget]] = [("Path&way:", self.pathway), ("Fro&m:", self.start), ("&To:", self.end)]
        for text, field in [*fields, ("S&ite:", self.site)]:
            question.addWidget(buddy_label(text, field))
            question.addWidget(field)
        question.addStretch(1)
        for widget in (self.publication, self.count_button, self.cancel_button, self.busy, self.status):
            run.addWidget(widget)
        run.addStretch(1)
        outputs = QHBoxLayout()
        outputs.addWidget(self.caption, 1)
        for button in (self.preview_button, self.print_button, self.save_button, self.csv_button):
            outputs.addWidget(button)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.preview_pane)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        for part in (question, run):
            layout.addLayout(part)
        layout.addWidget(self.error)
        layout.addLayout(outputs)
        layout.addWidget(split, 1)
        order = [self.pathway, self.start, self.end, self.site, self.publication, self.count_button]
        order += [self.cancel_button, self.preview_button, self.print_button, self.save_button, self.csv_button]
        order += [self.table, self.pdf_view]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

    def _connect(self) -> None:
        self.count_button.clicked.connect(self.count)
        self.cancel_button.clicked.connect(self.cancel)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.cancel)
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_report)
        self.save_button.clicked.connect(self.save_pdf)
        self.csv_button.clicked.connect(self.export_csv)
        self._context.changed.connect(self._on_changed)
        self.publication.toggled.connect(self._show_figures)
        self.pathway.currentIndexChanged.connect(self._question_changed)
        self.site.currentTextChanged.connect(self._question_changed)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self._question_changed)

    def _question_changed(self) -> None:
        """The figures shown, or being counted, no longer answer the question asked: they go (a count under way is
        cancelled), so none is shown, saved or printed under other words."""
        counting = not self.count_button.isEnabled()
        if counting:  # (a PDF being saved is left to finish: it is of the figures the user chose to save)
            self._runner.cancel(COUNT_SLOT)  # (its answer, should it come all the same, is dropped: _show_answer)
        if self.answer is None:
            return
        self.answer = None
        self._answers += 1
        self.model.set_rows([])
        self.caption.setText("")
        self.preview_pane.setCurrentWidget(self.preview_pane.hint)
        if not counting:
            self._set_busy(None, "The question has changed: Count again.")

    # The question and the count

    def question(self) -> CohortQuestion | None:
        """What the inputs ask, or None (with the reason shown) when they cannot be counted."""
        asked = self._asked()
        if asked.end < asked.start:
            self._show_error(
                f"The To date ({show_date(asked.end)}) is before the From date ({show_date(asked.start)})."
            )
            self.status.setText("Nothing counted.")
            self.end.setFocus()
            return None
        return asked

    def _asked(self) -> CohortQuestion:
        site = self.site.currentText().strip()
        start, end = from_qdate(self.start.date()), from_qdate(self.end.date())
        return CohortQuestion(str(self.pathway.currentData()), start, end, None if site in ("", ALL_SITES) else site)

    def count(self) -> None:
        question = self.question()
        if question is None:
            return
        store, actor = self._context.store, self._context.actor

        def work(progress: Progress) -> CohortAnswer:
            progress.check()
            answer = cohort_figures(store, actor=actor, question=question)
            progress.check()
            return answer

        self._set_busy("Counting…")
        self._runner.start(COUNT_SLOT, work, finished=self._show_answer, failed=self._failed, cancelled=self._cancelled)

    def cancel(self) -> None:
        if self.cancel_button.isEnabled():
            for slot in self.SLOTS:
                self._runner.cancel(slot)

    def _show_answer(self, answer: Any) -> None:
        if answer.question != self._asked():  # the question changed while it was counted
            self._set_busy(None, "The question has changed: Count again.")
            return
        self.answer = answer
        self._answers += 1
        self._show_figures()
        q = answer.question
        done = f"{len(self.model.rows)} figures counted."
        counted = any(v for v in answer.figures.values() if isinstance(v, dict) or type(v) is int)
        if q.site and not counted:  # a site typed wrongly counts nothing, without an error
            known = self.site.findText(q.site, Qt.MatchFlag.MatchFixedString) >= 0
            done += f" No case in this period at “{q.site}”" + ("." if known else ": is the site's name right?")
        self._set_busy(None, done)
        self.preview_pane.setCurrentWidget(self.preview_pane.hint)

    def _show_figures(self) -> None:
        """The answer's figures in the list, as the copy chosen shows them: for publication, hidden as it hides them."""
        answer = self.answer
        if answer is None:
            return
        publication = self.publication.isChecked()
        definition = self._context.store.definition(answer.question.pathway)
        self.model.set_rows(figure_rows(answer, definition, publication=publication))
        self.table.resizeRowsToContents()
        q = answer.question
        caption = f"{answer.pathway_name}, {show_date(q.start)} to {show_date(q.end)}, {q.site or 'all sites'}"
        if publication:
            caption += f". {PUBLICATION_CAPTION}"
        self.caption.setText(caption)

    # The PDF

    def preview(self) -> None:
        self._with_pdf(lambda: self.status.setText("Preview ready."))

    def print_report(self) -> None:
        self._with_pdf(self._ask_printer)

    def _ask_printer(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the cohort report")
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Print the previewed PDF on `printer`."""
        if self.preview_pane.print_to(printer):
            self.status.setText(f"Sent {self.pdf_document.pageCount()} page(s) to the printer.")
        else:
            self._show_error("The printer could not be started. Check it is connected, then try again.")

    def _with_pdf(self, then: Callable[[], None]) -> None:
        """Build the PDF of the figures shown (off the GUI thread), load it into the preview, then call `then`."""
        answer = self.answer
        if answer is None:
            self._show_error("Count the figures first.")
            return
        publication = self.publication.isChecked()
        key = (self._answers, publication)
        if self.preview_pane.holds(key):
            self.preview_pane.setCurrentWidget(self.pdf_view)
            then()
            return

        def work(progress: Progress) -> bytes:
            progress.check()
            return cohort_pdf_bytes(answer, publication=publication)

        def loaded(data: Any) -> None:
            self.preview_pane.load(bytes(data), key)
            self._set_busy(None)
            then()

        self._set_busy("Making the PDF…")
        self._runner.start(PDF_SLOT, work, finished=loaded, failed=self._failed, cancelled=self._cancelled)

    def save_pdf(self) -> None:
        path = self._ask_path("Save the cohort report", "pdf", "PDF documents (*.pdf)")
        if path is not None:
            self.save_pdf_to(path)

    def save_pdf_to(self, path: Path) -> None:
        """Write the report of the figures shown to `path`, off the GUI thread."""
        answer = self.answer
        if answer is None:
            self._show_error("Count the figures first.")
            return
        publication = self.publication.isChecked()

        def work(progress: Progress) -> Path:
            progress.check()
            try:
                write_cohort_pdf(path, answer, publication=publication)
            except OSError as exc:
                raise InvalidInput(f"The report could not be saved to {path}: {exc.strerror or exc}.") from exc
            return path

        self._set_busy("Saving the PDF…")
        self._runner.start(PDF_SLOT, work, finished=self._saved, failed=self._failed, cancelled=self._cancelled)

    def _saved(self, path: Any) -> None:
        self._set_busy(None, f"Saved to {path}.")

    # CSV

    def export_csv(self) -> None:
        path = self._ask_path("Export the figures as CSV", "csv", "CSV files (*.csv)")
        if path is not None:
            self.save_csv_to(path)

    def save_csv_to(self, path: Path) -> None:
        if self.answer is None:
            self._show_error("Count the figures first.")
            return
        try:
            text = cohort_csv(self.answer, publication=self.publication.isChecked())  # (as the PDF: the same tables)
            write_atomically(path, text.encode("utf-8-sig"))
        except OSError as exc:
            self._show_error(f"The figures could not be saved to {path}: {exc.strerror or exc}.")
            return
        self._show_error("")
        self.status.setText(f"Saved to {path}.")

    def _ask_path(self, title: str, suffix: str, filter_text: str) -> Path | None:
        if self.answer is None:
            return None
        name = suggested_name(self.answer, publication=self.publication.isChecked(), suffix=suffix)
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _filter = QFileDialog.getSaveFileName(self, title, str(Path(folder) / name), filter_text)
        if not chosen:
            return None
        path = Path(chosen)
        return path if path.suffix.lower() == f".{suffix}" else path.with_name(f"{path.name}.{suffix}")

    # State

    def _set_busy(self, doing: str | None, done: str | None = None) -> None:
        working = doing is not None
        self.busy.setVisible(working)
        self.cancel_button.setEnabled(working)
        self.count_button.setEnabled(not working)
        for button in (self.preview_button, self.print_button, self.save_button, self.csv_button):
            button.setEnabled(not working and self.answer is not None)
        if working:
            self._show_error("")
        self.status.setText((doing if working else done) or "")

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _failed(self, message: str) -> None:
        self._set_busy(None, "")
        self._show_error(message)

    def _cancelled(self) -> None:
        self._set_busy(None, "Cancelled.")

    def _on_changed(self, topic: str) -> None:
        if topic in ("case", "person") and self.answer is not None and "count again" not in self.caption.text():
            self.caption.setText(f"{self.caption.text()} (records have changed since: count again)")
