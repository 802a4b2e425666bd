"""A person's record as a worker sees it: details, every case with its stage and next deadline, and
each case's timeline with corrections shown as corrections. Viewing it is audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Select, Table, bindparam, exists, null, select
from sqlalchemy.orm import Session

from db.models import Base, ReferenceItem
from pathways.actors import Actor
from pathways.audit import authorise, refuse_role, state_of, write_audit
from pathways.definitions import EVENT_FIELDS, PathwayDefinition
from pathways.engine import check_event, eligibility, field_name, stage
from pathways.errors import NotFound, NotPermitted
from pathways.programme_attendance import SeriesAttendance
from pathways.reference import CODE_FORM
from pathways.scope import (
    HIDDEN_NOTE,
    PERSON_REFUSED,
    hidden_columns,
    notes_granted,
    refuse_out_of_scope,
    require_case_visible,
    visible_cases,
    visible_people,
)
from pathways.services.casework import load_case, open_deadline_views
from pathways.services.concurrency import reading
from pathways.services.record_programmes import (
    PROGRAMME_PATHWAY,
    Programmes,
    attendance_of,
    read_programmes,
    with_programme_names,
)
from pathways.services.results import DeadlineView, PersonView
from pathways.store import Store
from pathways.timeline import effective_facts, fact_from_values

SHOWN_FIELDS = (  # the order a worker reads an event's details in
    "offence",
    "basis",
    "authorised_by",
    "result",
    "substances",
    "kind",
    "service",
    "place",
    "reason",
    "conditions",
    "site",
    "notes",
)
assert set(SHOWN_FIELDS) == set(EVENT_FIELDS) - {"due_at"}
NO_OFFENCES: Mapping[str, str] = MappingProxyType({})
EntryField = tuple[str, str, str]  # a field of a timeline entry: its name, its words, its value in words


@dataclass(frozen=True)
class TimelineEntry:
    event_id: int
    original_id: int
    name: str
    label: str
    occurred_at: datetime
    due_at: datetime | None
    details: str  # the fields below in one line, as the record shows them
    recorded_at: datetime
    recorded_by: str
    action: str  # record, correct or withdraw
    correction_reason: str | None
    superseded: bool  # a later correction replaced this entry, or it was withdrawn
    # Each field given (SHOWN_FIELDS order): its name, its words for this step (engine.field_name) and its value
    # in words (coded values labelled; several joined by "; "). Documents read these, not `details`.
    fields: tuple[EntryField, ...] = ()
    occurred_time_known: bool = True  # False: given as a day alone (an imported date), shown without a time
    due_time_known: bool = True

    def values(self) -> dict[str, str]:
        """The fields' values in words, by field name."""
        return {name: value for name, _label, value in self.fields}


@dataclass(frozen=True)
class CaseSummary:
    id: int
    case_ref: str
    pathway: str
    pathway_name: str
    stage: str
    closed: bool
    started_at: datetime
    eligibility: str | None
    deadlines: tuple[DeadlineView, ...]
    timeline: tuple[TimelineEntry, ...]
    version: int
    attendance: SeriesAttendance | None = None  # a group programme's, counted as its register counts it

    @property
    def started_time_known(self) -> bool:
        """Whether the case's first event was given with its time (False: a day alone, shown without one)."""
        first = next((e for e in self.timeline if e.occurred_at == self.started_at and not e.superseded), None)
        return first is None or first.occurred_time_known


@dataclass(frozen=True)
class DetailChange:
    field: str
    old_value: str | None
    new_value: str | None
    reason: str
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class PersonRecord:
    person: PersonView
    cases: tuple[CaseSummary, ...]
    changes: tuple[DetailChange, ...]


@dataclass(frozen=True)
class StepOption:
    event: str
    kind: str | None
    label: str
    allowed: bool
    reason: str | None


class TimelineEvent(NamedTuple):
    """One stored event as the record shows it: read as a plain row, the columns named, then its values."""

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
    recorded_at: datetime
    recorded_by: str
    correction_reason: str | None
    offence: str | None
    basis: str | None
    authorised_by: str | None
    result: str | None
    substances: str | None
    kind: str | None
    service: str | None
    place: str | None
    reason: str | None
    conditions: str | None
    site: str | None
    notes: str | None


assert TimelineEvent._fields[-len(SHOWN_FIELDS) :] == SHOWN_FIELDS


OffenceLabels = Mapping[str, str]  # an offence's label by its code (casefolded), the retired ones' included


def _fields(
    definition: PathwayDefinition, event: TimelineEvent, notes: bool = True, offences: OffenceLabels = NO_OFFENCES
) -> tuple[EntryField, ...]:
    found: list[EntryField] = []
    for name, value in zip(SHOWN_FIELDS, event[-len(SHOWN_FIELDS) :], strict=True):
        if value and (notes or name != "notes"):
            text = str(value)
            if name == "offence":  # the screens record the list's label; an import may give its code
                shown = offences.get(text.strip().casefold()) or (
                    definition.label(text) if _looks_coded(text) else text
                )
            elif name == "notes":
                shown = text
            else:
                shown = "; ".join(definition.label(v.strip()) for v in text.split(";"))
            found.append((name, field_name(definition, name, event.name).capitalize(), shown))
    return tuple(found)


def _hidden(text: str | None, notes: bool) -> str | None:
    return text if notes or text is None else HIDDEN_NOTE


def _timeline(
    definition: PathwayDefinition,
    events: list[TimelineEvent],
    notes: bool = True,
    offences: OffenceLabels = NO_OFFENCES,
) -> tuple[TimelineEntry, ...]:
    latest: dict[int, int] = {}
    for event in sorted(events, key=lambda e: e.seq):
        latest[event.corrects_id or event.id] = event.id
    entries = []
    for event in sorted(events, key=lambda e: (e.occurred_at, e.seq)):
        original = event.corrects_id or event.id
        spec = definition.events.get(event.name)
        label = spec.label if spec else event.name.replace("_", " ").capitalize()
        superseded = latest[original] != event.id or event.action == "withdraw"
        fields = _fields(definition, event, notes, offences)
        entries.append(
            TimelineEntry(
                event.id,
                original,
                event.name,
                label,
                event.occurred_at,
                event.due_at,
                " · ".join(f"{words}: {value}" for _name, words, value in fields),
                event.recorded_at,
                event.recorded_by,
                event.action,
                _hidden(event.correction_reason, notes),
                superseded,
                fields,
                event.occurred_time_known,
                event.due_time_known,
            )
        )
    return tuple(entries)


class _CaseHead(NamedTuple):
    """What the record shows of a case besides its timeline."""

    id: int
    case_ref: str
    pathway: str
    closed: bool
    first_event_at: datetime
    version: int


def _summary(
    definition: PathwayDefinition,
    case: _CaseHead,
    events: list[TimelineEvent],
    date_of_birth: date,
    notes: bool,
    programmes: Programmes,
    offences: OffenceLabels = NO_OFFENCES,
) -> CaseSummary:
    """The case as a worker reads it; without `notes`, free text (notes, correction reasons) is left out."""
    facts = effective_facts(events)
    decision = eligibility(definition, facts, date_of_birth) if definition.eligibility else None
    return CaseSummary(
        case.id,
        case.case_ref,
        case.pathway,
        definition.name,
        stage(definition, facts),
        case.closed,
        case.first_event_at,
        decision.explain() if decision else None,
        open_deadline_views(case.id, case.case_ref, definition, facts),
        _timeline(definition, events, notes, offences),
        case.version,
        attendance_of(programmes, case.pathway, facts, events),
    )


# --- reading the record: plain statements in one transaction, which also audits the view ----------------------------

_PEOPLE, _CASES, _EVENTS, _CHANGES, _USERS = (
    Base.metadata.tables[name] for name in ("people", "cases", "events", "person_changes", "users")
)
_ACCOUNT_COLUMNS = ("active", "may_read_notes", "must_change_password", "site", "service")
_ACCOUNT = select(*(_USERS.c[name] for name in _ACCOUNT_COLUMNS)).where(_USERS.c.username == bindparam("username"))
_CHANGE_COLUMNS = tuple(f.name for f in fields(DetailChange))
_PERSON_COLUMNS = len(fields(PersonView))
_EVENT_COLUMNS = len(TimelineEvent._fields)


def _account_column(name: str) -> ColumnElement[Any]:
    """A column of the actor's account, read with the person (NULL when there is no such account)."""
    return select(_USERS.c[name]).where(_USERS.c.username == bindparam("username")).scalar_subquery().label(name)


class _Reads(NamedTuple):
    person: Select[Any]  # the person's details; in the actor's scope? the actor's account; any corrections?
    timelines: Select[Any]  # the events of their cases in the actor's scope (newest case first), then each case's head
    changes: Select[Any]  # the corrections of their details


@lru_cache(maxsize=64)
def _reads(actor: Actor, hidden: frozenset[tuple[str, str]]) -> _Reads:
    """The record's reads for `actor`, leaving out (as empty) the `hidden` (table, column) pairs: the free text a
    manager's own PostgreSQL role may not read (pathways/scope.py). Made once for each actor: building statements
    afresh costs more than running them."""

    def readable(table: Table, names: tuple[str, ...]) -> list[ColumnElement[Any]]:
        return [null().label(name) if (table.name, name) in hidden else table.c[name] for name in names]

    person = select(
        *(_PEOPLE.c[f.name] for f in fields(PersonView)),
        visible_people(actor).label("in_scope"),
        *(_account_column(name) for name in _ACCOUNT_COLUMNS),
        # (one column named: a manager's own PostgreSQL role may not read every column of the table)
        exists(select(_CHANGES.c.id).where(_CHANGES.c.person_id == _PEOPLE.c.id)).label("changed"),
    )
    timelines = (
        select(*readable(_EVENTS, TimelineEvent._fields), *(_CASES.c[name] for name in _CaseHead._fields))
        .select_from(_CASES.outerjoin(_EVENTS, _EVENTS.c.case_id == _CASES.c.id))
        .where(_CASES.c.person_id == bindparam("person_id"), visible_cases(actor))
        .order_by(_CASES.c.first_event_at.desc(), _CASES.c.id.desc())
    )
    changes = (
        select(*readable(_CHANGES, _CHANGE_COLUMNS))
        .where(_CHANGES.c.person_id == bindparam("person_id"))
        .order_by(_CHANGES.c.changed_at)
    )
    return _Reads(person.where(_PEOPLE.c.id == bindparam("person_id")), timelines, changes)


def person_record(store: Store, *, actor: Actor, person_id: int) -> PersonRecord:
    """Everything about one person a worker may see, newest case first. The view is audited.

    Only the cases in the actor's scope are shown (pathways/scope.py); a manager not granted notes reads no free
    text: event notes, correction reasons and the reasons for corrections of the person's details are left out.

    The role and scope checks, the reads and the audit entry are one transaction: a refusal is audited in it, with
    nothing else. (A record is opened far more often than anything is saved, so it is read as plain rows.)"""

    def read() -> PersonRecord:  # the view is audited, so this is a (small) write
        with store.unit_of_work().for_writing() as uow:
            record = _read_record(store, uow.session, actor, person_id)
            if isinstance(record, NotPermitted):
                uow.commit()  # the refusal's audit entry
                raise record
            write_audit(uow.session, actor, "view_person", store.clock(), record_type="person", record_id=person_id)
            uow.commit()
            return record

    return reading(read)


def _read_record(store: Store, session: Session, actor: Actor, person_id: int) -> PersonRecord | NotPermitted:
    """The record, or the refusal to raise once its audit entry (written here) is committed."""
    connection = session.connection()
    hidden = hidden_columns(session.info)
    reads = _reads(actor, frozenset((table, column) for table, columns in hidden.items() for column in columns))
    person = connection.execute(reads.person, {"person_id": person_id, "username": actor.username}).first()
    if person is not None:
        active, granted, temporary, site, service = (getattr(person, name) for name in _ACCOUNT_COLUMNS)
    else:  # (the account is read with the person; without one, on its own)
        account = connection.execute(_ACCOUNT, {"username": actor.username}).first()
        active, granted, temporary, site, service = account or (None,) * len(_ACCOUNT_COLUMNS)
    state = state_of(actor, active, temporary, site, service)
    if state.refuses(actor, "view_person"):
        return refuse_role(session, actor, "view_person", store.clock(), state)
    if person is None:
        raise NotFound("That person is not on record.")
    if not person.in_scope:
        return refuse_out_of_scope(session, actor, "view_person", store.clock(), "person", person_id, PERSON_REFUSED)
    cases: dict[_CaseHead, list[TimelineEvent]] = {}
    for row in connection.execute(reads.timelines, {"person_id": person_id}):
        timeline = cases.setdefault(_CaseHead._make(row[_EVENT_COLUMNS:]), [])
        event = TimelineEvent._make(row[:_EVENT_COLUMNS])
        if event.id is not None:  # (a case always has events; the outer join only makes sure it is shown)
            timeline.append(event)
    changes = connection.execute(reads.changes, {"person_id": person_id}).all() if person.changed else []
    notes = notes_granted(actor, granted)
    view = PersonView(*person[:_PERSON_COLUMNS])
    definitions = {code: store.definition(code) for code in {case.pathway for case in cases}}
    counting = Programmes({}, store.clock())
    coded = any(_looks_coded(event.offence) for timeline in cases.values() for event in timeline)
    offences = _offence_labels(connection) if coded else NO_OFFENCES  # (the screens record labels: no read)
    if PROGRAMME_PATHWAY in definitions:  # a programme by its name, not only its code; its attendance counted
        counting = read_programmes(session, store.clock())
        definitions[PROGRAMME_PATHWAY] = with_programme_names(definitions[PROGRAMME_PATHWAY], counting)
    return PersonRecord(
        view,
        tuple(
            _summary(definitions[case.pathway], case, timeline, view.date_of_birth, notes, counting, offences)
            for case, timeline in cases.items()
        ),
        tuple(
            DetailChange(c.field, c.old_value, c.new_value, _hidden(c.reason, notes) or "", c.changed_at, c.changed_by)
            for c in changes
        ),
    )


def _looks_coded(offence: str | None) -> bool:
    """Whether an offence was given as a code of the list (an import's "theft_shop"), not as its label."""
    return offence is not None and CODE_FORM.fullmatch(offence.strip().casefold()) is not None


def _offence_labels(connection: Connection) -> OffenceLabels:
    rows = connection.execute(
        select(ReferenceItem.code, ReferenceItem.label).where(ReferenceItem.list_name == "offences")
    )
    return {code.casefold(): label for code, label in rows}


def case_version(store: Store, *, actor: Actor, case_id: int) -> int:
    """The case's version now: a screen refused because the case changed takes it up after reloading."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_case_visible(store.session_factory, actor, case_id, "view_person", store.clock)
    with store.unit_of_work() as uow:
        return load_case(uow.session, case_id).version


def next_steps(store: Store, *, actor: Actor, case_id: int) -> list[StepOption]:
    """Each step of the case's pathway, whether it can be recorded now, and why not when it cannot."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_case_visible(store.session_factory, actor, case_id, "view_person", store.clock)
    now = store.clock()
    with store.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        definition = store.definition(case.pathway)
        facts = effective_facts(case.events)
        options: list[StepOption] = []
        for spec in definition.events.values():
            for kind in spec.choices.get("kind", (None,)):
                candidate = fact_from_values(spec.name, now, {"kind": kind} if kind else {}, None, None)
                problems = check_event(definition, facts, candidate, case.person.date_of_birth, now, check_fields=False)
                label = f"{spec.label} ({definition.label(kind)})" if kind else spec.label
                options.append(StepOption(spec.name, kind, label, not problems, " ".join(problems) or None))
        return options
