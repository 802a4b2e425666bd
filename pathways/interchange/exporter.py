"""Exporting cases in interchange v1: the same two tables the importer reads."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from db.models import Case, Event, Person
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.clock import local_datetime
from pathways.errors import InvalidInput
from pathways.interchange.format import EVENT_COLUMNS, PEOPLE_COLUMNS, format_local_moment
from pathways.store import Store
from pathways.timeline import effective_events

CHUNK = 500


@dataclass(frozen=True)
class ExportFilter:
    pathway: str | None = None
    start: date | None = None
    end: date | None = None
    site: str | None = None


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    people: int
    cases: int
    events: int


def _case_query(selection: ExportFilter) -> Select[int]:
    query = select(Case.id).order_by(Case.id)
    if selection.pathway:
        query = query.where(Case.pathway == selection.pathway)
    if selection.start:
        query = query.where(Case.first_event_at >= local_datetime(selection.start))
    if selection.end:
        query = query.where(Case.first_event_at < local_datetime(selection.end + timedelta(days=1)))
    if selection.site:
        query = query.where(Case.first_site == selection.site)
    return query


def _person_ref(person: Person) -> str:
    return person.person_ref or f"PW{person.id}"


def _event_row(case: Case, event: Event) -> dict[str, str]:
    notes = [event.notes or ""]
    if event.authorised_by:
        notes.append(f"Authorised by {event.authorised_by}")
    if event.place:
        notes.append(f"Place: {event.place}")
    row = {c: str(getattr(event, c) or "") for c in EVENT_COLUMNS if hasattr(Event, c) and c not in ("due_at",)}
    row.update(
        person_ref=_person_ref(case.person),
        case_ref=case.case_ref,
        pathway=case.pathway,
        event=event.name,
        occurred_at=format_local_moment(event.occurred_at, event.occurred_time_known),
        due_at=format_local_moment(event.due_at, event.due_time_known) if event.due_at else "",
        notes="; ".join(n for n in notes if n),
    )
    return row


def _cases(session: Session, selection: ExportFilter) -> Iterator[Case]:
    ids = list(session.scalars(_case_query(selection)))
    for offset in range(0, len(ids), CHUNK):
        query = (
            select(Case)
            .where(Case.id.in_(ids[offset : offset + CHUNK]))
            .order_by(Case.id)
            .options(selectinload(Case.events), selectinload(Case.person))
        )
        yield from session.scalars(query)


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _write_table(path: Path, columns: tuple[str, ...], rows: Iterator[dict[str, str]]) -> int:
    """Write the table to a temporary file beside `path` (see _write_tables, which renames it into place)."""
    count = 0
    with _partial(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
        handle.flush()
        os.fsync(handle.fileno())
    return count


def _write_tables(tables: list[tuple[Path, tuple[str, ...], Iterator[dict[str, str]]]]) -> list[int]:
    """Write every table to a temporary file first, and only when all are written rename them into place: a failure
    (a full disk) leaves the files already there as they were, never half-written and never a mismatched pair."""
    try:
        counts = [_write_table(path, columns, rows) for path, columns, rows in tables]
        for path, _columns, _rows in tables:
            os.replace(_partial(path), path)
    finally:
        for path, _columns, _rows in tables:
            _partial(path).unlink(missing_ok=True)
    return counts


def export_dataset(store: Store, *, actor: Actor, folder: Path, selection: ExportFilter) -> ExportResult:
    """Write people.csv and events.csv for the selected cases (all cases when nothing is selected)."""
    authorise(store.session_factory, actor, "export_dataset", store.clock)
    if selection.pathway:
        store.definition(selection.pathway)
    if selection.start and selection.end and selection.end < selection.start:
        raise InvalidInput("The end of the period is before its start.")
    folder.mkdir(parents=True, exist_ok=True)
    with store.unit_of_work() as uow:
        people: dict[int, Person] = {}
        event_rows: list[dict[str, str]] = []
        case_count = 0
        for case in _cases(uow.session, selection):
            case_count += 1
            people[case.person_id] = case.person
            event_rows.extend(_event_row(case, event) for _ref, event in effective_events(case.events))
        person_rows = (_person_row(p) for p in sorted(people.values(), key=_person_ref))
        people_count, events_count = _write_tables(
            [
                (folder / "people.csv", PEOPLE_COLUMNS, person_rows),
                (folder / "events.csv", EVENT_COLUMNS, iter(event_rows)),
            ]
        )
        write_audit(
            uow.session,
            actor,
            "export_dataset",
            store.clock(),
            detail=f"people {people_count}, cases {case_count}, events {events_count}",
        )
        uow.commit()
    return ExportResult(folder, people_count, case_count, events_count)


def _person_row(person: Person) -> dict[str, str]:
    return {
        "person_ref": _person_ref(person),
        "surname": person.surname,
        "forenames": person.forenames,
        "date_of_birth": person.date_of_birth.isoformat(),
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "pnc_id": person.pnc_id or "",
        "postcode": person.postcode or "",
    }
