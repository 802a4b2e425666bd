"""Synthetic answers to "may we share your record?" for the demo people, so that printing and exporting in a demo
database behave as they would with real people: most agree to share with their treatment provider and NDTMS, fewer
with the police, probation and the court, and a few were never asked (pathways/consent.py says what each means)."""

from __future__ import annotations

import random
from collections.abc import Iterable

from sqlalchemy import func, select

from db.models import Case, Consent, Event, Person
from pathways.actors import Actor
from pathways.consent import sharing_rules
from pathways.store import Store

NEVER_ASKED = 0.1  # the share of demo people with no answers recorded
AGREES = {"treatment_provider": 0.9, "ndtms": 0.85, "police": 0.4, "probation": 0.6, "court": 0.6}


def add_demo_consents(store: Store, *, actor: Actor, person_refs: Iterable[str], seed: int) -> int:
    """Record the demo people's answers (as `actor`), each person's on the day of their first event, as a navigator
    asks in custody (now, for someone with no case yet); the number of answers recorded."""
    rules = sharing_rules()
    rng = random.Random(seed)
    now = store.clock()
    with store.unit_of_work() as uow:
        ids = uow.session.scalars(select(Person.id).where(Person.person_ref.in_(list(person_refs)))).all()
        first = dict(
            uow.session.execute(
                select(Case.person_id, func.min(Event.occurred_at))
                .join(Event, Event.case_id == Case.id)
                .where(Case.person_id.in_(ids))
                .group_by(Case.person_id)
            ).all()
        )
        answers = [
            Consent(
                person_id=person_id,
                recipient=recipient.code,
                purpose=purpose,
                agreed=rng.random() < AGREES.get(recipient.code, 0.5),
                recorded_at=first.get(person_id) or now,
                recorded_by=actor.username,
            )
            for person_id in sorted(ids)
            if rng.random() >= NEVER_ASKED
            for recipient in rules.recipients.values()
            if recipient.needs_consent
            for purpose in recipient.purposes
        ]
        uow.session.add_all(answers)
        uow.commit()
    return len(answers)
