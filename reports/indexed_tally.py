"""The cohort tallied straight from the case-figures index (ix_case_figures_cohort), the fast way.

A year of a whole force is some 140,000 cases. Their rows are read from one covering index, as numbers and
short codes, and checked against the cases before they are trusted: the cohort's cases (from the cases'
own covering index, ix_cases_cohort) must be exactly the rows', case for case in number, ids and versions,
and every row must have been made for the pathway's figures as they now stand. When anything differs (a row
not yet made, made for an older version of its case or for other figures, or a case the figures cannot be
worked out for) the answer is None and the report replays the cases instead (reports/queries.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from db.models import Case, CaseFigures, FigureKind
from pathways.case_figures import CaseFigures as Part
from pathways.case_figures import decode, figures_basis
from pathways.clock import local_datetime
from pathways.definitions import PathwayDefinition
from reports.tally import Tally, tally_rows

CHUNK = 900  # kinds in one IN (...)


def indexed_tally(
    session: Session, definition: PathwayDefinition, start: date, end: date, site: str | None
) -> Tally | None:
    """The tally of the cases whose first event's local date is in [start, end] (at `site`, if given), or None
    when the index does not hold every one of them as it now stands."""
    cases = select(func.count(), func.coalesce(func.sum(Case.id), 0), func.coalesce(func.sum(Case.version), 0)).where(
        Case.pathway == definition.code,
        Case.first_event_at >= local_datetime(start),
        Case.first_event_at < local_datetime(end + timedelta(days=1)),
    )
    if site is not None:
        cases = cases.where(Case.first_site == site)
    expected = tuple(int(n) for n in session.execute(cases).one())
    rows = session.execute(_rows(definition, start, end, site)).all()
    if (len(rows), sum(row[-2] for row in rows), sum(row[-1] for row in rows)) != expected:
        return None
    parts = _parts(session, {row[1] for row in rows})
    if parts is None:
        return None
    return tally_rows([row[:-2] for row in rows], parts)


def _rows(definition: PathwayDefinition, start: date, end: date, site: str | None) -> Any:
    """The rows in reports.tally.TallyRow's order, then case id and version (for the check)."""
    query = select(
        CaseFigures.person_id,
        CaseFigures.kind,
        type_coerce(CaseFigures.first_day, String),  # as stored: grouped by month from the text, not a date a row
        CaseFigures.first_site,
        CaseFigures.age,
        CaseFigures.sex,
        CaseFigures.ethnicity,
        CaseFigures.fingerprint,
        CaseFigures.case_id,
        CaseFigures.case_version,
    ).where(
        CaseFigures.pathway == definition.code,
        CaseFigures.first_day >= start,
        CaseFigures.first_day <= end,
        CaseFigures.basis == figures_basis(definition),
    )
    return query if site is None else query.where(CaseFigures.first_site == site)


def _parts(session: Session, kinds: set[int]) -> dict[int, Part] | None:
    """Each kind's part, or None if a kind is not kept (the rows cannot be trusted)."""
    wanted = sorted(kinds)
    parts: dict[int, Part] = {}
    for offset in range(0, len(wanted), CHUNK):
        chunk = wanted[offset : offset + CHUNK]
        query = select(FigureKind.kind, FigureKind.figures).where(FigureKind.kind.in_(chunk))
        parts.update({int(kind): decode(text) for kind, text in session.execute(query)})
    return parts if len(parts) == len(kinds) else None
