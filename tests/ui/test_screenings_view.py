"""A case's screenings, with the answers given, from the person page."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from pathways.clock import LONDON
from pathways.services.screening import screen_case
from tests.pathways.test_instruments import durham_answers
from tests.ui.test_screening_dialog import _case
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.screenings_view import ScreeningsDialog

SCREENED = datetime(2026, 11, 28, 11, 0, tzinfo=LONDON)


def test_the_person_page_shows_a_cases_screenings_with_their_answers(
    qtbot: QtBot, navigator_context: AppContext
) -> None:
    person_id, case_id = _case(navigator_context)
    window = MainWindow(navigator_context, "test database")
    qtbot.addWidget(window)
    window.person_page.show_person(person_id, case_id)
    shown: list[str] = []

    def read() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ScreeningsDialog)
        shown.append(dialog.text.toPlainText())
        dialog.reject()

    QTimer.singleShot(0, read)
    window.person_page.open_screenings()
    assert shown == ["No screening has been recorded on this case."]

    store, actor = navigator_context.store, navigator_context.actor
    answers = durham_answers(age=34)
    screen_case(
        store, actor=actor, case_id=case_id, instrument="checkpoint-eligibility", answers=answers, occurred_at=SCREENED
    )
    window.person_page.show_person(person_id, case_id)
    QTimer.singleShot(0, read)
    window.person_page.open_screenings()
    text = shown[-1]
    lines = text.splitlines()
    assert lines[0] == "28 Nov 2026 11:00 · Checkpoint eligibility (Durham) (version 1)"
    assert lines[1] == "Outcome: Eligible"
    assert "    Did the person admit the offence?: admitted the offence" in lines
    assert lines[-1] == f"Recorded by {actor.username} on 29 Nov 2026 12:00"
