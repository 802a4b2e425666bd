"""A person's attendance on a group programme, counted one way for the session register
(pathways/services/programme_register.py) and for the person's record (pathways/services/records.py).

A programme's sessions are not stored: they are the occurrences of its schedule (a dateutil rrule, weekly or
fortnightly from the first session, so many times), counted in Europe/London local time, so a 10:00 group stays
at 10:00 across the clock change. A mark is a session_attended (present) or session_missed (absent) event of the
enrolment case, at a session's start, carrying the programme's code in `kind`. Marks count as they now stand
(pathways/timeline.py): a corrected mark as corrected, a withdrawn one not at all.

No database and no Qt here: the register counts stored events, the record plain rows of the events table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from dateutil.rrule import WEEKLY, rrule

from pathways.clock import LONDON, to_utc
from pathways.engine import Fact
from pathways.timeline import EventLike, effective_events

ENROLLED = "enrolled"  # the opening event of resources/pathways/group_programme.toml
CLOSING = ("completed", "left")  # its closing events
PRESENT, ABSENT = "present", "absent"
MARK_EVENTS = {PRESENT: "session_attended", ABSENT: "session_missed"}
MARK_OF = {event: mark for mark, event in MARK_EVENTS.items()}


class MarkLike(EventLike, Protocol):
    """An event as the counting reads it: a stored Event, or a plain row of the events table."""

    @property
    def kind(self) -> str | None: ...


M = TypeVar("M", bound=MarkLike)


def session_times(first_session_at: datetime, every: str, count: int) -> list[datetime]:
    """The start of each session (UTC): the rrule occurrences of the schedule, at the same local clock time."""
    start = first_session_at.astimezone(LONDON).replace(tzinfo=None)
    rule = rrule(WEEKLY, dtstart=start, count=count, interval=2 if every == "fortnightly" else 1)
    return [to_utc(moment.replace(tzinfo=LONDON)) for moment in rule]


def enrolled_programme(facts: Iterable[Fact]) -> str | None:
    """The code of the programme an enrolment case is on, from its effective timeline."""
    enrolment = next((f for f in facts if f.name == ENROLLED), None)
    return enrolment.get("kind") if enrolment is not None else None


def _marks_of(effective: Iterable[M], code: str, numbers: Mapping[datetime, int]) -> dict[int, tuple[str, M]]:
    found: dict[int, tuple[str, M]] = {}
    for event in effective:
        number = numbers.get(event.occurred_at)
        if event.name in MARK_OF and event.kind == code and number is not None:
            found[number] = (MARK_OF[event.name], event)
    return found


def session_marks(events: Iterable[M], code: str, numbers: Mapping[datetime, int]) -> dict[int, tuple[str, M]]:
    """The case's marks on the programme `code` as they now stand: session number → (mark, the event as it
    stands). `numbers` maps each session's start to its number."""
    return _marks_of((event for _ref, event in effective_events(events)), code, numbers)


@dataclass(frozen=True)
class SeriesAttendance:
    """One enrolment's attendance over the programme's series of sessions."""

    enrolled_at: datetime
    ended_at: datetime | None  # when the enrolment was closed (completed or left)
    sessions: tuple[datetime, ...]  # the start of every session of the programme, session 1 first
    held_sessions: tuple[int, ...]  # the numbers of the sessions held so far while the person was enrolled
    marks: Mapping[int, str]  # session number → present / absent

    @property
    def held(self) -> int:
        """How many sessions were held so far while the person was enrolled."""
        return len(self.held_sessions)

    @property
    def series(self) -> int:
        """How many sessions the whole programme has."""
        return len(self.sessions)

    @property
    def attended(self) -> int:
        return sum(1 for mark in self.marks.values() if mark == PRESENT)

    @property
    def missed(self) -> int:
        return sum(1 for mark in self.marks.values() if mark == ABSENT)

    @property
    def not_marked(self) -> int:
        """Sessions held while the person was enrolled with no mark on the register for them."""
        return sum(1 for number in self.held_sessions if number not in self.marks)

    @property
    def last_attended(self) -> int | None:
        """The number of the latest session attended."""
        return max((number for number, mark in self.marks.items() if mark == PRESENT), default=None)

    @property
    def of_held(self) -> str:
        """ "28 of 30 held": sessions attended of those held so far while the person was enrolled."""
        return f"{self.attended} of {self.held} held"

    @property
    def of_series(self) -> str:
        """ "28 of 36 sessions": sessions attended of the whole programme."""
        return f"{self.attended} of {self.series} sessions"


def enrolment_time(events: Iterable[M]) -> datetime:
    """When the person was enrolled, as the enrolment case now stands."""
    return next(event.occurred_at for _ref, event in effective_events(events) if event.name == ENROLLED)


def count_attendance(events: Iterable[M], code: str, sessions: Sequence[datetime], now: datetime) -> SeriesAttendance:
    """An enrolment's attendance on the programme `code`, whose sessions start at `sessions`, as it stands `now`.

    A session counts as held for the person when it started by `now`, at or after the enrolment and not after the
    enrolment was closed."""
    effective = [event for _ref, event in effective_events(events)]
    since = next(e.occurred_at for e in effective if e.name == ENROLLED)
    ended_at = next((e.occurred_at for e in effective if e.name in CLOSING), None)
    until = min(now, ended_at or now)
    held = tuple(number for number, at in enumerate(sessions, start=1) if since <= at <= until)
    numbers = {at: number for number, at in enumerate(sessions, start=1)}
    marks = {number: mark for number, (mark, _event) in _marks_of(effective, code, numbers).items()}
    return SeriesAttendance(since, ended_at, tuple(sessions), held, marks)
