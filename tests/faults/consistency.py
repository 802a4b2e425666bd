"""What must hold of a database after any fault: SQLite's own checks, an unbroken audit chain, and every case's
stored summary and indexes equal to what its events say (worked out again from the events here)."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from db.engine import make_engine, make_session_factory
from db.models import AuditEntry, Case, CaseFigures, Event, OpenDeadline, Person, Task
from pathways.audit_chain import HEAD_SETTING
from pathways.audit_key import read_key
from pathways.audit_verify import check_chain
from pathways.cohort_counts import added_up, held_counts
from pathways.deadline_index import deadline_rows
from pathways.definitions import PathwayDefinition
from pathways.figure_index import COUNTED, COUNTED_SUMS, FigureHead, figure_row
from pathways.store import Store
from pathways.timeline import effective_facts, summary

CHUNK = 500


def sqlite_sound(path: Path) -> None:
    """PRAGMA integrity_check says ok and foreign_key_check finds nothing (a fresh connection: after a crash,
    this is the one that finds the write-ahead log and recovers from it)."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()


def contents(path: Path) -> dict[str, list[str]]:
    """Everything the database holds, table by table, as SQL (tables and indexes under "(schema)")."""
    tables: dict[str, list[str]] = defaultdict(list)
    with sqlite3.connect(path) as db:
        for line in db.iterdump():
            named = re.match(r'INSERT INTO "(\w+)"', line)
            tables[named.group(1) if named else "(schema)"].append(line)
    db.close()
    return dict(tables)


def rows_as_in(older: Path, path: Path, table: str) -> list[tuple[object, ...]]:
    """A table's rows in `path`, in the columns the table has in the database `older` (an upgrade may add some)."""
    with sqlite3.connect(older) as db:
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    db.close()
    with sqlite3.connect(path) as db:
        rows = db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid").fetchall()
    db.close()
    return rows


@contextmanager
def reading(url: str, definitions: Mapping[str, PathwayDefinition]) -> Iterator[Store]:
    """The database as a Store that only reads: no upgrade, no seeding, no index rebuilt (open_store might mend
    what these checks are looking for)."""
    engine = make_engine(url)
    try:
        yield Store(engine, make_session_factory(engine), definitions)
    finally:
        engine.dispose()


def chain_verifies(session: Session) -> int:
    """The audit chain verifies end to end with the audit key, and its sealed end is its last entry. Returns its
    length."""
    key = read_key()
    assert key is not None, "the tests' audit key is missing"
    report = check_chain(session, key)
    assert report.intact, [p.text for p in report.problems]
    entries = session.scalar(select(func.count(AuditEntry.id))) or 0
    assert report.entries == entries == report.sealed
    if entries:  # an empty log has no end recorded yet
        assert report.head is not None and report.head.seq == entries, f"no sealed end ({HEAD_SETTING}) at {entries}"
    return entries


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def _deadline_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row["label"], row["kind"], _utc(row["due_at"]), row["service"], row["place"])


def cases_consistent(store: Store, session: Session, case_ids: Iterable[int] | None = None) -> int:
    """Every case (or those named) has events numbered 1..n; its stage, closed flag and first event are what
    its events make them; its open-deadline rows are exactly the deadlines its events leave open; and its
    case-figures row is the one its events give; and (when every case is checked) the cohort counts are the
    case-figures rows added up. Returns how many cases were checked."""
    ids = list(case_ids) if case_ids is not None else list(session.scalars(select(Case.id).order_by(Case.id)))
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset : offset + CHUNK]
        query = select(Case).where(Case.id.in_(chunk)).options(selectinload(Case.events), selectinload(Case.person))
        cases = {case.id: case for case in session.scalars(query)}
        assert set(cases) == set(chunk), f"cases missing: {sorted(set(chunk) - set(cases))}"
        deadlines: dict[int, Counter[tuple[Any, ...]]] = {i: Counter() for i in chunk}
        for row in session.scalars(select(OpenDeadline).where(OpenDeadline.case_id.in_(chunk))):
            deadlines[row.case_id][_deadline_key(vars(row))] += 1
        figures = {
            row.case_id: row for row in session.scalars(select(CaseFigures).where(CaseFigures.case_id.in_(chunk)))
        }
        for case in cases.values():
            _case_consistent(store.definitions[case.pathway], case, deadlines[case.id], figures.get(case.id))
    if case_ids is None:
        counts_consistent(session)
    return len(ids)


def counts_consistent(session: Session) -> None:
    """The cohort counts are exactly the case-figures rows added up."""
    columns = [CaseFigures.__table__.c[name] for name in (*COUNTED, *COUNTED_SUMS)]
    rows = [row._asdict() for row in session.execute(select(*columns))]
    expected = {key: sums for key, sums in added_up(rows).items() if sums[0] != 0}
    assert held_counts(session) == expected, "the cohort counts are not the case-figures rows added up"


def _case_consistent(
    definition: PathwayDefinition, case: Case, deadlines: Counter[tuple[Any, ...]], stored: CaseFigures | None
) -> None:
    where = f"case {case.case_ref}"
    assert case.events, f"{where} has no events"
    assert [e.seq for e in case.events] == list(range(1, len(case.events) + 1)), f"{where}: events not numbered 1..n"
    facts = effective_facts(case.events)
    wanted = summary(definition, facts)
    held = {"stage": case.stage, "closed": case.closed, "first_event_at": case.first_event_at}
    assert held == {k: wanted[k] for k in held}, f"{where}: its summary is not what its events say"
    assert case.first_site == wanted["first_site"], f"{where}: first site"
    expected = Counter(_deadline_key(r) for r in deadline_rows(definition, case.id, facts, refs_are_events=True))
    assert deadlines == expected, f"{where}: open deadlines {deadlines} but its events leave open {expected}"
    row = figure_row(definition, FigureHead.of(case), facts)
    if row is None:
        assert stored is None, f"{where}: a figures row for a case whose figures cannot be worked out"
    else:
        assert stored is not None, f"{where}: no figures row"
        got = {column: getattr(stored, column) for column in row}
        assert got == row, f"{where}: figures row"


def acknowledged_saves(lines: Iterable[str]) -> tuple[set[int], dict[int, int]]:
    """The people and events (event id -> case id) a writer (children/jobs.write_cases) printed as saved."""
    people: set[int] = set()
    events: dict[int, int] = {}
    for line in lines:
        kind, *ids = line.split()
        if kind == "P":
            people.add(int(ids[0]))
        else:
            events[int(ids[1])] = int(ids[0])
    return people, events


def acknowledged_saves_kept(session: Session, people: set[int], events: dict[int, int]) -> None:
    """Every save the writer was told had succeeded is held."""
    held_people = set(session.scalars(select(Person.id)))
    assert people <= held_people, f"acknowledged people lost: {sorted(people - held_people)}"
    held_events = {e: c for e, c in session.execute(select(Event.id, Event.case_id))}
    lost = {e: c for e, c in events.items() if held_events.get(e) != c}
    assert not lost, f"acknowledged events lost: {lost}"


def saves_whole(session: Session) -> None:
    """Each save wrote all of its rows or none: a person with the audit entry of their registration; an event with
    its audit entry, its case's version moved on by one, and (for a missed assessment) the task it raises."""
    registered = Counter(session.scalars(select(AuditEntry.record_id).where(AuditEntry.action == "register_person")))
    assert registered == Counter(session.scalars(select(Person.id))), "people and their registrations' audit disagree"
    audited = Counter(
        int(m.group(1))
        for detail in session.scalars(select(AuditEntry.detail).where(AuditEntry.action.like("event:%")))
        if (m := re.fullmatch(r"event (\d+)", detail or ""))
    )
    assert audited == Counter(session.scalars(select(Event.id))), "events and their audit entries disagree"
    counts = {c: n for c, n in session.execute(select(Event.case_id, func.count()).group_by(Event.case_id))}
    for case_id, version in session.execute(select(Case.id, Case.version)):
        assert version == 1 + counts.get(case_id, 0), f"case {case_id}: version {version}, {counts.get(case_id)} events"
    missed = Counter(session.scalars(select(Event.id).where(Event.name == "assessment_missed")))
    assert Counter(session.scalars(select(Task.event_id))) == missed, "missed assessments and their tasks disagree"
