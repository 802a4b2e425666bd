"""Worklists: appointments due on a day, and overdue requirements.

Both come from one function, open_deadlines_between, so every screen and report agrees on what
"overdue" means: a deadline still open (not met, replaced, lapsed or closed) whose time has passed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Case, Event
from pathways.actors import Actor
from pathways.audit import authorise
from pathways.clock import local_datetime
from pathways.services.casework import deadline_views
from pathways.services.results import DeadlineView
from pathways.store import Store


def open_deadlines_between(
    session: Session, store: Store, start: datetime | None, end: datetime, service: str | None = None
) -> list[DeadlineView]:
    """Open deadlines due in [start, end) (from any time when start is None), earliest first."""
    setters = {d.set_by for definition in store.definitions.values() for d in definition.deadlines}
    query = (
        select(Event.case_id)
        .join(Case, Case.id == Event.case_id)
        .where(Event.name.in_(setters), Event.due_at < end, Case.closed.is_(False))
        .distinct()
    )
    if start is not None:
        query = query.where(Event.due_at >= start)
    case_ids = list(session.scalars(query))
    views: list[DeadlineView] = []
    for offset in range(0, len(case_ids), 500):
        cases = session.scalars(
            select(Case).where(Case.id.in_(case_ids[offset : offset + 500])).options(selectinload(Case.events))
        )
        for case in cases:
            for view in deadline_views(case, store.definition(case.pathway)):
                in_range = view.due_at < end and (start is None or view.due_at >= start)
                if in_range and (service is None or view.service == service):
                    views.append(view)
    return sorted(views, key=lambda v: (v.due_at, v.case_ref))


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
        return open_deadlines_between(uow.session, store, start, end, service)


def overdue_requirements(
    store: Store, *, actor: Actor, now: datetime | None = None, service: str | None = None
) -> list[DeadlineView]:
    """Requirements whose appointment has passed with no attendance recorded."""
    authorise(store.session_factory, actor, "view_worklist", store.clock)
    with store.unit_of_work() as uow:
        return open_deadlines_between(uow.session, store, None, now or store.clock(), service)
