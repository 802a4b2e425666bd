"""Recognising a lost connection to the database server: stopped or restarted, or out of reach (the network down).

Only a database server's connection can be lost: an SQLite file's errors are never taken for one. A server that
answers and refuses the connection (a wrong password, an account not allowed to log in, a database that is not
there, too many connections) has not been lost either: `server_refused` tells those apart.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

POSTGRES_CONNECTION_CLASS = "08"  # connection exceptions: the connection failed or was broken
POSTGRES_SERVER_GONE = frozenset({"57P01", "57P02", "57P03"})  # shut down by an administrator, crashed, starting
SQLITE_DRIVERS = frozenset({"sqlite3", "sqlcipher3", "pysqlite3"})  # the modules whose errors are SQLite's
# What PostgreSQL says when it answers a connection and refuses it (it deliberately does not say whether a role
# exists); psycopg gives these no SQLSTATE.
CREDENTIALS_REFUSED = ("authentication failed", "is not permitted to log in", "no password supplied", "does not exist")
REFUSALS = (*CREDENTIALS_REFUSED, "too many clients")


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


def server_refused(error: DBAPIError) -> bool:
    """True when the server answered the connection and refused it (see REFUSALS)."""
    return _connect_failure(error.orig) and any(words in str(error.orig) for words in REFUSALS)


def _server_gone(error: DBAPIError) -> bool:
    original = error.orig
    if type(original).__module__.split(".")[0] in SQLITE_DRIVERS or server_refused(error):
        return False
    if error.connection_invalidated:  # SQLAlchemy's dialect saw a disconnect
        return True
    state = getattr(original, "sqlstate", None)
    if isinstance(state, str):
        return state.startswith(POSTGRES_CONNECTION_CLASS) or state in POSTGRES_SERVER_GONE
    return _connect_failure(original)  # the server never answered: refused, timed out, not found


def _connect_failure(original: BaseException | None) -> bool:
    """psycopg's OperationalError (or a kind of it, as its ConnectionTimeout) with no SQLSTATE: a connection that
    could not be made."""
    if getattr(original, "sqlstate", None) is not None:
        return False
    return any(
        kind.__name__ == "OperationalError" and kind.__module__.split(".")[0] == "psycopg"
        for kind in type(original).__mro__
    )
