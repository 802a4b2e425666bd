"""Checks on an SQLite file before Pathways opens it as its database, so that a damaged file, or another program's
database, is refused in plain words and left exactly as it was (no migration is run on it, no table added).

The file is only ever read through SQLite here, never opened directly: closing a file that the process also has
open through SQLite would drop SQLite's locks on it (POSIX locks belong to the process, not the descriptor), and
another program could then take the database for unused while this one still writes to it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from db.migrate import known_revisions

SQLITE_CORRUPT = 11
OWN_TABLES = frozenset({"people", "cases", "events", "audit_log"})  # a few every version of Pathways has


def refusal(path: Path) -> str | None:
    """Why the SQLite file at `path` must not be opened as a Pathways database, in plain words; None when it may
    (also when there is no file yet, or when it is not an SQLite database at all: SQLite refuses that itself)."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    connection = sqlite3.connect(path)
    try:
        page_size, pages = (connection.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_size", "page_count"))
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        marks = [connection.execute(f"PRAGMA {name}").fetchone()[0] for name in ("application_id", "user_version")]
        revision = _revision(connection) if "alembic_version" in tables else None
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) != SQLITE_CORRUPT:
            return None  # not an SQLite database (or encrypted): SQLite's own words say so when it is opened
        return (
            f"The database at {path} is damaged (SQLite reports: {exc}), so it was not opened and not changed. "
            "Restore the latest backup (the backups folder beside it holds those Pathways made)."
        )
    finally:
        connection.close()
    expected = page_size * pages
    size = path.stat().st_size
    if size < expected and not _log_beside(path):
        return (
            f"The database at {path} is damaged: the file is shorter than the database it holds ({size:,} of "
            f"{expected:,} bytes), as when a copy was cut short or a disk failed. It was not opened and not changed. "
            "Restore the latest backup (the backups folder beside it holds those Pathways made)."
        )
    not_ours = (
        f"{path} is an SQLite database, but not a Pathways one (it has none of Pathways' tables), so it was not "
        "opened and not changed. Check the file's name, or give a new file name to start a new database."
    )
    if not tables:  # a new database, unless another program has marked the file as its own
        return not_ours if any(marks) else None
    if "alembic_version" not in tables:  # every Pathways database has it, from its first migration
        return not_ours
    if revision in known_revisions():
        return None
    if tables >= OWN_TABLES:
        return (
            f"The database at {path} was made or brought up to date by a newer version of Pathways than this one, "
            "so this version cannot work with it; it was not opened and not changed. Use the newer version (ask "
            "your administrator)."
        )
    return not_ours  # another program that also keeps its tables' version with Alembic


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def _log_beside(path: Path) -> bool:
    """A write-ahead log or rollback journal with something in it: it may still hold pages of the database (as after
    a crash in the middle of a checkpoint, which SQLite recovers from by itself), so the file's size proves nothing."""
    for suffix in ("-wal", "-journal"):
        beside = path.with_name(path.name + suffix)
        if beside.exists() and beside.stat().st_size > 0:
            return True
    return False
