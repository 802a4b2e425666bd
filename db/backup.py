"""Online backups of an SQLite database (never a file copy of a live database)."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from db.encryption import EncryptionError, cipher_module, connect_encrypted, database_key, is_plain_sqlite


class BackupError(Exception):
    """A backup could not be made; the message says why in plain words."""


def backup_sqlite(source: Path, target: Path, *, encrypted: bool | None = None) -> Path:
    """Copy the live database `source` to `target` with SQLite's online backup API.

    The copy is written to a temporary file beside the target and renamed into place, so a
    finished backup file is always complete. `encrypted` says whether the source is an SQLCipher file; a
    caller with the database open passes it (from its engine) rather than have the file probed.
    """
    if not source.exists():
        raise BackupError(f"There is no database at {source} to back up.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if encrypted is None:
            encrypted = not is_plain_sqlite(source)
        if not encrypted:
            with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
            src.close()
            dst.close()
        else:  # an encrypted database gives an encrypted backup, under the same key
            _backup_encrypted(source, partial)
        os.replace(partial, target)
    except EncryptionError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(str(exc)) from exc
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"The backup to {target} could not be written: {exc}") from exc
    return target


def _backup_encrypted(source: Path, partial: Path) -> None:
    key = database_key(source)
    src, dst = connect_encrypted(source, key), connect_encrypted(partial, key)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        dst.commit()
    except cipher_module().Error as exc:
        raise EncryptionError(f"The encrypted backup could not be written: {exc}") from exc
    finally:
        src.close()
        dst.close()


def automatic_backup_path(source: Path, reason: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return source.parent / "backups" / f"{source.stem}-{stamp}-{reason}.sqlite"
