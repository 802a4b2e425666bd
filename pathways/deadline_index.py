"""The open-deadlines index: what the pathway engine says is still open on each case, in one table.

Worklists ("due today", "overdue") read this table instead of replaying every timeline. It is rewritten for
a case whenever its timeline changes, and rebuilt whole when the pathway definitions change (their codes
and versions are remembered in the settings table), so it always agrees with the engine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from db.models import Case, Event, OpenDeadline, Setting
from pathways.definitions import PathwayDefinition
from pathways.engine import Fact, open_deadlines
from pathways.progress import Progress, no_progress
from pathways.store import Store
from pathways.timeline import effective_facts

INDEX_SETTING = "open_deadlines_index"
CHUNK = 500
REBUILDING = "Preparing the worklists"


def deadline_rows(
    definition: PathwayDefinition,
    case_id: int,
    facts: Sequence[Fact],
    *,
    refs_are_events: bool,
) -> list[dict[str, Any]]:
    return [
        {
            "case_id": case_id,
            "event_id": d.set_by.ref if refs_are_events else None,
            "label": d.label,
            "kind": d.set_by.get("kind"),
            "due_at": d.due_at,
            "due_time_known": d.time_known,
            "service": d.set_by.get("service"),
            "place": d.set_by.get("place"),
        }
        for d in open_deadlines(definition, facts)
    ]


def index_case(session: Session, definition: PathwayDefinition, case: Case) -> None:
    """Rewrite the open deadlines of one case from its timeline as it now stands."""
    session.execute(delete(OpenDeadline).where(OpenDeadline.case_id == case.id))
    rows = deadline_rows(definition, case.id, effective_facts(case.events), refs_are_events=True)
    if rows:
        session.execute(insert(OpenDeadline), rows)


def fingerprint(store: Store) -> str:
    return ";".join(f"{code}:{d.version}" for code, d in sorted(store.definitions.items()))


def rebuild_if_stale(store: Store, progress: Progress = no_progress) -> bool:
    """Rebuild the whole index when it was built for other definitions (or never), reporting the open cases done.
    True when it rebuilt."""
    wanted = fingerprint(store)
    with store.unit_of_work() as uow:
        setting = uow.session.get(Setting, INDEX_SETTING)
        if setting is not None and setting.value == wanted:
            return False
        uow.session.execute(delete(OpenDeadline))
        open_ids = list(uow.session.scalars(select(Case.id).where(Case.closed.is_(False)).order_by(Case.id)))
        for offset in range(0, len(open_ids), CHUNK):
            progress(REBUILDING, offset, len(open_ids))
            _index_chunk(uow.session, store, open_ids[offset : offset + CHUNK])
        if setting is None:
            uow.session.add(Setting(key=INDEX_SETTING, value=wanted))
        else:
            setting.value = wanted
        uow.commit()
    if open_ids:  # all done once saved, as the figures' rebuild reports it (nothing to count on a new database)
        progress(REBUILDING, len(open_ids), len(open_ids))
    return True


def _index_chunk(session: Session, store: Store, case_ids: list[int]) -> None:
    events: dict[int, list[Event]] = defaultdict(list)
    for event in session.scalars(select(Event).where(Event.case_id.in_(case_ids))):
        events[event.case_id].append(event)
    rows: list[dict[str, Any]] = []
    for case_id, pathway in session.execute(select(Case.id, Case.pathway).where(Case.id.in_(case_ids))):
        definition = store.definitions.get(pathway)
        if definition is not None:
            rows.extend(deadline_rows(definition, case_id, effective_facts(events[case_id]), refs_are_events=True))
    if rows:
        session.execute(insert(OpenDeadline), rows)
