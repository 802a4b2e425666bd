"""Importing an interchange v1 dataset: everything is checked first; any error and nothing is written.

The checks read the database in a transaction of their own, which holds nobody up however long they take; the
writing is one short transaction that writes from its start (SQLite's write lock from BEGIN IMMEDIATE; on PostgreSQL
the held people and cases locked) and first makes sure, in a few light reads, that what the checks read is still
so: the held people and cases at the versions the checks saw, every case of a held person the dataset gives a new
case (the rules across a person's cases), and no new person or case of the dataset added. When someone else
changed any of them meanwhile (recorded a step on one of the cases, imported the same people), nothing is imported
and the user is told so in plain words (IMPORT_OVERTAKEN): running it again checks it against the records as they
now are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from db.bulk import insert_rows
from db.models import Base, Case, Person
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.case_figures import figures_basis
from pathways.clock import local_date
from pathways.deadline_index import deadline_rows, index_case
from pathways.engine import Fact, check_timeline, ordered
from pathways.errors import ConflictingChange
from pathways.figure_index import FigureHead, figure_row, index_case_figures, keep_rows
from pathways.identity import search_name, sound_key
from pathways.interchange.case_rule_checks import case_rule_problems
from pathways.interchange.checks import Checked, EventIn, PersonIn, check_events, check_people
from pathways.interchange.format import DatasetRefused, Problem
from pathways.interchange.reader import Dataset, read_dataset
from pathways.interchange.reference_names import UnlistedName, unlisted_names
from pathways.matching import similar_names
from pathways.name_index import word_rows
from pathways.progress import Progress
from pathways.reference import live_definition
from pathways.services.concurrency import saving
from pathways.store import Store
from pathways.timeline import VALUE_FIELDS, effective_facts, summary

SIGNATURE_FIELDS = ("site", "service", "offence", "basis", "result", "substances", "kind", "reason", "conditions")
CHUNK = 500
IMPORT_OVERTAKEN = (
    "Someone else changed these records while the import was being checked; nothing was imported. Run the import "
    "again: it will be checked against their changes."
)
POSTGRES_UNIQUE_VIOLATION = "23505"
_NO_VALUES = dict.fromkeys(VALUE_FIELDS)  # an event row's value fields, each empty until the event gives it


@dataclass
class ImportReport:
    """What an import found and did. `warnings` are the possible duplicates; `unlisted` the sites, services and
    offences not on the reference lists (kept as written: see reference_names). Neither refuses the dataset."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    people_added: int = 0
    cases_added: int = 0
    events_added: int = 0
    written: bool = False
    unlisted: list[UnlistedName] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def unlisted_warnings(self) -> list[Problem]:
        """The names not on the reference lists, as problems (table, first row, column, name, what is wrong)."""
        return [u.problem() for u in self.unlisted]

    @property
    def unlisted_count(self) -> int:
        """How many names are not on the reference lists (those summed in one warning each counted)."""
        return sum(u.more_names or 1 for u in self.unlisted)


@dataclass
class _Held:
    """What the database already holds of the dataset's people and cases."""

    people: dict[str, Person] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)


@dataclass(frozen=True)
class _Known:
    """A person a new person may be compared with: held, or earlier in the file; `order` keeps the warnings' order."""

    order: int
    ref: str
    surname: str
    forenames: str


def _signature(fact: Fact, name: str) -> tuple[Any, ...]:
    due = fact.due_at.timestamp() if fact.due_at else None
    return (name, fact.occurred_at.timestamp(), due, *(fact.get(f) for f in SIGNATURE_FIELDS))


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for offset in range(0, len(items), CHUNK):
        yield items[offset : offset + CHUNK]


def _load_held(session: Session, checked: Checked, case_refs: Iterable[str] | None = None) -> _Held:
    """The dataset's people and cases the database holds (`case_refs`: only those cases), each case with its
    events."""
    held = _Held()
    for refs in _chunks(sorted(checked.people)):
        for person in session.scalars(select(Person).where(Person.person_ref.in_(refs))):
            held.people[str(person.person_ref)] = person
    wanted = sorted({e.case_ref for e in checked.events} if case_refs is None else set(case_refs))
    for refs in _chunks(wanted):
        query = (
            select(Case).where(Case.case_ref.in_(refs)).options(selectinload(Case.events), selectinload(Case.person))
        )
        for case in session.scalars(query):
            held.cases[case.case_ref] = case
    return held


def _held_state(session: Session, checked: Checked, ruled: Collection[str], *, lock: bool) -> tuple[Any, ...]:
    """What the checks read that someone else may change meanwhile, in light reads (no events): the dataset's people
    and cases the database holds, each at its version; and every case of the held people in `ruled` (those given a
    new case: the rules across a person's cases). With `lock`, the rows are locked until the transaction ends (on
    PostgreSQL a step recorded on one of them waits for the import; SQLite's write lock holds them all)."""

    def read(*columns: Any, where: Any) -> list[tuple[Any, ...]]:
        query: Select[Any] = select(*columns).where(where)
        return [tuple(row) for row in session.execute(query.with_for_update() if lock else query)]

    people: list[tuple[Any, ...]] = []
    for refs in _chunks(sorted(checked.people)):
        people += read(Person.person_ref, Person.id, Person.version, where=Person.person_ref.in_(refs))
    cases: list[tuple[Any, ...]] = []
    for refs in _chunks(sorted({e.case_ref for e in checked.events})):
        cases += read(Case.case_ref, Case.id, Case.version, where=Case.case_ref.in_(refs))
    ids = sorted(person_id for ref, person_id, _version in people if ref in ruled)
    theirs: list[tuple[Any, ...]] = []
    for offset in range(0, len(ids), CHUNK):
        theirs += read(Case.id, Case.version, where=Case.person_id.in_(ids[offset : offset + CHUNK]))
    return tuple(sorted(people)), tuple(sorted(cases)), tuple(sorted(theirs))


def _held_conflicts(checked: Checked, held: _Held) -> list[Problem]:
    problems: list[Problem] = []
    for ref, person in held.people.items():
        incoming = checked.people[ref]
        for name, value in incoming.details.items():
            if getattr(person, name) != value:
                problems.append(
                    Problem(
                        "people",
                        incoming.row,
                        name,
                        str(value),
                        f"person {ref} is already held with a different {name.replace('_', ' ')}",
                    )
                )
    for event in checked.events:
        case = held.cases.get(event.case_ref)
        if case and (case.person.person_ref != event.person_ref or case.pathway != event.pathway):
            problems.append(
                Problem(
                    "events",
                    event.row,
                    "case_ref",
                    event.case_ref,
                    f"case {event.case_ref} is already held for another person or pathway",
                )
            )
    return problems


def _new_events(checked: Checked, held: _Held) -> dict[str, list[EventIn]]:
    """The dataset's events by case, less those the database already holds (so a re-import adds nothing)."""
    by_case: dict[str, list[EventIn]] = defaultdict(list)
    for event in checked.events:
        by_case[event.case_ref].append(event)
    for case_ref, case in held.cases.items():
        known = {_signature(f, f.name) for f in effective_facts(case.events)}
        by_case[case_ref] = [e for e in by_case[case_ref] if _signature(e.fact, e.name) not in known]
    return {ref: events for ref, events in by_case.items() if events}


def _timeline_problems(
    store: Store, checked: Checked, held: _Held, new: dict[str, list[EventIn]], bad_rows: set[int | None]
) -> list[Problem]:
    """Rule checks of each case's whole timeline; cases with a row already in error are left out.

    A held case's own problems (its events recorded under older rules) are not the dataset's: as when a step is
    recorded in the app (services.casework.record_event), only the problems the incoming events cause refuse it.
    """
    problems: list[Problem] = []
    now = store.clock()
    for case_ref, events in new.items():
        first = events[0]
        if any(e.row in bad_rows for e in events) or (
            case_ref not in held.cases and first.person_ref not in checked.people
        ):
            continue
        definition = store.definitions[first.pathway]
        case = held.cases.get(case_ref)
        before = effective_facts(case.events) if case else []
        dob = case.person.date_of_birth if case else checked.people[first.person_ref].details["date_of_birth"]
        # by the held fact itself: a held fact's ref (an event id) may equal an incoming one's (a row number)
        known = {(id(p.fact), p.message) for p in check_timeline(definition, before, dob, now, check_fields=False)}
        incoming = [e.fact for e in events]
        for problem in check_timeline(definition, ordered([*before, *incoming]), dob, now, check_fields=False):
            if (id(problem.fact), problem.message) in known:
                continue
            row = problem.fact.ref if any(problem.fact is f for f in incoming) else None
            words = f"case {case_ref}: {problem.message}"
            problems.append(Problem("events", row, "event", problem.fact.name, words))
    return problems


def _possible_duplicates(session: Session, checked: Checked, held: _Held) -> list[Problem]:
    """New people who may be someone already held, or someone else in the file: reported, never merged.

    A possible duplicate is born the same day and has a similar name (pathways.matching.similar_names). Only people
    who also share a sound code with the new person (a word of one name sounds like a word of the other: the codes
    name search forgives spelling with, kept in people.sound_key) are compared, so that each new person is compared
    with a handful of people however many are held, not with everyone born that day.
    """
    incoming = [p for ref, p in checked.people.items() if ref not in held.people]
    codes = {p.ref: sound_key(p.details["surname"], p.details["forenames"]).split() for p in incoming}
    wanted: dict[Any, set[str]] = defaultdict(set)  # by date of birth: the codes of the new people born that day
    for person in incoming:
        wanted[person.details["date_of_birth"]].update(codes[person.ref])
    known: dict[tuple[Any, str], list[_Known]] = defaultdict(list)  # by date of birth and sound code
    births = sorted(wanted)
    order = count()
    for offset in range(0, len(births), CHUNK):
        query = select(
            Person.id, Person.person_ref, Person.surname, Person.forenames, Person.date_of_birth, Person.sound_key
        ).where(Person.date_of_birth.in_(births[offset : offset + CHUNK]))
        for person_id, ref, surname, forenames, born, key in session.connection().execute(query):  # (not the ORM's)
            shared = wanted[born].intersection(key.split())
            if shared:
                entry = _Known(next(order), str(ref or f"id {person_id}"), surname, forenames)
                for code in shared:
                    known[(born, code)].append(entry)
    warnings: list[Problem] = []
    for person in incoming:
        d = person.details
        born = d["date_of_birth"]
        candidates = {k.order: k for code in codes[person.ref] for k in known[(born, code)]}
        for k in sorted(candidates.values(), key=lambda k: k.order):  # as held, then in file order
            if k.ref != person.ref and similar_names(d["surname"], d["forenames"], k.surname, k.forenames):
                where = "already held" if k.ref not in checked.people else "in this file"
                warnings.append(
                    Problem(
                        "people",
                        person.row,
                        "person_ref",
                        person.ref,
                        f"may be the same person as {k.ref} {where} (same date of birth, similar name); not merged",
                    )
                )
        entry = _Known(next(order), person.ref, d["surname"], d["forenames"])
        for code in codes[person.ref]:
            known[(born, code)].append(entry)
    return warnings


def _write(
    session: Session,
    store: Store,
    actor: Actor,
    checked: Checked,
    held: _Held,
    new: dict[str, list[EventIn]],
    report: ImportReport,
) -> None:
    now = store.clock()
    person_ids = {ref: p.id for ref, p in held.people.items()}
    fresh = [p for ref, p in checked.people.items() if ref not in held.people]
    # Each table's rows are made as they are written: a large import never holds them all.
    if fresh:
        people = (_person_row(p, actor, now) for p in fresh)
        person_ids.update(_insert_returning(session, "people", people, "person_ref", [p.ref for p in fresh]))
        words = (w for p in fresh for w in word_rows(person_ids[p.ref], p.details["surname"], p.details["forenames"]))
        _bulk_insert(session, "person_words", words)
    new_cases = [ref for ref in new if ref not in held.cases]
    case_ids = {ref: c.id for ref, c in held.cases.items()}
    if new_cases:
        cases = (_case_row(store, new[ref], person_ids, actor, now) for ref in new_cases)
        case_ids.update(_insert_returning(session, "cases", cases, "case_ref", new_cases))

    def event_rows() -> Iterator[dict[str, Any]]:
        for case_ref, events in new.items():
            start = max((e.seq for e in held.cases[case_ref].events), default=0) if case_ref in held.cases else 0
            yield from (_event_row(e, case_ids[case_ref], start + i, actor, now) for i, e in enumerate(events, 1))

    events_added = _bulk_insert(session, "events", event_rows())
    _bulk_insert(session, "open_deadlines", _new_case_deadlines(store, {r: new[r] for r in new_cases}, case_ids))
    keep_rows(session, _new_case_figures(store, checked, {r: new[r] for r in new_cases}, case_ids, person_ids))
    for case_ref in new:
        if case_ref in held.cases:
            _refresh_held_case(session, store, held.cases[case_ref])
    report.people_added, report.cases_added, report.events_added = len(fresh), len(new_cases), events_added
    detail = f"people added {len(fresh)}, cases added {len(new_cases)}, events added {events_added}"
    write_audit(session, actor, "import_dataset", now, detail=detail)


def _bulk_insert(session: Session, table_name: str, rows: Iterable[dict[str, Any]]) -> int:
    """Many rows at once (db/bulk.py): far faster than the ORM for a large import, in the same transaction. The rows
    are taken a batch at a time, so they may be made as they are written. Returns how many were written."""
    return insert_rows(session.connection(), Base.metadata.tables[table_name], rows)


def _insert_returning(
    session: Session, table_name: str, rows: Iterable[dict[str, Any]], key: str, keys: list[str]
) -> dict[str, int]:
    """Bulk insert, then the new rows' ids by their source key (person_ref, case_ref): `keys`, the rows' keys."""
    _bulk_insert(session, table_name, rows)
    table = Base.metadata.tables[table_name]
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        query = select(table.c.id, table.c[key]).where(table.c[key].in_(chunk))
        found.update({str(k): int(i) for i, k in session.connection().execute(query)})
    return found


def _person_row(person: PersonIn, actor: Actor, now: Any) -> dict[str, Any]:
    d = person.details
    return {
        **d,
        "person_ref": person.ref,
        "search_name": search_name(d["surname"], d["forenames"]),
        "sound_key": sound_key(d["surname"], d["forenames"]),
        "created_at": now,
        "created_by": actor.username,
        "version": 1,
    }


def _case_row(
    store: Store, events: list[EventIn], person_ids: dict[str, int], actor: Actor, now: Any
) -> dict[str, Any]:
    first = events[0]
    definition = store.definitions[first.pathway]
    facts = ordered([e.fact for e in events])
    return {
        "case_ref": first.case_ref,
        "person_id": person_ids[first.person_ref],
        "pathway": first.pathway,
        "pathway_version": definition.version,
        "opened_by": actor.username,
        "opened_at": now,
        "version": 1,
        **summary(definition, facts),
    }


def _event_row(event: EventIn, case_id: int, seq: int, actor: Actor, now: Any) -> dict[str, Any]:
    return {
        **_NO_VALUES,
        **event.values,  # (only value fields: checks.EVENT_VALUE_COLUMNS)
        "case_id": case_id,
        "seq": seq,
        "name": event.name,
        "action": "record",
        "corrects_id": None,
        "correction_reason": None,
        "occurred_at": event.occurred_at,
        "occurred_time_known": event.occurred_time_known,
        "due_at": event.due_at,
        "due_time_known": event.due_time_known,
        "recorded_at": now,
        "recorded_by": actor.username,
    }


def _refresh_held_case(session: Session, store: Store, case: Case) -> None:
    session.expire(case, ["events"])
    definition = store.definitions[case.pathway]
    for key, value in summary(definition, effective_facts(case.events)).items():
        setattr(case, key, value)
    case.version += 1
    index_case(session, definition, case)
    index_case_figures(session, definition, case)


def _new_case_figures(
    store: Store,
    checked: Checked,
    new: dict[str, list[EventIn]],
    case_ids: dict[str, int],
    person_ids: dict[str, int],
) -> Iterator[dict[str, Any] | None]:
    """The case-figures rows of the new cases (version 1, as _case_row makes them)."""
    bases: dict[str, str] = {}  # each pathway's basis of figures, worked out once (it hashes the pathway's rules)
    for case_ref, events in new.items():
        first = events[0]
        definition = store.definitions[first.pathway]
        if first.pathway not in bases:
            bases[first.pathway] = figures_basis(definition)
        person = checked.people[first.person_ref].details
        facts = ordered([e.fact for e in events])
        head = FigureHead(
            case_ids[case_ref],
            case_ref,
            first.pathway,
            1,
            facts[0].get("site") if facts else None,  # the first site, as summary() gives it
            person_ids[first.person_ref],
            first.person_ref,
            person["date_of_birth"],
            person["sex"],
            person.get("ethnicity"),
        )
        yield figure_row(definition, head, facts, bases[first.pathway])


def _new_case_deadlines(
    store: Store, new: dict[str, list[EventIn]], case_ids: dict[str, int]
) -> Iterator[dict[str, Any]]:
    for case_ref, events in new.items():
        definition = store.definitions[events[0].pathway]
        facts = ordered([e.fact for e in events])
        yield from deadline_rows(definition, case_ids[case_ref], facts, refs_are_events=False)


def import_dataset(
    store: Store, *, actor: Actor, path: Path, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Read a dataset from a folder, .zip or .xlsx and import it (see import_rows)."""
    authorise(store.session_factory, actor, "import_dataset", store.clock)
    try:
        dataset = read_dataset(path)
    except DatasetRefused as refused:
        return ImportReport(errors=list(refused.problems))
    return import_rows(store, actor=actor, dataset=dataset, dry_run=dry_run, progress=progress)


def import_rows(
    store: Store, *, actor: Actor, dataset: Dataset, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Check the whole dataset, then write it in one transaction, or write nothing and list every error."""
    authorise(store.session_factory, actor, "import_dataset", store.clock)
    step = progress or (lambda _stage, _done, _total: None)
    report = ImportReport()
    checked = Checked()
    step("Checking people and events", 0, 3)
    check_people(dataset.people, local_date(store.clock()), checked)
    all_refs = {row.get("person_ref") for row in dataset.people}
    live = {code: live_definition(store, code) for code in store.definitions}  # with the reference lists' choices
    check_events(dataset.events, dict.fromkeys(all_refs), live, store.clock(), checked)
    report.errors.extend(checked.problems)
    report.unlisted.extend(unlisted_names(store, dataset.events))  # (every row's, even a row in error)
    with store.unit_of_work() as uow:  # checking: reads only, so it holds nobody up however long it takes
        step("Checking cases against their pathways", 1, 3)
        held = _load_held(uow.session, checked)
        report.errors.extend(_held_conflicts(checked, held))
        new = _new_events(checked, held)
        bad_rows = {p.row for p in report.errors if p.table == "events"}
        # A case with a row in error is not judged by its pathway's rules: its timeline is not all there.
        bad_cases = {row.get("case_ref") for row in dataset.events if row.number in bad_rows}
        judged = {ref: events for ref, events in new.items() if ref not in bad_cases}
        report.errors.extend(_timeline_problems(store, checked, held, judged, bad_rows))
        report.errors.extend(  # rules across a person's cases (DIVERT: no new referral after not engaging)
            case_rule_problems(
                uow.session, store.definitions, checked.events, held.people, set(held.cases), judged, bad_rows
            )
        )
        report.warnings.extend(_possible_duplicates(uow.session, checked, held))
        if report.errors or dry_run:
            return report
        ruled = {events[0].person_ref for ref, events in new.items() if ref not in held.cases} & set(held.people)
        seen = _held_state(uow.session, checked, ruled, lock=False)
        extended = [ref for ref in new if ref in held.cases]  # held cases the dataset adds events to
    step("Writing", 2, 3)

    def write() -> None:  # short: a few light reads to see that nothing changed, then the rows written
        with store.unit_of_work().for_writing() as uow:
            if _held_state(uow.session, checked, ruled, lock=True) != seen:
                raise ConflictingChange(IMPORT_OVERTAKEN)
            _write(uow.session, store, actor, checked, _load_held(uow.session, checked, extended), new, report)
            uow.commit()

    try:
        saving(write)
    except IntegrityError as error:  # (PostgreSQL) one of the dataset's people or cases added by someone else
        if getattr(error.orig, "sqlstate", None) != POSTGRES_UNIQUE_VIOLATION:  # meanwhile, not yet committed
            raise
        raise ConflictingChange(IMPORT_OVERTAKEN) from error
    report.written = True
    step("Done", 3, 3)
    return report
