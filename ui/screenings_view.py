"""A case's screenings as recorded: each with its instrument, outcome, score, any override and the answers in
words (pathways/services/screening.case_screenings). Opening it is audited like any view of the record."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from pathways.clock import format_local
from pathways.errors import PathwaysError
from pathways.services.screening import ScreeningView, case_screenings
from ui.context import AppContext
from ui.widgets import error_label


def screening_text(view: ScreeningView) -> str:
    """One screening as plain lines: when, by which instrument, the outcome and each question's answer."""
    heading = f"{format_local(view.occurred_at)} · {view.instrument_name} (version {view.instrument_version})"
    outcome = view.outcome_words[:1].upper() + view.outcome_words[1:]
    lines = [heading + ("" if view.current else " · corrected or withdrawn since"), f"Outcome: {outcome}"]
    if view.score is not None:
        lines.append(f"Score: {view.score}")
    if view.override_reason:
        lines.append(f"Decision overridden: {view.override_reason}")
    lines += [f"    {question}: {answer}" for question, answer in view.answers]
    lines.append(f"Recorded by {view.recorded_by} on {format_local(view.recorded_at)}")
    return "\n".join(lines)


class ScreeningsDialog(QDialog):
    def __init__(self, context: AppContext, case_id: int, case_ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Screenings of case {case_ref}")
        self.resize(720, 520)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Screenings")
        self.error = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Each screening of the case, oldest first, with the answers given:"))
        layout.addWidget(self.text, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        try:
            views = case_screenings(context.store, actor=context.actor, case_id=case_id)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.text.setPlainText(
            "\n\n".join(screening_text(v) for v in views) if views else "No screening has been recorded on this case."
        )
