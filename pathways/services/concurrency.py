"""Two people working on the same case or person: the second save is refused, never a silent overwrite.

A screen shows a record at a version and passes that `expected_version` back when it saves. Inside the
save's unit of work the record's row is locked (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
write transaction holds the database's write lock from BEGIN IMMEDIATE), then its version compared:
a different version means someone else saved in between, and the save is refused with who and when.
Saves that the database gave up on because of other work at the same time are run again a few times.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.connection_errors import connection_lost
from db.disk_errors import disk_full
from db.models import AuditEntry, Case, Event, Person, PersonChange, User
from db.uow import is_transient, retrying
from pathways.clock import LONDON, format_local
from pathways.errors import ConflictingChange, DatabaseUnreachable, DiskFull, NotFound, NotPermitted, PathwaysError

T = TypeVar("T")
POSTGRES_INSUFFICIENT_PRIVILEGE = "42501"  # the database role may not do this (db/postgres_roles.py)
REFUSED_BY_DATABASE = (
    "The database refused this change for your own database account, so nothing was saved. Where each person "
    "connects with their own database role, some work (erasing a record, for one) is done only on the database "
    "owner's connection: ask the administrator who manages the database."
)


class DatabaseBusy(PathwaysError):
    """The database stayed too busy with other people's changes to save this one; nothing was saved."""


def reading(work: Callable[[], T]) -> T:
    """Run an audited read (one whole unit of work, writing the read's audit entry) as a save is run; a lost
    connection to the database server is told in a read's words."""
    return saving(work, lost=DatabaseUnreachable.NOT_READ)


def saving(work: Callable[[], T], *, lost: str | None = None) -> T:
    """Run a save (one whole unit of work), again when other work at the same time made the database refuse it.
    A lost connection to the database server is told in a save's words, or in `lost`'s."""
    try:
        return retrying(work)
    except DBAPIError as error:
        if is_transient(error):
            raise DatabaseBusy(
                "The database was busy with other people's changes and yours could not be saved. "
                "Nothing was saved; please try again in a moment."
            ) from error
        if disk_full(error):
            raise DiskFull() from error
        if connection_lost(error):  # (not tried again: the commit may have reached the server before the loss)
            raise (DatabaseUnreachable(lost) if lost else DatabaseUnreachable()) from error
        if getattr(error.orig, "sqlstate", None) == POSTGRES_INSUFFICIENT_PRIVILEGE:
            raise NotPermitted(REFUSED_BY_DATABASE) from error
        raise


def who_changed(session: Session, username: str | None) -> str:
    """Who made a change, as a refusal names them: their full name, else their user name."""
    if not username:
        return "someone else"
    name = session.scalar(select(User.display_name).where(User.username == username))
    return name or username


def when_changed(moment: datetime | None, now: datetime) -> str:
    """When a change was made, as a refusal says it: " at 14:32", with the day when it was not today."""
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    if local.date() == now.astimezone(LONDON).date():
        return f" at {local:%H:%M}"
    return f" at {local:%H:%M} on {format_local(moment, with_time=False)}"


def case_changed_message(session: Session, case: Case, now: datetime) -> str:
    """ "This case was changed by J. Smith at 14:32 while you were working on it. ..." from its latest event."""
    latest = session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq.desc()).limit(1)).first()
    who = who_changed(session, latest.recorded_by if latest else None)
    when = when_changed(latest.recorded_at if latest else None, now)
    return (
        f"This case was changed by {who}{when} while you were working on it. "
        "Reload it to see the change, then try again."
    )


def person_changed_message(session: Session, person: Person, now: datetime) -> str:
    """The same for a person's details, from the audit log of corrections (or the list of changes)."""
    audit = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.record_type == "person",
            AuditEntry.record_id == person.id,
            AuditEntry.action == "correct_person",
            AuditEntry.outcome == "ok",
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    ).first()
    who: str | None = None
    at: datetime | None = None
    if audit is not None:
        who, at = audit.actor, audit.at
    else:
        change = session.scalars(
            select(PersonChange)
            .where(PersonChange.person_id == person.id)
            .order_by(PersonChange.changed_at.desc(), PersonChange.id.desc())
            .limit(1)
        ).first()
        if change is not None:
            who, at = change.changed_by, change.changed_at
    return (
        f"This person's details were changed by {who_changed(session, who)}{when_changed(at, now)} while you were "
        "working on them. Reload them to see the change, then try again."
    )


def lock_case(session: Session, case_id: int, expected_version: int | None, now: datetime) -> Case:
    """The case, locked until the unit of work ends; refused when it is no longer at `expected_version`."""
    case = session.get(Case, case_id, with_for_update=True)
    if case is None:
        raise NotFound("That case is not on record.")
    if expected_version is not None and case.version != expected_version:
        raise ConflictingChange(case_changed_message(session, case, now))
    return case


def lock_person(session: Session, person_id: int, expected_version: int | None, now: datetime) -> Person:
    """The person, locked until the unit of work ends; refused when no longer at `expected_version`."""
    person = session.get(Person, person_id, with_for_update=True)
    if person is None:
        raise NotFound("That person is not on record.")
    if expected_version is not None and person.version != expected_version:
        raise ConflictingChange(person_changed_message(session, person, now))
    return person
