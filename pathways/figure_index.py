"""The case-figures index: each case's part in its pathway's cohort figures, kept in one table.

A cohort report for a year of a whole force adds up these rows (one a case) instead of replaying some 200,000
events. A case's row is rewritten in the same transaction as any change to its timeline (casework.append_event,
which corrections and withdrawals go through, and the importer). A pathway's rows are all rebuilt when its
figures change or were never worked out (as in an upgraded database), as the open-deadlines index is. A row
that is out of date all the same is never used: the report replays that case instead (reports/queries.py).

A row also carries the case's and the person's details that the report's breakdowns and data version read
(FigureHead), so the people service rewrites a person's rows when their date of birth, sex or ethnicity is
corrected; each kind of part is kept once in `figure_kinds` (keep_kinds); and the rows are kept added up
per month in `cohort_counts` (pathways/cohort_counts.py): every row is added through keep_rows and removed
through drop_rows, which count it in and out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.bulk import BATCH, insert_rows
from db.models import Base, Case, CaseFigures, FigureKind, Person, Setting
from db.upsert import dialect_insert
from pathways.case_figures import (
    FigureError,
    case_figures,
    case_fingerprint,
    encode,
    export_person_ref,
    figures_basis,
    kind_of,
    timeline_digest,
)
from pathways.clock import age_on, local_date
from pathways.cohort_counts import count_rows, forget_counts
from pathways.definitions import PathwayDefinition
from pathways.engine import Fact
from pathways.progress import Progress, no_progress
from pathways.store import Store
from pathways.timeline import effective_facts
from pathways.timeline_rows import load_timelines

INDEX_SETTING = "case_figures_index"
CASE_FIGURES = Base.metadata.tables[CaseFigures.__tablename__]
CHUNK = 900
REBUILDING = "Preparing the figures for reports"
# A definition whose figures cannot be worked out must never stop a worker recording an event: the case gets
# no row, and a report replays it and says what is wrong with the figure.
_UNCOUNTABLE = (FigureError, KeyError, TypeError, ValueError)


class FigureHead(NamedTuple):
    """What a case-figures row keeps of the case and its person besides the case's part."""

    case_id: int
    case_ref: str
    pathway: str
    version: int
    first_site: str | None
    person_id: int
    person_ref: str | None
    date_of_birth: date
    sex: str
    ethnicity: str | None

    @classmethod
    def of(cls, case: Case) -> FigureHead:
        person = case.person
        return cls(
            case.id,
            case.case_ref,
            case.pathway,
            case.version,
            case.first_site,
            person.id,
            person.person_ref,
            person.date_of_birth,
            person.sex,
            person.ethnicity,
        )


def figure_row(
    definition: PathwayDefinition, head: FigureHead, facts: Sequence[Fact], basis: str | None = None
) -> dict[str, Any] | None:
    """The case's row of the index, from its timeline as it now stands (None: its figures cannot be worked out)."""
    try:
        figures = case_figures(definition, facts, head.date_of_birth)
    except _UNCOUNTABLE:
        return None
    first_day = local_date(facts[0].occurred_at) if facts else None
    digest = timeline_digest(facts)
    encoded = encode(figures)
    return {
        "case_id": head.case_id,
        "basis": basis or figures_basis(definition),
        "case_version": head.version,
        "date_of_birth": head.date_of_birth,
        "first_day": first_day,
        "digest": digest,
        "figures": encoded,
        "pathway": head.pathway,
        "person_id": head.person_id,
        "first_site": head.first_site,
        "age": None if first_day is None else age_on(head.date_of_birth, first_day),
        "sex": head.sex,
        "ethnicity": head.ethnicity,
        "kind": kind_of(encoded),
        "fingerprint": case_fingerprint(
            head.case_ref,
            export_person_ref(head.person_ref, head.person_id),
            head.date_of_birth,
            head.sex,
            head.ethnicity,
            head.first_site,
            digest,
        ),
    }


def keep_rows(
    session: Session, rows: Iterable[dict[str, Any] | None], replacing: Sequence[Mapping[str, Any]] = ()
) -> None:
    """Insert case-figures rows (None: a case whose figures cannot be worked out gets none), with their kinds,
    counting them in, and counting out the rows they replace (taken out by take_rows) in the same change."""

    def written() -> Iterator[dict[str, Any]]:  # a batch at a time: an import's rows are never all held at once
        remaining = (row for row in rows if row is not None)
        while batch := list(islice(remaining, BATCH)):
            keep_kinds(session, {row["kind"]: row["figures"] for row in batch})
            insert_rows(session.connection(), CASE_FIGURES, batch)  # (db/bulk.py: not the ORM's bulk path)
            yield from batch

    count_rows(session, counted_in=written(), counted_out=replacing)  # (each row is written before it is counted)


# What counting a row out of the cohort counts reads of it.
COUNTED = ("pathway", "basis", "first_day", "first_site", "age", "sex", "ethnicity", "kind", "case_id")
COUNTED_SUMS = ("case_version", "fingerprint")


def take_rows(session: Session, which: ColumnElement[bool]) -> list[dict[str, Any]]:
    """Remove the case-figures rows `which` selects, without counting them out: what counting out needs of each."""
    columns = [CaseFigures.__table__.c[name] for name in COUNTED + COUNTED_SUMS]
    taken = [row._asdict() for row in session.execute(select(*columns).where(which))]
    if taken:
        session.execute(delete(CaseFigures).where(which))
    return taken


def drop_rows(session: Session, which: ColumnElement[bool]) -> int:
    """Remove the case-figures rows `which` selects, counting them out of the cohort counts; how many."""
    dropped = take_rows(session, which)
    count_rows(session, counted_in=(), counted_out=dropped)
    return len(dropped)


def keep_kinds(session: Session, kinds: dict[int, str]) -> None:
    """Add the kinds of part not yet kept; another session adding the same kind at the same moment is no
    conflict (the same kind is the same text)."""
    statement = dialect_insert(session, FigureKind.__table__)
    rows = [{"kind": kind, "figures": text} for kind, text in sorted(kinds.items())]
    session.execute(statement.on_conflict_do_nothing(index_elements=["kind"]), rows)


def index_case_figures(session: Session, definition: PathwayDefinition, case: Case) -> None:
    """Rewrite one case's row from its timeline as it now stands (after its version was moved on)."""
    replaced = take_rows(session, CaseFigures.case_id == case.id)
    row = figure_row(definition, FigureHead.of(case), effective_facts(case.events))
    keep_rows(session, [row], replacing=replaced)


def fingerprint(store: Store) -> str:
    return ";".join(figures_basis(d) for _code, d in sorted(store.definitions.items()))


def rebuild_if_stale(store: Store, progress: Progress = no_progress) -> bool:
    """Rebuild the rows of every pathway whose figures changed since the index was built (or that it was never
    built for), reporting the cases done. True when it rebuilt any."""
    wanted = fingerprint(store)
    built = _built_for(store)
    if built == wanted:
        return False
    kept = set((built or "").split(";"))
    stale = sorted(code for code, d in store.definitions.items() if figures_basis(d) not in kept)
    try:
        _rebuild(store, stale, wanted, progress)
    except IntegrityError:
        if _built_for(store) == wanted:  # another copy of the app rebuilt it at the same moment
            return False
        raise
    return True


def _built_for(store: Store) -> str | None:
    with store.unit_of_work() as uow:
        setting = uow.session.get(Setting, INDEX_SETTING)
        return None if setting is None else setting.value


def _rebuild(store: Store, pathways: list[str], wanted: str, progress: Progress) -> None:
    with store.unit_of_work().for_writing() as uow:
        session = uow.session
        on_pathways = select(Case.id).where(Case.pathway.in_(pathways)).scalar_subquery()
        session.execute(delete(CaseFigures).where(CaseFigures.case_id.in_(on_pathways)))
        forget_counts(session, pathways)
        query = (
            select(
                Case.id,
                Case.case_ref,
                Case.pathway,
                Case.version,
                Case.first_site,
                Person.id,
                Person.person_ref,
                Person.date_of_birth,
                Person.sex,
                Person.ethnicity,
            )
            .join(Person, Person.id == Case.person_id)
            .where(Case.pathway.in_(pathways))
            .order_by(Case.id)
        )
        heads = [FigureHead._make(row) for row in session.execute(query)]
        bases = {code: figures_basis(store.definitions[code]) for code in pathways}
        for offset in range(0, len(heads), CHUNK):
            progress(REBUILDING, offset, len(heads))
            chunk = heads[offset : offset + CHUNK]
            timelines = load_timelines(session, [h.case_id for h in chunk])
            keep_rows(
                session,
                (figure_row(store.definitions[h.pathway], h, timelines[h.case_id], bases[h.pathway]) for h in chunk),
            )
        setting = session.get(Setting, INDEX_SETTING)
        if setting is None:
            session.add(Setting(key=INDEX_SETTING, value=wanted))
        else:
            setting.value = wanted
        uow.commit()
    if heads:  # (nothing to count on a new database)
        progress(REBUILDING, len(heads), len(heads))
