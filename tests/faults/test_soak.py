"""Many users at once, for a while: ten scripted navigators and treatment workers and two people at the desktop app,
each a separate process with its own connection, on the same few people and cases of one database (a shared SQLite
file; a PostgreSQL server). They save as users do, with the version their screen showed, reload when told someone
else changed the record, and try again when the database was busy. Afterwards every save any of them was told had
been made is in the database as they made it, no save silently overwrote another, nothing was saved that nobody was
told of, the audit chain verifies, and every process ended cleanly.

PATHWAYS_SOAK_SECONDS sets how long they work (default 30 s each backend, for CI); bench/soak.py runs it for
minutes and prints the figures.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from db.engine import make_engine, make_session_factory
from db.models import AuditEntry, Task
from pathways.actors import Actor
from pathways.errors import InvalidInput
from pathways.services import dtoa
from pathways.services.tasks import complete_task, open_tasks
from pathways.store import Store
from tests.faults.children.soak_seed import seed
from tests.faults.soak import check_soak, run_soak

SECONDS = float(os.environ.get("PATHWAYS_SOAK_SECONDS", "30"))
PEOPLE = 10


def test_many_users_at_once_lose_no_update(database_url: str, tmp_path: Path) -> None:
    soak = run_soak(database_url, tmp_path / "soak", SECONDS)
    checking = time.monotonic()
    figures = check_soak(soak)
    checking = time.monotonic() - checking
    backend = database_url.split(":", 1)[0]
    print(
        f"\nsoak on {backend}, {len(soak.processes)} processes for {SECONDS:.0f} s (after {soak.preparing:.0f} s "
        f"seeding and starting them; checked in {checking:.0f} s): {figures.line()}"
    )
    assert figures.problems == []
    assert figures.lost == 0
    assert len(soak.processes) == 12 and all(p.returncode == 0 for p in soak.processes)
    # The soak did what it is for: the users met on the same records, and every kind of save was made.
    ops = {line["op"] for process in soak.processes for line in process.journal}
    assert {"event", "person", "correct", "task", "tally"} <= ops, ops
    assert figures.stale > 0, "no two users ever met on the same record: the soak proved nothing"
    assert all(any(line["op"] == "event" for line in p.journal) for p in soak.processes if p.name.startswith("g"))


def test_many_people_marking_one_task_done_at_once_record_it_once(
    store: Store, database_url: str, navigator: Actor, worker: Actor
) -> None:
    """Found by the soak: marking a task done read the task, then wrote it, without locking it first. Two people
    at once both "succeeded" on PostgreSQL (the second overwrote the first's note), and SQLite refused the second
    with an unhandled "database is locked". Now one is recorded; the others hear it was already done."""
    shared = seed(store, 1)[0]
    dtoa.record_attendance(
        store, actor=worker, case_id=shared.dtoa, kind="initial", attended=False, occurred_at=store.clock()
    )
    [task] = open_tasks(store, actor=worker)
    engines = [make_engine(database_url) for _ in range(PEOPLE)]
    stations = [replace(store, engine=e, session_factory=make_session_factory(e)) for e in engines]
    start = threading.Barrier(PEOPLE)

    def mark(number: int) -> str:
        start.wait(timeout=60)
        try:
            complete_task(stations[number], actor=worker, task_id=task.id, note=f"rang custody, person {number}")
        except InvalidInput as exc:
            return exc.message
        return "done"

    try:
        with ThreadPoolExecutor(PEOPLE) as pool:
            outcomes = list(pool.map(mark, range(PEOPLE)))
    finally:
        for engine in engines:
            engine.dispose()
    assert outcomes.count("done") == 1
    assert set(outcomes) == {"done", "That task was already marked done."}
    with store.unit_of_work() as uow:
        held = uow.session.get(Task, task.id)
        audited = uow.session.scalars(select(AuditEntry.id).where(AuditEntry.action == "complete_task")).all()
    assert held is not None and held.done_note == f"rang custody, person {outcomes.index('done')}"
    assert len(audited) == 1
