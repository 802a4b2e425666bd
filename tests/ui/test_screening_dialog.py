"""The screening dialog: the decision shown live as the questions are answered, an override only with a reason,
and the saved screening in the case's timeline."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from pathways.clock import LONDON
from pathways.services import people
from pathways.services.screening import case_screenings
from pathways.services.steps import start_case
from tests.conftest import Clock
from ui.add_event_dialog import AddEventDialog
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.screening_dialog import ScreeningDialog

DURHAM_ANSWERS = {  # typed as a navigator would: the first letters of an option, or the text
    "lives_in_area": "Y",
    "offence_in_area": "Y",
    "offence_date": "08/11/2026",
    "offence_group": "th",
    "admission": "ad",
    "suitable_out_of_court": "Y",
    "court_order": "N",
    "on_bail": "N",
    "detained": "N",
    "co_accused": "N",
}


def _case(context: AppContext, pathway: str = "checkpoint", event: str = "arrest") -> tuple[int, int]:
    store, actor = context.store, context.actor
    person = people.register_person(
        store, actor=actor, surname="Okafor", forenames="Grace", date_of_birth=date(1992, 3, 10), sex="F"
    )
    values = {"site": "Durham"} if pathway == "checkpoint" else {"kind": "custody", "site": "Durham"}
    opened = start_case(
        store,
        actor=actor,
        person_id=person.id,
        pathway=pathway,
        event=event,
        occurred_at=datetime(2026, 11, 28, 10, 0, tzinfo=LONDON),
        values=values,
    )
    return person.id, opened.case_id


def _dialog(qtbot: QtBot, context: AppContext, case_id: int, instrument: str | None = None) -> ScreeningDialog:
    dialog = ScreeningDialog(context, case_id)
    qtbot.addWidget(dialog)
    if instrument is not None:
        dialog.instrument_choice.setCurrentIndex(dialog.instrument_choice.findData(instrument))
    return dialog


def _answer(qtbot: QtBot, dialog: ScreeningDialog, answers: dict[str, str]) -> None:
    for key, typed in answers.items():
        widget = dialog.answers[key]
        widget.setFocus()
        if isinstance(widget, QLineEdit):
            widget.clear()
        qtbot.keyClicks(widget, typed)


def test_answering_the_checkpoint_questions_shows_the_decision_live(
    qtbot: QtBot, navigator_context: AppContext, clock: Clock
) -> None:
    _person, case_id = _case(navigator_context)
    dialog = _dialog(qtbot, navigator_context, case_id, "checkpoint-eligibility")
    assert [dialog.instrument_choice.itemText(i) for i in range(dialog.instrument_choice.count())] == [
        "Checkpoint Cymru eligibility (North Wales) (version 1)",
        "Checkpoint eligibility (Durham) (version 1)",
    ]
    age = dialog.answers["age"]
    assert isinstance(age, QLineEdit) and age.text() == "34"  # from the date of birth on record
    assert dialog.decision.text() == "Not decided yet: 10 questions still to answer."
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    assert age.hasFocus()  # the first question
    order = list(dialog.answers.values())
    for before, after in zip(order, [*order[1:], dialog.override], strict=True):
        qtbot.keyClick(before, Qt.Key.Key_Tab)
        assert after.hasFocus(), after.accessibleName()
    _answer(qtbot, dialog, DURHAM_ANSWERS)
    assert dialog.decision.text().startswith(
        "Eligible: aged 34; lives in the force area; offence in the force area; offence 3 weeks ago (8 Nov 2026); "
        "offence group: theft, any theft offence; admitted the offence;"
    )
    co_accused = dialog.answers["co_accused"]
    assert isinstance(co_accused, QComboBox)
    co_accused.setFocus()
    qtbot.keyClick(co_accused, Qt.Key.Key_Up)  # No → Yes
    assert dialog.decision.text() == (
        "Not eligible: there is a co-accused: Checkpoint does not take cases with a co-accused"
    )
    assert dialog.override.text().replace("&", "") == "Override: record as eligible"
    _answer(qtbot, dialog, {"offence_date": "31/02/2026"})
    assert dialog.decision.text() == (
        "Not decided yet: The answer to “On what day was the offence committed?” is a date, not '31/02/2026'."
    )
    # the same answers under Checkpoint Cymru's criteria: the questions they share keep their answers
    dialog.instrument_choice.setCurrentIndex(dialog.instrument_choice.findData("checkpoint-cymru-eligibility"))
    assert dialog.decision.text() == (
        "Not decided yet: 3 questions still to answer. "
        "The answer to “On what day was the offence committed?” is a date, not '31/02/2026'."
    )
    _answer(
        qtbot,
        dialog,
        {"offence_date": "08/11/2026", "summary_only": "N", "court_order_or_bail": "N", "agrees": "Y"},
    )
    assert dialog.decision.text().startswith("Eligible: aged 34; lives in North Wales; offence within North Wales;")


def test_an_ineligible_person_is_saved_as_eligible_only_with_a_reason(
    qtbot: QtBot, navigator_context: AppContext
) -> None:
    _person, case_id = _case(navigator_context)
    dialog = _dialog(qtbot, navigator_context, case_id, "checkpoint-eligibility")
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    _answer(qtbot, dialog, {**DURHAM_ANSWERS, "on_bail": "Y"})
    assert dialog.decision.text() == "Not eligible: on police or court bail for another matter"
    assert not dialog.override_reason.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # &Override (an animated click)
    qtbot.waitUntil(dialog.override.isChecked, timeout=2000)
    assert dialog.override_reason.isEnabled() and dialog.override_reason.hasFocus()
    assert dialog.decision.text().startswith("Eligible by override: (a reason is needed); the rules said: not eligible")
    dialog.save()
    assert dialog.error.text() == (
        "An override needs a reason in words: why the rules' decision does not fit this person."
    )
    assert dialog.result() != dialog.DialogCode.Accepted
    assert case_screenings(navigator_context.store, actor=navigator_context.actor, case_id=case_id) == []
    qtbot.keyClicks(dialog.override_reason, "bail was for a matter since dropped; sergeant agreed")
    assert dialog.decision.text().startswith("Eligible by override: bail was for a matter since dropped; sergeant")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.recorded is not None
    screenings = case_screenings(navigator_context.store, actor=navigator_context.actor, case_id=case_id)
    assert [(s.outcome, s.override_reason) for s in screenings] == [
        ("eligible", "bail was for a matter since dropped; sergeant agreed")
    ]
    assert screenings[0].explanation == (
        "eligible by override: bail was for a matter since dropped; sergeant agreed; the rules said: "
        "not eligible: on police or court bail for another matter"
    )


def test_the_saved_screening_shows_in_the_case_timeline(
    qtbot: QtBot, navigator_context: AppContext, clock: Clock
) -> None:
    person_id, case_id = _case(navigator_context)
    window = MainWindow(navigator_context, "test database")
    qtbot.addWidget(window)
    window.show()
    window.person_page.show_person(person_id, case_id)
    window.pages.setCurrentWidget(window.person_page)
    add = AddEventDialog(navigator_context, case_id, "checkpoint", window)
    qtbot.addWidget(add)
    labels = [add.steps.item(i).text() for i in range(add.steps.count())]
    add.steps.setCurrentRow(labels.index("Screened"))
    assert add.reason.text() == "Screened has its own form: Save opens it."
    seen: list[str] = []

    def screen() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ScreeningDialog)
        dialog.instrument_choice.setCurrentIndex(dialog.instrument_choice.findData("checkpoint-eligibility"))
        _answer(qtbot, dialog, DURHAM_ANSWERS)
        seen.append(dialog.decision.text())
        dialog.save()

    QTimer.singleShot(0, screen)
    add._save()
    assert seen and seen[0].startswith("Eligible: aged 34")
    assert add.result() == add.DialogCode.Accepted
    timeline = window.person_page.timeline_model
    rows = [(timeline.index(r, 1).data(), timeline.index(r, 2).data()) for r in range(timeline.rowCount())]
    assert rows[-1][0] == "Screened"
    assert "Reason: eligible: aged 34; lives in the force area;" in rows[-1][1]
    case = window.person_page.current_case()
    assert case is not None and case.stage == "Screened"


def test_the_pgsi_scores_as_it_is_answered_and_cannot_be_overridden(qtbot: QtBot, worker_context: AppContext) -> None:
    _person, case_id = _case(worker_context, "gambling", "identified")
    dialog = _dialog(qtbot, worker_context, case_id)
    assert dialog.instrument_choice.count() == 1 and dialog.instrument().code == "pgsi"
    assert dialog.override.isHidden() and dialog.override_reason.isHidden()
    answers = list(dialog.answers.values())
    assert len(answers) == 9 and dialog.decision.text() == "Not decided yet: 9 questions still to answer."
    for widget, typed in zip(answers, ["s", "m", "n", "n", "a", "n", "n", "s", "n"], strict=True):
        widget.setFocus()
        qtbot.keyClicks(widget, typed)  # sometimes 1, most of the time 2, never 0, almost always 3
    assert dialog.decision.text() == "PGSI score 7: moderate-risk gambling"
    dialog.answers["felt_guilty"].setFocus()
    qtbot.keyClick(dialog.answers["felt_guilty"], Qt.Key.Key_Down)  # never → sometimes
    assert dialog.decision.text() == "PGSI score 8: problem gambling"
    dialog.save()
    assert dialog.recorded is not None and dialog.recorded.outcome.code == "problem"


def test_a_role_that_may_not_screen_is_told_so(
    qtbot: QtBot, navigator_context: AppContext, manager_context: AppContext
) -> None:
    _person, case_id = _case(navigator_context)
    dialog = ScreeningDialog(manager_context, case_id)
    qtbot.addWidget(dialog)
    assert dialog.error.text() == "A manager cannot record a screening."
    assert dialog.recorded is None and not hasattr(dialog, "answers")
