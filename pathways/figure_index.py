"""The case-figures index: each case's part in its pathway's cohort figures, kept in one table.

A cohort report for a year of a whole force adds up these rows (one a case) instead of replaying some 200,000
events. A case's row is rewritten in the same transaction as any change to its timeline (casework.append_event,
which corrections and withdrawals go through, and the importer). A pathway's rows are all rebuilt when its
figures change or were never worked out (as in an upgraded database), as the open-deadlines index is. A row
that is out of date all the same (for example after the person's date of birth was corrected) is never used:
the report replays that case instead (reports/queries.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Case, CaseFigures, Person, Setting
from pathways.case_figures import FigureError, case_figures, encode, figures_basis, timeline_digest
from pathways.clock import local_date
from pathways.definitions import PathwayDefinition
from pathways.engine import Fact
from pathways.store import Store
from pathways.timeline import effective_facts
from pathways.timeline_rows import load_timelines

INDEX_SETTING = "case_figures_index"
CHUNK = 900
# A definition whose figures cannot be worked out must never stop a worker recording an event: the case gets
# no row, and a report replays it and says what is wrong with the figure.
_UNCOUNTABLE = (FigureError, KeyError, TypeError, ValueError)


def figure_row(
    definition: PathwayDefinition,
    case_id: int,
    case_version: int,
    date_of_birth: date,
    facts: Sequence[Fact],
    basis: str | None = None,
) -> dict[str, Any] | None:
    """The case's row of the index, from its timeline as it now stands (None: its figures cannot be worked out)."""
    try:
        figures = case_figures(definition, facts, date_of_birth)
    except _UNCOUNTABLE:
        return None
    return {
        "case_id": case_id,
        "basis": basis or figures_basis(definition),
        "case_version": case_version,
        "date_of_birth": date_of_birth,
        "first_day": local_date(facts[0].occurred_at) if facts else None,
        "digest": timeline_digest(facts),
        "figures": encode(figures),
    }


def index_case_figures(session: Session, definition: PathwayDefinition, case: Case) -> None:
    """Rewrite one case's row from its timeline as it now stands (after its version was moved on)."""
    session.execute(delete(CaseFigures).where(CaseFigures.case_id == case.id))
    row = figure_row(definition, case.id, case.version, case.person.date_of_birth, effective_facts(case.events))
    if row is not None:
        session.execute(insert(CaseFigures), [row])


def fingerprint(store: Store) -> str:
    return ";".join(figures_basis(d) for _code, d in sorted(store.definitions.items()))


def rebuild_if_stale(store: Store) -> bool:
    """Rebuild the rows of every pathway whose figures changed since the index was built (or that it was never
    built for). True when it rebuilt any."""
    wanted = fingerprint(store)
    built = _built_for(store)
    if built == wanted:
        return False
    kept = set((built or "").split(";"))
    stale = sorted(code for code, d in store.definitions.items() if figures_basis(d) not in kept)
    try:
        _rebuild(store, stale, wanted)
    except IntegrityError:
        if _built_for(store) == wanted:  # another copy of the app rebuilt it at the same moment
            return False
        raise
    return True


def _built_for(store: Store) -> str | None:
    with store.unit_of_work() as uow:
        setting = uow.session.get(Setting, INDEX_SETTING)
        return None if setting is None else setting.value


def _rebuild(store: Store, pathways: list[str], wanted: str) -> None:
    with store.unit_of_work().for_writing() as uow:
        session = uow.session
        on_pathways = select(Case.id).where(Case.pathway.in_(pathways)).scalar_subquery()
        session.execute(delete(CaseFigures).where(CaseFigures.case_id.in_(on_pathways)))
        query = (
            select(Case.id, Case.pathway, Case.version, Person.date_of_birth)
            .join(Person, Person.id == Case.person_id)
            .where(Case.pathway.in_(pathways))
            .order_by(Case.id)
        )
        heads = session.execute(query).all()
        bases = {code: figures_basis(store.definitions[code]) for code in pathways}
        for offset in range(0, len(heads), CHUNK):
            chunk = heads[offset : offset + CHUNK]
            timelines = load_timelines(session, [h.id for h in chunk])
            rows = [
                figure_row(
                    store.definitions[h.pathway], h.id, h.version, h.date_of_birth, timelines[h.id], bases[h.pathway]
                )
                for h in chunk
            ]
            kept = [row for row in rows if row is not None]
            if kept:
                session.execute(insert(CaseFigures), kept)
        setting = session.get(Setting, INDEX_SETTING)
        if setting is None:
            session.add(Setting(key=INDEX_SETTING, value=wanted))
        else:
            setting.value = wanted
        uow.commit()
