"""A person taken through the whole DToA pathway by the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from db.models import AuditEntry, Case, Event
from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.errors import InvalidInput, NotPermitted, StepNotAllowed
from pathways.services import dtoa, people, worklists
from pathways.services.corrections import correct_event, withdraw_event
from pathways.services.results import EventRecorded
from pathways.services.steps import record_step
from pathways.store import Store
from tests.conftest import Clock

ARREST = datetime(2026, 11, 2, 14, 20, tzinfo=LONDON)


def _person(store: Store, actor: Actor, born: date = date(1991, 6, 14)) -> int:
    return people.register_person(
        store,
        actor=actor,
        surname="Hughes",
        forenames="Daniel",
        date_of_birth=born,
        sex="M",
        ethnicity="A",
        nhs_number="943 476 5919",
        postcode="rg21 7qw",
    ).id


def _tested_positive(store: Store, navigator: Actor, substances: tuple[str, ...] = ("cocaine", "opiates")) -> int:
    """A new person's DToA case: arrested at ARREST for shop theft, tested positive 45 minutes later; its id."""
    person_id = _person(store, navigator)
    case_id = dtoa.record_arrest(
        store, actor=navigator, person_id=person_id, occurred_at=ARREST, offence="theft_shop"
    ).case_id
    dtoa.record_test(
        store,
        actor=navigator,
        case_id=case_id,
        occurred_at=ARREST + timedelta(minutes=45),
        result="positive",
        substances=list(substances),
    )
    return case_id


def _positive_case(store: Store, navigator: Actor) -> int:
    case_id = _tested_positive(store, navigator)
    for kind, days in (("initial", 3), ("follow_up", 17)):
        dtoa.require_assessment(
            store,
            actor=navigator,
            case_id=case_id,
            kind=kind,
            due_at=ARREST + timedelta(days=days),
            service="Inclusion Hampshire",
            place="12 Church St, Basingstoke",
            occurred_at=ARREST + timedelta(hours=1),
        )
    return case_id


def test_whole_pathway_positive_test_to_prosecution(store: Store, navigator: Actor, worker: Actor) -> None:
    case_id = _positive_case(store, navigator)
    attended = dtoa.record_attendance(
        store,
        actor=worker,
        case_id=case_id,
        kind="initial",
        attended=True,
        occurred_at=ARREST + timedelta(days=3, minutes=5),
    )
    assert attended.stage == "Assessment attended"
    assert [d.label for d in attended.deadlines] == ["Follow-up assessment"]
    missed = dtoa.record_attendance(
        store,
        actor=worker,
        case_id=case_id,
        kind="follow_up",
        attended=False,
        occurred_at=ARREST + timedelta(days=17, hours=1),
    )
    assert missed.deadlines == ()
    done = dtoa.record_prosecution(
        store, actor=navigator, case_id=case_id, reason="failed_to_attend", occurred_at=ARREST + timedelta(days=20)
    )
    assert done.stage == "Prosecuted"
    with store.unit_of_work() as uow:
        names = [e.name for e in uow.session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq))]
        assert names == [
            "arrest",
            "test",
            "assessment_required",
            "assessment_required",
            "assessment_attended",
            "assessment_missed",
            "prosecuted",
        ]
        actions = [a.action for a in uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions.count("event:assessment_required") == 2 and "event:prosecuted" in actions


def test_arrest_explains_eligibility(store: Store, navigator: Actor) -> None:
    person_id = _person(store, navigator)
    result = dtoa.record_arrest(store, actor=navigator, person_id=person_id, occurred_at=ARREST, offence="theft_shop")
    assert result.explanation == "eligible: aged 35; Theft from shop (Theft Act 1968 s.1) is a trigger offence"
    other = dtoa.record_arrest(
        store, actor=navigator, person_id=person_id, occurred_at=ARREST, offence="common_assault"
    )
    assert other.explanation == "not eligible: aged 35; no trigger offence and no inspector's authority"
    with pytest.raises(StepNotAllowed, match="not lawful on this case"):
        dtoa.record_test(store, actor=navigator, case_id=other.case_id, occurred_at=ARREST, result="negative")


def test_inspector_authority_needs_name_and_grounds(store: Store, navigator: Actor) -> None:
    person_id = _person(store, navigator)
    with pytest.raises(InvalidInput, match="inspector's name and the grounds"):
        dtoa.record_arrest(
            store,
            actor=navigator,
            person_id=person_id,
            occurred_at=ARREST,
            offence="common_assault",
            basis="inspector",
            inspector_name="Insp. Ward",
        )
    ok = dtoa.record_arrest(
        store,
        actor=navigator,
        person_id=person_id,
        occurred_at=ARREST,
        offence="common_assault",
        inspector_name="Insp. Ward",
        grounds="found with a crack pipe",
    )
    assert ok.explanation == "eligible: aged 35; an inspector authorised the test (Insp. Ward)"
    with pytest.raises(StepNotAllowed, match="is not a trigger offence"):
        dtoa.record_arrest(
            store, actor=navigator, person_id=person_id, occurred_at=ARREST, offence="common_assault", basis="trigger"
        )


def test_under_18_on_the_day_is_not_tested(store: Store, navigator: Actor) -> None:
    person_id = _person(store, navigator, born=date(2008, 11, 3))  # 18 the day after the arrest
    case = dtoa.record_arrest(store, actor=navigator, person_id=person_id, occurred_at=ARREST, offence="burglary")
    assert (case.explanation or "").startswith("not eligible: aged 17 on that day (the minimum is 18)")
    with pytest.raises(StepNotAllowed, match="aged 17"):
        dtoa.record_test(store, actor=navigator, case_id=case.case_id, occurred_at=ARREST, result="refused")


def test_out_of_order_steps_are_refused_in_plain_words(store: Store, navigator: Actor, worker: Actor) -> None:
    person_id = _person(store, navigator)
    case_id = dtoa.record_arrest(
        store, actor=navigator, person_id=person_id, occurred_at=ARREST, offence="robbery"
    ).case_id
    with pytest.raises(NotPermitted, match="another site or service"):  # not referred to the worker's service yet
        dtoa.record_attendance(
            store,
            actor=worker,
            case_id=case_id,
            kind="follow_up",
            attended=True,
            occurred_at=ARREST + timedelta(days=1),
        )
    with pytest.raises(StepNotAllowed, match="only be required after a positive test"):
        dtoa.require_assessment(
            store,
            actor=navigator,
            case_id=case_id,
            kind="initial",
            due_at=ARREST + timedelta(days=2),
            service="CGL Portsmouth",
            place="Clinic",
            occurred_at=ARREST + timedelta(hours=1),
        )
    dtoa.record_test(
        store, actor=navigator, case_id=case_id, occurred_at=ARREST + timedelta(hours=1), result="negative"
    )
    with pytest.raises(StepNotAllowed, match="needs a missed required assessment"):
        dtoa.record_prosecution(
            store, actor=navigator, case_id=case_id, reason="failed_to_attend", occurred_at=ARREST + timedelta(days=1)
        )
    with pytest.raises(StepNotAllowed, match="The drug test cannot come before the arrest"):
        dtoa.record_test(
            store, actor=navigator, case_id=case_id, occurred_at=ARREST - timedelta(hours=1), result="negative"
        )
    dtoa.close_case(store, actor=navigator, case_id=case_id, occurred_at=ARREST + timedelta(hours=2), reason="negative")
    with pytest.raises(StepNotAllowed, match="This case was closed on 2 Nov 2026"):
        dtoa.record_test(
            store, actor=navigator, case_id=case_id, occurred_at=ARREST + timedelta(hours=3), result="negative"
        )
    with store.unit_of_work() as uow:
        assert len(uow.session.scalars(select(Event).where(Event.case_id == case_id)).all()) == 3


def test_more_than_one_sample_and_test_in_the_future(store: Store, navigator: Actor, clock: Clock) -> None:
    person_id = _person(store, navigator)
    case_id = dtoa.record_arrest(
        store, actor=navigator, person_id=person_id, occurred_at=ARREST, offence="burglary"
    ).case_id
    dtoa.record_test(
        store, actor=navigator, case_id=case_id, occurred_at=ARREST + timedelta(minutes=30), result="no_sample"
    )
    second = dtoa.record_test(
        store,
        actor=navigator,
        case_id=case_id,
        occurred_at=ARREST + timedelta(minutes=50),
        result="positive",
        substances=["opiates"],
    )
    assert second.stage == "Tested"
    with pytest.raises(StepNotAllowed, match="is in the future"):
        dtoa.record_test(
            store, actor=navigator, case_id=case_id, occurred_at=clock() + timedelta(hours=1), result="negative"
        )
    with pytest.raises(StepNotAllowed, match="Drug test: give the substances found"):
        dtoa.record_test(
            store, actor=navigator, case_id=case_id, occurred_at=ARREST + timedelta(hours=1), result="positive"
        )


def test_further_notice_waiver_and_treatment(store: Store, navigator: Actor, worker: Actor) -> None:
    case_id = _positive_case(store, navigator)
    dtoa.record_attendance(
        store,
        actor=worker,
        case_id=case_id,
        kind="initial",
        attended=False,
        occurred_at=ARREST + timedelta(days=3, hours=1),
    )

    def further_notice(place: str) -> EventRecorded:
        return dtoa.reschedule_assessment(
            store,
            actor=worker,
            case_id=case_id,
            kind="initial",
            due_at=ARREST + timedelta(days=6),
            service="Inclusion Hampshire",
            place=place,
            occurred_at=ARREST + timedelta(days=3, hours=2),
            reason="unwell, GP letter",
        )

    with pytest.raises(InvalidInput, match=r"^A further notice needs the place"):
        further_notice(" ")  # a notice must say where to go
    notice = further_notice("12 Church St")
    assert next((d.label, d.due_at) for d in notice.deadlines) == ("Initial assessment", ARREST + timedelta(days=6))
    dtoa.record_attendance(
        store, actor=worker, case_id=case_id, kind="initial", attended=True, occurred_at=ARREST + timedelta(days=6)
    )
    waived = dtoa.waive_follow_up(
        store,
        actor=worker,
        case_id=case_id,
        occurred_at=ARREST + timedelta(days=6, hours=1),
        reason="no follow-up needed",
    )
    assert waived.deadlines == ()
    with pytest.raises(StepNotAllowed, match="waived"):
        dtoa.record_attendance(
            store,
            actor=worker,
            case_id=case_id,
            kind="follow_up",
            attended=True,
            occurred_at=ARREST + timedelta(days=7),
        )
    treated = dtoa.start_treatment(store, actor=worker, case_id=case_id, occurred_at=ARREST + timedelta(days=8))
    assert treated.stage == "In treatment"


def test_roles_are_enforced_and_refusals_audited(store: Store, navigator: Actor, worker: Actor, manager: Actor) -> None:
    case_id = _positive_case(store, navigator)
    with pytest.raises(NotPermitted, match="A custody navigator cannot record attendance"):
        dtoa.record_attendance(
            store,
            actor=navigator,
            case_id=case_id,
            kind="initial",
            attended=True,
            occurred_at=ARREST + timedelta(days=3),
        )
    with pytest.raises(NotPermitted, match="A manager cannot record an arrest"):
        dtoa.record_arrest(store, actor=manager, person_id=1, occurred_at=ARREST, offence="theft")
    with store.unit_of_work() as uow:
        refused = uow.session.scalars(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
        assert {(r.actor, r.action) for r in refused} == {
            ("nav.smith", "record_attendance"),
            ("mgr.patel", "record_arrest"),
        }


def test_corrections_keep_the_history(store: Store, navigator: Actor) -> None:
    case_id = _positive_case(store, navigator)
    with store.unit_of_work() as uow:
        test_event = uow.session.scalars(select(Event).where(Event.case_id == case_id, Event.name == "test")).one()
    fixed = correct_event(
        store, actor=navigator, event_id=test_event.id, reason="lab confirmed cocaine only", substances="cocaine"
    )
    again = correct_event(
        store,
        actor=navigator,
        event_id=test_event.id,
        reason="typo in time",
        occurred_at=ARREST + timedelta(minutes=40),
    )
    assert fixed.case_id == again.case_id == case_id
    with pytest.raises(StepNotAllowed, match="only be required after a positive test"):
        correct_event(store, actor=navigator, event_id=test_event.id, reason="wrong", result="negative")
    with pytest.raises(StepNotAllowed):
        withdraw_event(store, actor=navigator, event_id=test_event.id, reason="entered on the wrong case")
    with store.unit_of_work() as uow:
        versions = uow.session.scalars(
            select(Event).where(Event.case_id == case_id, Event.name == "test").order_by(Event.seq)
        ).all()
        assert [(v.action, v.substances, v.correction_reason) for v in versions] == [
            ("record", "cocaine;opiates", None),
            ("correct", "cocaine", "lab confirmed cocaine only"),
            ("correct", "cocaine", "typo in time"),
        ]


def test_worklists_agree_on_overdue(store: Store, navigator: Actor, worker: Actor, clock: Clock) -> None:
    case_id = _positive_case(store, navigator)
    clock.at = ARREST + timedelta(days=3, hours=2)  # the initial appointment has passed
    today = worklists.appointments_on(store, actor=worker, day=(ARREST + timedelta(days=3)).date())
    assert [(v.case_id, v.kind) for v in today] == [(case_id, "initial")]
    overdue = worklists.overdue_requirements(store, actor=worker)
    assert [(v.kind, v.service) for v in overdue] == [("initial", "Inclusion Hampshire")]
    dtoa.record_attendance(
        store,
        actor=worker,
        case_id=case_id,
        kind="initial",
        attended=True,
        occurred_at=ARREST + timedelta(days=3, hours=1),
    )
    assert worklists.overdue_requirements(store, actor=worker) == []
    clock.at = ARREST + timedelta(days=18)
    assert [v.kind for v in worklists.overdue_requirements(store, actor=worker)] == ["follow_up"]
    assert worklists.overdue_requirements(store, actor=worker, service="Another service") == []


def test_local_date_of_a_summer_night_arrest(store: Store, navigator: Actor) -> None:
    """A 00:30 arrest on 1 October (BST) is a 1 October arrest, stored as 23:30 UTC on 30 September."""
    person_id = _person(store, navigator, born=date(2007, 10, 1))  # 18 on 1 October 2025
    night = datetime(2025, 10, 1, 0, 30, tzinfo=LONDON)
    case = dtoa.record_arrest(store, actor=navigator, person_id=person_id, occurred_at=night, offence="theft")
    assert (case.explanation or "").startswith("eligible: aged 18")
    with store.unit_of_work() as uow:
        stored = uow.session.get(Case, case.case_id)
        assert stored is not None
        assert stored.first_event_at.isoformat() == "2025-09-30T23:30:00+00:00"


def test_a_drug_added_by_the_administrator_can_be_recorded(store: Store, navigator: Actor, admin: Actor) -> None:
    """When the law adds a drug (the Crime and Policing Bill: Class B/C), no code changes: the list does."""
    from pathways.reference import set_reference_entry

    person_id = _person(store, navigator)
    case_id = dtoa.record_arrest(
        store, actor=navigator, person_id=person_id, occurred_at=ARREST, offence="theft"
    ).case_id
    with pytest.raises(
        StepNotAllowed, match="Drug test: 'ketamine' is not a choice for the substances found; use cocaine, opiates"
    ):
        dtoa.record_test(
            store,
            actor=navigator,
            case_id=case_id,
            occurred_at=ARREST + timedelta(minutes=30),
            result="positive",
            substances=["ketamine"],
        )
    set_reference_entry(store, actor=admin, list_name="drugs", code="ketamine", label="Ketamine", flag=True)
    done = dtoa.record_test(
        store,
        actor=navigator,
        case_id=case_id,
        occurred_at=ARREST + timedelta(minutes=30),
        result="positive",
        substances=["ketamine"],
    )
    assert done.stage == "Tested"


def test_the_last_referral_at_a_custody_suite(store: Store, navigator: Actor) -> None:
    """What the new-arrest form offers first: the service and place last required at the navigator's own suite
    (the latest, a further notice's included); none for a suite with no referral, or an actor with no suite."""
    from dataclasses import replace

    assert dtoa.last_referral(store, actor=navigator) is None
    case_id = _positive_case(store, navigator)
    assert dtoa.last_referral(store, actor=navigator) == ("Inclusion Hampshire", "12 Church St, Basingstoke")
    dtoa.reschedule_assessment(
        store,
        actor=navigator,
        case_id=case_id,
        kind="initial",
        due_at=ARREST + timedelta(days=5),
        service="Inclusion Hampshire",
        place="Basingstoke hub, 3 London St",
        occurred_at=ARREST + timedelta(hours=2),
        reason="the clinic moved",
    )
    assert dtoa.last_referral(store, actor=navigator) == ("Inclusion Hampshire", "Basingstoke hub, 3 London St")
    assert dtoa.last_referral(store, actor=replace(navigator, site="Portsmouth")) is None
    assert dtoa.last_referral(store, actor=replace(navigator, site=None)) is None


def test_a_required_assessment_added_as_a_plain_step_needs_its_place(store: Store, navigator: Actor) -> None:
    """Add event → Assessment required goes through the generic step service: it too refuses a requirement with no
    place (the notice must say where), writing nothing, though an import may leave the place out."""
    case_id, given = _tested_positive(store, navigator, ("cocaine",)), ARREST + timedelta(minutes=45)
    values = {"kind": "initial", "service": "Inclusion Hampshire", "place": "  "}

    def require(values: Mapping[str, str | None]) -> int:
        return record_step(
            store, actor=navigator, case_id=case_id, event="assessment_required", occurred_at=given,
            values=values, due_at=ARREST + timedelta(days=3),
        ).event_id  # fmt: skip

    with pytest.raises(InvalidInput, match=r"^Assessment required: give the place"):
        require(values)
    with store.unit_of_work() as uow:
        assert [e.name for e in uow.session.scalars(select(Event).where(Event.case_id == case_id))] == [
            "arrest",
            "test",
        ]
    event_id = require({**values, "place": "12 Church St, Basingstoke"})
    with store.unit_of_work() as uow:
        assert uow.session.get_one(Event, event_id).place == "12 Church St, Basingstoke"


def _assessments(store: Store, case_id: int) -> list[tuple[str, datetime | None]]:
    with store.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(Event).where(Event.case_id == case_id, Event.name == "assessment_required").order_by(Event.seq)
        )
        return [(e.kind or "", e.due_at) for e in rows]


def test_custodys_two_required_assessments_are_recorded_together_or_not_at_all(store: Store, navigator: Actor) -> None:
    case_id, given = _tested_positive(store, navigator), ARREST + timedelta(minutes=50)
    initial, follow_up = ARREST + timedelta(days=3), ARREST + timedelta(days=17)

    def require(due: list[tuple[str, datetime]]) -> EventRecorded:
        return dtoa.require_assessments(
            store, actor=navigator, case_id=case_id, due=due, service="Inclusion Hampshire", place="Clinic",
            occurred_at=given,
        )  # fmt: skip

    with pytest.raises(InvalidInput, match=r"^The appointment must be after the time the requirement is given"):
        require([("initial", initial), ("follow_up", given - timedelta(hours=1))])
    assert _assessments(store, case_id) == []  # the initial one not saved either
    with pytest.raises(StepNotAllowed):  # the rules refuse the second (a follow-up required twice): neither is kept
        require([("follow_up", follow_up), ("follow_up", follow_up + timedelta(days=1))])
    assert _assessments(store, case_id) == []
    require([("initial", initial), ("follow_up", follow_up)])
    assert [(kind, due.astimezone(LONDON) if due else None) for kind, due in _assessments(store, case_id)] == [
        ("initial", initial),
        ("follow_up", follow_up),
    ]
