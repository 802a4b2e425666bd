"""What each role may see: the cases and people in an actor's scope, and the free text a manager may read.

- A custody navigator sees a case they opened, a case first recorded at their custody site, or a case with any
  event at their site.
- A treatment worker sees a case with any event naming their service (the case was referred to it), or a case
  they opened.
- A manager sees every case (the database is their force area), but not free text (FREE_TEXT) unless their
  account is granted "may read notes" (users.may_read_notes).
- An administrator sees everything.
- A person is in scope when any of their cases is, or when they have no cases and the actor registered them; a
  manager and an administrator see everyone.

The conditions are SQL (correlated EXISTS on indexed columns), so lists and searches filter in the database. The
services call `require_case_visible` / `require_person_visible` / `require_event_visible` / `require_task_visible`
after the role check (pathways.audit.authorise): out of scope, the refusal is audited in its own transaction,
with record ids only, and NotPermitted is raised with a message the user understands. Opening a person's record
checks the same condition inside its one transaction instead, and audits a refusal there (`refuse_out_of_scope`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select, true
from sqlalchemy.orm import Session, sessionmaker

from db.models import Case, Event, Person, Task, User
from pathways.actors import Actor, Role
from pathways.audit import audited_refusal, write_audit
from pathways.errors import NotPermitted

OUT_OF_SCOPE = "out of scope"
CASE_REFUSED = "This case belongs to another site or service, so it is not shown to you."
PERSON_REFUSED = (
    "This person's record is held by another site or service, so it is not shown to you. If you need it, ask them "
    "to share the case with you."
)
HIDDEN_NOTE = "(not shown: you may not read free-text notes)"

# The free-text columns a manager reads only when granted "may read notes".
FREE_TEXT = (
    "events.notes",
    "events.correction_reason",
    "person_changes.reason",
    "tasks.done_note",
    "screenings.override_reason",
)

# Session.info: {table: (column, ...)} the connected database role may not read (pathways/postgres_sign_in.py)
HIDDEN_COLUMNS = "pathways_hidden_columns"

WHOLE_FORCE = frozenset({Role.MANAGER, Role.ADMINISTRATOR})


def sees_everything(actor: Actor) -> bool:
    """Managers and administrators see every case and person (managers without free text, unless granted)."""
    return actor.role in WHOLE_FORCE


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """A condition over `cases`: the case is in the actor's scope."""
    if sees_everything(actor):
        return true()
    mine: list[ColumnElement[bool]] = [Case.opened_by == actor.username]
    if actor.role is Role.CUSTODY_NAVIGATOR and actor.site:
        mine.append(Case.first_site == actor.site)
        mine.append(
            exists(select(Event.id).where(Event.case_id == Case.id, Event.site == actor.site).correlate_except(Event))
        )
    elif actor.role is Role.TREATMENT_WORKER and actor.service:
        mine.append(
            exists(
                select(Event.id).where(Event.case_id == Case.id, Event.service == actor.service).correlate_except(Event)
            )
        )
    return or_(*mine)


def visible_people(actor: Actor) -> ColumnElement[bool]:
    """A condition over `people`: the person is in the actor's scope."""
    if sees_everything(actor):
        return true()
    # correlate_except: the outer query may itself join `cases` (a result list's latest case); these look afresh.
    own_case = exists(select(Case.id).where(Case.person_id == Person.id, visible_cases(actor)).correlate_except(Case))
    no_cases = ~exists(select(Case.id).where(Case.person_id == Person.id).correlate_except(Case))
    return or_(own_case, and_(no_cases, Person.created_by == actor.username))


def case_visible(session: Session, actor: Actor, case_id: int) -> bool:
    """Whether the case is in scope (a case not on record counts as in scope: the service then says so)."""
    if sees_everything(actor):
        return True
    visible = session.scalar(select(visible_cases(actor)).select_from(Case).where(Case.id == case_id))
    return visible is None or bool(visible)


def person_visible(session: Session, actor: Actor, person_id: int) -> bool:
    """Whether the person is in scope (a person not on record counts as in scope: the service then says so)."""
    if sees_everything(actor):
        return True
    visible = session.scalar(select(visible_people(actor)).select_from(Person).where(Person.id == person_id))
    return visible is None or bool(visible)


def _refuse(
    session_factory: sessionmaker[Session],
    actor: Actor,
    action: str,
    clock: Callable[[], datetime],
    record_type: str,
    record_id: int,
    message: str,
) -> None:
    raise audited_refusal(
        session_factory,
        lambda session: refuse_out_of_scope(session, actor, action, clock(), record_type, record_id, message),
    )


def refuse_out_of_scope(
    session: Session, actor: Actor, action: str, at: datetime, record_type: str, record_id: int, message: str
) -> NotPermitted:
    """Audit the refusal of a record out of the actor's scope (its id only), and return the refusal to raise."""
    write_audit(
        session, actor, action, at, record_type=record_type, record_id=record_id, outcome="refused", detail=OUT_OF_SCOPE
    )
    return NotPermitted(message)


def require_case_visible(
    session_factory: sessionmaker[Session], actor: Actor, case_id: int, action: str, clock: Callable[[], datetime]
) -> None:
    """Refuse (audited in its own transaction) when the case is out of the actor's scope."""
    if sees_everything(actor):
        return
    with session_factory() as session:
        visible = case_visible(session, actor, case_id)
    if not visible:
        _refuse(session_factory, actor, action, clock, "case", case_id, CASE_REFUSED)


def require_person_visible(
    session_factory: sessionmaker[Session], actor: Actor, person_id: int, action: str, clock: Callable[[], datetime]
) -> None:
    """Refuse (audited in its own transaction) when the person is out of the actor's scope."""
    if sees_everything(actor):
        return
    with session_factory() as session:
        visible = person_visible(session, actor, person_id)
    if not visible:
        _refuse(session_factory, actor, action, clock, "person", person_id, PERSON_REFUSED)


def require_event_visible(
    session_factory: sessionmaker[Session], actor: Actor, event_id: int, action: str, clock: Callable[[], datetime]
) -> None:
    """Refuse when the event's case is out of scope (an event not on record: the service says so)."""
    if sees_everything(actor):
        return
    with session_factory() as session:
        case_id = session.scalar(select(Event.case_id).where(Event.id == event_id))
    if case_id is not None:
        require_case_visible(session_factory, actor, case_id, action, clock)


def require_task_visible(
    session_factory: sessionmaker[Session], actor: Actor, task_id: int, action: str, clock: Callable[[], datetime]
) -> None:
    """Refuse when the task's case is out of scope (a task not on record: the service says so)."""
    if sees_everything(actor):
        return
    with session_factory() as session:
        case_id = session.scalar(select(Task.case_id).where(Task.id == task_id))
    if case_id is not None:
        require_case_visible(session_factory, actor, case_id, action, clock)


def reads_notes(session: Session, actor: Actor) -> bool:
    """Whether the actor may read free text (FREE_TEXT). Everyone but a manager reads what they can see; a
    manager only when their account is granted it now (so a withdrawal counts at once, without signing out)."""
    if actor.role is not Role.MANAGER:
        return True
    return notes_granted(actor, session.scalar(select(User.may_read_notes).where(User.username == actor.username)))


def notes_granted(actor: Actor, granted: bool | None) -> bool:
    """Whether the actor reads free text, given their account's "may read notes" now (None: no such account)."""
    if actor.role is not Role.MANAGER:
        return True
    return bool(granted) if granted is not None else actor.may_read_notes


def hidden_columns(info: Mapping[str, object]) -> Mapping[str, tuple[str, ...]]:
    """The columns of each table the session's database role may not read (see HIDDEN_COLUMNS)."""
    found = info.get(HIDDEN_COLUMNS)
    return found if isinstance(found, dict) else {}
