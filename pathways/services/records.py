"""A person's record as a worker sees it: details, every case with its stage and next deadline, and
each case's timeline with corrections shown as corrections. Viewing it is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from db.models import Case, Event, Person, PersonChange
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.definitions import EVENT_FIELDS, PathwayDefinition
from pathways.engine import FIELD_NAMES, check_event, eligibility, stage
from pathways.errors import NotFound
from pathways.scope import HIDDEN_NOTE, reads_notes, require_case_visible, require_person_visible, visible_cases
from pathways.services.casework import deadline_views, load_case
from pathways.services.concurrency import saving
from pathways.services.people import person_view
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


@dataclass(frozen=True)
class TimelineEntry:
    event_id: int
    original_id: int
    name: str
    label: str
    occurred_at: datetime
    due_at: datetime | None
    details: str
    recorded_at: datetime
    recorded_by: str
    action: str  # record, correct or withdraw
    correction_reason: str | None
    superseded: bool  # a later correction replaced this entry, or it was withdrawn


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


def _details(definition: PathwayDefinition, event: Event, notes: bool = True) -> str:
    parts = []
    for name in SHOWN_FIELDS:
        if name == "notes" and not notes:
            continue
        value = getattr(event, name)
        if value:
            shown = "; ".join(definition.label(v.strip()) for v in str(value).split(";")) if name != "notes" else value
            parts.append(f"{FIELD_NAMES.get(name, name.replace('_', ' ')).capitalize()}: {shown}")
    return " · ".join(parts)


def _hidden(text: str | None, notes: bool) -> str | None:
    return text if notes or text is None else HIDDEN_NOTE


def _timeline(definition: PathwayDefinition, events: list[Event], notes: bool = True) -> tuple[TimelineEntry, ...]:
    latest: dict[int, int] = {}
    for event in sorted(events, key=lambda e: e.seq):
        latest[event.corrects_id or event.id] = event.id
    entries = []
    for event in sorted(events, key=lambda e: (e.occurred_at, e.seq)):
        original = event.corrects_id or event.id
        spec = definition.events.get(event.name)
        label = spec.label if spec else event.name.replace("_", " ").capitalize()
        superseded = latest[original] != event.id or event.action == "withdraw"
        entries.append(
            TimelineEntry(
                event.id,
                original,
                event.name,
                label,
                event.occurred_at,
                event.due_at,
                _details(definition, event, notes),
                event.recorded_at,
                event.recorded_by,
                event.action,
                _hidden(event.correction_reason, notes),
                superseded,
            )
        )
    return tuple(entries)


def summarise_case(store: Store, case: Case, notes: bool = True) -> CaseSummary:
    """The case as a worker reads it; without `notes`, free text (notes, correction reasons) is left out."""
    definition = store.definition(case.pathway)
    facts = effective_facts(case.events)
    decision = eligibility(definition, facts, case.person.date_of_birth) if definition.eligibility else None
    return CaseSummary(
        case.id,
        case.case_ref,
        case.pathway,
        definition.name,
        stage(definition, facts),
        case.closed,
        case.first_event_at,
        decision.explain() if decision else None,
        deadline_views(case, definition),
        _timeline(definition, list(case.events), notes),
        case.version,
    )


def person_record(store: Store, *, actor: Actor, person_id: int) -> PersonRecord:
    """Everything about one person a worker may see, newest case first. The view is audited.

    Only the cases in the actor's scope are shown (pathways/scope.py); a manager not granted notes reads no free
    text: event notes, correction reasons and the reasons for corrections of the person's details are left out."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "view_person", store.clock)

    def read() -> PersonRecord:  # the view is audited, so this is a (small) write
        with store.unit_of_work().for_writing() as uow:
            person = uow.session.get(Person, person_id)
            if person is None:
                raise NotFound("That person is not on record.")
            notes = reads_notes(uow.session, actor)
            cases = uow.session.scalars(
                select(Case)
                .where(Case.person_id == person_id, visible_cases(actor))
                .order_by(Case.first_event_at.desc())
                .options(selectinload(Case.events))
            ).all()
            changes = uow.session.scalars(
                select(PersonChange).where(PersonChange.person_id == person_id).order_by(PersonChange.changed_at)
            ).all()
            record = PersonRecord(
                person_view(person),
                tuple(summarise_case(store, c, notes) for c in cases),
                tuple(
                    DetailChange(
                        c.field, c.old_value, c.new_value, _hidden(c.reason, notes) or "", c.changed_at, c.changed_by
                    )
                    for c in changes
                ),
            )
            write_audit(uow.session, actor, "view_person", store.clock(), record_type="person", record_id=person_id)
            uow.commit()
            return record

    return saving(read)


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
