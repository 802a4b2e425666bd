"""Recording any step a pathway definition allows, for pathways and screens that need no special service.

The permission needed is the event's `action` in its definition, so a new pathway file brings its own
steps without new code. A service given must be on the administrator's list of services, and is recorded as the
list spells it (pathways.reference.listed_service): a treatment worker sees the cases that name their service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from pathways.actors import Actor
from pathways.audit import authorise
from pathways.definitions import EventDefinition, PathwayDefinition
from pathways.engine import default_due, field_name
from pathways.errors import InvalidInput, StepNotAllowed, a_or_an
from pathways.reference import with_listed_service
from pathways.scope import require_case_visible, require_person_visible
from pathways.services.case_openings import refuse_by_case_rules
from pathways.services.casework import NewEvent, append_event, load_case, open_case, recorded
from pathways.services.concurrency import lock_case, lock_person, saving
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
    expected_version: int | None = None,
    due_time_known: bool = True,
) -> EventRecorded:
    """Add one event to a case, when the case's pathway allows it at this point (`due_time_known` False: `due_at`
    is a day alone, its 00:00).

    With `expected_version` (the case's version the screen showed) it is refused when someone else
    changed the case since."""
    with store.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        definition = store.definition(case.pathway)
    spec = definition.events.get(event)
    if spec is None:
        raise StepNotAllowed(f"'{event}' is not a step of the {definition.name} pathway.")
    authorise(store.session_factory, actor, spec.action, store.clock)
    require_case_visible(store.session_factory, actor, case_id, spec.action, store.clock)
    due = due_at or default_due(spec, occurred_at)
    refuse_screen_missing(definition, spec, values)
    checked = with_listed_service(store, values)  # a service off the list would hide the case from its workers
    new = NewEvent(event, occurred_at, checked, due, due_time_known=due_time_known or due_at is None)

    def write() -> EventRecorded:
        with store.unit_of_work().for_writing() as uow:
            case = lock_case(uow.session, case_id, expected_version, store.clock())
            stored = append_event(uow.session, store, actor, case, new)
            uow.commit()
            return recorded(case, stored, definition, None)

    return saving(write)


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
    due_time_known: bool = True,
    service_held: bool = False,
    occurred_time_known: bool = True,
    refuse_if: Callable[[Session], None] | None = None,
) -> EventRecorded:
    """Open a new case on a pathway with its first event (e.g. a DIVERT referral); `occurred_time_known` False: it
    was given as a day alone. `refuse_if` checks the person's cases inside the save, their record locked, so that
    two saves at once cannot both pass it (a person enrolled twice on one programme).

    `service_held`: the service is not one given for this step but one already held, checked when it was set
    (a group programme's, copied onto each enrolment), so it is not looked up on the list of services again: a
    programme whose provider has since been retired still takes enrolments."""
    definition = store.definition(pathway)
    spec = definition.events.get(event)
    if spec is None or event not in definition.opening_events:
        first = " or ".join(definition.event(n).label.lower() for n in definition.opening_events)
        raise StepNotAllowed(f"{a_or_an(definition.name)} case starts with the {first}.")
    authorise(store.session_factory, actor, spec.action, store.clock)
    require_person_visible(store.session_factory, actor, person_id, spec.action, store.clock)
    due = due_at or default_due(spec, occurred_at)
    refuse_screen_missing(definition, spec, values)
    checked = dict(values) if service_held else with_listed_service(store, values)
    new = NewEvent(
        event, occurred_at, checked, due, occurred_time_known, due_time_known=due_time_known or due_at is None
    )

    def write() -> EventRecorded:
        with store.unit_of_work().for_writing() as uow:
            # The person's record locked first, so that the rules across their cases see every case (PostgreSQL: a
            # case opened for them at the same moment, by a colleague or an import, waits until this one is saved).
            lock_person(uow.session, person_id, None, store.clock())
            refuse_by_case_rules(uow.session, definition, person_id, occurred_at)  # e.g. DIVERT after not engaging
            if refuse_if is not None:
                refuse_if(uow.session)
            case = open_case(uow.session, store, actor, person_id, definition, new, case_ref)
            stored = append_event(uow.session, store, actor, case, new)
            uow.commit()
            return recorded(case, stored, definition, None)

    return saving(write)


def refuse_screen_missing(
    definition: PathwayDefinition, spec: EventDefinition, values: Mapping[str, str | None]
) -> None:
    """Refuse a step recorded from a screen without a field its definition asks screens for (`screen_required`: a
    required assessment's place, which its notice prints), in the engine's words for a missing field."""
    for name in spec.screen_required:
        if not (values.get(name) or "").strip():
            raise InvalidInput(f"{spec.label}: give the {field_name(definition, name, spec.name)}.")
