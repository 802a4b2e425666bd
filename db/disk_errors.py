"""Recognising a full disk in the errors the database and the file system raise.

"Full" here also takes in a disk quota or file-size limit reached, and SQLite failing to write its own file:
either way nothing more could be written, and what the user was doing was not saved (each save is one
transaction, and every file is written under a temporary name first; see reports/pdf_base.write_atomically).
"""

from __future__ import annotations

import errno

from sqlalchemy.exc import DBAPIError

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
SQLITE_FULL = 13  # "database or disk is full"
SQLITE_IOERR_WRITE = 778  # SQLite could not write to its file (e.g. a file-size limit)
POSTGRES_DISK_FULL = "53100"  # the server's disk is full


def disk_full(error: BaseException | None) -> bool:
    """True when `error`, or an error it was raised from, says that nothing more could be written to the disk."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in FULL_ERRNOS:
            return True
        if isinstance(error, DBAPIError) and _database_full(error.orig):
            return True
        error = error.__cause__ or error.__context__
    return False


def _database_full(original: BaseException | None) -> bool:
    if getattr(original, "sqlstate", None) == POSTGRES_DISK_FULL:
        return True
    code = getattr(original, "sqlite_errorcode", None)  # sqlite3, or SQLCipher's module
    if isinstance(code, int):
        return code & 0xFF == SQLITE_FULL or code == SQLITE_IOERR_WRITE
    return "database or disk is full" in str(original)
