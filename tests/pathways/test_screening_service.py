"""Screening a case: the answers kept, the pathway's event recorded, overrides with reasons, bad input writing
nothing — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, Event, Screening
from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.errors import InvalidInput, NotPermitted, StepNotAllowed
from pathways.instruments import AnswerError
from pathways.services import people
from pathways.services.corrections import withdraw_event
from pathways.services.screening import case_screenings, person_screenings, screen_case, screening_form
from pathways.services.settings import (
    IDLE_LOCK_DEFAULT,
    idle_lock_minutes,
    save_settings,
    set_usual_instrument,
    usual_instruments,
)
from pathways.services.steps import start_case
from pathways.store import Store
from tests.pathways.test_instruments import cymru_answers, durham_answers, pgsi_answers

ARREST = datetime(2026, 11, 28, 10, 0, tzinfo=LONDON)
SCREENED = datetime(2026, 11, 29, 9, 0, tzinfo=LONDON)  # the test clock is 29 Nov 2026 12:00 UTC


def _person(store: Store, navigator: Actor) -> int:
    return people.register_person(
        store, actor=navigator, surname="Okafor", forenames="Grace", date_of_birth=date(1992, 3, 10), sex="F"
    ).id  # aged 34 on the day of screening


def _checkpoint_case(store: Store, navigator: Actor, person_id: int | None = None) -> int:
    return start_case(
        store,
        actor=navigator,
        person_id=person_id or _person(store, navigator),
        pathway="checkpoint",
        event="arrest",
        occurred_at=ARREST,
        values={"site": "Durham", "offence": "theft_shop"},
    ).case_id


def _gambling_case(store: Store, actor: Actor, person_id: int) -> int:
    return start_case(
        store,
        actor=actor,
        person_id=person_id,
        pathway="gambling",
        event="identified",
        occurred_at=ARREST,
        values={"kind": "probation", "site": "Durham probation office"},
    ).case_id


def _counts(store: Store) -> tuple[int, int, int]:
    with store.unit_of_work() as uow:
        events = uow.session.scalar(select(func.count()).select_from(Event)) or 0
        screenings = uow.session.scalar(select(func.count()).select_from(Screening)) or 0
        audits = uow.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "record_screening")
        )
        return events, screenings, audits or 0


def test_an_eligible_screening_records_the_event_and_keeps_the_answers(store: Store, navigator: Actor) -> None:
    case_id = _checkpoint_case(store, navigator)
    done = screen_case(
        store,
        actor=navigator,
        case_id=case_id,
        instrument="checkpoint-eligibility",
        answers=durham_answers(),
        occurred_at=SCREENED,
        values={"site": "Durham custody suite"},
    )
    assert done.event.event == "screened" and done.event.stage == "Screened"
    assert done.outcome.code == "eligible"
    assert done.event.explanation == done.outcome.explanation
    assert done.outcome.explanation.startswith("eligible: aged 34; lives in the force area; offence in the force area;")
    with store.unit_of_work() as uow:
        event = uow.session.get(Event, done.event.event_id)
        row = uow.session.get(Screening, done.screening_id)
        assert event is not None and row is not None
        assert (event.result, event.reason, event.site) == (
            "eligible",
            done.outcome.explanation,
            "Durham custody suite",
        )
        assert (row.case_id, row.event_id, row.instrument, row.instrument_version) == (
            case_id,
            event.id,
            "checkpoint-eligibility",
            1,
        )
        assert json.loads(row.answers) == {
            "age": 34,
            "lives_in_area": True,
            "offence_in_area": True,
            "offence_date": "2026-11-08",
            "offence_group": "theft",
            "admission": "admitted",
            "suitable_out_of_court": True,
            "court_order": False,
            "on_bail": False,
            "detained": False,
            "co_accused": False,
        }
        assert (row.outcome, row.score, row.override_reason, row.recorded_by) == ("eligible", None, None, "nav.smith")
    assert _counts(store)[1:] == (1, 1)
    views = case_screenings(store, actor=navigator, case_id=case_id)
    assert len(views) == 1 and views[0].current and views[0].outcome_words == "eligible"
    assert views[0].answers[0] == ("How old is the person today?", "34")
    assert views[0].answers[3] == ("On what day was the offence committed?", "8 Nov 2026")
    assert views[0].explanation == done.outcome.explanation


def test_an_override_needs_a_reason_and_says_what_the_rules_said(store: Store, navigator: Actor) -> None:
    case_id = _checkpoint_case(store, navigator)
    answers = durham_answers(co_accused="yes")
    before = _counts(store)
    for reason in ("", "   "):
        with pytest.raises(InvalidInput, match="An override needs a reason in words"):
            screen_case(
                store,
                actor=navigator,
                case_id=case_id,
                instrument="checkpoint-eligibility",
                answers=answers,
                occurred_at=SCREENED,
                override_reason=reason,
            )
    assert _counts(store) == before
    done = screen_case(
        store,
        actor=navigator,
        case_id=case_id,
        instrument="checkpoint-eligibility",
        answers=answers,
        occurred_at=SCREENED,
        override_reason="the co-accused was released with no further action",
    )
    assert done.outcome.code == "eligible"
    with store.unit_of_work() as uow:
        event = uow.session.get(Event, done.event.event_id)
        row = uow.session.get(Screening, done.screening_id)
        assert event is not None and row is not None
        assert event.result == "eligible" and row.outcome == "eligible"
        assert event.reason == (
            "eligible by override: the co-accused was released with no further action; the rules said: "
            "not eligible: there is a co-accused: Checkpoint does not take cases with a co-accused"
        )
        assert row.override_reason == "the co-accused was released with no further action"
        audit = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "record_screening")).one()
        assert audit.detail == f"screening {row.id}: checkpoint-eligibility version 1 (override)"
    assert case_screenings(store, actor=navigator, case_id=case_id)[0].override_reason == row.override_reason


def test_bad_answers_change_nothing(store: Store, navigator: Actor) -> None:
    case_id = _checkpoint_case(store, navigator)
    before = _counts(store)
    bad = durham_answers(lives_in_area="perhaps")
    del bad["detained"]
    with pytest.raises(AnswerError) as raised:
        screen_case(
            store,
            actor=navigator,
            case_id=case_id,
            instrument="checkpoint-eligibility",
            answers=bad,
            occurred_at=SCREENED,
        )
    assert len(raised.value.problems) == 2
    with pytest.raises(
        InvalidInput, match=r"The age given \(29\) does not match the date of birth on record \(aged 34"
    ):
        screen_case(
            store,
            actor=navigator,
            case_id=case_id,
            instrument="checkpoint-eligibility",
            answers=durham_answers(age=29),
            occurred_at=SCREENED,
        )
    with pytest.raises(InvalidInput, match="come from its answers"):
        screen_case(
            store,
            actor=navigator,
            case_id=case_id,
            instrument="checkpoint-eligibility",
            answers=durham_answers(),
            occurred_at=SCREENED,
            values={"result": "eligible"},
        )
    with pytest.raises(InvalidInput, match="not used on the Checkpoint"):
        screen_case(
            store, actor=navigator, case_id=case_id, instrument="pgsi", answers=pgsi_answers(3), occurred_at=SCREENED
        )
    assert _counts(store) == before
    assert case_screenings(store, actor=navigator, case_id=case_id) == []


def test_the_pathway_rules_still_apply(store: Store, navigator: Actor) -> None:
    case_id = _checkpoint_case(store, navigator)
    screen_case(
        store,
        actor=navigator,
        case_id=case_id,
        instrument="checkpoint-eligibility",
        answers=durham_answers(),
        occurred_at=SCREENED,
    )
    before = _counts(store)
    with pytest.raises(StepNotAllowed, match="This case has already been screened"):
        screen_case(
            store,
            actor=navigator,
            case_id=case_id,
            instrument="checkpoint-cymru-eligibility",
            answers=cymru_answers(),
            occurred_at=SCREENED,
        )
    assert _counts(store) == before


def test_who_may_screen(store: Store, navigator: Actor, worker: Actor, manager: Actor) -> None:
    person_id = _person(store, navigator)
    checkpoint = _checkpoint_case(store, navigator, person_id)
    for actor in (worker, manager):  # Checkpoint steps are the navigator's; a manager records none
        with pytest.raises(NotPermitted):
            screen_case(
                store,
                actor=actor,
                case_id=checkpoint,
                instrument="checkpoint-eligibility",
                answers=durham_answers(),
                occurred_at=SCREENED,
            )
    gambling = _gambling_case(store, worker, _person(store, worker))  # one the worker registered: in their scope
    done = screen_case(
        store, actor=worker, case_id=gambling, instrument="pgsi", answers=pgsi_answers(5), occurred_at=SCREENED
    )
    assert done.outcome.code == "moderate_risk"
    with pytest.raises(NotPermitted, match="A manager cannot record a screening"):
        screening_form(store, actor=manager, case_id=gambling, event="screened")


def test_a_pgsi_screening_on_the_gambling_pathway(store: Store, navigator: Actor, worker: Actor) -> None:
    person_id = _person(store, worker)  # registered by the worker, so in their scope
    case_id = _gambling_case(store, worker, person_id)
    form = screening_form(store, actor=worker, case_id=case_id, event="screened")
    assert [i.code for i in form.instruments] == ["pgsi"] and form.date_of_birth == date(1992, 3, 10)
    with pytest.raises(InvalidInput, match="cannot be overridden"):
        screen_case(
            store,
            actor=worker,
            case_id=case_id,
            instrument="pgsi",
            answers=pgsi_answers(9),
            occurred_at=SCREENED,
            override_reason="seems less than that",
        )
    done = screen_case(
        store,
        actor=worker,
        case_id=case_id,
        instrument="pgsi",
        answers=pgsi_answers(9),
        occurred_at=SCREENED,
        values={"site": "Durham probation office", "notes": "Sports betting, mostly online."},
    )
    with store.unit_of_work() as uow:
        event = uow.session.get(Event, done.event.event_id)
        row = uow.session.get(Screening, done.screening_id)
        assert event is not None and row is not None
        assert (event.name, event.result, event.reason) == ("screened", "problem", "PGSI score 9: problem gambling")
        assert (row.instrument, row.outcome, row.score) == ("pgsi", "problem", 9)
    views = person_screenings(store, actor=worker, person_id=person_id)  # the navigator's site is not on the case
    assert [(v.pathway, v.outcome_words, v.score) for v in views] == [("gambling", "problem gambling", 9)]
    assert views[0].answers[0] == (
        "In the last 12 months, have you bet more than you could really afford to lose?",
        "almost always (3)",
    )


def test_a_withdrawn_screening_is_shown_as_no_longer_current(store: Store, navigator: Actor) -> None:
    person_id = _person(store, navigator)
    first = _checkpoint_case(store, navigator, person_id)
    done = screen_case(
        store,
        actor=navigator,
        case_id=first,
        instrument="checkpoint-eligibility",
        answers=durham_answers(on_bail="yes"),
        occurred_at=SCREENED,
    )
    withdraw_event(store, actor=navigator, event_id=done.event.event_id, reason="screened on the wrong case")
    views = person_screenings(store, actor=navigator, person_id=person_id)
    assert [(v.case_id, v.outcome, v.current) for v in views] == [(first, "ineligible", False)]
    again = screen_case(
        store,
        actor=navigator,
        case_id=first,
        instrument="checkpoint-cymru-eligibility",
        answers=cymru_answers(),
        occurred_at=SCREENED,
    )
    views = person_screenings(store, actor=navigator, person_id=person_id)
    assert [(v.instrument, v.current) for v in views] == [
        ("checkpoint-eligibility", False),
        ("checkpoint-cymru-eligibility", True),
    ]
    assert again.outcome.explanation.startswith("eligible: aged 34; lives in North Wales")


def test_the_instrument_last_used_on_the_pathway_is_offered_first(store: Store, navigator: Actor) -> None:
    person_id = _person(store, navigator)
    first = _checkpoint_case(store, navigator, person_id)
    codes = [i.code for i in screening_form(store, actor=navigator, case_id=first, event="screened").instruments]
    assert codes == ["checkpoint-cymru-eligibility", "checkpoint-eligibility"]
    screen_case(
        store,
        actor=navigator,
        case_id=first,
        instrument="checkpoint-eligibility",
        answers=durham_answers(),
        occurred_at=SCREENED,
    )
    second = _checkpoint_case(store, navigator, person_id)
    form = screening_form(store, actor=navigator, case_id=second, event="screened")
    assert [i.code for i in form.instruments] == ["checkpoint-eligibility", "checkpoint-cymru-eligibility"]


def test_the_instrument_last_used_at_the_cases_site_is_offered_first(store: Store, navigator: Actor) -> None:
    """A force screens with its own criteria: a Durham case is offered Durham's form even when a Welsh case was
    screened last; a site never screened is offered the form last used anywhere."""
    person_id = _person(store, navigator)

    def case_at(site: str) -> int:
        return start_case(
            store,
            actor=navigator,
            person_id=person_id,
            pathway="checkpoint",
            event="arrest",
            occurred_at=ARREST,
            values={"site": site, "offence": "theft_shop"},
        ).case_id

    durham, wrexham = case_at("Durham"), case_at("Wrexham")
    for case_id, instrument, answers in (
        (durham, "checkpoint-eligibility", durham_answers()),
        (wrexham, "checkpoint-cymru-eligibility", cymru_answers()),
    ):
        screen_case(
            store, actor=navigator, case_id=case_id, instrument=instrument, answers=answers, occurred_at=SCREENED
        )

    def first_offered(case_id: int) -> str:
        return screening_form(store, actor=navigator, case_id=case_id, event="screened").instruments[0].code

    assert first_offered(case_at("Durham")) == "checkpoint-eligibility"
    assert first_offered(case_at("Cardiff")) == "checkpoint-cymru-eligibility"  # (Wrexham's was the last anywhere)


def test_the_forces_chosen_criteria_come_first(store: Store, navigator: Actor, admin: Actor) -> None:
    """With nothing screened yet the forms come in the order of their codes (Cymru's first); once an administrator
    chooses the force's criteria they come first, before any history; choosing none goes back to the history."""
    case_id = _checkpoint_case(store, navigator)

    def offered() -> list[str]:
        return [i.code for i in screening_form(store, actor=navigator, case_id=case_id, event="screened").instruments]

    assert offered() == ["checkpoint-cymru-eligibility", "checkpoint-eligibility"]
    set_usual_instrument(store, actor=admin, pathway="checkpoint", event="screened", code="checkpoint-eligibility")
    assert offered() == ["checkpoint-eligibility", "checkpoint-cymru-eligibility"]
    assert usual_instruments(store) == {("checkpoint", "screened"): "checkpoint-eligibility"}
    with pytest.raises(NotPermitted):
        set_usual_instrument(store, actor=navigator, pathway="checkpoint", event="screened", code=None)
    with pytest.raises(InvalidInput, match="not a screening instrument for this step"):
        set_usual_instrument(store, actor=admin, pathway="checkpoint", event="screened", code="pgsi")
    assert usual_instruments(store) == {("checkpoint", "screened"): "checkpoint-eligibility"}  # (nothing changed)
    set_usual_instrument(store, actor=admin, pathway="checkpoint", event="screened", code=None)
    assert usual_instruments(store) == {} and offered()[0] == "checkpoint-cymru-eligibility"
    with store.unit_of_work() as uow:
        details = uow.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "edit_settings")).all()
    assert details == [
        "screening_instrument:checkpoint:screened=checkpoint-eligibility",
        None,  # the navigator's attempt, refused
        "screening_instrument:checkpoint:screened=(last used)",
    ]


def test_settings_are_saved_all_or_nothing(store: Store, admin: Actor) -> None:
    """A page of settings with one wrong choice keeps none of them: not the idle lock checked before it."""
    steps = {("checkpoint", "screened"): "checkpoint-eligibility", ("gambling", "screened"): "checkpoint-eligibility"}
    with pytest.raises(InvalidInput, match="not a screening instrument for this step"):
        save_settings(store, actor=admin, idle_minutes=7, criteria=steps)
    assert idle_lock_minutes(store) == IDLE_LOCK_DEFAULT and usual_instruments(store) == {}
    save_settings(store, actor=admin, idle_minutes=7, criteria={("checkpoint", "screened"): "checkpoint-eligibility"})
    assert idle_lock_minutes(store) == 7
    assert usual_instruments(store) == {("checkpoint", "screened"): "checkpoint-eligibility"}
