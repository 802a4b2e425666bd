"""Arrest referral, youth interventions and DIVERT's "no second offer after not engaging", recorded through the
generic services (start_case, record_step) on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from db.models import Case, Event
from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.errors import NotPermitted, StepNotAllowed
from pathways.services import people
from pathways.services.case_openings import NewCaseRefused, new_case_check
from pathways.services.steps import record_step, start_case
from pathways.store import Store
from tests.listed_services import list_services

CUSTODY = "Bournemouth custody"
EDP = "EDP Drug and Alcohol Services"
YOUTH_SERVICE = "Dorset youth substance service"


@pytest.fixture(autouse=True)
def services_listed(store: Store) -> None:
    """The services the cases are referred to are on the administrator's list of services."""
    list_services(store, EDP, YOUTH_SERVICE)


def local(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LONDON)


def person(store: Store, actor: Actor, born: date = date(1990, 2, 3), surname: str = "Dean") -> int:
    return people.register_person(store, actor=actor, surname=surname, forenames="Sam", date_of_birth=born, sex="M").id


def counts(store: Store) -> tuple[int, int]:
    with store.unit_of_work() as uow:
        return (
            uow.session.scalar(select(func.count()).select_from(Case)) or 0,
            uow.session.scalar(select(func.count()).select_from(Event)) or 0,
        )


def test_an_arrest_referral_from_contact_to_closure(store: Store, navigator: Actor, worker: Actor) -> None:
    person_id = person(store, navigator)
    contact = start_case(
        store,
        actor=navigator,
        person_id=person_id,
        pathway="arrest_referral",
        event="contact",
        occurred_at=local(5, 1, 9),
        values={"reason": "voluntary_cell_sweep", "site": CUSTODY},
    )
    assert contact.stage == "Contacted" and contact.case_ref.startswith("ARREST-REFERRAL-20260501-")
    case_id = contact.case_id
    with pytest.raises(StepNotAllowed, match=r"^A referral to treatment follows an assessment: record the assessment"):
        record_step(
            store,
            actor=navigator,
            case_id=case_id,
            event="referred",
            occurred_at=local(5, 1, 10),
            values={"service": EDP},
        )
    steps = [
        ("screened", {"substances": "opiates;cocaine"}),
        ("assessed", {}),
        ("referred", {"service": EDP}),
        ("naloxone_supplied", {"site": CUSTODY}),
    ]
    for hour, (event, values) in enumerate(steps, start=10):
        record_step(store, actor=navigator, case_id=case_id, event=event, occurred_at=local(5, 1, hour), values=values)
    worker = replace(worker, service=EDP)  # of the service the case was referred to
    started = record_step(
        store, actor=worker, case_id=case_id, event="treatment_started", occurred_at=local(5, 6), values={}
    )
    assert started.stage == "In treatment"
    with pytest.raises(StepNotAllowed, match="Case closed: give the reason"):
        record_step(store, actor=worker, case_id=case_id, event="closed", occurred_at=local(8, 1), values={})
    closed = record_step(
        store,
        actor=worker,
        case_id=case_id,
        event="closed",
        occurred_at=local(8, 1),
        values={"reason": "care_plan_completed"},
    )
    assert closed.stage == "Closed"
    with pytest.raises(StepNotAllowed, match="This case was closed on 1 Aug 2026"):
        record_step(store, actor=worker, case_id=case_id, event="naloxone_supplied", occurred_at=local(8, 2), values={})


def test_youth_interventions_for_a_young_person_and_their_family(store: Store, navigator: Actor, worker: Actor) -> None:
    young = person(store, worker, born=date(2010, 9, 1), surname="Frost")
    opened = start_case(
        store,
        actor=worker,
        person_id=young,
        pathway="youth",
        event="referral",
        occurred_at=local(3, 2),
        values={"kind": "community_resolution", "substances": "cannabis", "service": YOUTH_SERVICE},
    )
    case_id = opened.case_id
    with pytest.raises(StepNotAllowed, match=r"^Intervention sessions follow the assessment: record the assessment"):
        record_step(store, actor=worker, case_id=case_id, event="session_attended", occurred_at=local(3, 5), values={})
    with pytest.raises(StepNotAllowed, match=r"^The family can only take up support that was offered to them"):
        record_step(store, actor=worker, case_id=case_id, event="family_engaged", occurred_at=local(3, 5), values={})
    for day, event in ((4, "assessed"), (5, "family_offered"), (9, "family_engaged"), (11, "session_attended")):
        record_step(store, actor=worker, case_id=case_id, event=event, occurred_at=local(3, day), values={})
    record_step(store, actor=worker, case_id=case_id, event="session_missed", occurred_at=local(3, 18), values={})
    done = record_step(store, actor=worker, case_id=case_id, event="completed", occurred_at=local(3, 25), values={})
    assert done.stage == "Completed"
    with pytest.raises(NotPermitted, match="A custody navigator cannot record a youth intervention step"):
        start_case(
            store,
            actor=navigator,
            person_id=young,
            pathway="youth",
            event="referral",
            occurred_at=local(4, 1),
            values={"kind": "youth_caution"},
        )


def test_an_18_year_old_is_refused_youth_interventions_in_plain_words(store: Store, worker: Actor) -> None:
    adult = person(store, worker, born=date(2008, 4, 1), surname="Gale")  # 18 on 1 April 2026
    before = counts(store)
    with pytest.raises(StepNotAllowed) as refused:
        start_case(
            store,
            actor=worker,
            person_id=adult,
            pathway="youth",
            event="referral",
            occurred_at=local(4, 1),
            values={"kind": "youth_caution"},
        )
    assert refused.value.message == (
        "The Youth substance-misuse interventions pathway is for people aged under 18: "
        "this person was 18 on the day of the referral."
    )
    assert counts(store) == before  # nothing written
    # The day before the 18th birthday the young person could still be referred.
    opened = start_case(
        store,
        actor=worker,
        person_id=adult,
        pathway="youth",
        event="referral",
        occurred_at=local(3, 31),
        values={"kind": "youth_caution"},
    )
    assert opened.stage == "Referred"


def _divert(store: Store, actor: Actor, person_id: int, when: datetime) -> int:
    return start_case(
        store,
        actor=actor,
        person_id=person_id,
        pathway="divert",
        event="referral",
        occurred_at=when,
        values={"substances": "cannabis", "site": "Worcester", "service": "Inclusion Hampshire"},  # the worker's
    ).case_id


def test_divert_is_not_offered_again_after_not_engaging(store: Store, navigator: Actor, worker: Actor) -> None:
    person_id = person(store, navigator)
    first = _divert(store, navigator, person_id, local(2, 3))
    record_step(store, actor=worker, case_id=first, event="not_engaged", occurred_at=local(3, 1), values={})
    with store.unit_of_work() as uow:
        first_ref = uow.session.get(Case, first).case_ref  # type: ignore[union-attr]
    before = counts(store)
    with pytest.raises(NewCaseRefused) as refused:
        _divert(store, navigator, person_id, local(6, 1))
    assert refused.value.message == (
        "DIVERT is not offered again to someone who did not engage: this person did not engage with referral "
        f"{first_ref} of 3 Feb 2026 (closed as not engaged on 1 Mar 2026)."
    )
    assert [r.case_ref for r in refused.value.refusals] == [first_ref]
    assert counts(store) == before  # no case, no event

    check = new_case_check(store, actor=worker, person_id=person_id, pathway="divert", opening=local(6, 1))
    assert not check.allowed and check.refusals[0].case_ref == first_ref
    assert new_case_check(
        store, actor=worker, person_id=person_id, pathway="arrest_referral", opening=local(6, 1)
    ).allowed
    # A referral dated before the person stopped engaging was allowed then, so it can still be recorded.
    assert _divert(store, navigator, person_id, local(2, 20))


def test_repeat_divert_referrals_are_allowed_when_the_person_engaged(
    store: Store, navigator: Actor, worker: Actor
) -> None:
    person_id = person(store, navigator, surname="Hale")
    first = _divert(store, navigator, person_id, local(1, 10))
    for day, event in ((12, "assessment_attended"), (20, "session_attended"), (20, "completed")):
        record_step(store, actor=worker, case_id=first, event=event, occurred_at=local(1, day, 15), values={})
    second = _divert(store, navigator, person_id, local(5, 2))
    assert second != first
    other = person(store, navigator, surname="Ivers")
    dropped = _divert(store, navigator, other, local(1, 10))
    record_step(store, actor=worker, case_id=dropped, event="not_engaged", occurred_at=local(2, 1), values={})
    assert _divert(store, navigator, person_id, local(6, 2))  # another person's case is no reason to refuse
