"""The register of a group programme's session, and each person's attendance over the series.

A mark on the register is a session_attended (present) or session_missed (absent) event on the person's
enrolment case, at the session's start. A whole register is saved in one transaction: when one mark is refused
(a person not enrolled on this programme, enrolled only after the session, or who had left by then) nothing is
saved, and the refusal names the person. Marking a session again with the other mark is a correction of the
earlier mark, with a reason, never a second mark; the original stays readable in the case's history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Case, Event
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.clock import format_local
from pathways.errors import InvalidInput, NotFound, StepNotAllowed
from pathways.programme_attendance import ABSENT as ABSENT  # (the register's screen names the marks by these)
from pathways.programme_attendance import (
    ENROLLED,
    MARK_EVENTS,
    SeriesAttendance,
    count_attendance,
    enrolment_time,
    session_marks,
)
from pathways.programme_attendance import PRESENT as PRESENT
from pathways.scope import require_case_visible, visible_cases
from pathways.services.casework import NewEvent, append_event
from pathways.services.concurrency import lock_case, reading, saving
from pathways.services.programmes import (
    PATHWAY,
    ProgrammeView,
    SessionView,
    authorise_reader,
    enrolled_kind,
    load_programme,
    person_words,
    sessions_of,
    view_of,
)
from pathways.store import Store


@dataclass(frozen=True)
class AttendanceRow:
    """One enrolment on the programme: who, since and until when, each session's mark, and the counts (counted
    as the person's record counts them: pathways/programme_attendance.py)."""

    case_id: int
    case_ref: str
    case_version: int
    person_id: int
    person_name: str  # "SMITH, Jo", as lists show people
    stage: str
    counts: SeriesAttendance

    @property
    def enrolled_at(self) -> datetime:
        return self.counts.enrolled_at

    @property
    def ended_at(self) -> datetime | None:
        """When the enrolment was closed (completed or left)."""
        return self.counts.ended_at

    @property
    def marks(self) -> Mapping[int, str]:
        """Session number → present / absent."""
        return self.counts.marks

    @property
    def held(self) -> int:
        """Sessions held so far while the person was enrolled."""
        return self.counts.held

    @property
    def series(self) -> int:
        """Sessions in the whole programme."""
        return self.counts.series

    @property
    def attended(self) -> int:
        return self.counts.attended

    @property
    def of_series(self) -> str:
        """ "28 of 36 sessions": sessions attended of the whole programme."""
        return self.counts.of_series

    @property
    def of_held(self) -> str:
        """ "28 of 30 held": sessions attended of those held so far while the person was enrolled."""
        return self.counts.of_held

    def on_register(self, session: SessionView) -> bool:
        """Whether the person can be marked for the session: enrolled by its start and not gone before it."""
        return self.enrolled_at <= session.starts_at and (self.ended_at is None or session.starts_at <= self.ended_at)


@dataclass(frozen=True)
class Attendance:
    programme: ProgrammeView
    sessions: tuple[SessionView, ...]
    held: int  # sessions of the programme held so far
    rows: tuple[AttendanceRow, ...]

    def register(self, number: int) -> list[AttendanceRow]:
        """The people on the register of session `number`."""
        session = self.sessions[number - 1]
        return [row for row in self.rows if row.on_register(session)]


@dataclass(frozen=True)
class RegisterSaved:
    session: SessionView
    recorded: int
    corrected: int
    unchanged: int

    @property
    def words(self) -> str:
        counts = ((self.recorded, "marked"), (self.corrected, "corrected"), (self.unchanged, "unchanged"))
        parts = [f"{n} {what}" for n, what in counts if n]
        when = format_local(self.session.starts_at)
        return f"Register saved for session {self.session.number} ({when}): {', '.join(parts)}."


def attendance(store: Store, *, actor: Actor, programme_id: int) -> Attendance:
    """Everyone ever enrolled on the programme whose enrolment is in the actor's scope (pathways/scope.py), with
    their marks and attendance; the view is audited."""
    authorise_reader(store, actor)
    now = store.clock()

    def read() -> Attendance:  # it writes the audit entry of the view, so it takes the write lock first
        with store.unit_of_work().for_writing() as uow:
            programme = view_of(load_programme(uow.session, programme_id))
            sessions = tuple(sessions_of(programme))
            starts = [s.starts_at for s in sessions]
            on_programme = select(Event.case_id).where(Event.name == ENROLLED, Event.kind == programme.code)
            cases = uow.session.scalars(
                select(Case)
                .where(Case.pathway == PATHWAY, Case.id.in_(on_programme), visible_cases(actor))
                .options(selectinload(Case.events), selectinload(Case.person))
            ).all()
            rows = []
            for case in cases:
                if enrolled_kind(case) != programme.code:  # the enrolment was corrected to another programme
                    continue
                person = case.person
                rows.append(
                    AttendanceRow(
                        case.id,
                        case.case_ref,
                        case.version,
                        person.id,
                        f"{person.surname.upper()}, {person.forenames}",
                        case.stage,
                        count_attendance(case.events, programme.code, starts, now),
                    )
                )
            rows.sort(key=lambda r: (r.person_name, r.enrolled_at))
            write_audit(uow.session, actor, "view_register", now, record_type="programme", record_id=programme_id)
            uow.commit()
        return Attendance(programme, sessions, sum(1 for s in sessions if s.starts_at <= now), tuple(rows))

    return reading(read)


def _session(programme: ProgrammeView, number: int, now: datetime) -> SessionView:
    sessions = sessions_of(programme)
    if not 1 <= number <= len(sessions):
        raise InvalidInput(f"{programme.title} has sessions 1 to {len(sessions)}; there is no session {number}.")
    session = sessions[number - 1]
    if session.starts_at > now:
        raise InvalidInput(
            f"Session {number} is on {format_local(session.starts_at)}: "
            "its register can be taken once the session has started."
        )
    return session


def _check_marks(marks: Mapping[int, str]) -> None:
    if not marks:
        raise InvalidInput("Nobody is marked on the register: mark each person present or absent.")
    wrong = sorted({m for m in marks.values() if m not in MARK_EVENTS})
    if wrong:
        raise InvalidInput(f"A register mark is present or absent, not {', '.join(repr(m) for m in wrong)}.")


def record_register(
    store: Store,
    *,
    actor: Actor,
    programme_id: int,
    session: int,
    marks: Mapping[int, str],
    expected_versions: Mapping[int, int] | None = None,
) -> RegisterSaved:
    """Save the register of one session: `marks` maps each enrolment case id to present or absent.

    All or nothing, in one transaction. A mark that differs from the one already saved for the session corrects
    it; the same mark again changes nothing. With `expected_versions` (case id → the version the screen showed)
    the register is refused when someone else changed one of the cases since.
    """
    # Re-marking a session corrects the earlier mark, so a register-taker needs both rights.
    authorise(store.session_factory, actor, "record_programme_step", store.clock)
    authorise(store.session_factory, actor, "correct_event", store.clock)
    _check_marks(marks)
    for case_id in sorted(marks):
        require_case_visible(store.session_factory, actor, case_id, "record_programme_step", store.clock)
    now = store.clock()
    with store.unit_of_work() as uow:
        programme = view_of(load_programme(uow.session, programme_id))
    chosen = _session(programme, session, now)
    numbers = {s.starts_at: s.number for s in sessions_of(programme)}
    versions = expected_versions or {}

    def write() -> RegisterSaved:
        counts = {"recorded": 0, "corrected": 0, "unchanged": 0}
        with store.unit_of_work().for_writing() as uow:
            for case_id in sorted(marks):  # one order for every writer, so two registers cannot deadlock
                case = lock_case(uow.session, case_id, versions.get(case_id), now)
                counts[_mark(uow.session, store, actor, programme, chosen, numbers, case, marks[case_id])] += 1
            write_audit(
                uow.session,
                actor,
                "record_register",
                now,
                record_type="programme",
                record_id=programme.id,
                detail=f"session {chosen.number}: " + ", ".join(f"{n} {k}" for k, n in counts.items()),
            )
            uow.commit()
        return RegisterSaved(chosen, counts["recorded"], counts["corrected"], counts["unchanged"])

    try:
        return saving(write)
    except NotFound as exc:
        raise NotFound(f"{exc.message} Nothing on the register was saved.") from exc


def _mark(
    session: Session,
    store: Store,
    actor: Actor,
    programme: ProgrammeView,
    chosen: SessionView,
    numbers: Mapping[datetime, int],
    case: Case,
    mark: str,
) -> str:
    """Add (or correct) one person's mark; "recorded", "corrected" or "unchanged"."""
    who = person_words(case.person)
    nothing = "Nothing on the register was saved."
    if case.pathway != PATHWAY or enrolled_kind(case) != programme.code:
        raise StepNotAllowed(f"{who} is not enrolled on this programme ({programme.title}). {nothing}")
    enrolled_at = enrolment_time(case.events)
    if enrolled_at > chosen.starts_at:
        raise StepNotAllowed(
            f"{who} was enrolled on {format_local(enrolled_at, False)}, after session {chosen.number} "
            f"({format_local(chosen.starts_at)}), so cannot be marked for it. {nothing}"
        )
    existing = session_marks(case.events, programme.code, numbers).get(chosen.number)
    if existing is not None and existing[0] == mark:
        return "unchanged"
    values = {"kind": programme.code, "site": programme.site, "service": programme.service}
    new = NewEvent(MARK_EVENTS[mark], chosen.starts_at, values)
    try:
        if existing is None:
            append_event(session, store, actor, case, new)
            return "recorded"
        reason = f"Re-marked {mark} on the register of session {chosen.number}."
        append_event(session, store, actor, case, new, action="correct", corrects=existing[1], correction_reason=reason)
        return "corrected"
    except StepNotAllowed as exc:
        raise StepNotAllowed(f"{who}: {exc.message} {nothing}") from exc


def marks_from(rows: Sequence[AttendanceRow], number: int) -> dict[int, str]:
    """The marks already saved for session `number`, by case id (what a register opens with)."""
    return {row.case_id: row.marks[number] for row in rows if number in row.marks}
