"""Writing the audit log: record ids and outcomes only, never personal data. Every entry is sealed onto the
end of a chain (pathways.audit_chain) in the same transaction as the action it records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from db.connection_errors import connection_lost
from db.models import User
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
WHILE_PASSWORD_IS_TEMPORARY = frozenset({"change_own_password"})
TEMPORARY_PASSWORD = "password must be changed"  # the detail of a refusal for it


def account_state(session: Session, actor: Actor) -> tuple[bool, bool]:
    """Whether the actor's account has been disabled since they signed in, and whether its password is one an
    administrator set, not yet replaced by the user's own (both False for an actor without an account, such as
    the command line)."""
    row = session.execute(select(User.active, User.must_change_password).where(User.username == actor.username)).first()
    if row is None:
        return False, False
    return row.active is False, bool(row.must_change_password)


def authorise(session_factory: sessionmaker[Session], actor: Actor, action: str, clock: Callable[[], datetime]) -> None:
    """Refuse, and audit the refusal in its own transaction, when the actor's role may not act, or when their
    account has been disabled since they signed in (so disabling an account ends what its windows can do), or when
    their password is one an administrator set (a reset, a new account): until they choose their own, they may do
    nothing but that. Every service asks this first, so a database server out of reach is told here, before
    anything is done."""
    try:
        with session_factory() as session:
            disabled, temporary = account_state(session, actor)
            temporary = temporary and action not in WHILE_PASSWORD_IS_TEMPORARY
            if actor.may(action) and not disabled and not temporary:
                return
            refused = refuse_role(session, actor, action, clock(), disabled, temporary_password=temporary)
            session.commit()
    except DBAPIError as error:
        if connection_lost(error):
            raise DatabaseUnreachable(DatabaseUnreachable.NOTHING_DONE) from error
        raise
    raise refused


def refuse_role(
    session: Session, actor: Actor, action: str, at: datetime, disabled: bool, *, temporary_password: bool = False
) -> NotPermitted:
    """Audit the refusal of `action` to the actor's role, disabled account or password still to be changed, and
    return the refusal to raise."""
    detail = "account disabled" if disabled else TEMPORARY_PASSWORD if temporary_password else None
    write_audit(session, actor, action, at, outcome="refused", detail=detail)
    words = ACTION_WORDS.get(action, action.replace("_", " "))
    if disabled:
        return NotPermitted(f"Your account has been disabled, so you cannot {words}. Ask an administrator.")
    if temporary_password:
        return NotPermitted(
            f"An administrator has set a new password for your account, so you cannot {words} until you choose one "
            "of your own: sign in again with the password they gave you."
        )
    return NotPermitted(f"{actor.role.a_label} cannot {words}.")
