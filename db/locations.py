"""Which database to open, and where the user's data folder is: worked out without loading SQLAlchemy, so the
sign-in window can appear while the database layer loads (ui/start.py)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import platformdirs

ENV_URL = "PATHWAYS_DATABASE_URL"
# Set to 1 on the workstations of a PostgreSQL deployment where each user connects as their own database role
# (db/postgres_roles.py): the app then connects with the user name and password typed at sign-in.
ENV_PER_USER = "PATHWAYS_POSTGRES_PER_USER"
APP_NAME = "Pathways"


def data_folder() -> Path:
    """The user's data folder for Pathways (created if missing)."""
    folder = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def default_url() -> str:
    """The embedded database: encrypted (SQLCipher) unless it is an unencrypted file made before encryption came."""
    path = data_folder() / "pathways.sqlite"
    scheme = "sqlite" if _plain_file(path) else "sqlcipher"
    return f"{scheme}:///{path}"


def _plain_file(path: Path) -> bool:
    from db.encryption import is_plain_sqlite

    return is_plain_sqlite(path)


def resolve_url(explicit: str | None = None) -> str:
    """The --database-url option, else PATHWAYS_DATABASE_URL, else the embedded default."""
    return explicit or os.environ.get(ENV_URL) or default_url()


def shown_url(url: str) -> str:
    """The URL as a user may see it: a password in it is shown as *** (as SQLAlchemy shows one)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    who, _, where = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{who.partition(':')[0]}:***@{where}"))


def scheme(url: str) -> str:
    """The URL's driver name, as SQLAlchemy reads it ("sqlite", "sqlcipher", "postgresql+psycopg")."""
    return url.partition("://")[0].strip()


def per_user_roles(url: str) -> bool:
    """Whether the app signs in to this database as the user's own PostgreSQL role (PATHWAYS_POSTGRES_PER_USER=1)."""
    backend = scheme(url).split("+")[0]
    return backend in ("postgresql", "postgres") and os.environ.get(ENV_PER_USER, "").strip() == "1"


def local_file(url: str) -> Path | None:
    """The file an SQLite (or encrypted SQLite) URL names; None for a database on a server or in memory. (Read by
    hand, for the start only: whether the file is there yet. Everything else asks db.engine.sqlite_path.)"""
    if scheme(url).split("+")[0] not in ("sqlite", "sqlcipher"):
        return None
    name = url.partition("://")[2].removeprefix("/").partition("?")[0]
    return Path(name) if name and name != ":memory:" else None
