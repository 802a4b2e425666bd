"""A timeline names each detail in the words of its step: a court order's testing interval, a review's result, a
Checkpoint assessment's needs, a programme's code. The same words are on the form that records the step, and the
documents read each detail by its field, not by its words."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from db.models import Person
from pathways.actors import Actor
from pathways.definitions import load_definitions
from pathways.engine import field_name
from pathways.interchange.importer import import_rows
from pathways.interchange.reader import Dataset
from pathways.services.records import person_record
from pathways.store import Store

PEOPLE = [
    {"person_ref": "P1", "surname": "Okafor", "forenames": "Grace", "date_of_birth": "1988-05-14", "sex": "F"},
    {"person_ref": "P2", "surname": "Reid", "forenames": "Callum", "date_of_birth": "2010-02-03", "sex": "M"},
]


def _event(person: str, case: str, pathway: str, event: str, at: str, **values: str) -> dict[str, str]:
    return {"person_ref": person, "case_ref": case, "pathway": pathway, "event": event, "occurred_at": at, **values}


EVENTS = [
    _event(
        "P1",
        "D1",
        "drr",
        "order_made",
        "2026-01-12T10:00",
        site="Winchester Crown Court",
        service="Society of St James",
        due_at="2026-07-12",
        kind="monthly",
        result="with_reviews",
    ),
    _event("P1", "D1", "drr", "test", "2026-02-02T10:00", result="negative"),
    _event("P1", "D1", "drr", "review", "2026-02-16T10:00", result="good"),
    _event("P1", "C1", "checkpoint", "arrest", "2026-03-01T09:00", site="Aldershot", offence="Possession"),
    _event("P1", "C1", "checkpoint", "screened", "2026-03-01T11:00", result="eligible"),
    _event("P1", "C1", "checkpoint", "offered", "2026-03-01T12:00"),
    _event("P1", "C1", "checkpoint", "needs_assessed", "2026-03-03T10:00", conditions="housing;mental_health"),
    _event("P1", "G1", "gambling", "identified", "2026-04-01T10:00", kind="probation"),
    _event("P2", "Y1", "youth", "referral", "2026-05-01T10:00", kind="youth_caution", substances="cannabis;other"),
]


def _details(record: Any, case_ref: str) -> list[str]:
    (case,) = [c for c in record.cases if c.case_ref == case_ref]
    return [f"{e.label} | {e.details}" for e in case.timeline]


@pytest.fixture
def records(store: Store, admin: Actor, manager: Actor) -> dict[str, Any]:
    report = import_rows(store, actor=admin, dataset=Dataset.of_records(PEOPLE, EVENTS))
    assert report.written, [p.describe() for p in report.errors]
    with store.unit_of_work() as uow:
        ids = {str(ref): person_id for ref, person_id in uow.session.execute(select(Person.person_ref, Person.id))}
    return {ref: person_record(store, actor=manager, person_id=person_id) for ref, person_id in ids.items()}


def test_each_detail_is_named_in_its_steps_words(records: dict[str, Any]) -> None:
    assert _details(records["P1"], "D1") == [
        "Court order | Review hearings: with review hearings · Testing interval: monthly · "
        "Treatment provider: Society of St James · Court: Winchester Crown Court",
        "Drug test | Test result: negative",
        "Review hearing | Result: good progress",
    ]
    checkpoint = _details(records["P1"], "C1")
    assert checkpoint[1] == "Screened | Result: eligible"
    assert checkpoint[3] == "Needs assessed | Needs: housing; mental health"
    assert _details(records["P1"], "G1") == ["Identified for gambling screening | Identified in: probation"]
    assert _details(records["P2"], "Y1") == [
        "Referral | Substances: cannabis; other · Level of response: youth caution"
    ]


def test_an_entrys_values_are_read_by_field(records: dict[str, Any]) -> None:
    (order, *_rest) = next(c for c in records["P1"].cases if c.case_ref == "D1").timeline
    assert order.values() == {
        "result": "with review hearings",
        "kind": "monthly",
        "service": "Society of St James",
        "site": "Winchester Crown Court",
    }
    assert order.fields[1] == ("kind", "Testing interval", "monthly")


def test_the_forms_use_the_same_words() -> None:
    definitions = load_definitions()
    assert field_name(definitions["checkpoint"], "conditions", "needs_assessed") == "needs"
    assert field_name(definitions["checkpoint"], "conditions", "contract_signed") == "conditions"
    assert field_name(definitions["group_programme"], "kind", "session_attended") == "programme"
    assert field_name(definitions["dtoa"], "result", "test") == "test result"
    assert field_name(definitions["atr"], "result", "review") == "result"
    assert field_name(definitions["atr"], "result", "order_made") == "review hearings"
