"""Writing the audit log: record ids and outcomes only, never personal data. Every entry is sealed onto the
end of a chain (pathways.audit_chain) in the same transaction as the action it records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from db.connection_errors import connection_lost
from db.models import User
from db.uow import UnitOfWork, retrying
from pathways.actors import ACTION_WORDS, Actor
from pathways.audit_chain import NewEntry, append_entry
from pathways.errors import DatabaseUnreachable, NotPermitted


def write_audit(
    session: Session,
    actor: Actor,
    action: str,
    at: datetime,
    *,
    record_type: str | None = None,
    record_id: int | None = None,
    outcome: str = "ok",
    detail: str | None = None,
) -> None:
    """Write an audit entry in the session's transaction, so it commits (or not) with the action itself."""
    append_entry(
        session,
        NewEntry(
            at=at,
            actor=actor.username,
            role=actor.role.value,
            workstation=actor.workstation,
            action=action,
            outcome=outcome,
            record_type=record_type,
            record_id=record_id,
            detail=detail,
        ),
    )


# What a user whose password an administrator set (users.must_change_password) may still do: choose their own.
Refusal = TypeVar("Refusal", bound=Exception)
WHILE_PASSWORD_IS_TEMPORARY = frozenset({"change_own_password"})
TEMPORARY_PASSWORD = "password must be changed"  # the detail of a refusal for it
DISABLED = "account disabled"
MOVED = "account moved"  # to another site or service since the user signed in


class AccountState(NamedTuple):
    """The actor's account as it stands now, against how it stood when they signed in (nothing to say for an actor
    without an account, such as the command line)."""

    disabled: bool = False
    temporary: bool = False  # its password is one an administrator set, not yet replaced by the user's own
    moved_to: str | None = None  # the site or service an administrator has moved it to since the actor signed in

    def refuses(self, actor: Actor, action: str) -> bool:
        if self.disabled or not actor.may(action):
            return True
        return action not in WHILE_PASSWORD_IS_TEMPORARY and (self.temporary or self.moved_to is not None)


def state_of(
    actor: Actor, active: bool | None, temporary: bool | None, site: str | None, service: str | None
) -> AccountState:
    """The state of the actor's account from its columns as read now (all None: there is no such account)."""
    if active is None:
        return AccountState()
    moved = (site, service) != (actor.site, actor.service)
    return AccountState(active is False, bool(temporary), (site or service or "") if moved else None)


def account_state(session: Session, actor: Actor) -> AccountState:
    columns = (User.active, User.must_change_password, User.site, User.service)
    row = session.execute(select(*columns).where(User.username == actor.username)).first()
    return state_of(actor, *row) if row is not None else AccountState()


def authorise(session_factory: sessionmaker[Session], actor: Actor, action: str, clock: Callable[[], datetime]) -> None:
    """Refuse, and audit the refusal in its own transaction, when the actor's role may not act, or when their
    account has been disabled since they signed in (so disabling an account ends what its windows can do), or when
    their password is one an administrator set (a reset, a new account): until they choose their own, they may do
    nothing but that; or when an administrator has moved them to another site or service since they signed in (their
    windows show the old one's cases until they sign in again). Every service asks this first, so a database server
    out of reach is told here, before anything is done."""
    try:
        with session_factory() as session:
            state = account_state(session, actor)
        if not state.refuses(actor, action):
            return
        refused = audited_refusal(session_factory, lambda session: refuse_role(session, actor, action, clock(), state))
    except DBAPIError as error:
        if connection_lost(error):
            raise DatabaseUnreachable(DatabaseUnreachable.NOTHING_DONE) from error
        raise
    raise refused


def audited_refusal(session_factory: sessionmaker[Session], audit: Callable[[Session], Refusal]) -> Refusal:
    """Write a refusal's audit entry (`audit` writes it and returns the refusal to raise) in a transaction of its
    own that writes from its start (SQLite's write lock from BEGIN IMMEDIATE: reading the chain's end and then
    writing in a plain transaction failed, "database is locked", when a colleague saved in between), again when
    the database was busy with other work."""

    def attempt() -> Refusal:
        with UnitOfWork(session_factory, write=True) as uow:
            refused = audit(uow.session)
            uow.commit()
            return refused

    return retrying(attempt)


def refuse_role(session: Session, actor: Actor, action: str, at: datetime, state: AccountState) -> NotPermitted:
    """Audit the refusal of `action` to the actor's role or account (`state`), and return the refusal to raise."""
    words = ACTION_WORDS.get(action, action.replace("_", " "))
    if state.disabled:
        refusal, detail = f"Your account has been disabled, so you cannot {words}. Ask an administrator.", DISABLED
    elif state.temporary and action not in WHILE_PASSWORD_IS_TEMPORARY:
        refusal, detail = (
            f"An administrator has set a new password for your account, so you cannot {words} until you choose one "
            "of your own: sign in again with the password they gave you.",
            TEMPORARY_PASSWORD,
        )
    elif state.moved_to is not None and action not in WHILE_PASSWORD_IS_TEMPORARY:
        refusal, detail = (
            f"An administrator has moved your account to {state.moved_to} since you signed in, so you cannot "
            f"{words} until you sign in again (File → Sign out), when you will see {state.moved_to}'s cases.",
            MOVED,
        )
    else:
        refusal, detail = f"{actor.role.a_label} cannot {words}.", None
    write_audit(session, actor, action, at, outcome="refused", detail=detail)
    return NotPermitted(refusal)
