"""kill -9 Pathways while it brings an older database's tables up to date (its automatic backup first, then every
migration in one transaction): afterwards the database is either exactly as it was, or wholly upgraded with all
its data, never in between; and any backup that was finished is a sound copy of the database as it was. SQLite
only (see test_kill_service_writes)."""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

from db.migrate import head_revision
from pathways.definitions import load_definitions
from tests.faults.consistency import chain_verifies, contents, reading, rows_as_in, sqlite_sound
from tests.faults.killing import ForkServer, Kill
from tests.faults.older_database import OLDER, make_older_database

KILLS = 20
PEOPLE = 150
SEED = 404
DATA = ("people", "cases", "events", "person_words", "reference_items")


def test_a_killed_upgrade_leaves_the_database_as_it_was_or_wholly_upgraded(
    tmp_path: Path, fork_server: ForkServer
) -> None:
    older = tmp_path / "older.sqlite"
    make_older_database(older, people=PEOPLE)
    before = contents(older)
    live = tmp_path / "live" / "pathways.sqlite"
    url = f"sqlite:///{live}"
    rng = random.Random(SEED)
    outcomes = Counter[str]()
    takes = []  # how long a whole upgrade takes: the quickest of three (a busy machine only slows some)
    for _ in range(3):
        _put_back(older, live)
        whole = fork_server.run("migrate", {"url": url}, kill=None)
        assert whole.lines == [f"migrated {OLDER} {head_revision()}"], whole.errors
        takes.append(whole.seen[0])
    for _ in range(KILLS):
        _put_back(older, live)
        ended = fork_server.run("migrate", {"url": url}, kill=Kill(0, rng.uniform(0, min(takes) * 1.1)))
        assert ended.killed or ended.lines, f"the upgrade failed by itself:\n{ended.errors}"
        outcomes[_check(live, before, older)] += 1
        outcomes.update(_check_backups(live.parent / "backups", before))
    print(f"{KILLS} kills during an upgrade (whole upgrade {min(takes):.2f} s): {dict(outcomes)}")
    assert outcomes["as it was"] >= KILLS // 3, "too few kills landed before the upgrade's commit"


def _put_back(older: Path, live: Path) -> None:
    """The older database again, and nothing beside it (no process has it open now)."""
    shutil.rmtree(live.parent, ignore_errors=True)
    live.parent.mkdir()
    shutil.copyfile(older, live)


def _check(live: Path, before: dict[str, list[str]], older: Path) -> str:
    sqlite_sound(live)
    with sqlite3.connect(live) as db:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    db.close()
    after = contents(live)
    if revision == OLDER:
        assert after == before, "a killed upgrade left the older database changed"
        return "as it was"
    assert revision == head_revision(), f"a killed upgrade stopped at {revision}"
    kept = {t: rows_as_in(older, live, t) for t in DATA}  # (in the older tables' columns: an upgrade adds some)
    assert kept == {t: rows_as_in(older, older, t) for t in DATA}, "the upgrade lost or changed data"
    with reading(f"sqlite:///{live}", load_definitions()) as store, store.session_factory() as session:
        chain_verifies(session)
    return "upgraded"


def _check_backups(folder: Path, before: dict[str, list[str]]) -> list[str]:
    """Every finished backup is a sound copy of the database as it was; a kill while one was being written leaves
    only files named .partial (and its journal, .partial-journal), never a backup that looks finished."""
    seen = set()
    for backup in sorted(folder.iterdir()) if folder.exists() else []:
        if ".sqlite.partial" in backup.name:
            seen.add("backup left .partial")
            continue
        sqlite_sound(backup)
        assert contents(backup) == before, f"the backup {backup.name} is not the database as it was"
        seen.add("backup finished")
    return sorted(seen) or ["killed before the backup"]
