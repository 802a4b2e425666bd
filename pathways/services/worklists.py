"""Worklists: appointments due on a day, and overdue requirements.

Both come from one function, open_deadlines_between, so every screen and report agrees on what
"overdue" means: a deadline still open (not met, replaced, lapsed or closed) whose time has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import Case, OpenDeadline, Person
from pathways.actors import Actor
from pathways.audit import authorise
from pathways.clock import local_date, local_datetime
from pathways.scope import visible_cases
from pathways.services.results import DeadlineView
from pathways.store import Store

_D = OpenDeadline
_VIEW_COLUMNS = (  # DeadlineView's fields, in order
    *(_D.case_id, Case.case_ref, _D.label, _D.due_at, _D.kind, _D.service, _D.place, _D.event_id),
    _D.due_time_known,
)


def open_deadlines_between(
    session: Session,
    store: Store,
    start: datetime | None,
    end: datetime,
    service: str | None = None,
    actor: Actor | None = None,
    *,
    overdue: bool = False,
) -> list[DeadlineView]:
    """Open deadlines due in [start, end) (from any time when start is None), earliest first; only those of
    cases in the actor's scope when an actor is given (pathways/scope.py). With `overdue` (`end` is now), a
    deadline given as a day alone is left out until its whole day has passed (DeadlineView.overdue_at).

    Reads the open-deadlines index, which the engine's open_deadlines() keeps for every case.
    """
    query = (  # plain columns, not objects: an overdue list at force scale is thousands of rows
        select(*_VIEW_COLUMNS)
        .join(Case, Case.id == OpenDeadline.case_id)
        .where(OpenDeadline.due_at < end)
        .order_by(OpenDeadline.due_at, Case.case_ref)
    )
    if start is not None:
        query = query.where(OpenDeadline.due_at >= start)
    if overdue:  # (24 hours after its 00:00: an hour out on the two days the clocks change)
        query = query.where(or_(OpenDeadline.due_time_known, OpenDeadline.due_at <= end - timedelta(days=1)))
    if service is not None:
        query = query.where(OpenDeadline.service == service)
    if actor is not None:
        query = query.where(visible_cases(actor))
    return [DeadlineView(*row) for row in session.execute(query)]


def appointments_on(store: Store, *, actor: Actor, day: date, service: str | None = None) -> list[DeadlineView]:
    """Open appointments on a local (Europe/London) day."""
    return appointments_between(store, actor=actor, first_day=day, last_day=day, service=service)


def appointments_between(
    store: Store, *, actor: Actor, first_day: date, last_day: date, service: str | None = None
) -> list[DeadlineView]:
    """Open appointments from the start of `first_day` to the end of `last_day` (local days, both included)."""
    authorise(store.session_factory, actor, "view_worklist", store.clock)
    start = local_datetime(first_day)
    end = local_datetime(last_day + timedelta(days=1))
    with store.unit_of_work() as uow:
        return open_deadlines_between(uow.session, store, start, end, service, actor)


def overdue_requirements(
    store: Store, *, actor: Actor, now: datetime | None = None, service: str | None = None
) -> list[DeadlineView]:
    """Requirements whose appointment has passed with no attendance recorded."""
    authorise(store.session_factory, actor, "view_worklist", store.clock)
    with store.unit_of_work() as uow:
        return open_deadlines_between(uow.session, store, None, now or store.clock(), service, actor, overdue=True)


# --- Checkpoint contracts: ending soon, and past their end with no outcome ---------------------------------------

CONTRACT_PATHWAY = "checkpoint"
CONTRACT_SET_BY = "contract_signed"


@dataclass(frozen=True)
class ContractDue:
    """A running Checkpoint contract's end (an open deadline) and who it is for."""

    deadline: DeadlineView
    person_id: int
    person_name: str

    @property
    def key(self) -> tuple[int, str]:
        return (self.deadline.case_id, self.deadline.due_at.isoformat())


def _contract_end_label(store: Store) -> str:
    """The label the open-deadlines index gives a contract's end (the pathway file's "Contract end")."""
    deadline = next(d for d in store.definition(CONTRACT_PATHWAY).deadlines if d.set_by == CONTRACT_SET_BY)
    return deadline.label[:1].upper() + deadline.label[1:]


def _contract_ends_between(
    session: Session, store: Store, actor: Actor, start: datetime | None, end: datetime
) -> list[ContractDue]:
    query = (
        select(OpenDeadline, Case.case_ref, Person.id, Person.surname, Person.forenames)
        .join(Case, Case.id == OpenDeadline.case_id)
        .join(Person, Person.id == Case.person_id)
        .where(Case.pathway == CONTRACT_PATHWAY, OpenDeadline.label == _contract_end_label(store))
        .where(visible_cases(actor))
        .where(OpenDeadline.due_at < end)
        .order_by(OpenDeadline.due_at, Case.case_ref)
    )
    if start is not None:
        query = query.where(OpenDeadline.due_at >= start)
    return [
        ContractDue(
            DeadlineView(d.case_id, ref, d.label, d.due_at, d.kind, d.service, d.place, d.event_id, d.due_time_known),
            person_id,
            f"{surname.upper()}, {forenames}",
        )
        for d, ref, person_id, surname, forenames in session.execute(query)
    ]


def contracts_ending_soon(
    store: Store, *, actor: Actor, days: int = 14, now: datetime | None = None
) -> list[ContractDue]:
    """Running contracts that end from now to the end of the `days`-th local day from today, soonest first."""
    authorise(store.session_factory, actor, "view_worklist", store.clock)
    moment = now or store.clock()
    end = local_datetime(local_date(moment) + timedelta(days=days + 1))
    with store.unit_of_work() as uow:
        return _contract_ends_between(uow.session, store, actor, moment, end)


def contracts_past_end(store: Store, *, actor: Actor, now: datetime | None = None) -> list[ContractDue]:
    """Contracts whose end has passed with no outcome recorded (neither completed nor failed), oldest first."""
    authorise(store.session_factory, actor, "view_worklist", store.clock)
    with store.unit_of_work() as uow:
        return _contract_ends_between(uow.session, store, actor, None, now or store.clock())
