"""kill -9 a program in the middle of its saves, again and again: every save it was told had succeeded is in the
database, nothing half-saved is, and the file, its indexes and the audit chain stay sound.

A worker (tests/faults/children/jobs.write_cases) registers people and takes each through a DToA case, one
service call and one commit at a time (register_person, start_case, record_step), printing each saved record's id
only after the commit returned. It is killed with SIGKILL at a random moment (seeded), then the database is
checked. Two workstations do this side by side on the same file, so a worker is killed sometimes while the other
is writing, sometimes while nobody has the file open (and the next connection must recover from the
write-ahead log). SQLite only: a PostgreSQL server's durability is the server's own (a client that dies just loses
its connection, and the server rolls its transaction back).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pathways.definitions import PathwayDefinition, load_definitions
from pathways.store import open_store
from tests.faults.consistency import (
    acknowledged_saves,
    acknowledged_saves_kept,
    cases_consistent,
    chain_verifies,
    reading,
    saves_whole,
    sqlite_sound,
)
from tests.faults.killing import ForkServer, Kill

WORKSTATIONS = 2
KILLS_EACH = 70
MOST_SAVES = 4  # each worker is killed after 0 to this many acknowledged saves,
LONGEST = 0.06  # and then 0 to this many seconds later (a save takes some 20 to 50 ms): in the middle of a save
SEED = 20261129


class Acknowledged:
    """The saves the workers were told had succeeded (shared by the workstations' threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.people: set[int] = set()
        self.events: dict[int, int] = {}  # event id -> its case id

    def add(self, lines: list[str]) -> None:
        people, events = acknowledged_saves(lines)
        with self._lock:
            self.people |= people
            self.events.update(events)

    def copy(self) -> tuple[set[int], dict[int, int]]:
        with self._lock:
            return set(self.people), dict(self.events)


def test_killed_writers_keep_every_acknowledged_save_and_nothing_partial(
    tmp_path: Path, fork_servers: list[ForkServer]
) -> None:
    path = tmp_path / "pathways.sqlite"
    url = f"sqlite:///{path}"
    open_store(url).engine.dispose()
    definitions = load_definitions()
    acknowledged = Acknowledged()

    def workstation(number: int) -> Counter[int]:
        rng = random.Random(SEED + number)
        saves_seen = Counter[int]()  # kills by how many saves the worker had acknowledged before it died
        server = fork_servers[number]
        for run in range(KILLS_EACH):
            seed = number * 1000 + run
            kill = Kill(rng.randint(0, MOST_SAVES), rng.uniform(0, LONGEST))
            ended = server.run("write_cases", {"url": url, "seed": seed}, kill=kill)
            assert ended.killed, f"worker {seed} ended by itself:\n{ended.errors}"
            acknowledged.add(ended.lines)
            saves_seen[len(ended.lines)] += 1
            _check(url, path, definitions, acknowledged)
        return saves_seen

    with ThreadPoolExecutor(WORKSTATIONS) as pool:
        seen = sum((f.result() for f in [pool.submit(workstation, n) for n in range(WORKSTATIONS)]), Counter[int]())
    _check(url, path, definitions, acknowledged)  # and once more with nobody else connected
    kills = WORKSTATIONS * KILLS_EACH
    mid_work = kills - seen[0]
    people, events = acknowledged.copy()
    print(f"{kills} kills, {mid_work} after the worker's first save; {len(people)} people, {len(events)} events kept")
    assert mid_work >= kills // 2, "too few kills landed while saves were being made: the test would prove little"


def _check(url: str, path: Path, definitions: Mapping[str, PathwayDefinition], acknowledged: Acknowledged) -> None:
    people, events = acknowledged.copy()  # before reading: only saves acknowledged by then must be there
    sqlite_sound(path)
    with reading(url, definitions) as store, store.session_factory() as session:
        chain_verifies(session)
        acknowledged_saves_kept(session, people, events)
        saves_whole(session)
        cases_consistent(store, session)
