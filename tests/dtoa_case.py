"""A DToA case with an initial assessment required, made through the services as a custody navigator makes one:
arrested, tested positive for cocaine an hour later, and required to go to `service` at the time given."""

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
    case_id = dtoa.record_arrest(
        store, actor=navigator, person_id=person_id, occurred_at=arrested, offence="theft_shop"
    ).case_id
    given = arrested + timedelta(hours=1)
    dtoa.record_test(
        store, actor=navigator, case_id=case_id, occurred_at=given, result="positive", substances=["cocaine"]
    )
    dtoa.require_assessment(
        store, actor=navigator, case_id=case_id, kind="initial", due_at=due, service=service, place=PLACE,
        occurred_at=given,
    )  # fmt: skip
    return case_id
