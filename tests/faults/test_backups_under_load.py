"""Backups taken while another program writes without pause: each backup is a whole, sound database that opens
as Pathways' database (restoring a backup is opening it), holds every save acknowledged before it began, and
holds each save whole (a person with their audit entry, an event with its case's summary, indexes and audit)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from db.backup import backup_sqlite
from pathways.definitions import load_definitions
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
from tests.faults.killing import Ended, ForkServer, Kill

WRITING = 4.0  # seconds of continuous writing
EVERY = 0.5  # seconds between backups


def test_backups_taken_during_continuous_writes_are_whole_and_open(tmp_path: Path, fork_server: ForkServer) -> None:
    path = tmp_path / "pathways.sqlite"
    url = f"sqlite:///{path}"
    open_store(url).engine.dispose()
    backups: list[tuple[Path, set[int], dict[int, int]]] = []
    with ThreadPoolExecutor(1) as pool:
        earlier = fork_server.output
        writing = pool.submit(fork_server.run, "write_cases", {"url": url, "seed": 1}, kill=Kill(0, WRITING))
        output = _output_of(fork_server, earlier)
        stop = time.monotonic() + WRITING - EVERY
        while time.monotonic() < stop:
            time.sleep(EVERY)
            text = output.read_text(encoding="utf-8") if output.exists() else ""
            people, events = acknowledged_saves(text[: text.rfind("\n") + 1].splitlines())  # whole lines only
            # (saved before this backup began: the backup must hold them)
            target = backup_sqlite(path, tmp_path / "backups" / f"backup-{len(backups) + 1}.sqlite")
            backups.append((target, people, events))
        ended: Ended = writing.result()
    assert ended.killed, ended.errors
    definitions = load_definitions()
    counts = []
    for target, people, events in backups:
        sqlite_sound(target)
        restored = open_store(f"sqlite:///{target}")  # restoring a backup is opening it
        restored.engine.dispose()
        with reading(f"sqlite:///{target}", definitions) as store, store.session_factory() as session:
            entries = chain_verifies(session)
            acknowledged_saves_kept(session, people, events)
            saves_whole(session)
            counts.append((len(people) + len(events), cases_consistent(store, session), entries))
    print(f"{len(backups)} backups in {WRITING:.0f} s of writing; (saves acknowledged, cases, audit entries): {counts}")
    assert len(backups) >= 5
    assert counts == sorted(counts) and counts[-1][0] > counts[0][0], "the backups did not follow the writing"
    assert not list((tmp_path / "backups").glob("*.partial")), "a backup left a temporary file behind"


def _output_of(server: ForkServer, earlier: Path | None) -> Path:
    """The standard output of the worker that has just been asked for (named before the worker starts)."""
    deadline = time.monotonic() + 30
    while server.output == earlier and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.output is not None and server.output != earlier, "the writer was never started"
    return server.output
