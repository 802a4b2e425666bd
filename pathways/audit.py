"""Writing the audit log: record ids and outcomes only, never personal data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from db.models import AuditEntry
from pathways.actors import ACTION_WORDS, Actor
from pathways.errors import NotPermitted


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
    """Add an audit entry to the session, so it commits (or not) with the action itself."""
    session.add(
        AuditEntry(
            at=at,
            actor=actor.username,
            role=actor.role.value,
            workstation=actor.workstation,
            action=action,
            outcome=outcome,
            record_type=record_type,
            record_id=record_id,
            detail=detail,
        )
    )


def authorise(session_factory: sessionmaker[Session], actor: Actor, action: str, clock: Callable[[], datetime]) -> None:
    """Refuse, and audit the refusal in its own transaction, when the actor's role may not act."""
    if actor.may(action):
        return
    with session_factory() as session:
        write_audit(session, actor, action, clock(), outcome="refused")
        session.commit()
    words = ACTION_WORDS.get(action, action.replace("_", " "))
    raise NotPermitted(f"A {actor.role.label} cannot {words}.")
