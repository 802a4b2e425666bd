"""Court orders (DRR, ATR) and prison release, recorded through the generic services on SQLite and PostgreSQL.

Each pathway is only a data file (resources/pathways/*.toml); these tests hold the files to what the courts
and the continuity-of-care indicator say.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import pytest

from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.errors import StepNotAllowed
from pathways.services import people, worklists
from pathways.services.results import EventRecorded
from pathways.services.steps import record_step, start_case
from pathways.services.tasks import open_tasks
from pathways.store import Store
from reports.cohort import CohortQuestion, cohort_figures
from tests.listed_services import list_services

COURT = "Carlisle Magistrates' Court"
PROVIDER = "Unity Cumbria"
PRISON = "HMP Haverigg"


@pytest.fixture(autouse=True)
def provider_listed(store: Store) -> None:
    """The provider is on the administrator's list of services (a service typed off the list is refused)."""
    list_services(store, PROVIDER)


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def person(store: Store, actor: Actor, surname: str = "Graham") -> int:
    return people.register_person(
        store, actor=actor, surname=surname, forenames="Lee", date_of_birth=date(1988, 4, 2), sex="M"
    ).id


def order(
    store: Store,
    actor: Actor,
    person_id: int,
    made: datetime,
    ends: datetime,
    *,
    pathway: str = "drr",
    reviews: bool = True,
) -> EventRecorded:
    values = {"site": COURT, "service": PROVIDER, "result": "with_reviews" if reviews else "without_reviews"}
    if pathway == "drr":
        values["kind"] = "fortnightly"
    return start_case(
        store,
        actor=actor,
        person_id=person_id,
        pathway=pathway,
        event="order_made",
        occurred_at=made,
        values=values,
        due_at=ends,
    )


def step(
    store: Store, actor: Actor, case_id: int, event: str, at: datetime, values: Mapping[str, str] | None = None
) -> EventRecorded:
    return record_step(store, actor=actor, case_id=case_id, event=event, occurred_at=at, values=values or {})


def labels(recorded: EventRecorded) -> list[tuple[str, datetime]]:
    return [(d.label, d.due_at.astimezone(LONDON)) for d in recorded.deadlines]


def test_a_drr_runs_from_order_to_completion_with_monthly_reviews_on_the_worklist(store: Store, worker: Actor) -> None:
    case = order(store, worker, person(store, worker), local(2026, 9, 15), local(2028, 3, 15))
    assert case.stage == "Order running"
    assert labels(case) == [("Review hearing 1 of 18", local(2026, 10, 15))]
    step(store, worker, case.case_id, "test", local(2026, 9, 29), {"result": "positive", "substances": "cocaine"})
    first = step(
        store, worker, case.case_id, "review", local(2026, 10, 14), {"result": "good", "substances": "cocaine"}
    )
    assert labels(first) == [("Review hearing 2 of 18", local(2026, 11, 15))]
    second = step(store, worker, case.case_id, "review", local(2026, 11, 16), {"result": "acceptable"})
    assert labels(second) == [("Review hearing 3 of 18", local(2026, 12, 15))]

    # The provider's worklist reads the open-deadlines index: only the next hearing, on its day.
    due = worklists.appointments_on(store, actor=worker, day=date(2026, 12, 15), service=PROVIDER)
    assert [(d.case_id, d.label) for d in due] == [(case.case_id, "Review hearing 3 of 18")]
    assert worklists.appointments_on(store, actor=worker, day=date(2027, 1, 15), service=PROVIDER) == []
    assert worklists.overdue_requirements(store, actor=worker) == []

    done = step(store, worker, case.case_id, "completed", local(2026, 11, 20))
    assert done.stage == "Completed" and done.deadlines == ()
    assert worklists.appointments_on(store, actor=worker, day=date(2026, 12, 15)) == []
    with pytest.raises(StepNotAllowed, match=r"^This case was closed on 20 Nov 2026; nothing more can be recorded"):
        step(store, worker, case.case_id, "revoked", local(2026, 11, 21))


def test_order_steps_out_of_order_are_refused_in_the_pathways_words(store: Store, worker: Actor) -> None:
    person_id = person(store, worker)
    with pytest.raises(StepNotAllowed, match=r"^A Drug Rehabilitation Requirement \(DRR\) case starts with the court"):
        start_case(
            store,
            actor=worker,
            person_id=person_id,
            pathway="drr",
            event="review",
            occurred_at=local(2026, 5, 1),
            values={"result": "good"},
        )
    case = order(store, worker, person_id, local(2026, 5, 1), local(2027, 5, 1))
    refusals = [
        (
            "review",
            local(2026, 4, 30),
            {"result": "good"},
            "The review hearing cannot come before the court order: a Drug Rehabilitation Requirement (DRR) case "
            "starts with the court order.",
        ),
        (
            "order_made",
            local(2026, 6, 1),
            {"site": COURT, "service": PROVIDER, "kind": "weekly", "result": "with_reviews"},
            "This case already has an order. A new order is a new case.",
        ),
        (
            "warning",
            local(2026, 6, 1),
            {},
            "A warning is given for a failure to comply, and no failure is recorded on this order.",
        ),
        (
            "breach",
            local(2026, 6, 1),
            {"reason": "missed appointments"},
            "Breach proceedings are for a failure to comply, and no failure is recorded on this order.",
        ),
        ("test", local(2026, 6, 1), {"result": "positive"}, "Drug test: give the substances found."),
    ]
    for event, at, values, message in refusals:
        with pytest.raises(StepNotAllowed) as refused:
            record_step(
                store,
                actor=worker,
                case_id=case.case_id,
                event=event,
                occurred_at=at,
                values=values,
                due_at=local(2027, 6, 1) if event == "order_made" else None,
            )
        assert str(refused.value) == message, event
    step(store, worker, case.case_id, "failure", local(2026, 6, 3), {"reason": "missed two appointments"})
    assert step(store, worker, case.case_id, "warning", local(2026, 6, 4)).stage == "Warned"
    with pytest.raises(StepNotAllowed, match=r"^The latest failure to comply already has a warning"):
        step(store, worker, case.case_id, "warning", local(2026, 6, 5))


def test_an_order_over_twelve_months_needs_review_hearings(store: Store, worker: Actor) -> None:
    person_id = person(store, worker)
    with pytest.raises(StepNotAllowed, match=r"^An order running more than 12 months must have review hearings"):
        order(store, worker, person_id, local(2026, 3, 1), local(2027, 3, 2), reviews=False)
    short = order(store, worker, person_id, local(2026, 3, 1), local(2027, 3, 1), reviews=False)
    assert short.deadlines == ()  # no reviews, so no hearings to hold
    with pytest.raises(StepNotAllowed, match=r"^This order was made without review hearings"):
        step(store, worker, short.case_id, "review", local(2026, 4, 1), {"result": "good"})
    # An ATR may run longer without reviews (Schedule 9 provides reviews for the DRR only).
    atr = order(store, worker, person_id, local(2026, 3, 1), local(2027, 9, 1), pathway="atr", reviews=False)
    assert atr.stage == "Order running" and atr.deadlines == ()
    with pytest.raises(StepNotAllowed, match=r"^This order was made without review hearings"):
        step(store, worker, atr.case_id, "review", local(2026, 4, 1), {"result": "good"})


@pytest.mark.parametrize("pathway", ["drr", "atr"])
def test_a_second_failure_within_twelve_months_of_a_warning_raises_breach_proceedings(
    store: Store, worker: Actor, pathway: str
) -> None:
    person_id = person(store, worker)
    soon = order(store, worker, person_id, local(2025, 1, 6), local(2027, 1, 6), pathway=pathway)
    late = order(store, worker, person_id, local(2025, 1, 6), local(2027, 1, 6), pathway=pathway)
    for case in (soon, late):
        first = {"reason": "missed an appointment", "service": PROVIDER}
        step(store, worker, case.case_id, "failure", local(2025, 2, 3), first)
        step(store, worker, case.case_id, "warning", local(2025, 2, 10))
    again = {"reason": "missed two appointments", "service": PROVIDER}
    step(store, worker, soon.case_id, "failure", local(2026, 2, 10, 9), again)  # 12 months less an hour
    step(store, worker, late.case_id, "failure", local(2026, 3, 10), again)  # 13 months: a new first failure
    tasks = open_tasks(store, actor=worker, service=PROVIDER)
    assert [(t.case_id, t.label) for t in tasks] == [(soon.case_id, "Start breach proceedings")]

    breach = step(store, worker, soon.case_id, "breach", local(2026, 2, 12), {"reason": "second failure"})
    assert breach.stage == "Breach proceedings"
    assert step(store, worker, soon.case_id, "revoked", local(2026, 3, 20)).stage == "Revoked"
    with pytest.raises(StepNotAllowed, match=r"^This case was closed on 20 Mar 2026"):
        step(store, worker, soon.case_id, "completed", local(2026, 3, 21))
    assert step(store, worker, late.case_id, "terminated", local(2026, 4, 1)).stage == "Terminated unsuccessfully"


def test_release_sets_the_21_day_engagement_deadline_on_the_providers_worklist(store: Store, worker: Actor) -> None:
    release = start_case(
        store,
        actor=worker,
        person_id=person(store, worker),
        pathway="prison_release",
        event="released",
        occurred_at=local(2026, 11, 10, 9, 30),
        values={"site": PRISON, "service": PROVIDER},
    )
    deadline = "Engage in community treatment (21 days from release)"
    assert labels(release) == [(deadline, local(2026, 12, 1, 9, 30))]
    due = worklists.appointments_on(store, actor=worker, day=date(2026, 12, 1), service=PROVIDER)
    assert [(d.case_id, d.label) for d in due] == [(release.case_id, deadline)]

    with pytest.raises(StepNotAllowed, match=r"^Community appointment booked: give the appointment date and time"):
        step(store, worker, release.case_id, "appointment_made", local(2026, 11, 12))
    booked = record_step(
        store,
        actor=worker,
        case_id=release.case_id,
        event="appointment_made",
        occurred_at=local(2026, 11, 12),
        values={"service": PROVIDER},
        due_at=local(2026, 12, 3, 14),
    )
    assert booked.stage == "Appointment booked"
    assert labels(booked) == [
        (deadline, local(2026, 12, 1, 9, 30)),
        ("Community treatment appointment", local(2026, 12, 3, 14)),
    ]
    engaged = step(store, worker, release.case_id, "engaged", local(2026, 11, 20), {"service": PROVIDER})
    assert engaged.stage == "Engaged in treatment" and engaged.deadlines == ()
    assert (
        worklists.appointments_between(store, actor=worker, first_day=date(2026, 11, 1), last_day=date(2026, 12, 31))
        == []
    )
    for event, message in (
        ("engaged", "Engagement in community treatment is already recorded on this case."),
        ("not_engaged", "The person is already recorded as engaged in community treatment."),
    ):
        with pytest.raises(StepNotAllowed) as refused:
            step(store, worker, release.case_id, event, local(2026, 11, 21), {"service": PROVIDER})
        assert str(refused.value) == message
    with pytest.raises(StepNotAllowed, match=r"^The person is already engaged in community treatment; later"):
        record_step(
            store,
            actor=worker,
            case_id=release.case_id,
            event="appointment_made",
            occurred_at=local(2026, 11, 21),
            values={},
            due_at=local(2026, 12, 3),
        )


def test_engaged_within_21_days_counts_local_dates_from_the_day_of_release(
    store: Store, worker: Actor, manager: Actor
) -> None:
    """The day of release is day 0. Released at 00:30 on 1 April (British Summer Time, still 31 March in UTC):
    engaging at 10:00 on 22 April is day 21 and counts, though it is 22 UTC dates and more than 21 x 24 hours
    later; engaging ten minutes into 23 April (day 22; still 22 April in UTC) does not."""
    released = local(2026, 4, 1, 0, 30)
    engagements = [local(2026, 4, 22, 10), local(2026, 4, 23, 0, 10), local(2026, 4, 1, 15), None]
    for n, engaged_at in enumerate(engagements):
        case = start_case(
            store,
            actor=worker,
            person_id=person(store, worker, f"Released{'ABCD'[n]}"),
            pathway="prison_release",
            event="released",
            occurred_at=released,
            values={"site": PRISON, "service": PROVIDER},
        )
        if engaged_at is None:
            step(store, worker, case.case_id, "not_engaged", local(2026, 4, 25), {"reason": "did not attend"})
        else:
            step(store, worker, case.case_id, "engaged", engaged_at, {"service": PROVIDER})
    answer = cohort_figures(
        store, actor=manager, question=CohortQuestion("prison_release", date(2026, 4, 1), date(2026, 4, 30))
    )
    assert answer.figures == {
        "released": 4,
        "people": 4,
        "appointments": 0,
        "engaged": 3,
        "engaged_within_21_days": 2,
        "engaged_within_21_days_pct": 50.0,
        "not_engaged": 1,
    }
    assert "day 21 counts" in answer.meanings["engaged_within_21_days"]
    march = CohortQuestion("prison_release", date(2026, 3, 1), date(2026, 3, 31))  # 31 March in UTC, not here
    assert cohort_figures(store, actor=manager, question=march).figures["released"] == 0
