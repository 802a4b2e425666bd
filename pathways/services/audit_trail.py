"""The audit trail of one person's record, for an administrator: every audit entry about the person, their cases
(each case's events are audited against the case) and their cases' tasks, oldest first. Reading it is audited.

The trail of an erased person is still readable: the tombstone keeps their former case ids. Record ids that the
database hands out again after an erasure (SQLite may reuse the highest id) are told apart by time: a live
record's trail starts when it was created, an erased record's ends when it was erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select

from db.models import AuditEntry, Case, Person, Task
from pathways.actors import ACTION_WORDS, Actor
from pathways.audit import authorise, write_audit
from pathways.services.concurrency import reading
from pathways.store import Store
from pathways.tombstones import erased_case_ids, require_person_or_tombstone


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    role: str
    workstation: str
    action: str  # the action's code, e.g. "correct_event"
    words: str  # the action in words, e.g. "correct an event"
    outcome: str
    record_type: str | None
    record_id: int | None
    detail: str | None


def action_words(action: str) -> str:
    """An audited action in words: "correct an event", "record an event: arrest"."""
    if action.startswith("event:"):
        name = action.removeprefix("event:")
        if name in {"correct", "withdraw"}:
            return f"{name} an event"
        return f"record an event: {name.replace('_', ' ')}"
    return ACTION_WORDS.get(action, action.replace("_", " "))


def _line(entry: AuditEntry) -> AuditLine:
    return AuditLine(
        at=entry.at,
        actor=entry.actor,
        role=entry.role,
        workstation=entry.workstation,
        action=entry.action,
        words=action_words(entry.action),
        outcome=entry.outcome,
        record_type=entry.record_type,
        record_id=entry.record_id,
        detail=entry.detail,
    )


def _about(record_type: str, ids: list[int], since: datetime | None, until: datetime | None) -> ColumnElement[bool]:
    conditions = [AuditEntry.record_type == record_type, AuditEntry.record_id.in_(ids)]
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    if until is not None:
        conditions.append(AuditEntry.at <= until)
    return and_(*conditions)


def person_audit_trail(store: Store, *, actor: Actor, person_id: int) -> list[AuditLine]:
    """Every audit entry about the person's record, oldest first (administrators only; the reading is audited)."""
    authorise(store.session_factory, actor, "read_audit_trail", store.clock)

    def read() -> list[AuditLine]:
        with store.unit_of_work().for_writing() as uow:
            session = uow.session
            require_person_or_tombstone(session, person_id)
            person = session.get(Person, person_id)
            about: list[ColumnElement[bool]] = []
            if person is not None:
                cases = session.execute(select(Case.id, Case.opened_at).where(Case.person_id == person_id)).all()
                case_ids = [c.id for c in cases]
                about.append(_about("person", [person_id], person.created_at, None))
                about.extend(_about("case", [c.id], c.opened_at, None) for c in cases)
                tasks = list(session.scalars(select(Task.id).where(Task.case_id.in_(case_ids)))) if case_ids else []
                if tasks:
                    about.append(_about("task", tasks, person.created_at, None))
            former_cases, erased_at = erased_case_ids(session, person_id)
            if erased_at is not None:
                about.append(_about("person", [person_id], None, erased_at))
                if former_cases:
                    about.append(_about("case", former_cases, None, erased_at))
            entries = session.scalars(select(AuditEntry).where(or_(*about)).order_by(AuditEntry.seq)).all()
            lines = [_line(e) for e in entries]
            write_audit(session, actor, "read_audit_trail", store.clock(), record_type="person", record_id=person_id)
            uow.commit()
            return lines

    return reading(read)
