"""Signing in on a PostgreSQL deployment with one database role per user (db/postgres_roles.py).

The workstation's database address names no user. At sign-in the app connects as the typed user name with the
typed password, so PostgreSQL checks them first; then the app's own check (the password hash, throttling, a
disabled account) runs on that connection, and every later query runs under the user's own grants and row-level
security. The database is not migrated or re-indexed from here: the owner role does that (`main.py migrate`,
`main.py postgres-roles setup`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError
from sqlalchemy.orm import Mapper, ORMExecuteState, QueryContext, defaultload, defer
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.orm.strategy_options import _AbstractLoad

from db.connection_errors import CREDENTIALS_REFUSED, connection_lost
from db.engine import make_engine, make_session_factory, with_credentials
from db.migrate import current_revision, head_revision
from db.models import Base
from db.postgres_roles import FREE_TEXT, set_up_for, setup_for
from pathways.actors import Actor
from pathways.clock import now_utc
from pathways.definitions import PathwayDefinition, load_definitions
from pathways.errors import DatabaseUnreachable
from pathways.scope import HIDDEN_COLUMNS, hidden_columns
from pathways.services.accounts import SIGN_IN_FAILED, SignInFailed, sign_in
from pathways.store import Store, StoreUnavailable, unreachable


def open_store_as(
    url: str,
    *,
    username: str,
    password: str,
    clock: Callable[[], datetime] = now_utc,
    definitions: Mapping[str, PathwayDefinition] | None = None,
) -> Store:
    """The store, connected as the user's own database role. SignInFailed when PostgreSQL refuses them."""
    name = username.strip().lower()
    if not name or not password:
        raise SignInFailed(SIGN_IN_FAILED)
    engine = make_engine(with_credentials(url, name, password))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_revision(engine)
        with engine.connect() as connection:
            roles_for = set_up_for(connection)
    except OperationalError as exc:
        engine.dispose()
        said = str(exc.orig)
        if any(words in said for words in CREDENTIALS_REFUSED):
            raise SignInFailed(SIGN_IN_FAILED) from None
        raise unreachable(engine.url, exc) from exc
    except DatabaseError as exc:  # connected, but the roles' grants are not there
        engine.dispose()
        raise StoreUnavailable(
            "You were let in to the database, but it has not been set up for signing in with your own database "
            "role. Ask your administrator to run `main.py postgres-roles setup`."
        ) from exc
    if current != head_revision():
        engine.dispose()
        raise StoreUnavailable(
            "The database has not been brought up to date for this version of Pathways, so it was not opened. "
            "Ask your administrator to run `main.py migrate` and `main.py postgres-roles setup`."
        )
    if roles_for != setup_for(head_revision()):
        engine.dispose()
        raise StoreUnavailable(
            "The database's roles were set up for an earlier version of Pathways, so it was not opened: its "
            "permissions may not match this version's. Ask your administrator to run `main.py postgres-roles setup` "
            "once for this version."
        )
    store = Store(engine, make_session_factory(engine), definitions or load_definitions(), clock)
    leave_out_unreadable_text(store)
    return store


def sign_in_as(url: str, *, username: str, password: str, workstation: str) -> tuple[Store, Actor]:
    """Connect as the user's own database role (open_store_as), then sign in on that connection: the store and
    the signed-in actor. The desktop runs this off the screen's thread: both steps wait on the server."""
    store = open_store_as(url, username=username, password=password)
    try:
        return store, sign_in(store, username=username, password=password, workstation=workstation)
    except DBAPIError as exc:
        store.engine.dispose()
        if connection_lost(exc):
            raise DatabaseUnreachable(DatabaseUnreachable.NOT_SIGNED_IN) from exc
        raise
    except BaseException:
        store.engine.dispose()
        raise


# --- free text the connected role may not read ---------------------------------------------------------------------


def leave_out_unreadable_text(store: Store) -> dict[str, tuple[str, ...]]:
    """A manager's role may not read free-text columns (db/postgres_roles.py FREE_TEXT) unless granted reading
    notes. Leave those columns out of every ORM query of this store, and read them as empty, so the app's screens
    work for them as they do elsewhere (the services show notes only to managers granted them anyway).
    Returns the columns left out."""
    hidden: dict[str, tuple[str, ...]] = {}
    with store.engine.connect() as connection:
        for table, columns in FREE_TEXT.items():
            refused = tuple(
                column
                for column in columns
                if not connection.execute(
                    text("SELECT has_column_privilege(:table, :column, 'SELECT')"), {"table": table, "column": column}
                ).scalar()
            )
            if refused:
                hidden[table] = refused
    if hidden:
        store.session_factory.configure(info={HIDDEN_COLUMNS: hidden})
        event.listen(store.session_factory, "do_orm_execute", _defer_hidden)
    return hidden


def _defer_hidden(state: ORMExecuteState) -> None:
    hidden = hidden_columns(state.session.info)
    if not state.is_select or state.is_column_load or state.is_relationship_load or not hidden:
        return  # relationship loads follow the options of the query that loaded their parents
    options: list[_AbstractLoad] = []
    selected = _selected_entities(state)
    for mapper in state.all_mappers:
        if mapper in selected:  # a query of columns only (a count, a sum) takes no loader options
            options.extend(_deferrals(mapper, hidden))
    if options:
        state.statement = state.statement.options(*options)


def _selected_entities(state: ORMExecuteState) -> set[Mapper[Any]]:
    """The mappers of the whole objects a query selects (not of columns or expressions it selects)."""
    found: set[Mapper[Any]] = set()
    for described in getattr(state.statement, "column_descriptions", ()):
        entity = described.get("entity")
        if entity is not None and described.get("expr") is entity:
            found.add(inspect(entity).mapper)
    return found


def _deferrals(mapper: Mapper[Any], hidden: Mapping[str, tuple[str, ...]], depth: int = 2) -> list[_AbstractLoad]:
    """Options deferring the hidden columns of `mapper` and of what its relationships load, `depth` steps deep."""
    found: list[_AbstractLoad] = [
        defer(mapper.attrs[column].class_attribute)
        for column in hidden.get(mapper.local_table.name, ())  # type: ignore[attr-defined]
    ]
    if depth:
        for relationship in mapper.relationships:
            found.extend(
                defaultload(relationship.class_attribute).options(deferral)
                for deferral in _deferrals(relationship.mapper, hidden, depth - 1)
            )
    return found


def _blank_hidden(target: object, context: QueryContext) -> None:
    hidden = hidden_columns(context.session.info) if context.session is not None else {}
    state = instance_state(target)
    for column in hidden.get(state.mapper.local_table.name, ()):  # type: ignore[attr-defined]
        if column not in state.dict:
            set_committed_value(target, column, None)


for _mapper in Base.registry.mappers:
    if _mapper.local_table.name in FREE_TEXT:  # type: ignore[attr-defined]
        event.listen(_mapper.class_, "load", _blank_hidden)
