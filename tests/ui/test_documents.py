"""Printing documents from a person's record: the reader is chosen at print time, and it is audited."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import AuditEntry
from ui.context import AppContext
from ui.main_window import MainWindow


def _open(qtbot: QtBot, context: AppContext, name: str) -> MainWindow:
    window = MainWindow(context, "test database")
    qtbot.addWidget(window)
    window.find_page.search.setText(name)
    qtbot.waitUntil(lambda: window.find_page.model.rowCount() == 1, timeout=5000)
    window.find_page._open_first()
    return window


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_case_summary_for_the_court_and_the_police_summary(
    qtbot: QtBot, navigator_context: AppContext, tmp_path: Path
) -> None:
    window = _open(qtbot, navigator_context, "hughes")
    button = window.person_page.documents
    titles = [d.title for d in button.documents]
    assert "Case summary for the court…" in titles and "Failure-to-attend summary for the police…" in titles
    court = next(d for d in button.documents if d.key == "summary:court")
    assert button.save(court, tmp_path / "court.pdf")
    assert "HUGHES" in _text(tmp_path / "court.pdf").upper()
    police = next(d for d in button.documents if d.key == "failure_to_attend")
    assert button.save(police, tmp_path / "fta.pdf")
    assert "22 March 2023" in _text(tmp_path / "fta.pdf")
    contract = next(d for d in button.documents if d.key == "contract")
    assert not button.save(contract, tmp_path / "contract.pdf")
    assert window.person_page.error.text() == "That document is not for a Drug Testing on Arrest case."
    assert not (tmp_path / "contract.pdf").exists()
    with navigator_context.store.unit_of_work() as uow:
        printed = uow.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "print_document")).all()
    assert printed == ["summary:court", "failure_to_attend"]


def test_a_case_without_a_missed_assessment_has_no_police_summary(
    qtbot: QtBot, navigator_context: AppContext, tmp_path: Path
) -> None:
    window = _open(qtbot, navigator_context, "mensah")
    button = window.person_page.documents
    police = next(d for d in button.documents if d.key == "failure_to_attend")
    assert not button.save(police, tmp_path / "fta.pdf")
    assert "not for a Checkpoint" in window.person_page.error.text()
    contract = next(d for d in button.documents if d.key == "contract")
    assert button.save(contract, tmp_path / "contract.pdf")
    assert "Do not commit any further offence" in _text(tmp_path / "contract.pdf")
