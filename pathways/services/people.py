"""Registering people, correcting their details, and finding possible duplicates."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from db.models import Person, PersonChange
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.clock import local_date
from pathways.errors import InvalidInput, NotFound
from pathways.figure_index import index_case_figures
from pathways.identity import check_details, search_name, sound_key
from pathways.matching import similar_names
from pathways.name_index import index_name
from pathways.reference import live_definition
from pathways.scope import require_person_visible, visible_people
from pathways.services.concurrency import lock_person, reading, saving
from pathways.services.results import PersonView
from pathways.store import Store

CORRECTABLE = (
    "surname",
    "forenames",
    "date_of_birth",
    "sex",
    "ethnicity",
    "pnc_id",
    "nhs_number",
    "postcode",
)
# What the case-figures index keeps of a person (pathways/figure_index.py): correcting one rewrites their rows.
COUNTED_DETAILS = frozenset({"date_of_birth", "sex", "ethnicity"})


def person_view(person: Person) -> PersonView:
    return PersonView(
        person.id,
        person.person_ref,
        person.surname,
        person.forenames,
        person.date_of_birth,
        person.sex,
        person.ethnicity,
        person.pnc_id,
        person.nhs_number,
        person.postcode,
        person.version,
    )


def checked_details(store: Store, details: dict[str, Any]) -> dict[str, Any]:
    return check_details(details, local_date(store.clock()))


def register_person(
    store: Store,
    *,
    actor: Actor,
    surname: str,
    forenames: str,
    date_of_birth: date,
    sex: str,
    ethnicity: str | None = None,
    pnc_id: str | None = None,
    nhs_number: str | None = None,
    postcode: str | None = None,
) -> PersonView:
    authorise(store.session_factory, actor, "register_person", store.clock)
    details = checked_details(
        store,
        {
            "surname": surname,
            "forenames": forenames,
            "date_of_birth": date_of_birth,
            "sex": sex,
            "ethnicity": ethnicity,
            "pnc_id": pnc_id,
            "nhs_number": nhs_number,
            "postcode": postcode,
        },
    )

    def write() -> PersonView:
        with store.unit_of_work().for_writing() as uow:
            person = Person(
                **details,
                search_name=search_name(details["surname"], details["forenames"]),
                sound_key=sound_key(details["surname"], details["forenames"]),
                created_at=store.clock(),
                created_by=actor.username,
                version=1,
            )
            uow.session.add(person)
            uow.session.flush()
            index_name(uow.session, person.id, person.surname, person.forenames)
            write_audit(uow.session, actor, "register_person", store.clock(), record_type="person", record_id=person.id)
            uow.commit()
            return person_view(person)

    return saving(write)


def get_person(store: Store, *, actor: Actor, person_id: int) -> PersonView:
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "view_person", store.clock)

    def read() -> PersonView:  # the view is audited, so this is a (small) write
        with store.unit_of_work().for_writing() as uow:
            person = uow.session.get(Person, person_id)
            if person is None:
                raise NotFound("That person is not on record.")
            write_audit(uow.session, actor, "view_person", store.clock(), record_type="person", record_id=person.id)
            uow.commit()
            return person_view(person)

    return reading(read)


def correct_person(
    store: Store, *, actor: Actor, person_id: int, reason: str, expected_version: int, **changes: Any
) -> PersonView:
    """Correct a person's details. Each change is kept with its old value, who, when and why.

    Refused, naming who changed them and when, when the person is no longer at `expected_version`."""
    authorise(store.session_factory, actor, "correct_person", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "correct_person", store.clock)
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise InvalidInput(f"These details cannot be corrected here: {', '.join(sorted(unknown))}.")
    if not reason.strip():
        raise InvalidInput("A correction needs a reason.")
    details = checked_details(store, changes)

    def write() -> PersonView:
        with store.unit_of_work().for_writing() as uow:
            person = lock_person(uow.session, person_id, expected_version, store.clock())
            for name, value in details.items():
                old = getattr(person, name)
                if old == value:
                    continue
                uow.session.add(
                    PersonChange(
                        person_id=person.id,
                        field=name,
                        old_value=None if old is None else str(old),
                        new_value=None if value is None else str(value),
                        reason=reason.strip(),
                        changed_at=store.clock(),
                        changed_by=actor.username,
                    )
                )
                setattr(person, name, value)
            person.search_name = search_name(person.surname, person.forenames)
            person.sound_key = sound_key(person.surname, person.forenames)
            index_name(uow.session, person.id, person.surname, person.forenames)
            person.version += 1
            if COUNTED_DETAILS & set(details):  # eligibility, breakdowns and data version: recount the cases
                for case in person.cases:
                    index_case_figures(uow.session, live_definition(store, case.pathway), case)
            write_audit(uow.session, actor, "correct_person", store.clock(), record_type="person", record_id=person.id)
            uow.commit()
            return person_view(person)

    return saving(write)


def possible_duplicates(
    store: Store, *, actor: Actor, surname: str, forenames: str, date_of_birth: date
) -> list[PersonView]:
    """People already held, in the actor's scope, with the same date of birth and a similar name."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    with store.unit_of_work() as uow:
        return [person_view(p) for p in _similar(uow.session, surname, forenames, date_of_birth, visible_people(actor))]


def duplicates_elsewhere(store: Store, *, actor: Actor, surname: str, forenames: str, date_of_birth: date) -> int:
    """How many people with the same date of birth and a similar name are held outside the actor's scope: a
    registering worker is told that someone similar exists elsewhere, never who."""
    authorise(store.session_factory, actor, "register_person", store.clock)
    with store.unit_of_work() as uow:
        return len(_similar(uow.session, surname, forenames, date_of_birth, ~visible_people(actor)))


def _similar(
    session: Session, surname: str, forenames: str, date_of_birth: date, where: ColumnElement[bool]
) -> list[Person]:
    same_day = session.scalars(select(Person).where(Person.date_of_birth == date_of_birth, where)).all()
    return [p for p in same_day if similar_names(surname, forenames, p.surname, p.forenames)]
