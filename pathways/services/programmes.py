"""Group programmes: set one up, list them, work out their sessions, and enrol people on them.

A programme's sessions are not stored: they are the occurrences of its schedule, weekly or fortnightly, in
Europe/London local time (pathways/programme_attendance.py, which the person's record shares). A person's enrolment
is a case on the group_programme pathway whose events carry the programme's code in `kind` (the interchange columns
are fixed), its venue in `site` and its provider in `service`. Taking the register is in
pathways/services/programme_register.py; counting attendance in pathways/programme_attendance.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Case, Event, Person, Programme
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.clock import LONDON, format_local, to_utc
from pathways.errors import InvalidInput, NotFound, StepNotAllowed
from pathways.programme_attendance import ENROLLED, enrolled_programme
from pathways.programme_attendance import session_times as session_times  # (the dialog previews the schedule)
from pathways.reference import listed_service
from pathways.scope import require_person_visible
from pathways.services.casework import require_aware
from pathways.services.concurrency import saving
from pathways.services.results import EventRecorded
from pathways.services.steps import start_case
from pathways.store import Store
from pathways.timeline import effective_facts

PATHWAY = "group_programme"
EVERY = ("weekly", "fortnightly")
MAX_SESSIONS = 100
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_./-]{0,39}$")


@dataclass(frozen=True)
class ProgrammeView:
    id: int
    code: str
    name: str
    service: str | None
    site: str | None
    first_session_at: datetime
    every: str
    session_count: int
    active: bool
    enrolled: int = 0  # people enrolled now (open enrolments), when the programme is listed

    @property
    def schedule(self) -> str:
        """ "Mondays at 10:00, weekly, 36 sessions from 2 Nov 2026"."""
        local = self.first_session_at.astimezone(LONDON)
        count = f"{self.session_count} session{'s' if self.session_count != 1 else ''}"
        return f"{local:%A}s at {local:%H:%M}, {self.every}, {count} from {format_local(self.first_session_at, False)}"

    @property
    def title(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class SessionView:
    number: int
    starts_at: datetime  # UTC; shown in local time

    @property
    def label(self) -> str:
        local = self.starts_at.astimezone(LONDON)
        return f"Session {self.number} — {local:%a} {format_local(self.starts_at)}"


def sessions_of(programme: ProgrammeView) -> list[SessionView]:
    times = session_times(programme.first_session_at, programme.every, programme.session_count)
    return [SessionView(number, moment) for number, moment in enumerate(times, start=1)]


def view_of(programme: Programme, enrolled: int = 0) -> ProgrammeView:
    return ProgrammeView(
        programme.id,
        programme.code,
        programme.name,
        programme.service,
        programme.site,
        programme.first_session_at,
        programme.every,
        programme.session_count,
        programme.active,
        enrolled,
    )


def authorise_reader(store: Store, actor: Actor) -> None:
    """Those who set programmes up, and those who take their registers, may see them."""
    action = "manage_programmes" if actor.may("manage_programmes") else "record_programme_step"
    authorise(store.session_factory, actor, action, store.clock)


def load_programme(session: Session, programme_id: int) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound("That programme is not on record.")
    return programme


def _text(value: str | None, what: str, *, required: bool = False, longest: int = 200) -> str | None:
    cleaned = " ".join((value or "").split())
    if required and not cleaned:
        raise InvalidInput(f"The programme needs a {what}.")
    if len(cleaned) > longest:
        raise InvalidInput(f"The {what} is too long: at most {longest} characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise InvalidInput(f"The {what} contains control characters (invisible characters such as NUL).")
    return cleaned or None


def create_programme(
    store: Store,
    *,
    actor: Actor,
    code: str,
    name: str,
    first_session_at: datetime,
    sessions: int,
    every: str = "weekly",
    service: str | None = None,
    site: str | None = None,
) -> ProgrammeView:
    """Set up a programme. The sessions fall on the weekday and at the local time of the first one. Its service,
    when given, must be on the list of services (each enrolment and mark names it: its workers see those cases)."""
    authorise(store.session_factory, actor, "manage_programmes", store.clock)
    cleaned_code = (code or "").strip().upper()
    if not CODE.match(cleaned_code):
        raise InvalidInput(
            "The programme code is a short reference such as FREE-2026: up to 40 letters, digits, "
            "hyphens, dots, slashes or underscores, with no spaces."
        )
    cleaned_name = _text(name, "name", required=True)
    require_aware(first_session_at, "first session's time")
    if every not in EVERY:
        raise InvalidInput(f"A programme meets weekly or fortnightly, not '{every}'.")
    if not 1 <= sessions <= MAX_SESSIONS:
        raise InvalidInput(f"A programme has from 1 to {MAX_SESSIONS} sessions, not {sessions}.")
    now = store.clock()

    def write() -> ProgrammeView:
        with store.unit_of_work().for_writing() as uow:
            taken = uow.session.scalar(select(Programme.id).where(func.upper(Programme.code) == cleaned_code))
            if taken is not None:
                raise InvalidInput(f"There is already a programme with the code {cleaned_code}.")
            programme = Programme(
                code=cleaned_code,
                name=cleaned_name,
                service=listed_service(uow.session, _text(service, "service")),
                site=_text(site, "venue"),
                first_session_at=to_utc(first_session_at),
                every=every,
                session_count=sessions,
                active=True,
                created_at=now,
                created_by=actor.username,
            )
            uow.session.add(programme)
            uow.session.flush()
            write_audit(uow.session, actor, "create_programme", now, record_type="programme", record_id=programme.id)
            uow.commit()
            return view_of(programme)

    return saving(write)


def list_programmes(store: Store, *, actor: Actor, include_ended: bool = True) -> list[ProgrammeView]:
    """The programmes, newest first, each with how many people are enrolled on it now.

    Without `include_ended`, only programmes still running (active, with a session still to come).
    """
    authorise_reader(store, actor)
    enrolled = (
        select(Event.kind, func.count(func.distinct(Case.id)))
        .join(Case, Case.id == Event.case_id)
        .where(Case.pathway == PATHWAY, Event.name == ENROLLED, Case.closed.is_(False))
        .group_by(Event.kind)
    )
    with store.unit_of_work() as uow:
        counts = {str(kind): int(n) for kind, n in uow.session.execute(enrolled)}
        programmes = uow.session.scalars(select(Programme).order_by(Programme.first_session_at.desc())).all()
        views = [view_of(p, counts.get(p.code, 0)) for p in programmes]
    if include_ended:
        return views
    now = store.clock()
    return [v for v in views if v.active and sessions_of(v)[-1].starts_at >= now]


def programme_sessions(store: Store, *, actor: Actor, programme_id: int) -> list[SessionView]:
    """A programme's sessions, numbered from 1, with their local start."""
    authorise_reader(store, actor)
    with store.unit_of_work() as uow:
        return sessions_of(view_of(load_programme(uow.session, programme_id)))


def person_words(person: Person) -> str:
    """A person as a sentence names them: "Jo Smith"."""
    return f"{person.forenames} {person.surname}"


def enrolled_kind(case: Case) -> str | None:
    """The programme code a group_programme case is an enrolment on (from its effective timeline)."""
    return enrolled_programme(effective_facts(case.events))


def enrol(
    store: Store,
    *,
    actor: Actor,
    programme_id: int,
    person_id: int,
    occurred_at: datetime | None = None,
    day_alone: bool = False,
) -> EventRecorded:
    """Enrol a person on a programme: a new group_programme case opened with its `enrolled` event (`day_alone`: on
    the day of `occurred_at`, given without a time, as the enrolment dialog gives it).

    Refused when the person already has an open enrolment on the same programme, or the programme has ended.
    """
    authorise(store.session_factory, actor, "record_programme_step", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "record_programme_step", store.clock)
    when = occurred_at or store.clock()
    require_aware(when, "time of the enrolment")
    with store.unit_of_work() as uow:
        programme = view_of(load_programme(uow.session, programme_id))
        person = uow.session.get(Person, person_id)
        if person is None:
            raise NotFound("That person is not on record.")
        who = person_words(person)
        _refuse_enrolled_twice(uow.session, person_id, programme, who)
    if not programme.active:
        raise StepNotAllowed(f"{programme.title} is no longer running, so nobody can be enrolled on it.")
    last = sessions_of(programme)[-1]
    if when > last.starts_at:
        raise StepNotAllowed(
            f"{programme.title} ended with its last session on {format_local(last.starts_at)}; "
            f"{who} cannot be enrolled on it after that."
        )
    values = {"kind": programme.code, "site": programme.site, "service": programme.service}
    return start_case(
        store,
        actor=actor,
        person_id=person_id,
        pathway=PATHWAY,
        event=ENROLLED,
        occurred_at=when,
        values=values,
        service_held=True,  # the programme's, checked when it was set up
        occurred_time_known=not day_alone,
        refuse_if=lambda session: _refuse_enrolled_twice(session, person_id, programme, who),  # (again, as it saves)
    )


def _refuse_enrolled_twice(session: Session, person_id: int, programme: ProgrammeView, who: str) -> None:
    cases = session.scalars(
        select(Case).where(Case.person_id == person_id, Case.pathway == PATHWAY, Case.closed.is_(False))
    ).all()
    if any(enrolled_kind(case) == programme.code for case in cases):
        raise StepNotAllowed(f"{who} is already enrolled on {programme.title}.")
