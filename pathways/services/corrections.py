"""Corrections: a new event replaces or withdraws an earlier one, with a reason. Nothing is overwritten."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models import Event
from pathways.actors import Actor
from pathways.audit import authorise
from pathways.errors import InvalidInput, NotFound
from pathways.reference import listed_service
from pathways.scope import require_event_visible
from pathways.services.casework import NewEvent, append_event, recorded
from pathways.services.concurrency import lock_case, saving
from pathways.services.results import EventRecorded
from pathways.store import Store
from pathways.timeline import VALUE_FIELDS


def _original(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound("That event is not on record.")
    return event


def _latest_version(event: Event) -> Event:
    root = event.corrects_id or event.id
    versions = [e for e in event.case.events if e.id == root or e.corrects_id == root]
    latest = max(versions, key=lambda e: e.seq)
    if latest.action == "withdraw":
        raise InvalidInput("That event has been withdrawn; it cannot be corrected.")
    return latest


def correct_event(
    store: Store,
    *,
    actor: Actor,
    event_id: int,
    reason: str,
    occurred_at: datetime | None = None,
    due_at: datetime | None = None,
    expected_version: int | None = None,
    **changes: Any,
) -> EventRecorded:
    """Record a corrected version of an event; the original stays readable in the history. A service changed
    must be on the administrator's list (pathways.reference.listed_service), as when a step is recorded.

    With `expected_version` (the case's version the screen showed) it is refused when someone else
    changed the case since."""
    authorise(store.session_factory, actor, "correct_event", store.clock)
    require_event_visible(store.session_factory, actor, event_id, "correct_event", store.clock)
    if not reason.strip():
        raise InvalidInput("A correction needs a reason.")
    unknown = set(changes) - set(VALUE_FIELDS)
    if unknown:
        raise InvalidInput(f"These details of an event cannot be corrected: {', '.join(sorted(unknown))}.")

    def write() -> EventRecorded:
        with store.unit_of_work().for_writing() as uow:
            original = _original(uow.session, event_id)
            case = lock_case(uow.session, original.case_id, expected_version, store.clock())
            latest = _latest_version(original)
            values = {f: getattr(latest, f) for f in VALUE_FIELDS} | changes
            if "service" in changes and changes["service"] != latest.service:  # as recorded (an import's) stays
                values["service"] = listed_service(uow.session, changes["service"])
            when, due = occurred_at or latest.occurred_at, due_at if due_at is not None else latest.due_at
            new = NewEvent(  # a moment left as it was keeps whether its time was known (a day alone stays one)
                latest.name,
                when,
                values,
                due,
                occurred_time_known=latest.occurred_time_known if when == latest.occurred_at else True,
                due_time_known=latest.due_time_known if due == latest.due_at else True,
            )
            event = append_event(
                uow.session,
                store,
                actor,
                case,
                new,
                action="correct",
                corrects=latest,
                correction_reason=reason.strip(),
            )
            uow.commit()
            return recorded(case, event, store.definition(case.pathway), None)

    return saving(write)


def withdraw_event(
    store: Store, *, actor: Actor, event_id: int, reason: str, expected_version: int | None = None
) -> EventRecorded:
    """Strike out an event recorded in error, keeping it readable in the history (refused, like a
    correction, when the case is no longer at `expected_version`)."""
    authorise(store.session_factory, actor, "correct_event", store.clock)
    require_event_visible(store.session_factory, actor, event_id, "correct_event", store.clock)
    if not reason.strip():
        raise InvalidInput("Withdrawing an event needs a reason.")

    def write() -> EventRecorded:
        with store.unit_of_work().for_writing() as uow:
            original = _original(uow.session, event_id)
            case = lock_case(uow.session, original.case_id, expected_version, store.clock())
            latest = _latest_version(original)
            new = NewEvent(latest.name, latest.occurred_at, {}, None)
            event = append_event(
                uow.session,
                store,
                actor,
                case,
                new,
                action="withdraw",
                corrects=latest,
                correction_reason=reason.strip(),
            )
            uow.commit()
            return recorded(case, event, store.definition(case.pathway), None)

    return saving(write)
