"""A save the database gave up on only because of other work at the same time is run again: SQLite's "database
is locked", PostgreSQL's serialisation failures and deadlocks. The errors here are the real ones, from a real
SQLite file held locked by another connection and from a real PostgreSQL server."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from db.engine import make_engine, make_session_factory, sqlite_path
from db.models import Case, Event, Setting
from db.uow import UnitOfWork, is_transient, retrying
from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.services import people
from pathways.services.concurrency import DatabaseBusy
from pathways.services.steps import record_step, start_case
from pathways.store import Store

REFERRAL = datetime(2026, 11, 20, 10, 0, tzinfo=LONDON)


def _sqlite_file(store: Store) -> str:
    path = sqlite_path(store.engine.url.render_as_string(hide_password=False))
    if path is None:
        pytest.skip("SQLite's file lock: this test is for the embedded database")
    return str(path)


def _postgres_only(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("serialisation failures and deadlocks are PostgreSQL's")


@pytest.fixture
def impatient(store: Store) -> Iterator[Store]:
    """The same SQLite database through an engine that waits only 20 ms for a lock, so "database is locked"
    comes quickly and the retries, not SQLite's own waiting, must carry the save through."""
    url = store.engine.url.render_as_string(hide_password=False)
    _sqlite_file(store)
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _short_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=20")

    yield replace(store, engine=engine, session_factory=make_session_factory(engine))
    engine.dispose()


class _Holder:
    """Another program holding SQLite's write lock (BEGIN IMMEDIATE) until released."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("BEGIN IMMEDIATE")

    def release_after(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self.release)
        timer.start()
        return timer

    def release(self) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


def _referral(store: Store, actor: Actor) -> int:
    person = people.register_person(
        store, actor=actor, surname="Okafor", forenames="Ada", date_of_birth=date(1988, 5, 5), sex="F"
    )
    return start_case(
        store, actor=actor, person_id=person.id, pathway="divert", event="referral", occurred_at=REFERRAL, values={}
    ).case_id


def _events(store: Store, case_id: int) -> int:
    with store.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id)) or 0


def test_a_writing_unit_of_work_takes_the_sqlite_write_lock_when_it_begins(store: Store) -> None:
    path = _sqlite_file(store)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        with store.unit_of_work():  # reading: others may still write
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        # writing: the lock is taken at BEGIN, before any read
        with store.unit_of_work().for_writing(), pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # and released when the unit of work ends
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_save_waits_out_a_locked_sqlite_database_by_retrying(
    store: Store, impatient: Store, navigator: Actor
) -> None:
    case_id = _referral(store, navigator)
    holder = _Holder(_sqlite_file(store))
    timer = holder.release_after(0.3)
    began = time.monotonic()
    record_step(impatient, actor=navigator, case_id=case_id, event="contacted", occurred_at=REFERRAL, values={})
    waited = time.monotonic() - began
    timer.join()
    assert waited >= 0.25  # it did not get in before the lock was released: it tried again until it could
    assert _events(store, case_id) == 2


def test_a_save_that_never_gets_the_lock_is_refused_in_plain_words_and_writes_nothing(
    store: Store, impatient: Store, navigator: Actor
) -> None:
    case_id = _referral(store, navigator)
    holder = _Holder(_sqlite_file(store))
    began = time.monotonic()
    try:
        with pytest.raises(DatabaseBusy) as refused:
            record_step(impatient, actor=navigator, case_id=case_id, event="contacted", occurred_at=REFERRAL, values={})
    finally:
        holder.release()
    assert time.monotonic() - began < 3.0  # five attempts with doubling pauses: seconds, not for ever
    assert refused.value.message == (
        "The database was busy with other people's changes and yours could not be saved. "
        "Nothing was saved; please try again in a moment."
    )
    assert _events(store, case_id) == 1


def test_retrying_counts_sqlite_lock_errors_as_transient(store: Store, impatient: Store) -> None:
    holder = _Holder(_sqlite_file(store))
    timer = holder.release_after(0.2)
    failures: list[BaseException] = []

    def work() -> None:
        with UnitOfWork(impatient.session_factory).for_writing() as uow:
            uow.session.add(Setting(key="retried", value="yes"))
            uow.commit()

    retrying(work, on_retry=lambda _n, error: failures.append(error))
    timer.join()
    assert failures and all(is_transient(e) and "database is locked" in str(e) for e in failures)
    with store.unit_of_work() as uow:
        assert uow.session.get(Setting, "retried") is not None


@pytest.mark.parametrize("sqlstate", ["40001", "40P01", "55P03"])  # 55P03: the audit chain's lock_timeout ran out
def test_postgres_serialisation_failures_and_deadlocks_are_retried_whole(store: Store, sqlstate: str) -> None:
    _postgres_only(store)
    attempts: list[int] = []

    def work() -> int:
        attempt = len(attempts) + 1
        attempts.append(attempt)
        with store.unit_of_work().for_writing() as uow:
            uow.session.add(Setting(key=f"attempt-{attempt}", value="written"))
            uow.session.flush()
            if attempt < 3:  # the server gives up on the transaction, as it does in a real clash
                uow.session.execute(text(f"DO $$ BEGIN RAISE EXCEPTION 'clash' USING ERRCODE = '{sqlstate}'; END $$"))
            uow.commit()
        return attempt

    seen: list[str] = []
    assert retrying(work, on_retry=lambda _n, e: seen.append(getattr(getattr(e, "orig", None), "sqlstate", ""))) == 3
    assert seen == [sqlstate, sqlstate]
    with store.unit_of_work() as uow:
        keys = uow.session.scalars(select(Setting.key).where(Setting.key.like("attempt-%"))).all()
    assert keys == ["attempt-3"]  # what the failed attempts wrote was rolled back with them


def test_a_real_postgres_deadlock_is_retried(store: Store, navigator: Actor) -> None:
    """Two saves lock two cases in opposite orders: the server breaks the deadlock, and the loser runs again."""
    _postgres_only(store)
    first, second = _referral(store, navigator), _referral(store, navigator)
    both_hold_one = threading.Barrier(2)
    retried: list[str] = []

    def lock_both(order: tuple[int, int]) -> str:
        attempt = 0

        def work() -> str:
            nonlocal attempt
            attempt += 1
            with store.unit_of_work().for_writing() as uow:
                uow.session.get(Case, order[0], with_for_update=True)
                if attempt == 1:
                    both_hold_one.wait(timeout=10)
                uow.session.get(Case, order[1], with_for_update=True)
                uow.commit()
            return f"done after {attempt}"

        return retrying(work, on_retry=lambda _n, e: retried.append(getattr(getattr(e, "orig", None), "sqlstate", "")))

    outcomes: list[str] = []
    threads = [
        threading.Thread(target=lambda o=order: outcomes.append(lock_both(o)))
        for order in ((first, second), (second, first))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["done after 1", "done after 2"]
    assert retried == ["40P01"]


def test_other_database_errors_are_not_retried(store: Store) -> None:
    with store.unit_of_work().for_writing() as uow:
        uow.session.add(Setting(key="once", value="1"))
        uow.commit()
    attempts: list[int] = []

    def work() -> None:
        attempts.append(1)
        with store.unit_of_work().for_writing() as uow:
            uow.session.add(Setting(key="once", value="2"))
            uow.commit()

    with pytest.raises(IntegrityError) as raised:
        retrying(work)
    assert attempts == [1] and not is_transient(raised.value)
    assert isinstance(raised.value, DBAPIError)
