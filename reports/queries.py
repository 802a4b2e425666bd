"""Read-side queries: the cases of a cohort, ready for the figures.

- `counted_cases`: each case with its part in the figures, as the case-figures index keeps it
  (pathways/figure_index.py); a case whose kept part is missing or out of date is replayed from its events.
  The cohort report reads this when what is kept added up does not hold its cases as they now stand
  (reports/indexed_tally.py): one row a case, however many events.
- `cohort_cases`: each case with its whole timeline, replayed from its events (the slow way, for checks).
- `counted`: a replayed case's part in the figures, worked out as the index works it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from db.models import Case, CaseFigures, Person
from pathways.case_figures import CaseFigures as Part
from pathways.case_figures import case_figures, decode, figures_basis, timeline_digest
from pathways.clock import local_date, local_datetime
from pathways.definitions import PathwayDefinition
from pathways.engine import Fact
from pathways.timeline_rows import load_timelines


@dataclass(frozen=True)
class CohortCase:
    """A case of the cohort with its whole timeline."""

    case_id: int
    case_ref: str
    person_id: int
    date_of_birth: date
    sex: str
    ethnicity: str
    first_site: str | None
    facts: tuple[Fact, ...]
    person_ref: str | None = None  # the person's own reference, if they have one


class CountedCase(NamedTuple):
    """A case of the cohort with its part in the figures instead of its timeline (a tuple: a report makes
    some 20,000 of them)."""

    case_id: int
    case_ref: str
    person_id: int
    date_of_birth: date
    sex: str
    ethnicity: str
    first_site: str | None
    first_day: date | None  # the local (UK) date of the first event (None: no events)
    digest: str  # of the timeline (pathways.case_figures.timeline_digest)
    part: Part
    person_ref: str | None = None


def _heads(pathway: str, start: date, end: date, site: str | None, *extra: Any) -> Select[Any]:
    """Cases on `pathway` whose first event's local date falls in [start, end], optionally at one site."""
    query = (
        select(
            Case.id,
            Case.case_ref,
            Case.person_id,
            Case.first_site,
            Person.date_of_birth,
            Person.sex,
            Person.ethnicity,
            Person.person_ref,
            *extra,
        )
        .join(Person, Person.id == Case.person_id)
        .where(
            Case.pathway == pathway,
            Case.first_event_at >= local_datetime(start),
            Case.first_event_at < local_datetime(end + timedelta(days=1)),
        )
        .order_by(Case.id)
    )
    return query if site is None else query.where(Case.first_site == site)


def cohort_cases(session: Session, pathway: str, start: date, end: date, site: str | None) -> list[CohortCase]:
    """The cohort's cases (see _heads), each with its timeline replayed from its events."""
    heads = session.execute(_heads(pathway, start, end, site)).all()
    timelines = load_timelines(session, [h.id for h in heads])
    return [
        CohortCase(
            h.id,
            h.case_ref,
            h.person_id,
            h.date_of_birth,
            h.sex,
            h.ethnicity,
            h.first_site,
            tuple(timelines[h.id]),
            h.person_ref,
        )
        for h in heads
    ]


def counted(definition: PathwayDefinition, case: CohortCase) -> CountedCase:
    """A replayed case's part in the figures (FigureError when a figure of the definition cannot be worked out)."""
    first_day = local_date(case.facts[0].occurred_at) if case.facts else None
    part = case_figures(definition, case.facts, case.date_of_birth)
    return CountedCase(
        case.case_id,
        case.case_ref,
        case.person_id,
        case.date_of_birth,
        case.sex,
        case.ethnicity,
        case.first_site,
        first_day,
        timeline_digest(case.facts),
        part,
        case.person_ref,
    )


def counted_cases(
    session: Session, definition: PathwayDefinition, start: date, end: date, site: str | None
) -> list[CountedCase]:
    """The cohort's cases (see _heads), each with its part in the figures: as kept, or replayed when the kept
    part is missing or was made for another version of the case, date of birth or definition."""
    up_to_date = and_(
        CaseFigures.basis == figures_basis(definition),
        CaseFigures.case_version == Case.version,
        CaseFigures.date_of_birth == Person.date_of_birth,
    )
    kept = (up_to_date.label("up_to_date"), CaseFigures.first_day, CaseFigures.digest, CaseFigures.figures)
    query = _heads(definition.code, start, end, site, *kept).outerjoin(CaseFigures, CaseFigures.case_id == Case.id)
    cases: list[CountedCase | None] = []
    replay: dict[int, tuple[int, Any]] = {}
    parts: dict[str, Part] = {}  # cases that count alike share a part: a force's year has a few hundred kinds
    for row in session.execute(query):
        case_id, ref, person_id, first_site, born, sex, ethnicity, person_ref, fresh, first_day, digest, figures = row
        if fresh:
            part = parts.get(figures) or parts.setdefault(figures, decode(figures))
            who = (case_id, ref, person_id, born, sex, ethnicity, first_site)
            known = CountedCase(*who, first_day, digest, part, person_ref)
            cases.append(known)
        else:
            replay[case_id] = (len(cases), row)
            cases.append(None)
    timelines = load_timelines(session, list(replay))
    for case_id, (index, row) in replay.items():
        _id, ref, person_id, first_site, born, sex, ethnicity, person_ref = row[:8]
        facts = tuple(timelines[case_id])
        case = CohortCase(case_id, ref, person_id, born, sex, ethnicity, first_site, facts, person_ref)
        cases[index] = counted(definition, case)
    return [case for case in cases if case is not None]
