"""Encryption at rest for the embedded database: SQLCipher (through the sqlcipher3 package).

A database URL `sqlcipher:///path/to/file.sqlite` names an encrypted SQLite file. Its key is 32 random bytes
in a key file outside the database, the URL and every log (db/key_files.py): `database.key` in the user's
Pathways configuration folder, or the file PATHWAYS_DATABASE_KEY_FILE names. The first use makes the key; a
database that exists is never given a new one. Everything in the file is encrypted: the tables, the
write-ahead log, and the backups taken of it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from db.key_files import KeyFile, KeyFileError
from db.locations import scheme

ENCRYPTED_SCHEME = "sqlcipher"
PLAIN_HEADER = b"SQLite format 3\x00"
DATABASE_KEY = KeyFile(
    env="PATHWAYS_DATABASE_KEY_FILE",
    file_name="database.key",
    what="database key",
    note=(
        "# Pathways database key: without it the encrypted database and its backups cannot be read.\n"
        "# Keep a copy with the force's other secrets, NOT with the database or its backups. Do not edit.\n"
    ),
)


class EncryptionError(Exception):
    """An encrypted database cannot be opened (its key is missing or wrong); the message says what to do."""


def is_encrypted_url(url: str) -> bool:
    return scheme(url) == ENCRYPTED_SCHEME


def is_plain_sqlite(path: Path) -> bool:
    """True when the file is an unencrypted SQLite database.

    Asked through SQLite itself, read-only, never by opening the file directly: closing a file descriptor
    of a database releases every lock this process holds on it (POSIX), which could let another program
    treat a database that is in use as idle.
    """
    try:
        if path.stat().st_size == 0:
            return False
    except OSError:
        return False
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        probe.execute("PRAGMA schema_version").fetchone()
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        probe.close()


def engine_is_encrypted(engine: Any) -> bool:
    """Whether an engine (from db.engine.make_engine) talks to its file through SQLCipher."""
    return str(getattr(engine.dialect.dbapi, "__name__", "")).startswith("sqlcipher3")


def database_key(path: Path) -> bytes:
    """The key for the encrypted database at `path`: made now for a new database, else read from its key file."""
    try:
        if not path.exists() or path.stat().st_size == 0:
            return DATABASE_KEY.read_or_create()
        key = DATABASE_KEY.read()
    except KeyFileError as exc:
        raise EncryptionError(str(exc)) from None
    if key is None:
        raise EncryptionError(
            f"The database at {path} is encrypted (or it is not a database at all), and its key file "
            f"({DATABASE_KEY.path()}) is missing, so it was not opened and not changed. Restore the key file from "
            f"where your force keeps it, or set {DATABASE_KEY.env} to its location."
        )
    return key


def key_pragma(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def cipher_module() -> Any:
    """The DB-API module of SQLCipher (loaded only when an encrypted database is opened)."""
    from sqlcipher3 import dbapi2

    return dbapi2


def connect_encrypted(path: Path, key: bytes) -> Any:
    """A DB-API connection to the encrypted file, keyed, checked: a wrong key fails here, not later."""
    module = cipher_module()
    connection = module.connect(str(path), check_same_thread=False)
    connection.execute(key_pragma(key))
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except module.DatabaseError:
        connection.close()
        raise EncryptionError(
            f"The database at {path} cannot be opened with the key in {DATABASE_KEY.path()}: it is encrypted "
            "with another key, or it is not a Pathways database. It was not changed."
        ) from None
    return connection


def encrypt_file(path: Path) -> None:
    """Replace the plain SQLite database at `path` with an encrypted copy (SQLCipher's sqlcipher_export).

    The copy is made beside it, checked (integrity_check), and only then renamed over the plain file; if
    anything fails, the plain database is left as it was. No other program may have the database open.
    """
    if not is_plain_sqlite(path):
        raise EncryptionError(f"{path} is not an unencrypted SQLite database, so there is nothing to encrypt.")
    key = DATABASE_KEY.read_or_create()
    draft = path.with_name(path.name + ".encrypting")
    draft.unlink(missing_ok=True)
    module = cipher_module()
    source = module.connect(str(path))  # no key: the plain file
    try:
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        quoted = str(draft).replace("'", "''")
        source.execute(f"ATTACH DATABASE '{quoted}' AS encrypted KEY \"x'{key.hex()}'\"")
        source.execute("SELECT sqlcipher_export('encrypted')")
        source.execute("DETACH DATABASE encrypted")
    except module.Error as exc:
        draft.unlink(missing_ok=True)
        raise EncryptionError(f"The database at {path} could not be encrypted: {exc}. It was not changed.") from None
    finally:
        source.close()
    check = connect_encrypted(draft, key)
    try:
        verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if verdict != "ok":
        draft.unlink(missing_ok=True)
        raise EncryptionError(f"The encrypted copy of {path} did not pass its check ({verdict}); nothing was changed.")
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if leftover.exists() and leftover.stat().st_size and leftover.name.endswith("-wal"):
            draft.unlink(missing_ok=True)
            raise EncryptionError(f"{path} is still in use by another program; close it and try again.")
    os.replace(draft, path)
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
