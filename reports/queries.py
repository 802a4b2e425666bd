"""Read-side queries: the cases of a cohort as plain facts, ready for the figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Case, Event, Person
from pathways.clock import local_datetime
from pathways.engine import Fact
from pathways.timeline import effective_facts

CHUNK = 900


@dataclass(frozen=True)
class CohortCase:
    case_id: int
    case_ref: str
    person_id: int
    date_of_birth: date
    sex: str
    ethnicity: str
    first_site: str | None
    facts: tuple[Fact, ...]


def cohort_cases(session: Session, pathway: str, start: date, end: date, site: str | None) -> list[CohortCase]:
    """Cases on `pathway` whose first event's local date falls in [start, end], optionally at one site."""
    query = (
        select(
            Case.id, Case.case_ref, Case.person_id, Case.first_site, Person.date_of_birth, Person.sex, Person.ethnicity
        )
        .join(Person, Person.id == Case.person_id)
        .where(
            Case.pathway == pathway,
            Case.first_event_at >= local_datetime(start),
            Case.first_event_at < local_datetime(end + timedelta(days=1)),
        )
        .order_by(Case.id)
    )
    if site is not None:
        query = query.where(Case.first_site == site)
    heads = session.execute(query).all()
    events_by_case: dict[int, list[Event]] = defaultdict(list)
    ids = [h.id for h in heads]
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset : offset + CHUNK]
        for event in session.scalars(select(Event).where(Event.case_id.in_(chunk))):
            events_by_case[event.case_id].append(event)
    return [
        CohortCase(
            h.id,
            h.case_ref,
            h.person_id,
            h.date_of_birth,
            h.sex,
            h.ethnicity,
            h.first_site,
            tuple(effective_facts(events_by_case[h.id])),
        )
        for h in heads
    ]
