"""Many writers at once, each with its own engine on the same database (as several workstations would be):
no update is lost, refused saves write nothing, and every case's timeline stays valid.
On a real SQLite file and a real PostgreSQL server; bounded to a few seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select

from db.engine import make_engine, make_session_factory
from db.models import Case, Event
from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.engine import check_timeline
from pathways.errors import ConflictingChange, StepNotAllowed
from pathways.services import people
from pathways.services.records import case_version
from pathways.services.steps import record_step, start_case
from pathways.store import Store
from pathways.timeline import effective_facts

WRITERS = 10
REFERRAL = datetime(2026, 11, 20, 10, 0, tzinfo=LONDON)
DEADLINE = 60.0  # seconds: a hung writer fails the test instead of hanging it
T = TypeVar("T")


@pytest.fixture
def workstations(store: Store, database_url: str) -> Iterator[list[Store]]:
    """One store per writer, each with its own engine and connection pool on the same database."""
    stores = []
    for _ in range(WRITERS):
        engine = make_engine(database_url)
        stores.append(replace(store, engine=engine, session_factory=make_session_factory(engine)))
    yield stores
    for each in stores:
        each.engine.dispose()


def _referral(store: Store, actor: Actor, surname: str) -> int:
    person = people.register_person(
        store, actor=actor, surname=surname, forenames="Test", date_of_birth=date(1990, 1, 1), sex="F"
    )
    return start_case(
        store, actor=actor, person_id=person.id, pathway="divert", event="referral", occurred_at=REFERRAL, values={}
    ).case_id


def _all_at_once(stores: list[Store], work: Callable[[int, Store], T]) -> list[T]:
    """Run work(number, store) on every workstation at the same moment; re-raise the first failure."""
    start = threading.Barrier(len(stores))

    def run(number: int) -> T:
        start.wait(timeout=DEADLINE)
        return work(number, stores[number])

    with ThreadPoolExecutor(max_workers=len(stores)) as pool:
        futures = [pool.submit(run, n) for n in range(len(stores))]
        return [f.result(timeout=DEADLINE) for f in futures]


def _contact(store: Store, actor: Actor, case_id: int, minute: int, expected_version: int | None = None) -> None:
    record_step(
        store,
        actor=actor,
        case_id=case_id,
        event="contacted",
        occurred_at=REFERRAL + timedelta(minutes=minute),
        values={"notes": f"call {minute}"},
        expected_version=expected_version,
    )


def _assert_whole(store: Store, case_id: int, events: int) -> None:
    """The case holds exactly `events` events numbered 1..n, its version counts every save, and its
    effective timeline breaks no rule of the pathway."""
    with store.unit_of_work() as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None
        seqs = list(uow.session.scalars(select(Event.seq).where(Event.case_id == case_id).order_by(Event.seq)))
        assert seqs == list(range(1, events + 1))
        assert case.version == 1 + events  # opened at 1, and one more for each event added
        definition = store.definition(case.pathway)
        problems = check_timeline(definition, effective_facts(case.events), case.person.date_of_birth, store.clock())
        assert problems == []


def test_writers_on_separate_cases_lose_nothing(store: Store, workstations: list[Store], navigator: Actor) -> None:
    each = 5
    cases = [_referral(store, navigator, f"Separate{n}") for n in range(WRITERS)]

    def work(number: int, station: Store) -> None:
        for minute in range(each):
            _contact(station, navigator, cases[number], minute)

    began = time.monotonic()
    _all_at_once(workstations, work)
    assert time.monotonic() - began < DEADLINE
    for case_id in cases:
        _assert_whole(store, case_id, 1 + each)


def test_writers_on_one_shared_case_lose_nothing(store: Store, workstations: list[Store], navigator: Actor) -> None:
    each = 4
    case_id = _referral(store, navigator, "Shared")

    def work(number: int, station: Store) -> None:
        for turn in range(each):
            _contact(station, navigator, case_id, number * each + turn)

    _all_at_once(workstations, work)
    _assert_whole(store, case_id, 1 + WRITERS * each)


def test_stale_saves_on_a_shared_case_are_refused_and_write_nothing(
    store: Store, workstations: list[Store], navigator: Actor
) -> None:
    """Each writer reads the version, then saves with it; whoever lost the race is refused, reloads, tries again.
    The first time, every writer has read the version before any saves (a barrier holds them), so all but one of
    those first saves are stale and must be refused: without the version check they would all be written."""
    wanted = 2
    case_id = _referral(store, navigator, "Contested")
    all_read = threading.Barrier(WRITERS)

    def work(number: int, station: Store) -> tuple[int, int]:
        saved = refused = 0
        give_up = time.monotonic() + DEADLINE
        first = True
        while saved < wanted:
            assert time.monotonic() < give_up, "a writer never got its turn"
            shown = case_version(station, actor=navigator, case_id=case_id)
            if first:
                all_read.wait(timeout=DEADLINE)
                first = False
            try:
                _contact(station, navigator, case_id, number * wanted + saved, expected_version=shown)
            except ConflictingChange as exc:
                assert exc.message.startswith("This case was changed by nav.smith at ")
                refused += 1
            else:
                saved += 1
        return saved, refused

    outcomes = _all_at_once(workstations, work)
    assert sum(saved for saved, _ in outcomes) == WRITERS * wanted
    assert sum(refused for _, refused in outcomes) >= WRITERS - 1  # the stale first saves, at least
    _assert_whole(store, case_id, 1 + WRITERS * wanted)  # every refused save left nothing behind


def test_only_one_of_many_closing_saves_wins(store: Store, workstations: list[Store], navigator: Actor) -> None:
    """Ten people close the same case at once: the case is closed once; the others hear it is closed."""
    case_id = _referral(store, navigator, "Closing")

    def work(number: int, station: Store) -> str:
        try:
            record_step(
                station,
                actor=navigator,
                case_id=case_id,
                event="not_engaged",
                occurred_at=REFERRAL + timedelta(hours=1),
                values={},
            )
        except StepNotAllowed as exc:
            return exc.message
        return "closed"

    outcomes = _all_at_once(workstations, work)
    assert outcomes.count("closed") == 1
    assert all("nothing more can be recorded" in o for o in outcomes if o != "closed")
    _assert_whole(store, case_id, 2)
