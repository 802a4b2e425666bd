"""Where the database is, and how to connect to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# An execution option a unit of work sets when it will write: on SQLite its transaction then starts with
# BEGIN IMMEDIATE, taking the write lock first, so two writers queue instead of both reading, then clashing.
WRITE_OPTION = "pathways_write"
# A database server that does not answer (the network down, the server hung) is given up on after this many
# seconds, with a message, instead of a window frozen for as long as libpq would wait (for ever, by default).
CONNECT_TIMEOUT_S = 10
# A connection whose server has gone silent is found out in about a minute, not hours later: by TCP keepalives
# when it is idle, and by a limit on how long what was sent may go unacknowledged (milliseconds) when it is not.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}


def with_credentials(url: str, username: str, password: str) -> str:
    """`url` connecting as `username` with `password` (any user name and password in it are replaced)."""
    return make_url(url).set(username=username, password=password).render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite (or encrypted SQLite) URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    backend = parsed.drivername.split("+")[0]
    if backend not in ("sqlite", "sqlcipher") or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _normalise(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, open transactions (see _sqlite_begin), so that DDL in a
    # migration is inside the transaction and rolls back with it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    writing = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _keyed(connection: Any, pragma: str) -> None:
    """Key a new SQLCipher connection; SQLCipher's own log (a wrong key's "hmac check failed" lines, printed on
    stderr) is silenced: Pathways says what went wrong in its own words."""
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(pragma)


def _encrypted_engine(url: str) -> Engine:
    """An engine on an SQLCipher file, keyed before anything else is said to it (db/encryption.py)."""
    from db.encryption import EncryptionError, cipher_module, database_key, is_plain_sqlite, key_pragma

    path = Path(make_url(url).database or "")
    if is_plain_sqlite(path):
        raise EncryptionError(
            f"The database at {path} is not encrypted. Open it as sqlite:///{path}, or make an encrypted copy "
            "with `main.py encrypt-database`."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = database_key(path)
    engine = create_engine(
        f"sqlite:///{path}", module=cipher_module(), connect_args={"check_same_thread": False}, hide_parameters=True
    )
    event.listen(engine, "connect", lambda connection, _record: _keyed(connection, key_pragma(key)))
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys and synchronous FULL; sqlcipher:/// files are
    encrypted SQLite files."""
    if make_url(url).drivername == "sqlcipher":
        return _encrypted_engine(url)
    url = _normalise(url)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Services run on background threads as well as the GUI thread, each with its own session.
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args=server_connect_args(url))


def server_connect_args(url: str) -> dict[str, int]:
    """The time limit and keepalives of a connection to a database server, less any that `url` sets itself."""
    given = make_url(url).query
    return {
        name: value for name, value in {"connect_timeout": CONNECT_TIMEOUT_S, **KEEPALIVES}.items() if name not in given
    }


def connect_with_new_password(engine: Engine, password: str) -> None:
    """From now on `engine` opens its new connections with `password`: its user changed their password (their
    PostgreSQL role's too) while it was open, and a connection made with the one in its address would be refused.
    (Connections already open stay as they are.) One listener an engine, however often the password changes."""
    held = _NEW_PASSWORDS.get(engine)
    if held is None:
        held = _NEW_PASSWORDS[engine] = {}

        def new_password(_dialect: Any, _record: Any, _cargs: Any, parameters: dict[str, Any]) -> None:
            parameters["password"] = held["password"]

        event.listen(engine, "do_connect", new_password)
    held["password"] = password


_NEW_PASSWORDS: WeakKeyDictionary[Engine, dict[str, str]] = WeakKeyDictionary()  # an engine's newest password


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
