"""The group programmes as a person's record reads them: each programme's name (the record names a programme
"FREE women's group (FREE-2026)", not by its code alone) and its schedule, from which an enrolment's attendance is
counted as the register counts it (pathways/programme_attendance.py).

The record reads this only for a person with a group programme case; it does not load the programmes service
(pathways/services/programmes.py), which the window loads only when its page is opened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Base
from pathways.definitions import PathwayDefinition
from pathways.engine import Fact
from pathways.programme_attendance import (
    MarkLike,
    SeriesAttendance,
    count_attendance,
    enrolled_programme,
    session_times,
)

PROGRAMME_PATHWAY = "group_programme"  # (pathways/services/programmes.py: its events' kind is a programme's code)


class Schedule(NamedTuple):
    """A programme as the record reads it: its name, and the schedule its sessions are counted from."""

    code: str
    name: str
    first_session_at: datetime
    every: str
    session_count: int


_PROGRAMMES = Base.metadata.tables["programmes"]
_SCHEDULES = select(*(_PROGRAMMES.c[name] for name in Schedule._fields))


class Programmes(NamedTuple):
    """The programmes by code, to count a person's attendance on them as it stands `now`."""

    schedules: Mapping[str, Schedule]
    now: datetime


def read_programmes(session: Session, now: datetime) -> Programmes:
    """Every programme by its code, with its name and schedule (no one's data: everyone may read them)."""
    rows = session.connection().execute(_SCHEDULES)
    return Programmes({str(row.code): Schedule._make(row) for row in rows}, now)


def with_programme_names(definition: PathwayDefinition, programmes: Programmes) -> PathwayDefinition:
    """The group programme pathway naming each programme "Name (CODE)" where its events give the code."""
    named = {code: f"{schedule.name} ({code})" for code, schedule in programmes.schedules.items()}
    return replace(definition, labels={**definition.labels, **named})


def attendance_of(
    programmes: Programmes, pathway: str, facts: Sequence[Fact], events: Sequence[MarkLike]
) -> SeriesAttendance | None:
    """A group programme case's attendance, counted as its register counts it; None for any other case."""
    code = enrolled_programme(facts) if pathway == PROGRAMME_PATHWAY else None
    schedule = programmes.schedules.get(code) if code else None
    if schedule is None:
        return None
    sessions = session_times(schedule.first_session_at, schedule.every, schedule.session_count)
    return count_attendance(events, schedule.code, sessions, programmes.now)
