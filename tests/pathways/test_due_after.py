"""A due moment comes after the event that sets it: an order's end after the order, an appointment after its
notice. A step, a correction and an import that say otherwise are refused in plain words, with nothing written;
a day alone may be the event's own day. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from db.models import Event
from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.errors import StepNotAllowed
from pathways.interchange.importer import import_rows
from pathways.interchange.reader import Dataset
from pathways.services import people
from pathways.services.steps import start_case
from pathways.store import Store
from tests.day_alone_case import CASE, PERSON, SERVICE, import_day_alone_case

ORDER = {"site": "Winchester Crown Court", "service": "Inclusion Hampshire", "kind": "weekly"}


def _events(store: Store) -> int:
    with store.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Event)) or 0)


def test_an_order_ending_before_it_was_made_is_refused(store: Store, worker: Actor) -> None:
    person = people.register_person(
        store, actor=worker, surname="Graham", forenames="Lee", date_of_birth=date(1988, 4, 2), sex="M"
    )
    before = _events(store)
    with pytest.raises(StepNotAllowed) as refused:
        start_case(
            store, actor=worker, person_id=person.id, pathway="drr", event="order_made",
            occurred_at=datetime(2026, 9, 15, 10, 0, tzinfo=LONDON), values={**ORDER, "result": "with_reviews"},
            due_at=datetime(2026, 9, 1, tzinfo=LONDON), due_time_known=False,
        )  # fmt: skip
    assert (
        refused.value.message
        == "The end of the order (1 Sep 2026) must come after the court order (15 Sep 2026 10:00)."
    )
    assert _events(store) == before


def test_an_imported_appointment_before_its_notice_is_refused_by_row(store: Store, admin: Actor) -> None:
    events = [
        {**CASE, "event": "arrest", "occurred_at": "2026-11-25T14:00", "offence": "theft_shop", "basis": "trigger"},
        {**CASE, "event": "test", "occurred_at": "2026-11-25T15:00", "result": "positive", "substances": "cocaine"},
        {**CASE, "event": "assessment_required", "occurred_at": "2026-11-25T15:10", "service": SERVICE,
         "kind": "initial", "due_at": "2026-11-25T09:00"},
    ]  # fmt: skip
    report = import_rows(store, actor=admin, dataset=Dataset.of_records([PERSON], events))
    assert not report.written and _events(store) == 0
    assert [(p.table, p.row, p.message) for p in report.errors] == [
        (
            "events",
            4,
            "case DAY-1: The appointment date and time (25 Nov 2026 09:00) must come after the assessment required "
            "(25 Nov 2026 15:10).",
        )
    ]


def test_a_day_alone_may_be_the_day_of_the_notice(store: Store) -> None:
    case_id = import_day_alone_case(store, "2026-11-25")  # the notice at 15:10 that day, due that day
    assert case_id > 0
