"""The unit of work: one transaction per thing a user does; rolled back unless committed.

A unit of work that will write says so with `for_writing()`: on SQLite its transaction starts with
BEGIN IMMEDIATE, so writers queue for the write lock instead of clashing half-way. `retrying` runs a
whole transaction again when the database gave up on it only because of other work at the same time
(a PostgreSQL serialisation failure or deadlock, SQLite's "database is locked"); nothing of a failed
attempt was committed, so running it again is safe.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from db.engine import WRITE_OPTION

T = TypeVar("T")

# PostgreSQL: serialization_failure, deadlock_detected. SQLite: SQLITE_BUSY, SQLITE_LOCKED (and their
# extended codes, e.g. SQLITE_BUSY_SNAPSHOT, whose low byte is the primary code).
RETRY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})  # serialisation, deadlock, a lock wait given up
RETRY_SQLITE_CODES = frozenset({5, 6})
ATTEMPTS = 5
FIRST_PAUSE = 0.05  # seconds; doubled after each failed attempt, with jitter
RETRY_WITHIN = 5.0  # seconds from the first attempt: a save that waited longer (e.g. SQLite's own 10 s wait for
# its lock) is not made to wait that long again, so a screen is never held for minutes


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], *, write: bool = False) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self._write = write

    def for_writing(self) -> UnitOfWork:
        """This unit of work will write: take the write lock when it begins (SQLite)."""
        self._write = True
        return self

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        if self._write:
            try:
                self._session.connection(execution_options={WRITE_OPTION: True})  # begins the transaction
            except BaseException:
                self._session.close()
                self._session = None
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed; objects already loaded stay readable.
        self.session.close()
        self._session = None

    def commit(self) -> None:
        self.session.commit()


def is_transient(error: BaseException) -> bool:
    """True when the database refused the transaction only because of other work at the same time."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    if getattr(original, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    # sqlite3, or a module with the same interface (SQLCipher's, for an encrypted file)
    code = getattr(original, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in RETRY_SQLITE_CODES
    if isinstance(original, sqlite3.OperationalError) or type(original).__name__ == "OperationalError":
        return "database is locked" in str(original) or "database table is locked" in str(original)
    return False


def retrying(
    work: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    first_pause: float = FIRST_PAUSE,
    within: float = RETRY_WITHIN,
    on_retry: Callable[[int, BaseException], None] | None = None,
) -> T:
    """Run `work` (a whole transaction: open, change, commit) again when it failed transiently.

    Each attempt must open its own unit of work, so a failed one is rolled back whole before the next.
    After `attempts` transient failures, or once `within` seconds have passed, the last error is raised;
    any other error is raised at once.
    """
    began = time.monotonic()
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as error:
            if attempt == attempts or not is_transient(error) or time.monotonic() - began >= within:
                raise
            if on_retry is not None:
                on_retry(attempt, error)
            time.sleep(first_pause * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
