"""Read-side queries: the cases of a cohort as plain facts, ready for the figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Base, Case, Person
from pathways.clock import local_datetime
from pathways.engine import Fact, ordered
from pathways.timeline import VALUE_FIELDS, effective_facts

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
    events_by_case: dict[int, list[EventRow]] = defaultdict(list)
    ids = [h.id for h in heads]
    table = Base.metadata.tables["events"]  # plain tuples, not ORM objects: many times faster at force scale
    columns = [table.c[name] for name in EventRow._fields]
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset : offset + CHUNK]
        for row in session.execute(select(*columns).where(table.c.case_id.in_(chunk))):
            events_by_case[row[0]].append(EventRow._make(row))
    return [
        CohortCase(
            h.id,
            h.case_ref,
            h.person_id,
            h.date_of_birth,
            h.sex,
            h.ethnicity,
            h.first_site,
            tuple(_facts(events_by_case[h.id])),
        )
        for h in heads
    ]


class EventRow(NamedTuple):
    """One stored event as the cohort reads it (the columns the timeline needs, then the values)."""

    case_id: int
    id: int
    seq: int
    name: str
    action: str
    corrects_id: int | None
    occurred_at: datetime
    due_at: datetime | None
    site: str | None
    service: str | None
    place: str | None
    offence: str | None
    basis: str | None
    result: str | None
    substances: str | None
    kind: str | None
    reason: str | None
    conditions: str | None
    notes: str | None
    authorised_by: str | None


VALUES_START = 8
assert EventRow._fields[VALUES_START:] == tuple(sorted(VALUE_FIELDS, key=EventRow._fields.index))


def _facts(rows: list[EventRow]) -> list[Fact]:
    """A case's timeline; the quick way when nothing in it was corrected (nearly always)."""
    if any(row.action != "record" for row in rows):
        return effective_facts(rows)
    names = EventRow._fields[VALUES_START:]
    facts = []
    for row in sorted(rows, key=lambda r: r.seq):
        values = cast(dict[str, str], {n: v for n, v in zip(names, row[VALUES_START:], strict=True) if v})
        facts.append(Fact(row.name, row.occurred_at, values, row.due_at, row.id))
    return ordered(facts)
