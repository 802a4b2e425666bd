"""The demo generator across every pathway: cases on each, valid under its rules, and accepted by the import."""

from __future__ import annotations

import inspect
from collections import Counter, defaultdict
from datetime import date, datetime
from datetime import time as clock_time

import pytest
from sqlalchemy import func, select

from db.models import Case, Event, Person
from pathways.actors import Actor
from pathways.case_rules import EarlierCase, new_case_refusals
from pathways.clock import LONDON
from pathways.definitions import load_definitions, resolve_choices
from pathways.demo import SyntheticDataset, synthetic_batches, synthetic_dataset
from pathways.demo_walk import seeded_lists
from pathways.engine import Fact, check_timeline
from pathways.interchange.importer import import_rows
from pathways.interchange.reader import Dataset
from pathways.store import Store
from pathways.timeline import fact_from_values

TODAY = date(2026, 11, 29)  # the conftest clock's day
START_OF_TODAY = f"{TODAY.isoformat()}T00:00"
DEFINITIONS = load_definitions()
Rows = list[dict[str, str]]


def _cases(dataset: SyntheticDataset) -> dict[str, Rows]:
    found: dict[str, Rows] = defaultdict(list)
    for row in dataset.events:
        found[row["case_ref"]].append(row)
    return found


def _moment(text: str) -> datetime | None:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON) if text else None


def _facts(rows: Rows) -> list[Fact]:
    facts = []
    for row in rows:
        occurred_at = _moment(row["occurred_at"])
        assert occurred_at is not None
        facts.append(fact_from_values(row["event"], occurred_at, row, _moment(row["due_at"]), None))
    return facts


@pytest.mark.parametrize("code", sorted(DEFINITIONS))
def test_every_pathway_gets_cases_its_rules_allow(code: str) -> None:
    dataset = synthetic_dataset(300, seed=4, today=TODAY, pathways=(code,))
    cases = _cases(dataset)
    births = {p["person_ref"]: date.fromisoformat(p["date_of_birth"]) for p in dataset.people}
    definition = resolve_choices(DEFINITIONS[code], seeded_lists())
    now = datetime.combine(TODAY, clock_time(0, 0), tzinfo=LONDON)
    assert len(cases) >= 5
    problems = {}
    by_person: dict[str, list[EarlierCase]] = defaultdict(list)
    for case_ref, rows in cases.items():
        assert {row["pathway"] for row in rows} == {code}
        assert rows[0]["event"] in definition.opening_events
        times = [row["occurred_at"] for row in rows]
        assert times == sorted(times) and times[-1] < START_OF_TODAY
        assert code == "dtoa" or len(set(times)) == len(times)  # DToA requires both assessments at once
        facts = _facts(rows)
        found = check_timeline(definition, facts, births[rows[0]["person_ref"]], now)
        if found:
            problems[case_ref] = [f"{p.fact.name}: {p.message}" for p in found]
        by_person[rows[0]["person_ref"]].append(EarlierCase(case_ref, tuple(facts)))
    assert problems == {}
    for person_cases in by_person.values():  # no case the rules across a person's cases refuse (DIVERT)
        for case in person_cases:
            others = [c for c in person_cases if c is not case]
            assert case.started_at is not None
            assert new_case_refusals(definition, others, case.started_at) == []
    events = Counter(row["event"] for rows in cases.values() for row in rows)
    assert len(events) >= 3  # the walk goes past the opening step
    if code != "dtoa":  # DToA's own generator closes only some cases; the walk closes most that reach their length
        assert any(rows[-1]["event"] in definition.closing_events for rows in cases.values())


def test_batches_make_the_same_dataset_as_all_at_once() -> None:
    whole = synthetic_dataset(250, seed=9, today=TODAY)
    batches = list(synthetic_batches(250, size=100, seed=9, today=TODAY))
    assert [len(b.people) for b in batches] == [100, 100, 50]
    assert [p for b in batches for p in b.people] == whole.people
    assert [e for b in batches for e in b.events] == whole.events
    with pytest.raises(ValueError):
        list(synthetic_batches(10, size=0, today=TODAY))
    with pytest.raises(ValueError):
        synthetic_dataset(10, today=TODAY, pathways=("no_such_pathway",))


def test_a_batch_is_not_kept_by_the_generator_once_handed_over() -> None:
    batches = synthetic_batches(30, size=10, seed=9, today=TODAY)
    first = next(batches)
    held = list(inspect.getgeneratorlocals(batches).values())
    # the next batch is made without the last one's rows still held (an import of it may have let them go)
    assert not any(value is first.people or value is first.events or value is first for value in held)
    assert len(next(batches).people) == 10


def test_a_mixed_dataset_imports_with_nothing_refused(store: Store, admin: Actor) -> None:
    data = synthetic_dataset(300, seed=2, today=TODAY)
    dataset = Dataset.of_records(data.people, data.events)
    report = import_rows(store, actor=admin, dataset=dataset)
    assert [p.describe() for p in report.errors] == []
    assert report.written and report.people_added == 300
    with store.unit_of_work() as uow:
        events = uow.session.scalar(select(func.count()).select_from(Event)) or 0
        people = uow.session.scalar(select(func.count()).select_from(Person)) or 0
        counted = uow.session.execute(select(Case.pathway, func.count()).group_by(Case.pathway))
        by_pathway = {str(pathway): int(count) for pathway, count in counted}
    assert events == len(data.events) and people == 300
    assert 7 < events / people < 13  # about ten events a person
    cases = sum(by_pathway.values())
    assert 0.3 < by_pathway["dtoa"] / cases < 0.5  # DToA about 40% of the cases
    assert len(by_pathway) >= len(DEFINITIONS) - 1  # every pathway (a youth case needs someone under 18)
