"""Save or print the person's written notice of a required assessment."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from pathways.errors import PathwaysError
from reports.notice import AssessmentNotice, notice_pdf_bytes, write_notice
from reports.notice_data import assessment_notice
from ui.context import AppContext
from ui.pdf_pane import print_pdf
from ui.widgets import error_label


class NoticeButtons(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._case_id: int | None = None
        self._kind = "initial"
        self.save_button = QPushButton("&Save the notice as PDF…")
        self.print_button = QPushButton("P&rint the notice…")
        self.status = QLabel()
        self.error = error_label()
        row = QHBoxLayout(self)
        for widget in (self.save_button, self.print_button, self.status, self.error):
            row.addWidget(widget)
        self.save_button.clicked.connect(self._save)
        self.print_button.clicked.connect(self._print)

    def set_case(self, case_id: int, kind: str) -> None:
        self._case_id, self._kind = case_id, kind

    def notice(self) -> AssessmentNotice | None:
        if self._case_id is None:
            return None
        try:
            return assessment_notice(
                self._context.store,
                actor=self._context.actor,
                case_id=self._case_id,
                kind=self._kind,
                given_by=self._context.actor.name,
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return None

    def save_to(self, path: Path) -> bool:
        notice = self.notice()
        if notice is None:
            return False
        try:
            write_notice(path, notice)
        except OSError as exc:
            self.error.setText(f"The notice could not be saved: {exc.strerror}. Nothing was written.")
            return False
        self.status.setText(f"Saved to {path}")
        return True

    def _save(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, "Save the notice", "notice.pdf", "PDF files (*.pdf)")
        if name:
            self.save_to(Path(name))

    def _print(self) -> None:
        notice = self.notice()
        if notice is not None and print_pdf(notice_pdf_bytes(notice), self):
            self.status.setText("Sent to the printer.")
