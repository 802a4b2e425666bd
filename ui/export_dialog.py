"""Export cases in interchange v1 (people.csv and events.csv) to a folder: all of them, or those of one pathway,
one period of first events, or one site. The files are written off the GUI thread.

The export says who it is for and why (NDTMS for national monitoring, the service's own records...): it is refused,
with nothing written, when someone in it has not agreed to share with that recipient for that purpose, unless the
law that allows it is chosen (pathways/services/consent.py)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import local_date
from pathways.consent import SharingRequest, sharing_rules
from pathways.errors import InvalidInput
from pathways.interchange.exporter import ExportFilter, ExportResult, export_dataset
from pathways.reference import reference_list
from ui.context import AppContext
from ui.formatting import from_qdate, show_date
from ui.operations import OperationRunner, Progress
from ui.pdf_pane import date_edit
from ui.reports_page import ALL_SITES, last_full_month
from ui.share_dialog import fill_laws
from ui.widgets import buddy_label, error_label

EXPORT_SLOT = "export-dataset"
ALL_PATHWAYS = "All pathways"
FILES = ("people.csv", "events.csv")
CHOOSE_RECIPIENT = "Choose who it is for…"
NO_LAW = "None: everyone in it agreed"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def result_text(result: ExportResult) -> str:
    people = _plural(result.people, "person", "people")
    cases, events = _plural(result.cases, "case", "cases"), _plural(result.events, "event", "events")
    return f"Exported {people}, {cases} and {events} to {result.folder}."


class ExportDialog(QDialog):
    """`result` holds the last ExportResult (None until an export has finished)."""

    def __init__(self, context: AppContext, runner: OperationRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context, self._runner = context, runner
        self.exported: ExportResult | None = None
        self.setWindowTitle("Export cases")
        self._make_widgets()
        self._layout()
        self._connect()
        self._set_running(False)
        self._toggle_dates()

    def _make_widgets(self) -> None:
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("The folder to write people.csv and events.csv to")
        self.folder.setMinimumWidth(360)
        self.choose_button = QPushButton("C&hoose…")
        self.pathway = QComboBox()
        self.pathway.addItem(ALL_PATHWAYS, None)
        for code, definition in self._context.store.definitions.items():
            self.pathway.addItem(definition.name, code)
        self.only_between = QCheckBox("&Only cases starting between")
        self.only_between.setToolTip("A case starts on the day of its first event (UK time); both days count.")
        start, end = last_full_month(local_date(self._context.store.clock()))
        self.start, self.end = date_edit(start), date_edit(end)
        self.start.setAccessibleName("Cases starting from")
        self.site = QComboBox()
        self.site.setEditable(True)
        self.site.addItem(ALL_SITES)
        self.site.addItems([entry.label for entry in reference_list(self._context.store, "sites")])
        self.site.setToolTip("Only cases whose first event happened at this site.")
        self.recipient = QComboBox()
        self.recipient.addItem(CHOOSE_RECIPIENT, None)
        rules = sharing_rules()
        for recipient in rules.recipients.values():
            for purpose in recipient.purposes:
                self.recipient.addItem(
                    f"{recipient.title}: {rules.purpose(purpose).title.lower()}", f"{recipient.code}:{purpose}"
                )
        self.law = QComboBox()
        self.law.setToolTip("Only when someone in the export has not agreed: the law that allows sharing without it")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setAccessibleName("Working")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = QPushButton("&Export")
        self.export_button.setDefault(True)
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)

    def _layout(self) -> None:
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose_button)
        dates = QHBoxLayout()
        dates.addWidget(self.only_between)
        dates.addWidget(self.start)
        dates.addWidget(buddy_label("a&nd", self.end))
        dates.addWidget(self.end)
        dates.addStretch(1)
        form = QFormLayout()
        form.addRow(buddy_label("&Folder:", self.folder), folder_row)
        form.addRow(buddy_label("&Pathway:", self.pathway), self.pathway)
        form.addRow(QLabel("Period:"), dates)
        form.addRow(buddy_label("&Site:", self.site), self.site)
        form.addRow(buddy_label("&For:", self.recipient), self.recipient)
        form.addRow(buddy_label("&Law allowing it:", self.law), self.law)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        order: list[QWidget] = [self.folder, self.choose_button, self.pathway, self.only_between, self.start]
        order += [self.end, self.site, self.recipient, self.law, self.buttons]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

    def _connect(self) -> None:
        self.choose_button.clicked.connect(self.choose_folder)
        self.only_between.toggled.connect(self._toggle_dates)
        self.recipient.currentIndexChanged.connect(self._fill_laws)
        self.export_button.clicked.connect(self.export)
        self.buttons.rejected.connect(self.reject)

    def _toggle_dates(self) -> None:
        on = self.only_between.isChecked()
        self.start.setEnabled(on)
        self.end.setEnabled(on)

    def _fill_laws(self) -> None:
        chosen = self.recipient.currentData()
        if chosen is None:
            self.law.clear()
        else:
            recipient, purpose = chosen.split(":")
            fill_laws(self.law, recipient, purpose, NO_LAW)
        self.law.setEnabled(self.law.count() > 1)

    def sharing(self) -> SharingRequest | None:
        """Who the export is for, what for, and the law chosen; None (with the reason shown) when not chosen."""
        chosen = self.recipient.currentData()
        if chosen is None:
            self._show_error("Say who the export is for: choose it under For.")
            self.recipient.setFocus()
            return None
        recipient, purpose = chosen.split(":")
        return SharingRequest(recipient, purpose, self.law.currentData())

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose the folder to export to", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def selection(self) -> ExportFilter | None:
        """The filter the inputs give, or None (with the reason shown) when they are not right."""
        start = end = None
        if self.only_between.isChecked():
            start, end = from_qdate(self.start.date()), from_qdate(self.end.date())
            if end < start:
                self._show_error(f"The second date ({show_date(end)}) is before the first ({show_date(start)}).")
                self.end.setFocus()
                return None
        site = self.site.currentText().strip()
        return ExportFilter(self.pathway.currentData(), start, end, None if site in ("", ALL_SITES) else site)

    def export(self) -> None:
        """Check the inputs, ask before replacing files already in the folder, then export."""
        text = self.folder.text().strip()
        if not text:
            self._show_error("Choose a folder to write to.")
            self.folder.setFocus()
            return
        folder = Path(text)
        present = [name for name in FILES if (folder / name).exists()]
        if present and not self._confirm_replace(folder, present):
            return
        self.export_to(folder)

    def _confirm_replace(self, folder: Path, present: list[str]) -> bool:
        answer = QMessageBox.question(
            self,
            "Replace the files?",
            f"{folder} already holds {' and '.join(present)}. Replace them with this export?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def export_to(self, folder: Path) -> None:
        selection, sharing = self.selection(), self.sharing()
        if selection is None or sharing is None:
            return
        store, actor = self._context.store, self._context.actor

        def work(progress: Progress) -> ExportResult:
            progress.check()
            try:
                return export_dataset(store, actor=actor, folder=folder, selection=selection, sharing=sharing)
            except OSError as exc:
                raise InvalidInput(f"The files could not be written to {folder}: {exc.strerror or exc}.") from exc

        self._set_running(True)
        self._runner.start(EXPORT_SLOT, work, finished=self._finished, failed=self._failed)

    def _finished(self, result: Any) -> None:
        self.exported = result
        self._set_running(False)
        site = self.site.currentText().strip()  # (as exported: the inputs wait while it runs)
        named = site not in ("", ALL_SITES)
        unmatched = f" No case started at “{site}”: is the site's name right?" if named and not result.cases else ""
        self.message.setText(result_text(result) + unmatched)

    def _failed(self, message: str) -> None:
        self._set_running(False)
        self._show_error(message)

    def _set_running(self, running: bool) -> None:
        self.busy.setVisible(running)
        inputs: list[QWidget] = [self.folder, self.choose_button, self.pathway, self.only_between, self.site]
        inputs += [self.recipient]
        for widget in [*inputs, self.start, self.end, self.law]:
            widget.setEnabled(not running)
        self.export_button.setEnabled(not running)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setEnabled(not running)
        if running:
            self.message.setText("Exporting…")
            self._show_error("")
        else:
            self.message.setText("")
            self._toggle_dates()
            self.law.setEnabled(self.law.count() > 1)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def reject(self) -> None:
        if self.export_button.isEnabled():  # not while the files are being written
            super().reject()
