"""Recognising a lost connection to the database server: stopped or restarted, or out of reach (the network down).

Only a database server's connection can be lost: an SQLite file's errors are never taken for one.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

POSTGRES_CONNECTION_CLASS = "08"  # connection exceptions: the connection failed or was broken
POSTGRES_SERVER_GONE = frozenset({"57P01", "57P02", "57P03"})  # shut down by an administrator, crashed, starting


def connection_lost(error: BaseException | None) -> bool:
    """True when `error`, or an error it was raised from, says the database server could not be reached or the
    connection to it broke."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, DBAPIError) and _server_gone(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def _server_gone(error: DBAPIError) -> bool:
    original = error.orig
    if getattr(original, "sqlite_errorcode", None) is not None:
        return False
    if error.connection_invalidated:  # SQLAlchemy's dialect saw a disconnect
        return True
    state = getattr(original, "sqlstate", None)
    if isinstance(state, str):
        return state.startswith(POSTGRES_CONNECTION_CLASS) or state in POSTGRES_SERVER_GONE
    # psycopg's OperationalError with no SQLSTATE: the server never answered (refused, timed out, not found)
    return type(original).__module__.split(".")[0] == "psycopg" and type(original).__name__ == "OperationalError"
