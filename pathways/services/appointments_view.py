"""The appointments worklist as a treatment worker reads it: each open deadline with the person it is for.

Built on worklists.open_deadlines_between, so "due" and "overdue" mean what they mean everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Case, Person
from pathways.actors import Actor
from pathways.audit import authorise
from pathways.clock import local_datetime
from pathways.services.results import DeadlineView
from pathways.services.worklists import open_deadlines_between
from pathways.store import Store


@dataclass(frozen=True)
class Appointment:
    """One open deadline (an assessment, or a contract end) and who it is for."""

    deadline: DeadlineView
    pathway: str
    person_id: int
    person_name: str
    date_of_birth: date
    case_version: int = 0  # the case's version when the list was read: what a save from this row expects

    @property
    def key(self) -> tuple[int, str | None, str]:
        """Stays the same for the same appointment across reloads (a further notice makes a new one)."""
        return (self.deadline.case_id, self.deadline.kind, self.deadline.due_at.isoformat())


def _with_people(session: Session, views: Sequence[DeadlineView]) -> list[Appointment]:
    case_ids = sorted({v.case_id for v in views})
    found: dict[int, tuple[str, int, str, str, date, int]] = {}
    for offset in range(0, len(case_ids), 500):
        query = (
            select(
                Case.id, Case.pathway, Person.id, Person.surname, Person.forenames, Person.date_of_birth, Case.version
            )
            .join(Person, Person.id == Case.person_id)
            .where(Case.id.in_(case_ids[offset : offset + 500]))
        )
        for case_id, pathway, person_id, surname, forenames, born, version in session.execute(query):
            found[case_id] = (pathway, person_id, surname, forenames, born, version)
    rows = []
    for view in views:
        pathway, person_id, surname, forenames, born, version = found[view.case_id]
        rows.append(Appointment(view, pathway, person_id, f"{surname.upper()}, {forenames}", born, version))
    return rows


def appointments_from(
    store: Store, *, actor: Actor, first_day: date, days: int = 1, service: str | None = None
) -> list[Appointment]:
    """Open appointments on `days` local (Europe/London) days from `first_day`, earliest first."""
    authorise(store.session_factory, actor, "view_worklist", store.clock)
    start = local_datetime(first_day)
    end = local_datetime(first_day + timedelta(days=days))
    with store.unit_of_work() as uow:
        return _with_people(uow.session, open_deadlines_between(uow.session, store, start, end, service, actor))


def overdue_appointments(
    store: Store, *, actor: Actor, now: datetime | None = None, service: str | None = None
) -> list[Appointment]:
    """Open appointments whose time has passed with no attendance recorded, earliest first."""
    authorise(store.session_factory, actor, "view_worklist", store.clock)
    with store.unit_of_work() as uow:
        views = open_deadlines_between(uow.session, store, None, now or store.clock(), service, actor, overdue=True)
        return _with_people(uow.session, views)
