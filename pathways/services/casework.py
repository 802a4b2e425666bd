"""Opening cases and adding events to their timelines, checked by the pathway's rules."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Case, Event, Person, Task
from pathways.actors import Actor
from pathways.audit import write_audit
from pathways.clock import local_date
from pathways.deadline_index import index_case
from pathways.definitions import PathwayDefinition
from pathways.engine import Fact, check_timeline, open_deadlines, ordered, raised_tasks
from pathways.errors import InvalidInput, NotFound, StepNotAllowed
from pathways.figure_index import index_case_figures
from pathways.reference import live_definition
from pathways.services.results import DeadlineView, EventRecorded
from pathways.store import Store
from pathways.text_limits import value_problems
from pathways.timeline import VALUE_FIELDS, effective_facts, fact_from_values, summary


@dataclass(frozen=True)
class NewEvent:
    name: str
    occurred_at: datetime
    values: Mapping[str, Any]
    due_at: datetime | None = None
    occurred_time_known: bool = True
    due_time_known: bool = True


def require_aware(moment: datetime | None, what: str) -> None:
    if moment is not None and moment.tzinfo is None:
        raise InvalidInput(f"The {what} needs a time zone (a local time in Europe/London).")


def new_case_ref(definition: PathwayDefinition, day: datetime) -> str:
    return f"{definition.code.upper().replace('_', '-')}-{local_date(day):%Y%m%d}-{secrets.token_hex(3).upper()}"


def load_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("That case is not on record.")
    return case


def open_case(
    session: Session,
    store: Store,
    actor: Actor,
    person_id: int,
    definition: PathwayDefinition,
    first: NewEvent,
    case_ref: str | None = None,
) -> Case:
    """A new case for a person on a pathway; its first event is added with append_event."""
    if session.get(Person, person_id) is None:
        raise NotFound("That person is not on record.")
    case = Case(
        case_ref=case_ref or new_case_ref(definition, first.occurred_at),
        person_id=person_id,
        pathway=definition.code,
        pathway_version=definition.version,
        first_event_at=first.occurred_at,
        first_site=first.values.get("site"),
        stage="Open",
        closed=False,
        opened_by=actor.username,
        opened_at=store.clock(),
        version=1,
    )
    session.add(case)
    session.flush()
    return case


def append_event(
    session: Session,
    store: Store,
    actor: Actor,
    case: Case,
    new: NewEvent,
    *,
    action: str = "record",
    corrects: Event | None = None,
    correction_reason: str | None = None,
) -> Event:
    """Check the case's timeline with `new` in it and, when the pathway allows it, store it.

    A correction replaces `corrects` in the timeline; a withdrawal removes it. Problems that the
    change does not cause (e.g. in old data under older rules) do not block it.
    """
    require_aware(new.occurred_at, "time of the event")
    require_aware(new.due_at, "due time")
    free_text = ("offence", "reason", "conditions", "notes", "place", "correction_reason")
    typed = {**new.values, "correction_reason": correction_reason}
    refused = value_problems(Event.__table__.c, typed, free_text)
    if refused:
        raise InvalidInput(" ".join(refused))
    definition = live_definition(store, case.pathway)
    events = list(case.events)
    before = effective_facts(events)
    ref = corrects.corrects_id or corrects.id if corrects is not None else -1
    candidate = fact_from_values(
        new.name, new.occurred_at, new.values, new.due_at, ref, new.occurred_time_known, new.due_time_known
    )
    after = [f for f in before if f.ref != ref]
    if action != "withdraw":
        after = ordered([*after, candidate])
    dob = case.person.date_of_birth
    now = store.clock()
    known = {(p.fact.ref, p.message) for p in check_timeline(definition, before, dob, now)}
    caused = [p.message for p in check_timeline(definition, after, dob, now) if (p.fact.ref, p.message) not in known]
    if caused:
        raise StepNotAllowed(" ".join(dict.fromkeys(caused)))
    seq = (session.scalar(select(func.max(Event.seq)).where(Event.case_id == case.id)) or 0) + 1
    values = {k: v for k, v in new.values.items() if k in VALUE_FIELDS}
    event = Event(
        case_id=case.id,
        seq=seq,
        name=new.name,
        action=action,
        corrects_id=(corrects.corrects_id or corrects.id) if corrects is not None else None,
        correction_reason=correction_reason,
        occurred_at=new.occurred_at,
        occurred_time_known=new.occurred_time_known,
        due_at=new.due_at,
        due_time_known=new.due_time_known,
        recorded_at=now,
        recorded_by=actor.username,
        **values,
    )
    case.events.append(event)
    session.flush()
    if action == "record":
        prior = [f for f in after if f is not candidate and f.occurred_at <= candidate.occurred_at]
        for label in raised_tasks(definition, prior, candidate):
            session.add(
                Task(case_id=case.id, event_id=event.id, label=label, service=new.values.get("service"), created_at=now)
            )
    refresh_case(case, definition, after)
    index_case(session, definition, case)
    index_case_figures(session, definition, case)
    write_audit(
        session,
        actor,
        f"event:{new.name}" if action == "record" else f"event:{action}",
        now,
        record_type="case",
        record_id=case.id,
        detail=f"event {event.id}",
    )
    return event


def refresh_case(case: Case, definition: PathwayDefinition, facts: list[Any]) -> None:
    for key, value in summary(definition, facts).items():
        if value is not None or key == "first_site":
            setattr(case, key, value)
    case.version += 1


def deadline_views(case: Case, definition: PathwayDefinition) -> tuple[DeadlineView, ...]:
    return open_deadline_views(case.id, case.case_ref, definition, effective_facts(case.events))


def open_deadline_views(
    case_id: int, case_ref: str, definition: PathwayDefinition, facts: list[Fact]
) -> tuple[DeadlineView, ...]:
    """The deadlines still open on a case's timeline `facts`, as a screen shows them."""
    return tuple(
        DeadlineView(
            case_id,
            case_ref,
            d.label,
            d.due_at,
            d.set_by.get("kind"),
            d.set_by.get("service"),
            d.set_by.get("place"),
            d.set_by.ref,
            d.time_known,
        )
        for d in open_deadlines(definition, facts)
    )


def recorded(case: Case, event: Event, definition: PathwayDefinition, explanation: str | None) -> EventRecorded:
    return EventRecorded(
        case.id,
        case.case_ref,
        event.id,
        event.name,
        case.stage,
        explanation,
        deadline_views(case, definition),
        case.version,
    )
