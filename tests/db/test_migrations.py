"""The migrations and the models agree; upgrading backs up an SQLite file first; failures change nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from db.backup import backup_sqlite
from db.engine import make_engine
from db.migrate import MigrationError, current_revision, head_revision, upgrade
from db.models import Base
from pathways.store import StoreUnavailable, open_store


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_sqlite_settings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()


def test_upgrade_backs_up_an_existing_sqlite_database_first(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE legacy (x INTEGER)"))
        connection.execute(text("INSERT INTO legacy VALUES (42)"))
    result = upgrade(engine)
    engine.dispose()
    assert result.from_revision is None and result.to_revision == head_revision()
    assert result.backup is not None and result.backup.parent == tmp_path / "backups"
    with sqlite3.connect(result.backup) as copy:
        assert copy.execute("SELECT x FROM legacy").fetchall() == [(42,)]
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:  # a table in the way makes the first migration fail part-way
        connection.execute(text("CREATE TABLE people (id INTEGER PRIMARY KEY, note TEXT)"))
        connection.execute(text("INSERT INTO people (note) VALUES ('kept')"))
    with pytest.raises(MigrationError, match="left as it was; a backup was taken first"):
        upgrade(engine)
    assert current_revision(engine) is None
    with engine.connect() as connection:
        tables = {r[0] for r in connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
        assert tables == {"people"}
        assert connection.execute(text("SELECT note FROM people")).scalar() == "kept"
    engine.dispose()


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    content = b"This is a letter, not a database. " * 200
    path.write_bytes(content)
    with pytest.raises(StoreUnavailable, match=r"could not be opened.*it was not changed"):
        open_store(f"sqlite:///{path}")
    assert path.read_bytes() == content


def test_online_backup_of_a_live_database(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'live.sqlite'}")
    try:
        with store.engine.begin() as connection:  # a write still in the WAL, not yet in the main file
            connection.execute(text("INSERT INTO settings (key, value) VALUES ('k', 'v')"))
        target = backup_sqlite(tmp_path / "live.sqlite", tmp_path / "copy.sqlite")
        with sqlite3.connect(target) as copy:
            assert copy.execute("SELECT value FROM settings WHERE key='k'").fetchone() == ("v",)
    finally:
        store.engine.dispose()


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
