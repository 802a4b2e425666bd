"""Cases' timelines read as plain rows of the events table: many times faster than ORM objects at force scale.

Used where many timelines are read at once: the cohort report's replay of a case, the rebuild of the
case-figures index (pathways/figure_index.py) and the export (pathways/interchange/exporter.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Base
from pathways.engine import Fact, ordered
from pathways.timeline import VALUE_FIELDS, effective_facts

CHUNK = 900  # ids in one IN (...): under SQLite's limit on bound values


class EventRow(NamedTuple):
    """One stored event as a timeline or an export reads it (the columns they need, then the values)."""

    case_id: int
    id: int
    seq: int
    name: str
    action: str
    corrects_id: int | None
    occurred_at: datetime
    occurred_time_known: bool
    due_at: datetime | None
    due_time_known: bool
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


VALUES_START = 10
assert EventRow._fields[VALUES_START:] == tuple(sorted(VALUE_FIELDS, key=EventRow._fields.index))


def load_timelines(session: Session, case_ids: Iterable[int]) -> dict[int, list[Fact]]:
    """The effective timeline of each case (an empty list for a case without events)."""
    ids = list(case_ids)
    rows_by_case: dict[int, list[EventRow]] = defaultdict(list)
    table = Base.metadata.tables["events"]
    columns = [table.c[name] for name in EventRow._fields]
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset : offset + CHUNK]
        for row in session.execute(select(*columns).where(table.c.case_id.in_(chunk))).all():
            rows_by_case[row[0]].append(EventRow._make(row))
    return {case_id: facts_from_rows(rows_by_case.get(case_id, [])) for case_id in ids}


def facts_from_rows(rows: list[EventRow]) -> list[Fact]:
    """A case's timeline; the quick way when nothing in it was corrected (nearly always)."""
    if any(row.action != "record" for row in rows):
        return effective_facts(rows)
    names = EventRow._fields[VALUES_START:]
    facts = []
    for row in sorted(rows, key=lambda r: r.seq):
        values = cast(dict[str, str], {n: v for n, v in zip(names, row[VALUES_START:], strict=True) if v})
        facts.append(
            Fact(row.name, row.occurred_at, values, row.due_at, row.id, row.occurred_time_known, row.due_time_known)
        )
    return ordered(facts)
