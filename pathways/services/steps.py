"""Recording any step a pathway definition allows, for pathways and screens that need no special service.

The permission needed is the event's `action` in its definition, so a new pathway file brings its own
steps without new code.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pathways.actors import Actor
from pathways.audit import authorise
from pathways.engine import default_due
from pathways.errors import StepNotAllowed
from pathways.services.casework import NewEvent, append_event, load_case, open_case, recorded
from pathways.services.results import EventRecorded
from pathways.store import Store


def record_step(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    event: str,
    occurred_at: datetime,
    values: Mapping[str, str | None],
    due_at: datetime | None = None,
) -> EventRecorded:
    """Add one event to a case, when the case's pathway allows it at this point."""
    with store.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        definition = store.definition(case.pathway)
    spec = definition.events.get(event)
    if spec is None:
        raise StepNotAllowed(f"'{event}' is not a step of the {definition.name} pathway.")
    authorise(store.session_factory, actor, spec.action, store.clock)
    with store.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        new = NewEvent(event, occurred_at, dict(values), due_at or default_due(spec, occurred_at))
        stored = append_event(uow.session, store, actor, case, new)
        uow.commit()
        return recorded(case, stored, definition, None)


def start_case(
    store: Store,
    *,
    actor: Actor,
    person_id: int,
    pathway: str,
    event: str,
    occurred_at: datetime,
    values: Mapping[str, str | None],
    due_at: datetime | None = None,
    case_ref: str | None = None,
) -> EventRecorded:
    """Open a new case on a pathway with its first event (e.g. a DIVERT referral)."""
    definition = store.definition(pathway)
    spec = definition.events.get(event)
    if spec is None or event not in definition.opening_events:
        first = " or ".join(definition.event(n).label.lower() for n in definition.opening_events)
        raise StepNotAllowed(f"A {definition.name} case starts with the {first}.")
    authorise(store.session_factory, actor, spec.action, store.clock)
    new = NewEvent(event, occurred_at, dict(values), due_at or default_due(spec, occurred_at))
    with store.unit_of_work() as uow:
        case = open_case(uow.session, store, actor, person_id, definition, new, case_ref)
        stored = append_event(uow.session, store, actor, case, new)
        uow.commit()
        return recorded(case, stored, definition, None)
