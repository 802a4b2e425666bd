"""The plain results services return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pathways.clock import local_date, local_datetime


@dataclass(frozen=True)
class DeadlineView:
    case_id: int
    case_ref: str
    label: str
    due_at: datetime
    kind: str | None
    service: str | None
    place: str | None
    event_id: int | None
    due_time_known: bool = True  # False: the deadline was given as a day alone (e.g. imported), at 00:00 that day

    @property
    def overdue_at(self) -> datetime:
        """When it is overdue: at its time, or, given as a day alone, once that whole day has passed."""
        if self.due_time_known:
            return self.due_at
        return local_datetime(local_date(self.due_at) + timedelta(days=1))


@dataclass(frozen=True)
class EventRecorded:
    case_id: int
    case_ref: str
    event_id: int
    event: str
    stage: str
    explanation: str | None
    deadlines: tuple[DeadlineView, ...]
    case_version: int = 0  # the case's version after this event: what the next save on it expects


@dataclass(frozen=True)
class PersonView:
    id: int
    person_ref: str | None
    surname: str
    forenames: str
    date_of_birth: date
    sex: str
    ethnicity: str
    pnc_id: str | None
    nhs_number: str | None
    postcode: str | None
    version: int

    @property
    def display_name(self) -> str:
        return f"{self.surname.upper()}, {self.forenames}"
