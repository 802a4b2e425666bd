"""A person taken through Checkpoint up to the contract (arrest, screened eligible, offered, needs assessed),
for the contract service and screen tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from pathways.actors import Actor
from pathways.services import people
from pathways.services.steps import record_step, start_case
from pathways.store import Store


def checkpoint_case(
    store: Store,
    navigator: Actor,
    arrested_at: datetime,
    *,
    surname: str = "Okafor",
    forenames: str = "Grace",
    needs: Sequence[str] = ("drugs", "housing"),
) -> tuple[int, int]:
    """(person id, case id) of a new Checkpoint case, ready for its contract an hour after the needs assessment."""
    person = people.register_person(
        store, actor=navigator, surname=surname, forenames=forenames, date_of_birth=date(1994, 5, 17), sex="F"
    )
    opened = start_case(
        store,
        actor=navigator,
        person_id=person.id,
        pathway="checkpoint",
        event="arrest",
        occurred_at=arrested_at,
        values={"site": "Durham", "offence": "theft_shop"},
    )
    steps: list[tuple[str, dict[str, str | None]]] = [
        ("screened", {"result": "eligible"}),
        ("offered", {}),
        ("needs_assessed", {"conditions": ";".join(needs)}),
    ]
    for hours, (event, values) in enumerate(steps, start=1):
        record_step(
            store,
            actor=navigator,
            case_id=opened.case_id,
            event=event,
            occurred_at=arrested_at + timedelta(hours=hours),
            values=values,
        )
    return person.id, opened.case_id


def colleague_reassesses_needs(
    store: Store, navigator: Actor, case_id: int, at: datetime, needs: Sequence[str]
) -> None:
    """Another navigator, at the site of the arrest, records a new needs assessment on the case (a change made
    while the first navigator has the case open)."""
    colleague = replace(navigator, username="nav.second", site="Durham")
    record_step(
        store,
        actor=colleague,
        case_id=case_id,
        event="needs_assessed",
        occurred_at=at,
        values={"conditions": ";".join(needs)},
    )
