"""Two people load the same case or person and both save: the second is refused, with who changed it and when,
and nothing of the refused save is written. On a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, Case, Event, PersonChange
from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.errors import ConflictingChange
from pathways.services import dtoa, people
from pathways.services.accounts import add_user
from pathways.services.corrections import correct_event, withdraw_event
from pathways.services.records import case_version, person_record
from pathways.services.steps import record_step, start_case
from pathways.store import Store
from tests.conftest import Clock

ARREST = datetime(2026, 11, 2, 14, 20, tzinfo=LONDON)
SMITH_SAVES_AT = datetime(2026, 11, 29, 14, 32, tzinfo=LONDON)
CASE_CHANGED = (
    "This case was changed by J. Smith at 14:32 while you were working on it. "
    "Reload it to see the change, then try again."
)


@pytest.fixture
def smith(store: Store, admin: Actor) -> Actor:
    """A navigator with an account, so the refusal can name her as the users list does."""
    add_user(
        store,
        actor=admin,
        username="jsmith",
        display_name="J. Smith",
        role=Role.CUSTODY_NAVIGATOR,
        password="Basingstoke custody 7 navigator",
        site="Basingstoke",
        must_change_password=False,  # (so that she can work at once)
    )
    return Actor("jsmith", Role.CUSTODY_NAVIGATOR, "custody-pc-7", site="Basingstoke")


def _person(store: Store, actor: Actor) -> int:
    return people.register_person(
        store, actor=actor, surname="Hughes", forenames="Daniel", date_of_birth=date(1991, 6, 14), sex="M"
    ).id


def _positive_case(store: Store, navigator: Actor) -> int:
    """An arrest, a positive test and both assessments required: room for attendance and corrections."""
    case_id = dtoa.record_arrest(
        store, actor=navigator, person_id=_person(store, navigator), occurred_at=ARREST, offence="theft_shop"
    ).case_id
    dtoa.record_test(
        store,
        actor=navigator,
        case_id=case_id,
        occurred_at=ARREST + timedelta(minutes=40),
        result="positive",
        substances=["cocaine"],
    )
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


def _written(store: Store, case_id: int) -> tuple[int, int, int]:
    """What a save on the case leaves behind: its events, its version, its audit entries."""
    with store.unit_of_work() as uow:
        events = uow.session.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id))
        case = uow.session.get(Case, case_id)
        audits = uow.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.record_type == "case")
        )
        assert case is not None and events is not None and audits is not None
        return events, case.version, audits


def _shown_version(store: Store, actor: Actor, person_id: int, case_id: int) -> int:
    record = person_record(store, actor=actor, person_id=person_id)
    return next(c.version for c in record.cases if c.id == case_id)


def test_second_save_with_the_version_it_showed_is_refused_naming_who_and_when(
    store: Store, navigator: Actor, worker: Actor, smith: Actor, clock: Clock
) -> None:
    case_id = _positive_case(store, navigator)
    person_id = _person_of(store, case_id)
    shown_to_smith = _shown_version(store, smith, person_id, case_id)
    shown_to_worker = _shown_version(store, worker, person_id, case_id)
    assert shown_to_smith == shown_to_worker

    clock.at = SMITH_SAVES_AT
    dtoa.reschedule_assessment(
        store,
        actor=smith,
        case_id=case_id,
        kind="follow_up",
        due_at=ARREST + timedelta(days=20),
        service="Inclusion Hampshire",
        place="12 Church St, Basingstoke",
        occurred_at=ARREST + timedelta(days=1),
        reason="rang: in hospital that day",
        expected_version=shown_to_smith,
    )
    before = _written(store, case_id)
    clock.at = SMITH_SAVES_AT + timedelta(minutes=3)
    with pytest.raises(ConflictingChange) as refused:
        dtoa.record_attendance(
            store,
            actor=worker,
            case_id=case_id,
            kind="initial",
            attended=True,
            occurred_at=ARREST + timedelta(days=3),
            expected_version=shown_to_worker,
        )
    assert refused.value.message == CASE_CHANGED
    assert _written(store, case_id) == before  # no event, no version bump, no audit entry

    # Reloading shows the change and the newer version, with which the same save goes through.
    reloaded = _shown_version(store, worker, person_id, case_id)
    assert reloaded == before[1] == case_version(store, actor=worker, case_id=case_id)
    saved = dtoa.record_attendance(
        store,
        actor=worker,
        case_id=case_id,
        kind="initial",
        attended=True,
        occurred_at=ARREST + timedelta(days=3),
        expected_version=reloaded,
    )
    assert saved.case_version == reloaded + 1 == case_version(store, actor=worker, case_id=case_id)


def _person_of(store: Store, case_id: int) -> int:
    with store.unit_of_work() as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None
        return case.person_id


def _last_event(store: Store, case_id: int, name: str) -> int:
    with store.unit_of_work() as uow:
        found = uow.session.scalar(
            select(Event.id).where(Event.case_id == case_id, Event.name == name).order_by(Event.seq.desc()).limit(1)
        )
        assert found is not None
        return found


WORKER = Actor("tw.jones", Role.TREATMENT_WORKER, "clinic-pc-2", service="Inclusion Hampshire")
ATTENDED = ARREST + timedelta(days=3)


WRITERS: dict[str, Callable[[Store, Actor, int, int, int], object]] = {
    "record_step": lambda s, a, case_id, _e, v: record_step(
        s,
        actor=a,
        case_id=case_id,
        event="prosecuted",
        occurred_at=ARREST + timedelta(days=1),
        values={"reason": "other"},
        expected_version=v,
    ),
    "record_test": lambda s, a, case_id, _e, v: dtoa.record_test(
        s, actor=a, case_id=case_id, occurred_at=ARREST + timedelta(hours=2), result="negative", expected_version=v
    ),
    "reschedule_assessment": lambda s, a, case_id, _e, v: dtoa.reschedule_assessment(
        s,
        actor=a,
        case_id=case_id,
        kind="initial",
        due_at=ARREST + timedelta(days=5),
        service="Inclusion Hampshire",
        place="12 Church St",
        occurred_at=ARREST + timedelta(days=1),
        reason="in hospital",
        expected_version=v,
    ),
    "close_case": lambda s, a, case_id, _e, v: dtoa.close_case(
        s, actor=a, case_id=case_id, occurred_at=ARREST + timedelta(days=1), reason="moved away", expected_version=v
    ),
    "correct_event": lambda s, a, _c, event_id, v: correct_event(
        s, actor=a, event_id=event_id, reason="wrong time typed", notes="corrected", expected_version=v
    ),
    "withdraw_event": lambda s, a, _c, event_id, v: withdraw_event(
        s, actor=a, event_id=event_id, reason="entered on the wrong case", expected_version=v
    ),
    # the appointments page's outcomes, by the treatment worker of the service the assessments are with
    "record_attendance": lambda s, _a, case_id, _e, v: dtoa.record_attendance(
        s, actor=WORKER, case_id=case_id, kind="initial", attended=False, occurred_at=ATTENDED, expected_version=v
    ),
    "waive_follow_up": lambda s, _a, case_id, _e, v: dtoa.waive_follow_up(
        s, actor=WORKER, case_id=case_id, occurred_at=ATTENDED + timedelta(hours=1), expected_version=v
    ),
    "start_treatment": lambda s, _a, case_id, _e, v: dtoa.start_treatment(
        s, actor=WORKER, case_id=case_id, occurred_at=ATTENDED + timedelta(hours=1), expected_version=v
    ),
}
# What a writer needs recorded first (before the version the screen shows is read): the follow-up is waived by the
# initial assessor, once the initial assessment is attended.
BEFORE: dict[str, Callable[[Store, int], object]] = {
    "waive_follow_up": lambda s, case_id: dtoa.record_attendance(
        s, actor=WORKER, case_id=case_id, kind="initial", attended=True, occurred_at=ATTENDED
    ),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_case_writer_refuses_a_stale_version_and_writes_nothing(
    store: Store, navigator: Actor, smith: Actor, clock: Clock, writer: str
) -> None:
    case_id = _positive_case(store, navigator)
    test_id = _last_event(store, case_id, "test")
    target = _last_event(store, case_id, "assessment_required") if writer == "withdraw_event" else test_id
    if writer in BEFORE:
        BEFORE[writer](store, case_id)
    stale = case_version(store, actor=navigator, case_id=case_id)
    clock.at = SMITH_SAVES_AT
    correct_event(store, actor=smith, event_id=test_id, reason="time was wrong", notes="checked the custody record")
    before = _written(store, case_id)
    clock.at = SMITH_SAVES_AT + timedelta(days=1, hours=2)  # the next day: the refusal gives the date too
    with pytest.raises(ConflictingChange) as refused:
        WRITERS[writer](store, navigator, case_id, target, stale)
    assert refused.value.message == (
        "This case was changed by J. Smith at 14:32 on 29 Nov 2026 while you were working on it. "
        "Reload it to see the change, then try again."
    )
    assert _written(store, case_id) == before
    WRITERS[writer](store, navigator, case_id, target, before[1])  # with the current version it is saved
    assert _written(store, case_id)[1] == before[1] + 1


def test_without_an_account_the_refusal_names_the_username(store: Store, navigator: Actor, clock: Clock) -> None:
    person_id = _person(store, navigator)
    opened = start_case(
        store,
        actor=navigator,
        person_id=person_id,
        pathway="divert",
        event="referral",
        occurred_at=ARREST,
        values={},
    )
    clock.at = SMITH_SAVES_AT
    record_step(store, actor=navigator, case_id=opened.case_id, event="contacted", occurred_at=ARREST, values={})
    with pytest.raises(ConflictingChange, match=r"^This case was changed by nav\.smith at 14:32 while"):
        record_step(
            store,
            actor=navigator,
            case_id=opened.case_id,
            event="contacted",
            occurred_at=ARREST,
            values={},
            expected_version=opened.case_version,
        )


def test_second_correction_of_a_person_is_refused_naming_who_and_when(
    store: Store, admin: Actor, smith: Actor, clock: Clock
) -> None:
    person_id = _person(store, smith)  # no case yet: only smith and the administrator see her
    shown = people.get_person(store, actor=admin, person_id=person_id).version
    clock.at = SMITH_SAVES_AT
    people.correct_person(
        store, actor=smith, person_id=person_id, reason="spelling", expected_version=shown, forenames="Danny"
    )
    clock.at = SMITH_SAVES_AT + timedelta(minutes=10)
    with pytest.raises(ConflictingChange) as refused:
        people.correct_person(
            store, actor=admin, person_id=person_id, reason="typo", expected_version=shown, postcode="RG21 7QW"
        )
    assert refused.value.message == (
        "This person's details were changed by J. Smith at 14:32 while you were working on them. "
        "Reload them to see the change, then try again."
    )
    with store.unit_of_work() as uow:
        changes = uow.session.scalars(select(PersonChange.field).where(PersonChange.person_id == person_id)).all()
    assert changes == ["forenames"]  # the refused postcode change left nothing behind
    now = people.get_person(store, actor=admin, person_id=person_id)
    assert (now.forenames, now.postcode, now.version) == ("Danny", None, shown + 1)
