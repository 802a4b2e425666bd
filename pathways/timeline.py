"""From the events as recorded (with corrections) to the effective timeline the rules read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from db.models import Event
from pathways.definitions import EVENT_FIELDS, PathwayDefinition
from pathways.engine import Fact, ordered, stage

VALUE_FIELDS = tuple(f for f in EVENT_FIELDS if f != "due_at")


def fact_from_values(
    name: str, occurred_at: datetime, values: Mapping[str, Any], due_at: datetime | None, ref: int | None
) -> Fact:
    kept = {k: str(v) for k, v in values.items() if k in VALUE_FIELDS and v not in (None, "")}
    return Fact(name, occurred_at, kept, due_at, ref)


def fact_from_event(event: Event, ref: int) -> Fact:
    values = {f: getattr(event, f) for f in VALUE_FIELDS}
    return fact_from_values(event.name, event.occurred_at, values, event.due_at, ref)


def effective_facts(events: Iterable[Event]) -> list[Fact]:
    """The timeline as it now stands: each correction replaces its original, a withdrawal removes it.

    Facts carry the id of the original event as `ref`, so a later correction names the same event.
    """
    current: dict[int, Event | None] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.action == "record":
            current[event.id] = event
        elif event.corrects_id is not None:
            current[event.corrects_id] = event if event.action == "correct" else None
    facts = [fact_from_event(e, ref) for ref, e in current.items() if e is not None]
    return ordered(facts)


def summary(definition: PathwayDefinition, facts: list[Fact]) -> dict[str, Any]:
    """The case columns the lists and cohorts read, kept in step with the timeline."""
    first = facts[0] if facts else None
    return {
        "stage": stage(definition, facts),
        "closed": any(f.name in definition.closing_events for f in facts),
        "first_event_at": first.occurred_at if first else None,
        "first_site": first.get("site") if first else None,
    }
