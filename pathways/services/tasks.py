"""Tasks that events create, such as telling the police about a missed required assessment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import Case, Event, Person, Task
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.errors import InvalidInput, NotFound
from pathways.scope import require_task_visible, visible_cases
from pathways.services.concurrency import saving
from pathways.store import Store
from pathways.text_limits import FREE_TEXT_LONGEST, text_problem


@dataclass(frozen=True)
class TaskView:
    id: int
    case_id: int
    case_ref: str
    person_id: int
    person_name: str
    label: str
    service: str | None
    created_at: datetime
    done_at: datetime | None
    # When the event that raised it happened (the missed assessment's time), as that event now stands: corrected,
    # or withdrawn; a date given without a time is shown as a date.
    happened_at: datetime | None = None
    happened_time_known: bool = True
    withdrawn: bool = False


def open_tasks(store: Store, *, actor: Actor, service: str | None = None) -> list[TaskView]:
    """Tasks not yet done on cases in the actor's scope, oldest first; for one service when given."""
    authorise(store.session_factory, actor, "view_worklist", store.clock)
    query = (
        select(Task, Case.case_ref, Case.person_id, Person.surname, Person.forenames)
        .join(Case, Case.id == Task.case_id)
        .join(Person, Person.id == Case.person_id)
        .where(Task.done_at.is_(None), visible_cases(actor))
        .order_by(Task.created_at, Task.id)
    )
    if service is not None:
        query = query.where(Task.service == service)
    with store.unit_of_work() as uow:
        found = list(uow.session.execute(query))
        events = _as_they_stand(uow.session, [t.event_id for t, *_rest in found])
        views = []
        for t, ref, pid, surname, forenames in found:
            event = events.get(t.event_id)
            views.append(
                TaskView(
                    t.id,
                    t.case_id,
                    ref,
                    pid,
                    f"{surname.upper()}, {forenames}",
                    t.label,
                    t.service,
                    t.created_at,
                    t.done_at,
                    event.occurred_at if event else None,
                    event.occurred_time_known if event else True,
                    event is not None and event.action == "withdraw",
                )
            )
        return views


def _as_they_stand(session: Session, event_ids: list[int]) -> dict[int, Event]:
    """Each event as it now stands (its latest correction or withdrawal, else itself), by its original id."""
    latest: dict[int, Event] = {}
    for offset in range(0, len(event_ids), 500):
        ids = event_ids[offset : offset + 500]
        for event in session.scalars(select(Event).where(or_(Event.id.in_(ids), Event.corrects_id.in_(ids)))):
            original = event.corrects_id or event.id
            if original not in latest or event.seq > latest[original].seq:
                latest[original] = event
    return latest


def complete_task(store: Store, *, actor: Actor, task_id: int, note: str) -> None:
    """Mark a task done, saying what was done (e.g. "emailed custody, ref 1234")."""
    authorise(store.session_factory, actor, "complete_task", store.clock)
    require_task_visible(store.session_factory, actor, task_id, "complete_task", store.clock)
    if not note.strip():
        raise InvalidInput("Say what was done, for the record.")
    refused = text_problem(note.strip(), "note", FREE_TEXT_LONGEST, multiline=True)
    if refused:
        raise InvalidInput(refused)

    def write() -> None:
        # The task's row is locked (the write lock on SQLite) before it is looked at, so when two people mark the
        # same task done at once the second hears it was already done instead of overwriting the first's note.
        with store.unit_of_work().for_writing() as uow:
            task = uow.session.get(Task, task_id, with_for_update=True)
            if task is None:
                raise NotFound("That task is not on record.")
            if task.done_at is not None:
                raise InvalidInput("That task was already marked done.")
            task.done_at, task.done_by, task.done_note = store.clock(), actor.username, note.strip()
            write_audit(uow.session, actor, "complete_task", store.clock(), record_type="task", record_id=task.id)
            uow.commit()

    saving(write)
