"""The custody navigator's new arrest, driven from the keyboard: person → arrest → test → assessments → notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import Case, Event, Person
from pathways.services.dtoa import record_arrest
from tests.conftest import Clock
from tests.ui.questions import answer_next_question
from ui import arrest_draft
from ui.arrest_wizard import ARREST, ASSESSMENTS, DONE, PERSON, TEST, NewArrestWizard
from ui.context import AppContext
from ui.operations import OperationRunner

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # a Thursday


def _wizard(qtbot: QtBot, context: AppContext, runner: OperationRunner) -> NewArrestWizard:
    wizard = NewArrestWizard(context, runner)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=5000)
    return wizard


def _choose_hughes(qtbot: QtBot, wizard: NewArrestWizard) -> None:
    """Find Daniel Hughes on the first page and pick him with Enter (the wizard moves on to the arrest)."""
    chooser = wizard.person_step.chooser
    chooser.search.setFocus()
    qtbot.keyClicks(chooser.search, "hughes")
    qtbot.waitUntil(lambda: chooser.model.rowCount() == 1, timeout=5000)
    qtbot.keyClick(chooser.search, Qt.Key.Key_Return)


def _enter(qtbot: QtBot, wizard: NewArrestWizard) -> None:
    focused = wizard.focusWidget() or wizard
    qtbot.keyClick(focused, Qt.Key.Key_Return)


def test_positive_test_to_written_notice_by_keyboard(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner, clock: Clock, tmp_path: Path
) -> None:
    clock.at = NOW
    wizard = _wizard(qtbot, navigator_context, runner)
    chooser = wizard.person_step.chooser
    chooser.search.setFocus()
    qtbot.keyClicks(chooser.search, "hughes")
    qtbot.waitUntil(lambda: chooser.model.rowCount() == 1, timeout=5000)
    qtbot.keyClick(chooser.search, Qt.Key.Key_Return)  # picks the person and moves on
    assert wizard.currentId() == ARREST
    arrest = wizard.currentPage().form  # type: ignore[attr-defined]
    assert arrest.who.text() == "HUGHES, Daniel, born 14 Jun 1991"
    qtbot.keyClicks(arrest.offence, "Burglary")  # jump to the offence by typing
    assert arrest.offence.currentText() == "Burglary (Theft Act 1968 s.9) — trigger offence"
    assert (
        arrest.explanation.text()
        == "Test on arrest: eligible: aged 35; Burglary (Theft Act 1968 s.9) is a trigger offence"
    )
    _enter(qtbot, wizard)
    assert wizard.currentId() == TEST
    test = wizard.currentPage().form  # type: ignore[attr-defined]
    test.drugs["opiates"].setFocus()
    qtbot.keyClick(test.drugs["opiates"], Qt.Key.Key_Space)
    assert test.substances() == ["opiates"]
    _enter(qtbot, wizard)
    assert wizard.currentId() == ASSESSMENTS
    assessments = wizard.currentPage().form  # type: ignore[attr-defined]
    assert assessments.initial_due().isoformat() == "2026-11-27T10:00:00+00:00"  # next weekday, 10:00
    assert assessments.follow_up_due().isoformat() == "2026-12-10T10:00:00+00:00"
    assessments.service.setCurrentText("")
    qtbot.keyClicks(assessments.service.lineEdit(), "Inclusion Hampshire")
    qtbot.keyClicks(assessments.place, "Inclusion, 12 Church St, Basingstoke RG21 7QW")
    _enter(qtbot, wizard)
    assert wizard.currentId() == DONE
    done = wizard.currentPage()
    assert not wizard.button(QWizard.WizardButton.CancelButton).isVisible()  # (all is saved: nothing to cancel)
    assert "Initial and follow-up assessments required" in done.summary.text()  # type: ignore[attr-defined]
    assert done.notice.save_to(tmp_path / "notice.pdf")  # type: ignore[attr-defined]
    text = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "notice.pdf").pages)
    assert "Friday 27 November 2026 at 10:00" in text and "Inclusion, 12 Church St" in text
    with navigator_context.store.unit_of_work() as uow:
        case = uow.session.get(Case, wizard.case_id)
        assert case is not None and case.stage == "Assessment required"
        names = [e.name for e in uow.session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq))]
    assert names == ["arrest", "test", "assessment_required", "assessment_required"]


def test_not_a_trigger_offence_needs_an_inspector(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner, clock: Clock
) -> None:
    clock.at = NOW
    wizard = _wizard(qtbot, navigator_context, runner)
    chooser = wizard.person_step.chooser
    qtbot.keyClicks(chooser.search, "begum")
    qtbot.waitUntil(lambda: chooser.model.rowCount() == 1, timeout=5000)
    qtbot.keyClick(chooser.search, Qt.Key.Key_Return)
    arrest = wizard.currentPage().form  # type: ignore[attr-defined]
    qtbot.keyClicks(arrest.offence, "Common")
    assert arrest.authority.isEnabled()
    assert "not eligible" in arrest.explanation.text()
    assert wizard.nextId() == DONE  # no lawful test: straight to the summary
    qtbot.keyClicks(arrest.inspector, "Insp. Ward")
    qtbot.keyClicks(arrest.grounds, "found with a crack pipe")
    assert arrest.explanation.text().endswith("an inspector authorised the test (Insp. Ward)")
    assert wizard.nextId() == TEST
    wizard.next()
    test = wizard.currentPage().form  # type: ignore[attr-defined]
    test.buttons["refused"].setChecked(True)
    assert not test.drugs["cocaine"].isEnabled()
    wizard.next()
    assert wizard.currentId() == DONE
    wizard.button(QWizard.WizardButton.FinishButton).click()
    with navigator_context.store.unit_of_work() as uow:
        arrest_event = uow.session.scalars(
            select(Event).where(Event.case_id == wizard.case_id, Event.name == "arrest")
        ).one()
        assert (arrest_event.basis, arrest_event.authorised_by, arrest_event.reason) == (
            "inspector",
            "Insp. Ward",
            "found with a crack pipe",
        )


def test_the_assessments_offer_the_service_last_required_at_the_suite_and_never_a_guess(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner
) -> None:
    """Basingstoke's last referral (the example's Hughes) was to Inclusion Hampshire, so that comes first there;
    at a suite with none, the service is left for the navigator to choose: the first of the list would be a guess,
    and it goes on a legal notice."""
    from dataclasses import replace

    from ui.arrest_steps import AssessmentForm

    here = AssessmentForm(navigator_context)
    qtbot.addWidget(here)
    assert here.service.currentText() == "Inclusion Hampshire" and here.place.text() == ""
    elsewhere = AssessmentForm(AppContext(navigator_context.store, replace(navigator_context.actor, site="Aldershot")))
    qtbot.addWidget(elsewhere)
    line = elsewhere.service.lineEdit()
    assert line is not None
    assert elsewhere.service.currentIndex() == -1 and elsewhere.service.currentText() == ""
    assert line.placeholderText() == "Choose the treatment service"
    assert elsewhere.service.count() > 1  # (the whole list is there to choose from)


def test_enter_never_picks_someone_from_an_earlier_search(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner
) -> None:
    wizard = _wizard(qtbot, navigator_context, runner)
    chooser = wizard.person_step.chooser
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    chooser.search.setFocus()
    qtbot.keyClicks(chooser.search, "hughes")
    qtbot.waitUntil(lambda: chooser.model.rowCount() == 1, timeout=5000)
    assert chooser.found.text() == "1 found" and next_button.isEnabled()
    qtbot.keyClicks(chooser.search, " zzzz")  # the people found for "hughes" are no longer the answer
    assert chooser.model.rowCount() == 0 and chooser.found.text() == "Searching…" and not next_button.isEnabled()
    qtbot.keyClick(chooser.search, Qt.Key.Key_Return)
    assert wizard.currentId() == PERSON  # Enter picked no one
    qtbot.waitUntil(lambda: chooser.found.text().startswith("No one found"), timeout=5000)
    assert "Alt+R" in chooser.found.text() and chooser.new_button.text() == "&Register a new person…"
    chooser._show(("hughes", [1], ["HUGHES, Daniel"]))  # a search for what was typed before, answering late
    assert chooser.model.rowCount() == 0 and not next_button.isEnabled()


def test_the_offence_is_chosen_never_assumed(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner
) -> None:
    wizard = _wizard(qtbot, navigator_context, runner)
    _choose_hughes(qtbot, wizard)
    assert wizard.currentId() == ARREST
    arrest = wizard.currentPage().form  # type: ignore[attr-defined]
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert arrest.offence.currentIndex() == -1 and arrest.offence.currentText() == ""
    assert arrest.explanation.text().startswith("Choose the offence") and not next_button.isEnabled()
    _enter(qtbot, wizard)
    assert wizard.currentId() == ARREST and wizard.case_id is None  # nothing recorded
    qtbot.keyClicks(arrest.offence, "Common")
    assert arrest.offence.currentText().startswith("Common assault") and next_button.isEnabled()


def test_closing_part_way_says_what_is_recorded(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner
) -> None:
    wizard = _wizard(qtbot, navigator_context, runner)
    _choose_hughes(qtbot, wizard)
    qtbot.keyClicks(wizard.currentPage().form.offence, "Burglary")  # type: ignore[attr-defined]
    _enter(qtbot, wizard)
    assert wizard.currentId() == TEST and wizard.case_id is not None
    said: list[str] = []
    answer_next_question("Go back", said)
    wizard.reject()
    assert wizard.isVisible() and wizard.currentId() == TEST
    assert said[0].startswith(f"The arrest is recorded as case {wizard.case_ref}. The drug test is not recorded yet")
    answer_next_question("Close the wizard", said)
    wizard.reject()
    assert not wizard.isVisible()
    with navigator_context.store.unit_of_work() as uow:
        names = [e.name for e in uow.session.scalars(select(Event).where(Event.case_id == wizard.case_id))]
    assert names == ["arrest"]  # the arrest stays recorded; nothing else was


def test_a_second_arrest_within_a_day_is_asked_about(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner, clock: Clock
) -> None:
    """The same arrest entered twice is the likelier mistake; a person may still be arrested again the same day."""
    clock.at = NOW
    with navigator_context.store.unit_of_work() as uow:
        hughes = uow.session.scalars(select(Person.id).where(Person.surname == "Hughes")).one()
    earlier = record_arrest(
        navigator_context.store,
        actor=navigator_context.actor,
        person_id=hughes,
        occurred_at=NOW - timedelta(hours=3),
        offence="burglary",
    )
    asked: list[str] = []
    for answer, moves_on in (("Go back", False), ("Record another arrest", True)):
        wizard = _wizard(qtbot, navigator_context, runner)
        _choose_hughes(qtbot, wizard)
        qtbot.keyClicks(wizard.currentPage().form.offence, "Burglary")  # type: ignore[attr-defined]
        answer_next_question(answer, asked)
        _enter(qtbot, wizard)
        assert asked[-1].startswith(f"This person already has case {earlier.case_ref}, from an arrest at")
        assert (wizard.currentId() == TEST) is moves_on and (wizard.case_id is not None) is moves_on
        wizard.done(0)
    with navigator_context.store.unit_of_work() as uow:
        cases = uow.session.scalars(select(Case.case_ref).where(Case.person_id == hughes, Case.pathway == "dtoa"))
        assert len([ref for ref in cases if ref != earlier.case_ref]) == 2  # the example's own, and the second


def test_a_service_since_retired_is_not_offered_as_the_suites_last(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner
) -> None:
    """Basingstoke's last referral named Inclusion Hampshire; once the service is retired it would only be refused
    on saving, so nothing is chosen and the navigator chooses a current service."""
    from pathways.reference import set_reference_entry
    from tests.listed_services import ADMINISTRATOR
    from ui.arrest_steps import AssessmentForm

    store = navigator_context.store
    set_reference_entry(
        store, actor=ADMINISTRATOR, list_name="services", code="inclusion_hampshire", label="Inclusion Hampshire",
        flag=False, active=False,
    )  # fmt: skip
    form = AssessmentForm(navigator_context)
    qtbot.addWidget(form)
    assert form.service.currentIndex() == -1 and form.service.currentText() == ""
    assert "Inclusion Hampshire" not in [form.service.itemText(i) for i in range(form.service.count())]


def _events(context: AppContext, case_id: int | None) -> list[Event]:
    with context.store.unit_of_work() as uow:
        return list(uow.session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq)))


def test_the_offence_typed_in_words_is_the_one_recorded(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner, clock: Clock
) -> None:
    """Typing a name with spaces in it chose the first offence of its first word (a Class B possession recorded as
    Class A, a test wrongly lawful); words from within a name choose it when no other has them."""
    clock.at = NOW
    wizard = _wizard(qtbot, navigator_context, runner)
    _choose_hughes(qtbot, wizard)
    arrest = wizard.arrest_step.form
    qtbot.keyClicks(arrest.offence, "Possession of a Class B")
    assert (
        arrest.offence.currentText()
        == "Possession of a Class B drug (Misuse of Drugs Act 1971 s.5(2)) — not a trigger offence"
    )
    assert "not eligible" in arrest.explanation.text()
    arrest.offence.setCurrentText("")
    qtbot.keyClicks(arrest.offence, "from shop")  # not the start of any: within one name alone
    assert arrest.explanation.text().endswith("Theft from shop (Theft Act 1968 s.1) is a trigger offence")
    arrest.offence.setCurrentText("")
    qtbot.keyClicks(arrest.offence, "class a drug")  # within three names
    assert arrest.explanation.text().startswith("Several offences have “class a drug” in them")
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    arrest.offence.setCurrentText("")
    qtbot.keyClicks(arrest.offence, "shoplifting")
    assert arrest.explanation.text().startswith("No offence on the list has “shoplifting” in it")
    arrest.offence.setCurrentText("")
    qtbot.keyClicks(arrest.offence, "Possession of a Class B")
    _enter(qtbot, wizard)  # Enter, from the offence, records it and moves on
    assert wizard.currentId() == DONE
    (recorded,) = _events(navigator_context, wizard.case_id)
    assert (recorded.name, recorded.offence, recorded.basis) == (
        "arrest",
        "Possession of a Class B drug (Misuse of Drugs Act 1971 s.5(2))",
        "none",
    )


def _tested_positive(qtbot: QtBot, context: AppContext, runner: OperationRunner, clock: Clock) -> NewArrestWizard:
    """The wizard on its assessments page: Daniel Hughes arrested for burglary and positive for opiates."""
    clock.at = NOW
    wizard = _wizard(qtbot, context, runner)
    _choose_hughes(qtbot, wizard)
    qtbot.keyClicks(wizard.arrest_step.form.offence, "Burglary")
    _enter(qtbot, wizard)
    wizard.test_step.form.drugs["opiates"].setChecked(True)
    wizard.next()
    assert wizard.currentId() == ASSESSMENTS
    return wizard


def test_going_back_shows_what_is_recorded_and_records_nothing_again(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner, clock: Clock
) -> None:
    wizard = _tested_positive(qtbot, navigator_context, runner, clock)
    test = wizard.test_step.form
    wizard.back()  # to the test, recorded
    assert wizard.currentId() == TEST and not test.isEnabled()
    note = wizard.test_step.recorded_note
    assert note.isVisible() and note.text() == (
        f"Recorded on case {wizard.case_ref}. To change it, use Correct… on the person's record."
    )
    wizard.back()  # to the arrest, recorded: its offence cannot be changed here
    assert wizard.currentId() == ARREST and not wizard.arrest_step.form.isEnabled()
    tested_at = test.time.dateTime()
    clock.at = NOW + timedelta(minutes=20)
    wizard.next()
    assert wizard.currentId() == TEST and test.time.dateTime() == tested_at  # as recorded, not the time now
    wizard.next()
    assert wizard.currentId() == ASSESSMENTS
    assert [e.name for e in _events(navigator_context, wizard.case_id)] == ["arrest", "test"]  # once each
    said: list[str] = []
    answer_next_question("Close the wizard", said)
    wizard.reject()
    assert said[0].endswith(
        "The required assessments are not recorded yet: they can be added later on the person's record (Add event)."
    )


def test_the_two_required_assessments_are_recorded_together_or_not_at_all(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner, clock: Clock
) -> None:
    wizard = _tested_positive(qtbot, navigator_context, runner, clock)
    form = wizard.assessment_step.form
    form.service.setCurrentText("Inclusion Hampshire")
    qtbot.keyClicks(form.place, "Inclusion, 12 Church St")
    form.follow_up.setDateTime(form.follow_up.dateTime().addDays(-60))  # before the requirement is given
    wizard.next()
    assert wizard.currentId() == ASSESSMENTS
    assert wizard.assessment_step.error.text() == "The appointment must be after the time the requirement is given."
    assert [e.name for e in _events(navigator_context, wizard.case_id)] == ["arrest", "test"]  # the initial not kept
    form.follow_up.setDateTime(form.follow_up.dateTime().addDays(60))
    wizard.next()
    assert wizard.currentId() == DONE
    required = [e.kind for e in _events(navigator_context, wizard.case_id) if e.name == "assessment_required"]
    assert required == ["initial", "follow_up"]


def test_a_draft_restored_on_a_recorded_arrest_shows_it_as_recorded(
    qtbot: QtBot, navigator_context: AppContext, runner: OperationRunner, clock: Clock
) -> None:
    """A wizard opened from a person's record starts on the arrest page, so restoring a draft kept there after the
    arrest was recorded does not restart the wizard: the page must still show the arrest as recorded, not let it be
    changed for nothing, and name the draft's person, not the record's. (A draft kept before the `tested` flag was
    says it through its result.)"""
    wizard = _tested_positive(qtbot, navigator_context, runner, clock)
    kept = arrest_draft.snapshot(wizard)
    kept.pop("tested")
    with navigator_context.store.unit_of_work() as uow:  # opened from another person's record
        begum = uow.session.scalars(select(Person.id).where(Person.surname == "Begum")).one()
    opened = NewArrestWizard(navigator_context, runner, person_id=begum)
    qtbot.addWidget(opened)
    opened.show()
    assert opened.currentId() == ARREST and opened.arrest_step.form.isEnabled()
    assert opened.arrest_step.form.who.text().startswith("BEGUM")
    arrest_draft.restore(opened, {**kept, "page": ARREST})
    assert opened.currentId() == ARREST and not opened.arrest_step.form.isEnabled()
    assert opened.arrest_step.form.who.text() == "HUGHES, Daniel, born 14 Jun 1991"  # whose draft (and case) it is
    assert opened.arrest_step.recorded_note.text().startswith(f"Recorded on case {wizard.case_ref}.")
    assert opened.tested  # inferred from the positive result
    opened.case_id = None  # (so that closing it asks nothing)
    wizard.case_id = None
