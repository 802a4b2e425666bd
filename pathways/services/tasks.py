"""Tasks that events create, such as telling the police about a missed required assessment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

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
    happened_at: datetime | None = None  # when the event that raised it happened (the missed assessment's time)


def open_tasks(store: Store, *, actor: Actor, service: str | None = None) -> list[TaskView]:
    """Tasks not yet done on cases in the actor's scope, oldest first; for one service when given."""
    authorise(store.session_factory, actor, "view_worklist", store.clock)
    query = (
        select(Task, Case.case_ref, Case.person_id, Person.surname, Person.forenames, Event.occurred_at)
        .join(Case, Case.id == Task.case_id)
        .join(Person, Person.id == Case.person_id)
        .join(Event, Event.id == Task.event_id)
        .where(Task.done_at.is_(None), visible_cases(actor))
        .order_by(Task.created_at, Task.id)
    )
    if service is not None:
        query = query.where(Task.service == service)
    with store.unit_of_work() as uow:
        return [
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
                happened,
            )
            for t, ref, pid, surname, forenames, happened in uow.session.execute(query)
        ]


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
