"""From the events as recorded (with corrections) to the effective timeline the rules read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

from pathways.definitions import EVENT_FIELDS, PathwayDefinition
from pathways.engine import Fact, ordered, stage

VALUE_FIELDS = tuple(f for f in EVENT_FIELDS if f != "due_at")


def fact_from_values(
    name: str,
    occurred_at: datetime,
    values: Mapping[str, Any],
    due_at: datetime | None,
    ref: int | None,
    occurred_time_known: bool = True,
    due_time_known: bool = True,
) -> Fact:
    kept = {k: str(v) for k, v in values.items() if k in VALUE_FIELDS and v not in (None, "")}
    return Fact(name, occurred_at, kept, due_at, ref, occurred_time_known, due_time_known)


class EventLike(Protocol):
    """What the timeline reads of an event: a stored Event, or a plain row of the events table."""

    @property
    def id(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def corrects_id(self) -> int | None: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def occurred_time_known(self) -> bool: ...
    @property
    def due_time_known(self) -> bool: ...


E = TypeVar("E", bound=EventLike)


def fact_from_event(event: EventLike, ref: int) -> Fact:
    values = {f: getattr(event, f) for f in VALUE_FIELDS}
    return fact_from_values(
        event.name, event.occurred_at, values, event.due_at, ref, event.occurred_time_known, event.due_time_known
    )


def effective_events(events: Iterable[E]) -> list[tuple[int, E]]:
    """The events as they now stand, with the id of each one's original, in timeline order.

    Each correction replaces its original and a withdrawal removes it; the original's id is kept so
    a later correction names the same event.
    """
    current: dict[int, E | None] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.action == "record":
            current[event.id] = event
        elif event.corrects_id is not None:
            current[event.corrects_id] = event if event.action == "correct" else None
    kept = [(ref, e) for ref, e in current.items() if e is not None]
    return sorted(kept, key=lambda pair: pair[1].occurred_at)


def effective_facts(events: Iterable[EventLike]) -> list[Fact]:
    """The timeline as the rules read it (see effective_events)."""
    return ordered([fact_from_event(e, ref) for ref, e in effective_events(events)])


def summary(definition: PathwayDefinition, facts: list[Fact]) -> dict[str, Any]:
    """The case columns the lists and cohorts read, kept in step with the timeline."""
    first = facts[0] if facts else None
    return {
        "stage": stage(definition, facts),
        "closed": any(f.name in definition.closing_events for f in facts),
        "first_event_at": first.occurred_at if first else None,
        "first_site": first.get("site") if first else None,
    }
