"""The opened case store: one session factory, the pathway definitions and the clock, made at start-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import URL, Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db.connection_errors import server_refused
from db.disk_errors import disk_full
from db.encryption import DATABASE_KEY, EncryptionError, is_encrypted_url
from db.engine import CONNECT_TIMEOUT_S, make_engine, make_session_factory, sqlite_path
from db.file_checks import refusal
from db.locations import resolve_url
from db.migrate import MigrationError, upgrade
from db.uow import UnitOfWork
from pathways.clock import now_utc
from pathways.definitions import PathwayDefinition, load_definitions
from pathways.errors import NotFound, PathwaysError
from pathways.progress import Progress, no_progress


class StoreUnavailable(PathwaysError):
    """The database could not be opened; nothing was changed."""


def unreachable(url: URL, error: OperationalError) -> StoreUnavailable:
    """A database server that could not be connected to (silent, refusing, not found), in the user's words."""
    where = url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)  # as the user wrote it
    said = " ".join(str(error.orig).split()).removeprefix("connection failed: ").rstrip(".?")
    if server_refused(error):
        return StoreUnavailable(
            f"The database server at {where} refused the connection ({said}). Check the database's address and "
            "account with your administrator. Nothing was changed."
        )
    reason = f"it did not answer {_waited(url)}" if "timeout expired" in said else f"the connection failed ({said})"
    return StoreUnavailable(
        f"Pathways could not connect to the database server at {where}: {reason}. Check this computer's network "
        "connection, or ask your administrator whether the database server is running. Nothing was changed."
    )


def _waited(url: URL) -> str:
    """How long libpq waited for the server to answer: the address's own connect_timeout (at least 2 seconds, as
    libpq takes it), or CONNECT_TIMEOUT_S."""
    given = url.query.get("connect_timeout")
    try:
        seconds = CONNECT_TIMEOUT_S if given is None else int(str(given))
    except ValueError:
        return "in time"
    return f"within {max(2, seconds)} seconds" if seconds > 0 else "in time"


@dataclass(frozen=True)
class Store:
    engine: Engine
    session_factory: sessionmaker[Session]
    definitions: Mapping[str, PathwayDefinition]
    clock: Callable[[], datetime] = field(default=now_utc)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def definition(self, code: str) -> PathwayDefinition:
        try:
            return self.definitions[code]
        except KeyError:
            known = ", ".join(sorted(self.definitions))
            raise NotFound(f"There is no pathway called '{code}' (known pathways: {known}).") from None


def open_store(
    url: str | None = None,
    *,
    clock: Callable[[], datetime] = now_utc,
    definitions: Mapping[str, PathwayDefinition] | None = None,
    progress: Progress = no_progress,
) -> Store:
    """Open the database (the embedded default unless a URL is given), bring it up to date and seed it. Making the
    worklists' and the reports' indexes again (once after an upgrade) reports its `progress` case by case."""
    from pathways.deadline_index import rebuild_if_stale  # imported here: these modules import store
    from pathways.figure_index import rebuild_if_stale as rebuild_figures_if_stale
    from pathways.reference import seed_reference_data

    url = resolve_url(url)
    path = sqlite_path(url)
    problem = refusal(path) if path is not None else None
    if problem is not None:
        raise StoreUnavailable(problem)
    try:
        engine = make_engine(url)
    except EncryptionError as exc:
        raise StoreUnavailable(str(exc)) from exc
    if path is None:  # a database server: first, whether it answers at all (within CONNECT_TIMEOUT_S)
        try:
            engine.connect().close()
        except OperationalError as exc:
            engine.dispose()
            raise unreachable(engine.url, exc) from exc
    try:
        upgrade(engine)
    except (DatabaseError, MigrationError) as exc:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        if is_encrypted_url(url):
            raise StoreUnavailable(
                f"The encrypted database at {path or where} cannot be opened with the key in {DATABASE_KEY.path()}: "
                "it is encrypted with another key, or it is not a Pathways database. It was not changed."
            ) from exc
        if disk_full(exc):
            raise StoreUnavailable(
                f"The database at {where} could not be opened because the disk is full: Pathways must write to it "
                "when it starts. Free some space on the disk (or ask IT to), then start Pathways again. "
                "Nothing was changed."
            ) from exc
        cause = str(exc.orig if isinstance(exc, DatabaseError) else exc).rstrip(".")
        raise StoreUnavailable(
            f"The database at {where} could not be opened: {cause}. "
            "It may be damaged or not a Pathways database; it was not changed."
        ) from exc
    store = Store(engine, make_session_factory(engine), definitions or load_definitions(), clock)
    seed_reference_data(store)
    rebuild_if_stale(store, progress)
    rebuild_figures_if_stale(store, progress)
    return store
