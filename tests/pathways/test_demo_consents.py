"""The demo database's people have answers to "may we share?", so printing and exporting there behave as with
real people: agreed sharing goes ahead, and a person who declined (or was never asked) is refused."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, Case, Consent, Event, Person
from pathways.actors import Actor
from pathways.consent import SharingRefused, SharingRequest
from pathways.demo_loader import DEMO_GENERATOR, fill_demo_database
from pathways.services.consent import check_sharing
from pathways.store import Store


def test_demo_people_have_answers_that_the_sharing_check_obeys(store: Store, admin: Actor) -> None:
    fill_demo_database(store, actor=admin, people=40, seed=3)
    with store.unit_of_work() as uow:
        people = set(uow.session.scalars(select(Person.id)))
        rows = uow.session.scalars(select(Consent)).all()
        answered = {row.person_id for row in rows}
        assert 0 < len(people - answered) < len(people) // 2  # a few never asked
        by_recipient = Counter((row.recipient, row.agreed) for row in rows)
        assert by_recipient[("treatment_provider", True)] > by_recipient[("treatment_provider", False)]
        assert by_recipient[("police", False)] > 0
        answers = {(r.person_id, r.agreed) for r in rows if (r.recipient, r.purpose) == ("police", "prosecution")}
        agreed = min(person for person, yes in answers if yes)
        declined = min(person for person, yes in answers if not yes)
        to_police = SharingRequest("police", "prosecution", None)
        assert check_sharing(uow.session, admin, [agreed], to_police, at=store.clock()) == ()
        with pytest.raises(SharingRefused, match="has not agreed to share with the police for prosecution"):
            check_sharing(uow.session, admin, [declined], to_police, at=store.clock())


def test_the_demo_records_say_the_generator_recorded_them_and_the_asking_is_audited(store: Store, admin: Actor) -> None:
    """A timeline in the demo reads "by demo.generator", not the name of whoever asked for the demo (nor a computer
    account such as os:root); who asked, and for how many people, is in the audit log."""
    fill_demo_database(store, actor=admin, people=20, seed=5)
    with store.unit_of_work() as uow:
        assert set(uow.session.scalars(select(Event.recorded_by))) == {DEMO_GENERATOR}
        assert set(uow.session.scalars(select(Person.created_by))) == {DEMO_GENERATOR}
        assert set(uow.session.scalars(select(Consent.recorded_by))) == {DEMO_GENERATOR}
        audited = uow.session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail).where(
                AuditEntry.action.in_(["make_demo", "import_dataset"])
            )
        ).all()
    assert [(a, action) for a, action, _detail in audited] == [
        (admin.username, "make_demo"),
        (DEMO_GENERATOR, "import_dataset"),
    ]
    assert audited[0][2] == "20 people, seed 5"


def test_demo_answers_are_dated_when_the_person_was_first_seen(store: Store, admin: Actor) -> None:
    """Every answer was dated the day the demo was made, so each refusal read "they declined on" that day."""
    fill_demo_database(store, actor=admin, people=30, seed=4)
    with store.unit_of_work() as uow:
        first = dict(
            uow.session.execute(
                select(Case.person_id, func.min(Event.occurred_at))
                .join(Event, Event.case_id == Case.id)
                .group_by(Case.person_id)
            ).all()
        )
        answers = uow.session.execute(select(Consent.person_id, Consent.recorded_at)).all()
    assert answers and all(first[person] == at for person, at in answers if person in first)
    assert len({at for _person, at in answers}) > 10
