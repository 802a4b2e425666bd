"""Finding people, reading a person's record, and the "tell the police" task after a missed assessment."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from db.models import AuditEntry, Event
from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.errors import InvalidInput, StepNotAllowed
from pathways.interchange.importer import import_dataset
from pathways.services import dtoa, people
from pathways.services.corrections import correct_event, withdraw_event
from pathways.services.records import next_steps, person_record
from pathways.services.search import find_people, parse_query, person_rows, search_people
from pathways.services.tasks import complete_task, open_tasks
from pathways.store import Store
from tests.conftest import EXAMPLE

ARREST = datetime(2026, 11, 2, 14, 20, tzinfo=LONDON)


def _names(store: Store, actor: Actor, text: str) -> list[str]:
    ids = search_people(store, actor=actor, text=text)
    rows = person_rows(store, actor=actor, ids=ids)
    return [rows[i].name for i in ids]


def _arrested(store: Store, navigator: Actor) -> tuple[int, int]:
    """Piotr Nowak, registered and arrested for burglary: (person id, case id)."""
    person = people.register_person(
        store, actor=navigator, surname="Nowak", forenames="Piotr", date_of_birth=date(1990, 3, 2), sex="M"
    )
    arrest = dtoa.record_arrest(store, actor=navigator, person_id=person.id, occurred_at=ARREST, offence="burglary")
    return person.id, arrest.case_id


def test_parse_query() -> None:
    query = parse_query("hughes 14/06/1991 11/2233445K EC1")
    assert query.names == ("hughes",) and query.born == date(1991, 6, 14)
    assert query.pnc == "11/2233445K" and query.refs == ("EC1",)


def test_search_forgives_spelling_order_and_accents(store: Store, admin: Actor, manager: Actor) -> None:
    import_dataset(store, actor=admin, path=EXAMPLE)  # three sites: a manager sees them all
    assert _names(store, manager, "hughs") == ["HUGHES, Daniel"]
    assert _names(store, manager, "daniel hughes") == ["HUGHES, Daniel"]
    assert _names(store, manager, "sian evans") == ["EVANS, Siân"]
    assert _names(store, manager, "ev") == ["EVANS, Siân"]
    assert _names(store, manager, "30/01/1985") == ["BEGUM, Ruksana"]
    assert _names(store, manager, "03/9988776b") == ["MENSAH, Kofi"]
    assert _names(store, manager, "ec5") == ["EVANS, Siân"]
    assert _names(store, manager, "nowak 1990-01-01") == []
    assert _names(store, manager, "   ") == []
    rows = person_rows(store, actor=manager, ids=search_people(store, actor=manager, text="mensah"))
    assert next(iter(rows.values())).latest_case == (
        "EC4 · Checkpoint (deferred prosecution) · Completed: no further action (outcome 22)"
    )


def test_a_keystroke_reads_the_ids_and_the_first_rows_at_once(store: Store, navigator: Actor) -> None:
    for forenames in ("Piotr", "Anna", "Jan", "Ewa"):
        people.register_person(
            store, actor=navigator, surname="Nowak", forenames=forenames, date_of_birth=date(1990, 3, 2), sex="F"
        )
    everyone = search_people(store, actor=navigator, text="nowak")
    assert len(everyone) == 4
    found = find_people(store, actor=navigator, text="nowak", rows=2)
    assert found.ids == everyone
    assert found.rows == person_rows(store, actor=navigator, ids=everyone[:2])
    assert len(found.rows) == 2
    nothing = find_people(store, actor=navigator, text="  ", rows=2)
    assert nothing.ids == [] and nothing.rows == {}


def test_person_record_shows_cases_and_corrections(store: Store, navigator: Actor) -> None:
    person_id, case_id = _arrested(store, navigator)
    dtoa.record_test(
        store,
        actor=navigator,
        case_id=case_id,
        occurred_at=ARREST + timedelta(hours=1),
        result="positive",
        substances=["cocaine"],
    )
    with store.unit_of_work() as uow:
        test_id = uow.session.scalars(select(Event.id).where(Event.name == "test")).one()
    correct_event(store, actor=navigator, event_id=test_id, reason="lab: opiates too", substances="cocaine;opiates")
    record = person_record(store, actor=navigator, person_id=person_id)
    (case,) = record.cases
    assert (
        case.stage == "Tested"
        and case.eligibility == "eligible: aged 36; Burglary (Theft Act 1968 s.9) is a trigger offence"
    )
    shown = [(e.label, e.action, e.superseded, e.details) for e in case.timeline]
    assert shown[1:] == [
        ("Drug test", "record", True, "Test result: positive · Substances found: cocaine · Site: Basingstoke"),
        (
            "Drug test",
            "correct",
            False,
            "Test result: positive · Substances found: cocaine; opiates · Site: Basingstoke",
        ),
    ]
    assert case.timeline[2].correction_reason == "lab: opiates too"
    with store.unit_of_work() as uow:
        views = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "view_person")).all()
        assert [(v.actor, v.record_id) for v in views] == [("nav.smith", person_id)]


def test_next_steps_offer_only_what_the_pathway_allows(store: Store, navigator: Actor) -> None:
    _person_id, case_id = _arrested(store, navigator)
    options = {o.label: o for o in next_steps(store, actor=navigator, case_id=case_id)}
    assert options["Drug test"].allowed
    follow_up = options["Assessment attended (follow-up)"]
    assert not follow_up.allowed
    assert follow_up.reason == "The follow-up assessment cannot be recorded before it was required."
    assert options["Arrest"].reason == "This case already has an arrest. A new arrest is a new case."


def test_a_missed_assessment_makes_a_task_until_done(store: Store, navigator: Actor, worker: Actor) -> None:
    _person_id, case_id = _arrested(store, navigator)
    dtoa.record_test(
        store,
        actor=navigator,
        case_id=case_id,
        occurred_at=ARREST + timedelta(hours=1),
        result="positive",
        substances=["cocaine"],
    )
    dtoa.require_assessment(
        store,
        actor=navigator,
        case_id=case_id,
        kind="initial",
        due_at=ARREST + timedelta(days=2),
        service="Inclusion Hampshire",
        place="Clinic",
        occurred_at=ARREST + timedelta(hours=2),
    )
    dtoa.record_attendance(
        store,
        actor=worker,
        case_id=case_id,
        kind="initial",
        attended=False,
        occurred_at=ARREST + timedelta(days=2, hours=1),
    )
    (task,) = open_tasks(store, actor=worker, service="Inclusion Hampshire")
    assert task.label == "Tell the police: the initial assessment was missed" and task.person_name == "NOWAK, Piotr"
    assert (task.happened_at, task.happened_time_known, task.withdrawn) == (
        ARREST + timedelta(days=2, hours=1),
        True,
        False,
    )
    # The police are told of the missed assessment as it now stands: corrected, then withdrawn.
    with store.unit_of_work() as uow:
        missed_id = uow.session.scalars(select(Event.id).where(Event.name == "assessment_missed")).one()
    later = ARREST + timedelta(days=2, hours=2)
    correct_event(store, actor=worker, event_id=missed_id, reason="clock wrong", occurred_at=later)
    (task,) = open_tasks(store, actor=worker)
    assert (task.happened_at, task.withdrawn) == (later, False)
    withdraw_event(store, actor=worker, event_id=missed_id, reason="recorded on the wrong person")
    (task,) = open_tasks(store, actor=worker)
    assert task.withdrawn and task.happened_at == later
    with pytest.raises(InvalidInput, match="Say what was done"):
        complete_task(store, actor=worker, task_id=task.id, note=" ")
    complete_task(store, actor=worker, task_id=task.id, note="emailed custody sergeant")
    assert open_tasks(store, actor=worker) == []


def test_any_pathway_step_through_the_generic_service(store: Store, navigator: Actor, worker: Actor) -> None:
    from pathways.errors import NotPermitted
    from pathways.services.steps import record_step, start_case

    person = people.register_person(
        store, actor=worker, surname="Evans", forenames="Sian", date_of_birth=date(1999, 8, 21), sex="F"
    )
    referral = start_case(
        store,
        actor=worker,
        person_id=person.id,
        pathway="divert",
        event="referral",
        occurred_at=ARREST,
        values={"substances": "cannabis", "site": "Bangor"},
    )
    assert referral.stage == "Referred"
    with pytest.raises(StepNotAllowed, match="after the assessment was attended"):
        record_step(
            store,
            actor=worker,
            case_id=referral.case_id,
            event="session_attended",
            occurred_at=ARREST + timedelta(days=1),
            values={},
        )
    record_step(
        store,
        actor=worker,
        case_id=referral.case_id,
        event="assessment_attended",
        occurred_at=ARREST + timedelta(days=2),
        values={},
    )
    with pytest.raises(StepNotAllowed, match="'test' is not a step of the DIVERT"):
        record_step(store, actor=worker, case_id=referral.case_id, event="test", occurred_at=ARREST, values={})
    manager = Actor("mgr", Role.MANAGER, "pc")
    with pytest.raises(NotPermitted, match="A manager cannot record a DIVERT step"):
        record_step(store, actor=manager, case_id=referral.case_id, event="contacted", occurred_at=ARREST, values={})


def test_a_name_with_no_letters_is_refused_and_one_in_another_script_is_kept(store: Store, navigator: Actor) -> None:
    """ "?" for both names crashed the save (no word to index: a row of nulls was inserted); a name written only in
    Arabic letters has no word the search index folds to either, and crashed the same way."""
    born = date(1990, 1, 1)
    refusals = {
        "?": "The surname has no letters in it: for someone not yet identified, write Unknown.",
        "\u200b": "The surname has no letters in it: for someone not yet identified, write Unknown.",  # zero-width
        "Smith\u202e": "The surname contains hidden characters that change the direction of text: type the name again.",
    }
    for surname, refusal in refusals.items():
        with pytest.raises(InvalidInput) as refused:
            people.register_person(store, actor=navigator, surname=surname, forenames="?", date_of_birth=born, sex="M")
        assert refused.value.message == refusal
    kept = people.register_person(
        store,
        actor=navigator,
        surname="\u0645\u062d\u0645\u062f",
        forenames="\u0639\u0644\u064a",
        date_of_birth=born,
        sex="M",
    )
    assert person_record(store, actor=navigator, person_id=kept.id).person.surname == "\u0645\u062d\u0645\u062f"
    unknown = people.register_person(
        store, actor=navigator, surname="Unknown", forenames="Unknown", date_of_birth=born, sex="U"
    )
    assert unknown.id in search_people(store, actor=navigator, text="unknown")
