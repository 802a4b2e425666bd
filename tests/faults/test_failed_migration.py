"""A migration that fails half-way, after earlier migrations in the same upgrade have already changed the tables:
the database is left exactly as it was (every migration of the upgrade runs in one transaction), and the automatic
backup taken first is a whole, sound copy of it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import make_engine
from db.migrate import MigrationError, current_revision, head_revision, upgrade
from pathways.definitions import load_definitions
from pathways.store import StoreUnavailable, open_store
from tests.faults.consistency import cases_consistent, chain_verifies, contents, reading, rows_as_in, sqlite_sound
from tests.faults.older_database import OLDER, make_older_database

IN_THE_WAY = "screenings"  # made by migration 0008: a table of that name already there stops the upgrade there


def test_a_migration_failing_half_way_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "pathways.sqlite"
    make_older_database(path, people=50)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {IN_THE_WAY} (id INTEGER PRIMARY KEY, note TEXT)"))
        connection.execute(text(f"INSERT INTO {IN_THE_WAY} (note) VALUES ('a table some other tool left here')"))
    before = contents(path)

    with pytest.raises(MigrationError, match=r"left as it was; a backup was taken first at (.+)\.$") as failed:
        upgrade(engine)  # 0005, 0006 and 0007 (which rebuilds the audit log's table) run, then 0008 fails
    assert f"table {IN_THE_WAY} already exists" in str(failed.value)
    assert current_revision(engine) == OLDER
    engine.dispose()
    assert contents(path) == before
    sqlite_sound(path)

    backups = list((tmp_path / "backups").iterdir())
    assert len(backups) == 1 and backups[0].name.endswith(f"-before-upgrade-to-{head_revision()}.sqlite")
    sqlite_sound(backups[0])
    assert contents(backups[0]) == before  # the backup is the database as it was: it could be put back as it is

    with pytest.raises(StoreUnavailable, match="could not be opened"):
        open_store(f"sqlite:///{path}")  # Pathways says so at start, and still changes nothing
    assert contents(path) == before

    with sqlite3.connect(path) as db:  # once the table in the way is gone, the same upgrade goes through
        db.execute(f"DROP TABLE {IN_THE_WAY}")
    db.close()
    open_store(f"sqlite:///{path}").engine.dispose()
    for table in ("people", "cases", "events", "person_words", "reference_items"):
        assert rows_as_in(backups[0], path, table) == rows_as_in(backups[0], backups[0], table), table
    with reading(f"sqlite:///{path}", load_definitions()) as store, store.session_factory() as session:
        chain_verifies(session)  # the entries written before the chain existed were sealed by migration 0007
        assert cases_consistent(store, session) == len(before["cases"]) == 55
