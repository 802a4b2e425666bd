"""A damaged or foreign file opened as the database: a clear message, and the file left exactly as it was (not
migrated, not "repaired", no table added; nothing new beside it either: no backup, no leftover log)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from db.encryption import DATABASE_KEY
from pathways.actors import Actor, Role
from pathways.cli import build_parser, run_command
from pathways.interchange.importer import import_dataset
from pathways.store import StoreUnavailable, open_store
from tests.conftest import EXAMPLE

# A file cut short is found either by its size (shorter than its header says) or by SQLite, on the first page read
# that is missing, whichever comes first: both say it is damaged and point to the backups.
DAMAGED = "is damaged"
RESTORE = "Restore the latest backup"
NOT_A_DATABASE = "could not be opened: file is not a database. It may be damaged or not a Pathways database"
FOREIGN = "is an SQLite database, but not a Pathways one"
WRONG_KEY = "encrypted with another key, or it is not a Pathways database. It was not changed."


@pytest.fixture(scope="module")
def real_database(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a real Pathways database holding the example dataset (closed cleanly: no log beside it)."""
    path = tmp_path_factory.mktemp("real") / "pathways.sqlite"
    store = open_store(f"sqlite:///{path}")
    import_dataset(store, actor=Actor("admin.khan", Role.ADMINISTRATOR, "office-pc-4"), path=EXAMPLE)
    store.engine.dispose()
    return path.read_bytes()


def _cut(at: Callable[[int], int]) -> Callable[[bytes], bytes]:
    return lambda data: data[: at(len(data))]


def _another_programs_database(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        db.execute("INSERT INTO moz_places (url) VALUES ('https://www.gov.uk/')")
    db.close()


def _damaged_first_page(data: bytes) -> bytes:
    return data[:100] + os.urandom(4096 - 100) + data[4096:]  # the header stands; the tables' list is noise


FILES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "cut inside its header": (_cut(lambda _n: 60), DAMAGED),
    "cut after its first page": (_cut(lambda _n: 4096), DAMAGED),
    "cut in half": (_cut(lambda n: n // 2), DAMAGED),
    "missing its last page": (_cut(lambda n: n - 4096), DAMAGED),
    "missing its last byte": (_cut(lambda n: n - 1), DAMAGED),
    "its first page damaged": (_damaged_first_page, DAMAGED),
    "zero-filled": (lambda data: bytes(len(data)), NOT_A_DATABASE),
    "a text file": (lambda _data: b"Dear Sir,\nPlease find enclosed the referral.\n" * 200, NOT_A_DATABASE),
}


@pytest.mark.parametrize("kind", list(FILES))
def test_a_damaged_file_is_refused_and_left_as_it_was(kind: str, real_database: bytes, tmp_path: Path) -> None:
    make, words = FILES[kind]
    path = tmp_path / "pathways.sqlite"
    path.write_bytes(make(real_database))
    _refused_unchanged(f"sqlite:///{path}", path, words)


def test_another_programs_sqlite_database_is_refused_and_gets_no_tables(tmp_path: Path) -> None:
    path = tmp_path / "places.sqlite"
    _another_programs_database(path)
    _refused_unchanged(f"sqlite:///{path}", path, FOREIGN)
    with sqlite3.connect(path) as db:
        assert [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["moz_places"]
    db.close()


def test_another_program_that_also_uses_alembic_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    """Its tables' version kept with Alembic, as Pathways keeps its own: neither migrated, nor backed up, nor put in
    write-ahead-log mode (which rewrites the file's header)."""
    path = tmp_path / "stock.sqlite"
    _another_programs_database(path)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        db.execute("INSERT INTO alembic_version VALUES ('1a2b3c4d5e6f')")
    db.close()
    _refused_unchanged(f"sqlite:///{path}", path, FOREIGN)


def test_a_file_another_program_marked_as_its_own_gets_no_tables(tmp_path: Path) -> None:
    path = tmp_path / "settings.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 7")
    db.close()
    _refused_unchanged(f"sqlite:///{path}", path, FOREIGN)


def test_a_database_of_a_newer_pathways_is_refused_and_left_as_it_was(real_database: bytes, tmp_path: Path) -> None:
    path = tmp_path / "pathways.sqlite"
    path.write_bytes(real_database)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '0099'")  # a migration this version does not have
    db.close()
    _refused_unchanged(f"sqlite:///{path}", path, "made or brought up to date by a newer version of Pathways")


def test_an_encrypted_database_with_the_wrong_key_is_refused_and_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, admin: Actor, capfd: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "keys" / "database.key"
    monkeypatch.setenv(DATABASE_KEY.env, str(key))
    path = tmp_path / "pathways.sqlite"
    store = open_store(f"sqlcipher:///{path}")
    import_dataset(store, actor=admin, path=EXAMPLE)
    store.engine.dispose()
    right_key = key.read_bytes()
    key.unlink()
    DATABASE_KEY.create(key)  # another key
    _refused_unchanged(f"sqlcipher:///{path}", path, WRONG_KEY)
    assert "hmac check failed" not in capfd.readouterr().err  # SQLCipher's own log, printed before it was silenced
    _refused_unchanged(f"sqlite:///{path}", path, NOT_A_DATABASE)  # opened as if it were not encrypted
    key.write_bytes(right_key)  # and with its own key it opens, whole
    store = open_store(f"sqlcipher:///{path}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM events").scalar() == 25
    store.engine.dispose()


def test_the_command_line_says_so_in_words(
    real_database: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pathways.sqlite"
    path.write_bytes(real_database[:-1])
    args = build_parser().parse_args(
        [
            "--database-url",
            f"sqlite:///{path}",
            "export",
            "--output",
            str(tmp_path / "out"),
            "--recipient",
            "own_records",
        ]
    )
    assert run_command(args) == 2
    err = capsys.readouterr().err
    assert DAMAGED in err and RESTORE in err and "Traceback" not in err
    assert path.read_bytes() == real_database[:-1]
    assert not (tmp_path / "out").exists()


def _refused_unchanged(url: str, path: Path, words: str) -> None:
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    beside = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(StoreUnavailable) as refused:
        open_store(url)
    assert words in refused.value.message
    assert "not changed" in refused.value.message
    if words == DAMAGED:
        assert RESTORE in refused.value.message
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in path.parent.iterdir()) == beside  # no backup taken, no log left behind
