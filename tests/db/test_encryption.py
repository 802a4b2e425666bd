"""Encryption at rest: an sqlcipher:/// database, its write-ahead log and its backups hold no plain text."""

from __future__ import annotations

import hashlib
import stat
from datetime import date
from pathlib import Path

import pytest

from db.backup import BackupError, backup_sqlite
from db.encryption import DATABASE_KEY, PLAIN_HEADER
from db.locations import default_url
from pathways.actors import Actor
from pathways.cli import build_parser, run_command
from pathways.services.people import register_person
from pathways.services.search import search_people
from pathways.store import StoreUnavailable, open_store
from tests.conftest import Clock

SURNAME = "Quartermaine"
NHS_NUMBER = "9434765919"


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys" / "database.key"
    monkeypatch.setenv(DATABASE_KEY.env, str(path))
    return path


def _fill(url: str, clock: Clock, navigator: Actor) -> None:
    store = open_store(url, clock=clock)
    register_person(
        store,
        actor=navigator,
        surname=SURNAME,
        forenames="Eleanor",
        date_of_birth=date(1990, 5, 17),
        sex="F",
        nhs_number=NHS_NUMBER,
    )
    store.engine.dispose()


def _holds_plain_text(path: Path) -> bool:
    data = path.read_bytes()
    return SURNAME.encode() in data or SURNAME.upper().encode() in data or NHS_NUMBER.encode() in data


def test_the_database_its_log_and_its_backup_are_encrypted(
    tmp_path: Path, key_file: Path, clock: Clock, navigator: Actor
) -> None:
    database = tmp_path / "pathways.sqlite"
    url = f"sqlcipher:///{database}"
    store = open_store(url, clock=clock)
    register_person(
        store,
        actor=navigator,
        surname=SURNAME,
        forenames="Eleanor",
        date_of_birth=date(1990, 5, 17),
        sex="F",
        nhs_number=NHS_NUMBER,
    )
    wal = database.with_name(database.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the write is still in the log: look at it while open
    assert not _holds_plain_text(wal)
    backup = backup_sqlite(database, tmp_path / "backups" / "copy.sqlite")
    store.engine.dispose()

    for path in (database, backup):
        assert not path.read_bytes().startswith(PLAIN_HEADER)
        assert not _holds_plain_text(path)
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key_hex = DATABASE_KEY.read()
    assert key_hex is not None and key_hex.hex() not in url

    restored = open_store(f"sqlcipher:///{backup}", clock=clock)  # the backup opens with the same key
    assert len(search_people(restored, actor=navigator, text=SURNAME)) == 1
    restored.engine.dispose()


def test_a_wrong_key_is_a_clear_message_and_changes_nothing(
    tmp_path: Path, key_file: Path, clock: Clock, navigator: Actor
) -> None:
    database = tmp_path / "pathways.sqlite"
    _fill(f"sqlcipher:///{database}", clock, navigator)
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    key_file.unlink()
    DATABASE_KEY.create(key_file)  # another key

    with pytest.raises(StoreUnavailable, match="encrypted with another key"):
        open_store(f"sqlcipher:///{database}", clock=clock)
    with pytest.raises(BackupError, match="another key"):
        backup_sqlite(database, tmp_path / "copy.sqlite")
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before

    key_file.unlink()
    with pytest.raises(StoreUnavailable, match=r"key file .* is missing"):
        open_store(f"sqlcipher:///{database}", clock=clock)
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before


def test_a_plain_database_is_not_opened_as_encrypted(
    tmp_path: Path, key_file: Path, clock: Clock, navigator: Actor
) -> None:
    database = tmp_path / "plain.sqlite"
    _fill(f"sqlite:///{database}", clock, navigator)
    with pytest.raises(StoreUnavailable, match="is not encrypted"):
        open_store(f"sqlcipher:///{database}", clock=clock)
    assert database.read_bytes().startswith(PLAIN_HEADER)
    assert not key_file.exists()  # no key was made for a database that is not encrypted


def test_an_unencrypted_database_is_encrypted_in_place_by_command(
    tmp_path: Path, key_file: Path, clock: Clock, navigator: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "older.sqlite"
    _fill(f"sqlite:///{database}", clock, navigator)
    assert _holds_plain_text(database) or _holds_plain_text(database.with_name(database.name + "-wal"))

    args = build_parser().parse_args(["--database-url", f"sqlite:///{database}", "encrypt-database"])
    assert run_command(args) == 0
    assert "Encrypted" in capsys.readouterr().out
    assert not database.read_bytes().startswith(PLAIN_HEADER) and not _holds_plain_text(database)
    assert not database.with_name(database.name + "-wal").exists() or not _holds_plain_text(
        database.with_name(database.name + "-wal")
    )
    store = open_store(f"sqlcipher:///{database}", clock=clock)
    assert len(search_people(store, actor=navigator, text=SURNAME)) == 1
    store.engine.dispose()


def test_the_embedded_default_is_encrypted_unless_an_older_plain_file_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key_file: Path, clock: Clock, navigator: Actor
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    new = default_url()
    assert new.startswith("sqlcipher:///") and new.endswith("pathways.sqlite")
    plain = Path(new.removeprefix("sqlcipher:///"))
    _fill(f"sqlite:///{plain}", clock, navigator)
    assert default_url() == f"sqlite:///{plain}"
