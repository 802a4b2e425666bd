"""A service recorded from the screens must be on the administrator's list of services, on SQLite and PostgreSQL.

A treatment worker sees the cases whose events name their service exactly as the list spells it (pathways.scope),
so a typo ("Inclusion Hants") would hide a court order from Inclusion Hampshire's workers. The services that record
what a screen gives refuse such a service, with nothing written; an import keeps any text, as the interchange
contract allows (and the importer warns of it).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.models import Case, Event, Programme
from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.errors import InvalidInput
from pathways.interchange.importer import import_dataset
from pathways.reference import set_reference_entry
from pathways.services import dtoa, people
from pathways.services.corrections import correct_event
from pathways.services.programmes import create_programme, enrol
from pathways.services.records import person_record
from pathways.services.steps import record_step, start_case
from pathways.store import Store
from tests.conftest import EXAMPLE
from tests.dtoa_case import arrested_and_positive

ORDER = {"site": "Winchester Crown Court", "kind": "weekly", "result": "with_reviews", "offence": "Theft from shop"}
HANTS = "“Inclusion Hants” is not on the list of services. Choose one from the list, or ask an administrator to add it."


def local(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LONDON)


def _person(store: Store, actor: Actor) -> int:
    return people.register_person(
        store, actor=actor, surname="Graham", forenames="Lee", date_of_birth=date(1988, 4, 2), sex="M"
    ).id


def _counts(store: Store) -> tuple[int, int, int]:
    with store.unit_of_work() as uow:
        return tuple(  # type: ignore[return-value]
            int(uow.session.scalar(select(func.count()).select_from(table)) or 0) for table in (Case, Event, Programme)
        )


def _order(store: Store, worker: Actor, person_id: int, service: str) -> int:
    return start_case(
        store,
        actor=worker,
        person_id=person_id,
        pathway="drr",
        event="order_made",
        occurred_at=local(9, 15),
        values={**ORDER, "service": service},
        due_at=local(12, 15),
    ).case_id


def test_a_court_order_with_a_service_off_the_list_is_refused_and_nothing_is_written(
    store: Store, worker: Actor
) -> None:
    person_id = _person(store, worker)
    before = _counts(store)
    with pytest.raises(InvalidInput) as refused:
        _order(store, worker, person_id, "Inclusion Hants")
    assert refused.value.message == HANTS
    assert _counts(store) == before
    case_id = _order(store, worker, person_id, "Inclusion Hampshire")
    with store.unit_of_work() as uow:
        order = uow.session.scalars(select(Event).where(Event.case_id == case_id)).one()
        assert (order.site, order.service, order.offence) == (
            "Winchester Crown Court",
            "Inclusion Hampshire",
            "Theft from shop",
        )


def test_a_step_with_a_service_off_the_list_is_refused_and_nothing_is_written(store: Store, worker: Actor) -> None:
    case_id = _order(store, worker, _person(store, worker), "Inclusion Hampshire")
    failure = {"reason": "missed two appointments", "service": "Inclusion Hants"}
    before = _counts(store)
    with pytest.raises(InvalidInput, match=r"^“Inclusion Hants” is not on the list of services"):
        record_step(store, actor=worker, case_id=case_id, event="failure", occurred_at=local(10, 1), values=failure)
    assert _counts(store) == before


def test_a_listed_service_is_recorded_as_the_list_spells_it_so_its_workers_see_the_case(
    store: Store, navigator: Actor
) -> None:
    """Capitals, spaces, punctuation or the entry's code: the name recorded is the list's, which scope compares."""
    person_id = _person(store, navigator)
    given = ("inclusion  hampshire", "INCLUSION-HAMPSHIRE", "inclusion_hampshire")
    recorded = []
    for number, service in enumerate(given):
        case = start_case(
            store,
            actor=navigator,
            person_id=person_id,
            pathway="arrest_referral",
            event="contact",
            occurred_at=local(9, 1 + number),
            values={"reason": "voluntary_cell_sweep", "service": service},
        )
        with store.unit_of_work() as uow:
            recorded.append(uow.session.scalars(select(Event.service).where(Event.case_id == case.case_id)).first())
    assert recorded == ["Inclusion Hampshire"] * 3
    stranger = Actor("tw.other", Role.TREATMENT_WORKER, "clinic-pc-7", service="Inclusion Hampshire")
    assert len(person_record(store, actor=stranger, person_id=person_id).cases) == 3  # seen by the service


def test_a_retired_service_is_refused_in_its_own_words(store: Store, worker: Actor, admin: Actor) -> None:
    set_reference_entry(
        store,
        actor=admin,
        list_name="services",
        code="society_of_st_james",
        label="Society of St James",
        flag=False,
        active=False,
    )
    person_id = _person(store, worker)
    with pytest.raises(InvalidInput) as refused:
        _order(store, worker, person_id, "Society of St James")
    assert refused.value.message == (
        "“Society of St James” has been retired from the list of services. Choose a current one from the list, or "
        "ask an administrator."
    )


def test_a_blank_service_is_no_service(store: Store, navigator: Actor) -> None:
    case = start_case(
        store,
        actor=navigator,
        person_id=_person(store, navigator),
        pathway="arrest_referral",
        event="contact",
        occurred_at=local(9, 1),
        values={"reason": "voluntary_cell_sweep", "service": "   "},
    )
    with store.unit_of_work() as uow:
        assert uow.session.scalars(select(Event.service).where(Event.case_id == case.case_id)).one() is None


def test_a_correction_checks_a_changed_service_and_keeps_an_imported_one(
    store: Store, admin: Actor, navigator: Actor
) -> None:
    """The worked example's DIVERT case names Cranstoun, which is not on the list: an import keeps any name. A
    correction of its notes keeps it; a correction to a service off the list is refused, one on it is taken."""
    assert import_dataset(store, actor=admin, path=EXAMPLE).written
    with store.unit_of_work() as uow:
        referral = uow.session.scalars(
            select(Event).join(Case).where(Case.case_ref == "EC5", Event.name == "referral")
        ).one()
        event_id, imported = referral.id, referral.service
    assert imported == "Cranstoun"
    correct_event(store, actor=admin, event_id=event_id, reason="typo in the notes", notes="seen at Bangor")
    with pytest.raises(InvalidInput, match=r"^“Cranstoun Bangor” is not on the list of services"):
        correct_event(store, actor=admin, event_id=event_id, reason="the provider", service="Cranstoun Bangor")
    correct_event(store, actor=admin, event_id=event_id, reason="the provider", service="cgl portsmouth")
    with store.unit_of_work() as uow:
        versions = uow.session.scalars(
            select(Event.service).where((Event.id == event_id) | (Event.corrects_id == event_id)).order_by(Event.seq)
        ).all()
    assert versions == ["Cranstoun", "Cranstoun", "CGL Portsmouth"]


def test_a_programme_service_is_checked_when_it_is_set_up_not_at_each_enrolment(
    store: Store, admin: Actor, worker: Actor
) -> None:
    first = datetime(2026, 11, 23, 10, tzinfo=LONDON)  # a week before the test clock's day
    with pytest.raises(InvalidInput, match=r"^“Inclusion Hants” is not on the list of services"):
        create_programme(
            store,
            actor=admin,
            code="FREE-1",
            name="FREE",
            first_session_at=first,
            sessions=10,
            service="Inclusion Hants",
        )
    programme = create_programme(
        store,
        actor=admin,
        code="FREE-1",
        name="FREE",
        first_session_at=first,
        sessions=10,
        service="inclusion hampshire",
    )
    assert programme.service == "Inclusion Hampshire"
    set_reference_entry(  # the provider's contract ends: its entry is retired, its running programme goes on
        store,
        actor=admin,
        list_name="services",
        code="inclusion_hampshire",
        label="Inclusion Hampshire",
        flag=False,
        active=False,
    )
    enrolled = enrol(store, actor=worker, programme_id=programme.id, person_id=_person(store, worker))
    with store.unit_of_work() as uow:
        assert uow.session.scalars(select(Event.service).where(Event.id == enrolled.event_id)).one() == (
            "Inclusion Hampshire"
        )
    assert enrolled.stage == "Enrolled"


def test_a_required_assessment_names_a_listed_service_as_the_list_spells_it(store: Store, navigator: Actor) -> None:
    person_id = _person(store, navigator)
    arrested = local(11, 28, 9)
    case_id = arrested_and_positive(store, navigator, person_id, arrested=arrested)
    given = arrested + timedelta(hours=1)
    before = _counts(store)

    def require(service: str) -> None:
        dtoa.require_assessment(
            store, actor=navigator, case_id=case_id, kind="initial", due_at=given + timedelta(days=2),
            service=service, place="12 Church St, Basingstoke", occurred_at=given,
        )  # fmt: skip

    with pytest.raises(InvalidInput) as refused:
        require("Inclusion Hants")
    assert refused.value.message == HANTS and _counts(store) == before
    require("inclusion  HAMPSHIRE")
    with store.unit_of_work() as uow:
        services = uow.session.scalars(select(Event.service).where(Event.name == "assessment_required")).all()
    assert services == ["Inclusion Hampshire"]

    # A further notice and the start of treatment keep the service the case names, or take one on the list.
    def reschedule(service: str) -> None:
        dtoa.reschedule_assessment(
            store, actor=navigator, case_id=case_id, kind="initial", due_at=given + timedelta(days=3),
            service=service, place="12 Church St", occurred_at=given + timedelta(hours=1), reason="rang",
        )  # fmt: skip

    before = _counts(store)
    with pytest.raises(InvalidInput) as refused:
        reschedule("Inclusion Hants")
    assert refused.value.message == HANTS and _counts(store) == before
    reschedule("Inclusion Hampshire")
    worker = Actor("tw.jones", Role.TREATMENT_WORKER, "clinic-pc", service="Inclusion Hampshire")
    with pytest.raises(InvalidInput, match=r"^“Inclusion Hants” is not on the list of services"):
        dtoa.start_treatment(
            store, actor=worker, case_id=case_id, occurred_at=given + timedelta(hours=2), service="Inclusion Hants"
        )
    dtoa.start_treatment(store, actor=worker, case_id=case_id, occurred_at=given + timedelta(hours=2))
    with store.unit_of_work() as uow:
        services = uow.session.scalars(select(Event.service).where(Event.case_id == case_id).order_by(Event.id)).all()
    assert services[-3:] == ["Inclusion Hampshire"] * 3
