"""A DToA case with an initial assessment required, made through the services as a custody navigator makes one:
arrested, tested positive for cocaine an hour later, and required to go to `service` at the time given (or the
case as it stands before the requirement)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pathways.actors import Actor
from pathways.services import dtoa
from pathways.store import Store

PLACE = "12 Church St, Basingstoke"


def assessment_required(
    store: Store, navigator: Actor, person_id: int, *, arrested: datetime, due: datetime, service: str
) -> int:
    """The case's id: arrested at `arrested` (shop theft), positive at the hour, the initial assessment due at `due`
    at PLACE with `service`, the notice given with the result."""
    case_id = arrested_and_positive(store, navigator, person_id, arrested=arrested)
    given = arrested + timedelta(hours=1)
    dtoa.require_assessment(
        store, actor=navigator, case_id=case_id, kind="initial", due_at=due, service=service, place=PLACE,
        occurred_at=given,
    )  # fmt: skip
    return case_id


def arrested_and_positive(store: Store, navigator: Actor, person_id: int, *, arrested: datetime) -> int:
    """The case's id: arrested at `arrested` (shop theft), positive for cocaine at the hour; no assessment yet."""
    case_id = dtoa.record_arrest(
        store, actor=navigator, person_id=person_id, occurred_at=arrested, offence="theft_shop"
    ).case_id
    dtoa.record_test(
        store, actor=navigator, case_id=case_id, occurred_at=arrested + timedelta(hours=1), result="positive",
        substances=["cocaine"],
    )  # fmt: skip
    return case_id
