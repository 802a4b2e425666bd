"""Outreach visits and residential rehabilitation (Offender to Rehab), recorded through the generic services."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.errors import NotPermitted, StepNotAllowed
from pathways.services import people
from pathways.services.steps import record_step, start_case
from pathways.store import Store
from reports.cohort import CohortQuestion, cohort_figures
from tests.listed_services import list_services

CLIC = "County Lines Informed Cumbria"
DRINKERS = "High-impact complex drinkers service"
UNIT = "Phoenix Futures Sheffield"
PROBATION = "Cumbria Probation"


@pytest.fixture(autouse=True)
def services_listed(store: Store) -> None:
    """The partners, the referring service and the rehab unit are on the administrator's list of services."""
    list_services(store, CLIC, DRINKERS, UNIT, PROBATION)


def local(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LONDON)


def person(store: Store, actor: Actor, surname: str) -> int:
    return people.register_person(
        store, actor=actor, surname=surname, forenames="Jo", date_of_birth=date(1979, 12, 1), sex="F"
    ).id


def refused(store: Store, actor: Actor, case_id: int, event: str, at: datetime, values: dict[str, str]) -> str:
    with pytest.raises(StepNotAllowed) as caught:
        record_step(store, actor=actor, case_id=case_id, event=event, occurred_at=at, values=values)
    return str(caught.value)


def test_outreach_visits_referrals_to_several_partners_and_engagement(
    store: Store, navigator: Actor, worker: Actor, manager: Actor
) -> None:
    visit = start_case(
        store,
        actor=navigator,
        person_id=person(store, navigator, "Armstrong"),
        pathway="outreach",
        event="visit",
        occurred_at=local(5, 4),
        values={"site": "Barrow-in-Furness", "reason": "county_lines"},
    )
    case_id = visit.case_id
    assert visit.stage == "Visited" and visit.deadlines == ()
    message = refused(store, navigator, case_id, "engaged", local(5, 5), {"service": CLIC})
    assert message == (
        "The person was not referred to County Lines Informed Cumbria, so engagement with it cannot be recorded: "
        "record the referral first."
    )
    for partner in (CLIC, DRINKERS):
        record_step(
            store,
            actor=navigator,
            case_id=case_id,
            event="referred",
            occurred_at=local(5, 5),
            values={"service": partner},
        )
    worker = replace(worker, service=CLIC)  # a worker of the service the case was referred to
    record_step(
        store,
        actor=worker,
        case_id=case_id,
        event="visit",
        occurred_at=local(5, 12),
        values={"site": "Barrow-in-Furness", "reason": "complex_drinker"},
    )
    engaged = record_step(
        store, actor=worker, case_id=case_id, event="engaged", occurred_at=local(5, 19), values={"service": CLIC}
    )
    assert engaged.stage == "Engaged"
    assert refused(store, worker, case_id, "engaged", local(5, 20), {"service": CLIC}) == (
        "Engagement with County Lines Informed Cumbria is already recorded on this case."
    )
    assert refused(store, worker, case_id, "visit", local(5, 20), {"site": "Ulverston", "reason": "gossip"}) == (
        "Outreach visit: 'gossip' is not a choice for the reason; use vulnerability, exploitation, county_lines, "
        "cuckooing, complex_drinker, rough_sleeping, other."
    )
    with pytest.raises(NotPermitted, match="A manager cannot record an outreach visit"):
        record_step(store, actor=manager, case_id=case_id, event="closed", occurred_at=local(5, 21), values={})

    other = start_case(
        store,
        actor=navigator,
        person_id=person(store, navigator, "Tyson"),
        pathway="outreach",
        event="visit",
        occurred_at=local(5, 20),
        values={"site": "Carlisle", "reason": "cuckooing"},
    )
    record_step(
        store,
        actor=navigator,
        case_id=other.case_id,
        event="closed",
        occurred_at=local(5, 21),
        values={"reason": "declined any help"},
    )
    figures = cohort_figures(
        store, actor=manager, question=CohortQuestion("outreach", date(2026, 5, 1), date(2026, 5, 31))
    )
    assert figures.figures == {
        "cases": 2,
        "people": 2,
        "visits": 3,
        "county_lines": 1,
        "exploitation": 1,
        "complex_drinkers": 1,
        "referred": 1,
        "referred_pct": 50.0,
        "referrals": 2,
        "engaged": 1,
        "engaged_pct": 100.0,
        "visit_reasons": {"complex_drinker": 1, "county_lines": 1, "cuckooing": 1},
        "partners": {CLIC: 1, DRINKERS: 1},
    }


def test_rehab_from_referral_through_funding_to_a_completed_placement(
    store: Store, worker: Actor, manager: Actor
) -> None:
    case_id = start_case(
        store,
        actor=worker,
        person_id=person(store, worker, "Dixon"),
        pathway="rehab",
        event="referred",
        occurred_at=local(3, 2),
        values={"site": "Carlisle Crown Court", "service": PROBATION},
    ).case_id
    assert refused(store, worker, case_id, "admitted", local(3, 3), {"service": UNIT}) == (
        "Admission needs funding approved, and none is recorded."
    )
    record_step(
        store, actor=worker, case_id=case_id, event="assessed", occurred_at=local(3, 9), values={"result": "suitable"}
    )
    record_step(
        store,
        actor=worker,
        case_id=case_id,
        event="funding_refused",
        occurred_at=local(3, 16),
        values={"reason": "panel asked for a detox plan first"},
    )
    approved = record_step(
        store,
        actor=worker,
        case_id=case_id,
        event="funding_approved",
        occurred_at=local(3, 30),
        values={"notes": "funded by Cumbria County Council"},  # (a funder is no treatment service)
        due_at=local(4, 20),
    )
    assert [(d.label, d.due_at) for d in approved.deadlines] == [("Planned admission", local(4, 20))]
    assert refused(store, worker, case_id, "funding_refused", local(3, 31), {"reason": "x"}) == (
        "Funding is already approved on this case, so it cannot now be refused."
    )
    admitted = record_step(
        store, actor=worker, case_id=case_id, event="admitted", occurred_at=local(4, 20), values={"service": UNIT}
    )
    assert admitted.stage == "In residential rehabilitation" and admitted.deadlines == ()
    record_step(store, actor=worker, case_id=case_id, event="completed", occurred_at=local(7, 13), values={})
    assert refused(store, worker, case_id, "left_early", local(7, 14), {}) == "The placement has already ended."

    unsuitable = start_case(
        store,
        actor=worker,
        person_id=person(store, worker, "Nixon"),
        pathway="rehab",
        event="referred",
        occurred_at=local(3, 5),
        values={},
    ).case_id
    record_step(
        store,
        actor=worker,
        case_id=unsuitable,
        event="assessed",
        occurred_at=local(3, 9),
        values={"result": "not_suitable"},
    )
    assert refused(store, worker, unsuitable, "funding_approved", local(3, 10), {}) == (
        "Funding is approved for someone assessed as suitable for residential rehabilitation, and no such "
        "assessment is recorded."
    )
    record_step(
        store,
        actor=worker,
        case_id=unsuitable,
        event="closed",
        occurred_at=local(3, 10),
        values={"reason": "community treatment instead"},
    )
    figures = cohort_figures(
        store, actor=manager, question=CohortQuestion("rehab", date(2026, 3, 1), date(2026, 3, 31))
    )
    assert figures.figures == {
        "referrals": 2,
        "people": 2,
        "assessed": 2,
        "suitable": 1,
        "funding_approved": 1,
        "funding_refused": 0,  # refused, then approved on appeal
        "admitted": 1,
        "admitted_pct": 50.0,
        "completed": 1,
        "completed_pct": 100.0,
        "left_early": 0,
        "units": {UNIT: 1},
    }
