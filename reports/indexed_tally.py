"""The cohort tallied from what the database keeps added up, the fast way.

A cohort is the cases whose first event's local date is in [start, end]. Its whole months are read from the
cohort counts (db.models.CohortCount: some tens of thousands of rows for a year of a whole force, however many
cases); the days of a month it covers only in part, and a cohort of one site (the counts do not split each
detail by site), are read from the case-figures index, one row a case (the covering index
ix_case_figures_cohort). People are counted in SQL from that index, since a person's cases may fall in
different months.

Nothing is trusted before it is checked against the cases themselves (their covering index ix_cases_cohort):
the counts and the index rows must each hold exactly the cohort's cases, in number, in the sum of their ids and
in the sum of their versions, made for the pathway's figures as they now stand. When anything differs (a row not
yet made, made for an older version of its case or for other figures, or a case whose figures cannot be worked
out) the answer is None and the report replays the cases instead (reports/queries.py). So is it when a
breakdown column counts people, which the counts cannot split by group.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, String, func, select, type_coerce
from sqlalchemy.orm import Session

from db.models import Case, CaseFigures, CohortCount, FigureKind
from pathways.case_figures import CaseFigures as Part
from pathways.case_figures import decode, figures_basis
from pathways.clock import local_datetime
from pathways.definitions import PathwayDefinition
from reports.breakdowns import columns_for
from reports.tally import Tally, TallyBuilder, data_version_of, details_of

CHUNK = 900  # values in one IN (...)
Sums = tuple[int, int, int]  # cases, the sum of their ids, the sum of their versions


def indexed_tally(
    session: Session, definition: PathwayDefinition, start: date, end: date, site: str | None
) -> Tally | None:
    """The tally of the cohort (at `site`, if given), or None when what is kept does not hold every case as it
    now stands."""
    if _counts_people_by_group(definition):
        return None
    basis = figures_basis(definition)
    expected = _case_sums(session, definition.code, start, end, site)
    if _row_sums(session, definition.code, basis, start, end, site) != expected:
        return None
    first, last = whole_months(start, end) if site is None else ("9999-12", "0000-01")  # one site: rows only
    connection = session.connection()  # plain rows, not ORM results: a year holds some tens of thousands
    builder = TallyBuilder()
    found = [0, 0, 0]
    fingerprints = 0
    if first <= last:
        for month, dimension, value, kind, cases, case_ids, versions, row_fingerprints in connection.execute(
            _counts(definition.code, basis, first, last)
        ):
            if dimension:
                builder.add_split(dimension, value, kind, cases)
                continue
            builder.add_cases(month, kind, cases)
            found[0] += cases
            found[1] += case_ids
            found[2] += versions
            fingerprints += row_fingerprints
    for part_start, part_end in part_months(start, end, first, last):
        for row in connection.execute(_rows(definition.code, basis, part_start, part_end, site)):
            day, row_site, age, sex, ethnicity, kind, case_id, version, fingerprint = row
            builder.add_case(details_of(day, row_site, age, sex, ethnicity), kind)
            found[0] += 1
            found[1] += case_id
            found[2] += version
            fingerprints += fingerprint
    if tuple(int(n) for n in found) != expected:
        return None
    parts = _parts(session, set(builder.cases))
    if parts is None:
        return None
    people = _people(session, definition, basis, start, end, site, parts, set(builder.cases))
    version = data_version_of(found[0], int(fingerprints))
    return builder.tally(parts, lambda kinds, least, _b, _g: people[(frozenset(kinds), least)], version)


def _counts_people_by_group(definition: PathwayDefinition) -> bool:
    by_people = {f.key for f in definition.figures if f.spec.get("count") == "people"}
    return any(column.key in by_people for column in columns_for(definition.code))


def _in_cohort(code: str, start: date, end: date, site: str | None) -> list[ColumnElement[bool]]:
    """The cases of the cohort, as the cases table holds them."""
    where = [
        Case.pathway == code,
        Case.first_event_at >= local_datetime(start),
        Case.first_event_at < local_datetime(end + timedelta(days=1)),
    ]
    return where if site is None else [*where, Case.first_site == site]


def _indexed(code: str, basis: str, start: date, end: date, site: str | None) -> list[ColumnElement[bool]]:
    """The rows of the case-figures index for cases of the cohort, made for the figures as they now stand."""
    where = [
        CaseFigures.pathway == code,
        CaseFigures.first_day >= start,
        CaseFigures.first_day <= end,
        CaseFigures.basis == basis,
    ]
    return where if site is None else [*where, CaseFigures.first_site == site]


def _case_sums(session: Session, code: str, start: date, end: date, site: str | None) -> Sums:
    query = select(func.count(), func.coalesce(func.sum(Case.id), 0), func.coalesce(func.sum(Case.version), 0))
    n, ids, versions = session.execute(query.where(*_in_cohort(code, start, end, site))).one()
    return int(n), int(ids), int(versions)


def _row_sums(session: Session, code: str, basis: str, start: date, end: date, site: str | None) -> Sums:
    query = select(
        func.count(),
        func.coalesce(func.sum(CaseFigures.case_id), 0),
        func.coalesce(func.sum(CaseFigures.case_version), 0),
    )
    n, ids, versions = session.execute(query.where(*_indexed(code, basis, start, end, site))).one()
    return int(n), int(ids), int(versions)


def whole_months(start: date, end: date) -> tuple[str, str]:
    """The first and last month (YYYY-MM) that [start, end] covers whole (first > last: none)."""
    first = start if start.day == 1 else start.replace(day=1) + relativedelta(months=1)
    after = end + timedelta(days=1)
    last = (after if after.day == 1 else after.replace(day=1)) - relativedelta(months=1)
    return first.isoformat()[:7], last.isoformat()[:7]


def part_months(start: date, end: date, first: str, last: str) -> list[tuple[date, date]]:
    """The days of [start, end] outside its whole months."""
    if first > last:
        return [(start, end)]
    spans = []
    first_day = date.fromisoformat(f"{first}-01")
    if start < first_day:
        spans.append((start, first_day - timedelta(days=1)))
    after_last = date.fromisoformat(f"{last}-01") + relativedelta(months=1)
    if after_last <= end:
        spans.append((after_last, end))
    return spans


def _counts(code: str, basis: str, first: str, last: str) -> Any:
    return select(
        CohortCount.month,
        CohortCount.dimension,
        CohortCount.value,
        CohortCount.kind,
        CohortCount.cases,
        CohortCount.case_ids,
        CohortCount.versions,
        CohortCount.fingerprints,
    ).where(
        CohortCount.pathway == code,
        CohortCount.basis == basis,
        CohortCount.month >= first,
        CohortCount.month <= last,
        CohortCount.cases != 0,
    )


def _rows(code: str, basis: str, start: date, end: date, site: str | None) -> Any:
    return select(
        type_coerce(CaseFigures.first_day, String),  # as stored: the month is read from the text
        CaseFigures.first_site,
        CaseFigures.age,
        CaseFigures.sex,
        CaseFigures.ethnicity,
        CaseFigures.kind,
        CaseFigures.case_id,
        CaseFigures.case_version,
        CaseFigures.fingerprint,
    ).where(*_indexed(code, basis, start, end, site))


def _parts(session: Session, kinds: set[int]) -> dict[int, Part] | None:
    """Each kind's part, or None if a kind is not kept (the counts cannot be trusted)."""
    wanted = sorted(kinds)
    parts: dict[int, Part] = {}
    for offset in range(0, len(wanted), CHUNK):
        chunk = wanted[offset : offset + CHUNK]
        query = select(FigureKind.kind, FigureKind.figures).where(FigureKind.kind.in_(chunk))
        parts.update({int(kind): decode(text) for kind, text in session.execute(query)})
    return parts if len(parts) == len(kinds) else None


def _people(
    session: Session,
    definition: PathwayDefinition,
    basis: str,
    start: date,
    end: date,
    site: str | None,
    parts: dict[int, Part],
    present: set[int],
) -> dict[tuple[frozenset[int], int], int]:
    """Each count = "people" figure of the whole cohort, keyed as reports.figures asks for it: the kinds it
    counts (of those present), and the least number of cases a person must have."""
    answers: dict[tuple[frozenset[int], int], int] = {}
    for figure in definition.figures:
        if figure.spec.get("count") != "people":
            continue
        kinds = frozenset(kind for kind in present if figure.key in parts[kind].members)
        least = int(figure.spec.get("min_cases", 1))
        if (kinds, least) in answers:
            continue
        every = kinds == present
        answers[(kinds, least)] = _people_with(session, definition.code, basis, start, end, site, kinds, least, every)
    return answers


def _people_with(
    session: Session,
    code: str,
    basis: str,
    start: date,
    end: date,
    site: str | None,
    kinds: frozenset[int],
    least: int,
    every: bool,
) -> int:
    """People with at least `least` of the cohort's cases of these kinds (`every`: the kinds are all the cohort's,
    so none need be looked up)."""
    if not kinds:
        return 0
    where = _indexed(code, basis, start, end, site)
    if not every:
        where.append(CaseFigures.kind.in_(sorted(kinds)))
    if least == 1:
        query = select(func.count(func.distinct(CaseFigures.person_id))).where(*where)
    else:
        people = (
            select(CaseFigures.person_id)
            .where(*where)
            .group_by(CaseFigures.person_id)
            .having(func.count() >= least)
            .subquery()
        )
        query = select(func.count()).select_from(people)
    return int(session.execute(query).scalar_one())
