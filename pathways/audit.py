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


def account_disabled(session: Session, actor: Actor) -> bool:
    """True when the actor signed in with an account that an administrator has disabled since."""
    active = session.scalar(select(User.active).where(User.username == actor.username))
    return active is False


def authorise(session_factory: sessionmaker[Session], actor: Actor, action: str, clock: Callable[[], datetime]) -> None:
    """Refuse, and audit the refusal in its own transaction, when the actor's role may not act, or when their
    account has been disabled since they signed in (so disabling an account ends what its windows can do).
    Every service asks this first, so a database server out of reach is told here, before anything is done."""
    try:
        with session_factory() as session:
            disabled = account_disabled(session, actor)
            if actor.may(action) and not disabled:
                return
            refused = refuse_role(session, actor, action, clock(), disabled)
            session.commit()
    except DBAPIError as error:
        if connection_lost(error):
            raise DatabaseUnreachable(DatabaseUnreachable.NOTHING_DONE) from error
        raise
    raise refused


def refuse_role(session: Session, actor: Actor, action: str, at: datetime, disabled: bool) -> NotPermitted:
    """Audit the refusal of `action` to the actor's role or disabled account, and return the refusal to raise."""
    write_audit(session, actor, action, at, outcome="refused", detail="account disabled" if disabled else None)
    words = ACTION_WORDS.get(action, action.replace("_", " "))
    if disabled:
        return NotPermitted(f"Your account has been disabled, so you cannot {words}. Ask an administrator.")
    return NotPermitted(f"{actor.role.a_label} cannot {words}.")
