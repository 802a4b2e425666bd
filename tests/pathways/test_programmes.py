"""Group programmes on SQLite and PostgreSQL: the schedule in local time, enrolment, the register saved all or
nothing with refusals that name the person, re-marking as a correction, and attendance over the series."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, Event
from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.errors import InvalidInput, NotPermitted, StepNotAllowed
from pathways.services import people, programmes, steps
from pathways.services.corrections import withdraw_event
from pathways.services.programme_register import ABSENT, PRESENT, attendance, record_register
from pathways.services.programmes import (
    ProgrammeView,
    create_programme,
    enrol,
    list_programmes,
    programme_sessions,
)
from pathways.services.records import person_record
from pathways.services.results import EventRecorded
from pathways.store import Store
from tests.conftest import Clock

VENUE = "Basingstoke Women's Centre"
SERVICE = "Inclusion Hampshire"


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def _person(store: Store, worker: Actor, surname: str, forenames: str = "Jo") -> int:
    return people.register_person(
        store, actor=worker, surname=surname, forenames=forenames, date_of_birth=date(1988, 3, 4), sex="F"
    ).id


def _programme(store: Store, admin: Actor, first: datetime, sessions: int, code: str = "FREE-2026") -> ProgrammeView:
    return create_programme(
        store,
        actor=admin,
        code=code,
        name="FREE women's group",
        first_session_at=first,
        sessions=sessions,
        service=SERVICE,
        site=VENUE,
    )


def _events(store: Store) -> int:
    with store.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Event)) or 0)


def test_sessions_keep_their_local_time_across_the_clock_changes(store: Store, admin: Actor, worker: Actor) -> None:
    # Clocks go back on Sunday 25 October 2026 and forward on Sunday 28 March 2027.
    autumn = _programme(store, admin, local(2026, 10, 12, 18, 30), 4)
    sessions = programme_sessions(store, actor=worker, programme_id=autumn.id)
    assert [s.number for s in sessions] == [1, 2, 3, 4]
    assert [s.starts_at.astimezone(LONDON).strftime("%a %d %b %H:%M") for s in sessions] == [
        "Mon 12 Oct 18:30",
        "Mon 19 Oct 18:30",
        "Mon 26 Oct 18:30",
        "Mon 02 Nov 18:30",
    ]
    assert [s.starts_at.hour for s in sessions] == [17, 17, 18, 18]  # UTC: BST, then GMT
    spring = create_programme(
        store,
        actor=admin,
        code="wonder-2027",
        name="WONDER+",
        first_session_at=local(2027, 3, 11, 10),
        sessions=3,
        every="fortnightly",
    )
    assert spring.code == "WONDER-2027"
    moments = [s.starts_at for s in programme_sessions(store, actor=worker, programme_id=spring.id)]
    assert [m.astimezone(LONDON).strftime("%a %d %b %H:%M") for m in moments] == [
        "Thu 11 Mar 10:00",
        "Thu 25 Mar 10:00",
        "Thu 08 Apr 10:00",
    ]
    assert [m.hour for m in moments] == [10, 10, 9]
    assert spring.schedule == "Thursdays at 10:00, fortnightly, 3 sessions from 11 Mar 2027"


def test_a_programme_is_checked_before_it_is_set_up(store: Store, admin: Actor, navigator: Actor) -> None:
    start = local(2026, 12, 7)
    bad: list[tuple[dict[str, object], str]] = [
        ({"code": "FREE 2026"}, "no spaces"),
        ({"code": ""}, "short reference"),
        ({"name": "  "}, "needs a name"),
        ({"sessions": 0}, "from 1 to 100 sessions, not 0"),
        ({"sessions": 101}, "from 1 to 100 sessions, not 101"),
        ({"every": "monthly"}, "weekly or fortnightly, not 'monthly'"),
        ({"first_session_at": datetime(2026, 12, 7, 10)}, "needs a time zone"),
    ]
    for change, words in bad:
        given: dict[str, object] = {"code": "FREE-2026", "name": "FREE", "first_session_at": start, "sessions": 12}
        with pytest.raises(InvalidInput, match=words):
            create_programme(store, actor=admin, **given | change)  # type: ignore[arg-type]
    with pytest.raises(NotPermitted, match="A custody navigator cannot set up group programmes"):
        _programme(store, navigator, start, 12)
    assert list_programmes(store, actor=admin) == []
    _programme(store, admin, start, 12)
    with pytest.raises(InvalidInput, match="already a programme with the code FREE-2026"):
        _programme(store, admin, start, 6, code="free-2026")
    assert [p.code for p in list_programmes(store, actor=admin)] == ["FREE-2026"]


def test_the_register_is_all_or_nothing_and_names_who_is_not_enrolled(
    store: Store, admin: Actor, worker: Actor, clock: Clock
) -> None:
    free = _programme(store, admin, local(2026, 11, 2), 36)
    other = _programme(store, admin, local(2026, 11, 3), 12, code="WONDER-2026")
    enrolled_on = local(2026, 11, 1, 9)
    ann, bea, cat = (_person(store, worker, name) for name in ("Adams", "Baker", "Clark"))
    case_ann = enrol(store, actor=worker, programme_id=free.id, person_id=ann, occurred_at=enrolled_on).case_id
    case_bea = enrol(store, actor=worker, programme_id=free.id, person_id=bea, occurred_at=enrolled_on).case_id
    case_cat = enrol(store, actor=worker, programme_id=other.id, person_id=cat, occurred_at=enrolled_on).case_id
    assert [p.enrolled for p in list_programmes(store, actor=worker)] == [1, 2]  # newest first: WONDER, FREE
    before = _events(store)

    with pytest.raises(StepNotAllowed, match=r"^Jo Clark is not enrolled on this programme \(FREE women's group"):
        record_register(
            store,
            actor=worker,
            programme_id=free.id,
            session=1,
            marks={case_ann: PRESENT, case_bea: ABSENT, case_cat: PRESENT},
        )
    assert _events(store) == before  # Adams and Baker were not saved either
    assert attendance(store, actor=worker, programme_id=free.id).register(1)[0].marks == {}

    saved = record_register(
        store, actor=worker, programme_id=free.id, session=1, marks={case_ann: PRESENT, case_bea: ABSENT}
    )
    assert (saved.recorded, saved.corrected, saved.unchanged) == (2, 0, 0)
    assert saved.words == "Register saved for session 1 (2 Nov 2026 10:00): 2 marked."
    with store.unit_of_work() as uow:
        audit = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "record_register")).one()
        assert (audit.record_type, audit.record_id) == ("programme", free.id)

    late = _person(store, worker, "Dunn", "Eve")
    case_late = enrol(
        store, actor=worker, programme_id=free.id, person_id=late, occurred_at=local(2026, 11, 10, 9)
    ).case_id
    with pytest.raises(StepNotAllowed, match=r"^Eve Dunn was enrolled on 10 Nov 2026, after session 2 "):
        record_register(
            store, actor=worker, programme_id=free.id, session=2, marks={case_ann: PRESENT, case_late: ABSENT}
        )
    with pytest.raises(InvalidInput, match=r"Session 5 is on 30 Nov 2026 10:00: its register can be taken once"):
        record_register(store, actor=worker, programme_id=free.id, session=5, marks={case_ann: PRESENT})
    with pytest.raises(InvalidInput, match="sessions 1 to 36; there is no session 37"):
        record_register(store, actor=worker, programme_id=free.id, session=37, marks={case_ann: PRESENT})
    with pytest.raises(InvalidInput, match="present or absent, not 'late'"):
        record_register(store, actor=worker, programme_id=free.id, session=1, marks={case_ann: "late"})
    with pytest.raises(InvalidInput, match="Nobody is marked"):
        record_register(store, actor=worker, programme_id=free.id, session=1, marks={})
    assert _events(store) == before + 2 + 1  # the two marks and Eve Dunn's enrolment

    with pytest.raises(StepNotAllowed, match="Jo Adams is already enrolled on FREE women's group"):
        enrol(store, actor=worker, programme_id=free.id, person_id=ann)
    clock.at = datetime(2027, 8, 1, 12, tzinfo=LONDON)
    with pytest.raises(StepNotAllowed, match="ended with its last session on 5 Jul 2027 10:00"):
        enrol(store, actor=worker, programme_id=free.id, person_id=cat)


def test_re_marking_a_session_corrects_the_mark(store: Store, admin: Actor, worker: Actor) -> None:
    free = _programme(store, admin, local(2026, 11, 2), 12)
    ann = _person(store, worker, "Adams")
    case = enrol(store, actor=worker, programme_id=free.id, person_id=ann, occurred_at=local(2026, 11, 1)).case_id
    record_register(store, actor=worker, programme_id=free.id, session=2, marks={case: PRESENT})
    again = record_register(store, actor=worker, programme_id=free.id, session=2, marks={case: PRESENT})
    assert (again.recorded, again.corrected, again.unchanged) == (0, 0, 1)
    fixed = record_register(store, actor=worker, programme_id=free.id, session=2, marks={case: ABSENT})
    assert (fixed.recorded, fixed.corrected, fixed.unchanged) == (0, 1, 0)
    row = attendance(store, actor=worker, programme_id=free.id).rows[0]
    assert row.marks == {2: ABSENT} and row.attended == 0
    with store.unit_of_work() as uow:
        marks = uow.session.scalars(
            select(Event).where(Event.case_id == case, Event.name != "enrolled").order_by(Event.seq)
        ).all()
        assert [(e.name, e.action) for e in marks] == [("session_attended", "record"), ("session_missed", "correct")]
        assert marks[1].corrects_id == marks[0].id
        assert marks[1].correction_reason == "Re-marked absent on the register of session 2."


def test_the_pathway_refuses_a_second_mark_and_a_mark_before_enrolment(
    store: Store, admin: Actor, worker: Actor
) -> None:
    free = _programme(store, admin, local(2026, 11, 2), 12)
    ann = _person(store, worker, "Adams")
    case = enrol(store, actor=worker, programme_id=free.id, person_id=ann, occurred_at=local(2026, 11, 5)).case_id
    values = {"kind": "FREE-2026"}
    with pytest.raises(StepNotAllowed, match="The session attended cannot come before the enrolment"):
        steps.record_step(
            store, actor=worker, case_id=case, event="session_attended", occurred_at=local(2026, 11, 2), values=values
        )
    session = local(2026, 11, 9)
    steps.record_step(store, actor=worker, case_id=case, event="session_attended", occurred_at=session, values=values)
    with pytest.raises(StepNotAllowed, match="This session is already marked on the register"):
        steps.record_step(store, actor=worker, case_id=case, event="session_missed", occurred_at=session, values=values)
    with pytest.raises(StepNotAllowed, match="enrolled on programme WONDER before the session started"):
        steps.record_step(
            store,
            actor=worker,
            case_id=case,
            event="session_missed",
            occurred_at=local(2026, 11, 16),
            values={"kind": "WONDER"},
        )


def test_attendance_counts_of_the_sessions_held_and_of_the_series(
    store: Store, admin: Actor, worker: Actor, clock: Clock
) -> None:
    # 36 weekly sessions from Monday 4 May 2026; by Sunday 29 November 30 have been held.
    free = _programme(store, admin, local(2026, 5, 4), 36)
    ann, bea = _person(store, worker, "Adams", "Ann"), _person(store, worker, "Baker", "Bea")
    start = local(2026, 5, 1)
    case_ann = enrol(store, actor=worker, programme_id=free.id, person_id=ann, occurred_at=start).case_id
    case_bea = enrol(store, actor=worker, programme_id=free.id, person_id=bea, occurred_at=start).case_id
    for number in range(1, 31):
        marks = {case_ann: ABSENT if number in (7, 19) else PRESENT}
        if number <= 10:
            marks[case_bea] = PRESENT if number % 2 else ABSENT
        record_register(store, actor=worker, programme_id=free.id, session=number, marks=marks)
    steps.record_step(
        store,
        actor=worker,
        case_id=case_bea,
        event="left",
        occurred_at=local(2026, 7, 14),
        values={"kind": "FREE-2026"},
    )
    result = attendance(store, actor=worker, programme_id=free.id)
    assert result.held == 30 and len(result.sessions) == 36
    rows = {row.person_name: row for row in result.rows}
    assert rows["ADAMS, Ann"].of_series == "28 of 36 sessions"
    assert rows["ADAMS, Ann"].of_held == "28 of 30 held"
    assert rows["BAKER, Bea"].of_series == "5 of 36 sessions"
    assert rows["BAKER, Bea"].of_held == "5 of 11 held"  # sessions 1-11 were held before she left
    assert rows["BAKER, Bea"].stage == "Left"
    assert [r.person_name for r in result.register(11)] == ["ADAMS, Ann", "BAKER, Bea"]
    assert [r.person_name for r in result.register(12)] == ["ADAMS, Ann"]
    with pytest.raises(StepNotAllowed, match=r"^Bea Baker: This case was closed on 14 Jul 2026"):
        record_register(store, actor=worker, programme_id=free.id, session=12, marks={case_bea: ABSENT})
    clock.at += timedelta(days=7)  # a week on, one more session has been held
    assert attendance(store, actor=worker, programme_id=free.id).rows[0].of_held == "28 of 31 held"


def test_the_record_names_the_programme(store: Store, admin: Actor, worker: Actor) -> None:
    """The timeline of an enrolment names the programme by its name with its code, not by its code alone."""
    free = _programme(store, admin, local(2026, 11, 2), 12)
    ann = _person(store, worker, "Adams")
    case = enrol(store, actor=worker, programme_id=free.id, person_id=ann, occurred_at=local(2026, 11, 1)).case_id
    record_register(store, actor=worker, programme_id=free.id, session=2, marks={case: PRESENT})
    (enrolment,) = person_record(store, actor=worker, person_id=ann).cases
    assert [e.details.split(" · ")[0] for e in enrolment.timeline] == [
        "Programme: FREE women's group (FREE-2026)",
        "Programme: FREE women's group (FREE-2026)",
    ]
    assert enrolment.timeline[0].values()["kind"] == "FREE women's group (FREE-2026)"


def _mark_event(store: Store, case_id: int, session_at: datetime) -> int:
    """The id of the mark recorded for the case at a session's start."""
    with store.unit_of_work() as uow:
        found = select(Event.id).where(Event.case_id == case_id, Event.occurred_at == session_at)
        return int(uow.session.scalars(found.order_by(Event.seq)).first() or 0)


def test_the_record_counts_attendance_as_the_register_does(
    store: Store, admin: Actor, worker: Actor, clock: Clock
) -> None:
    """A programme case on the person's record carries the register's figures: a re-marked session counts as it
    was re-marked, a withdrawn mark not at all, and a session still to come is not held."""
    free = _programme(store, admin, local(2026, 11, 2), 12)  # by Sunday 29 November sessions 1-4 are held
    ann = _person(store, worker, "Adams", "Ann")
    case = enrol(store, actor=worker, programme_id=free.id, person_id=ann, occurred_at=local(2026, 11, 1)).case_id
    for number in (1, 2, 3, 4):
        record_register(store, actor=worker, programme_id=free.id, session=number, marks={case: PRESENT})
    record_register(store, actor=worker, programme_id=free.id, session=2, marks={case: ABSENT})  # a correction
    third = _mark_event(store, case, local(2026, 11, 16))
    withdraw_event(store, actor=worker, event_id=third, reason="Marked on the wrong row of the register.")

    (enrolment,) = person_record(store, actor=worker, person_id=ann).cases
    counted = enrolment.attendance
    assert counted is not None
    assert counted.marks == {1: PRESENT, 2: ABSENT, 4: PRESENT}
    assert (counted.attended, counted.missed, counted.not_marked) == (2, 1, 1)  # session 3's mark was withdrawn
    assert (counted.held_sessions, counted.series, counted.last_attended) == ((1, 2, 3, 4), 12, 4)
    assert (counted.of_held, counted.of_series) == ("2 of 4 held", "2 of 12 sessions")
    (row,) = attendance(store, actor=worker, programme_id=free.id).rows
    assert row.counts == counted  # the register's figures, counted the same way

    clock.at = local(2026, 11, 30, 10, 30)  # session 5 has now started, and nobody has marked it yet
    (enrolment,) = person_record(store, actor=worker, person_id=ann).cases
    assert enrolment.attendance is not None
    assert (enrolment.attendance.held, enrolment.attendance.not_marked) == (5, 2)
    assert attendance(store, actor=worker, programme_id=free.id).rows[0].counts == enrolment.attendance


def test_only_a_programme_case_has_attendance_on_the_record(store: Store, admin: Actor, worker: Actor) -> None:
    free = _programme(store, admin, local(2026, 11, 2), 12)
    ann = _person(store, worker, "Adams", "Ann")
    case = enrol(store, actor=worker, programme_id=free.id, person_id=ann, occurred_at=local(2026, 11, 1)).case_id
    record_register(store, actor=worker, programme_id=free.id, session=1, marks={case: PRESENT})
    divert = steps.start_case(
        store,
        actor=worker,
        person_id=ann,
        pathway="divert",
        event="referral",
        occurred_at=local(2026, 11, 20),
        values={"kind": "custody", "service": SERVICE},
    ).case_id
    cases = {c.id: c.attendance for c in person_record(store, actor=worker, person_id=ann).cases}
    assert cases[divert] is None
    enrolment = cases[case]
    assert enrolment is not None and enrolment.of_series == "1 of 12 sessions"


def test_two_enrolments_of_one_person_at_once_make_one(
    store: Store, admin: Actor, worker: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers enrol the same person at the same moment: both pass the first look for an enrolment before
    either saves (the barrier holds them there), and the save itself, the person's record locked, refuses the
    second."""
    free = _programme(store, admin, local(2026, 11, 2), 12)
    person_id = _person(store, worker, "Adams")
    together = threading.Barrier(2)
    opening = steps.start_case

    def start_case_together(*args: Any, **kwargs: Any) -> EventRecorded:
        together.wait(timeout=10)
        return opening(*args, **kwargs)

    monkeypatch.setattr(programmes, "start_case", start_case_together)
    outcomes: list[str] = []

    def enrol_now() -> None:
        try:
            enrol(store, actor=worker, programme_id=free.id, person_id=person_id)
            outcomes.append("enrolled")
        except StepNotAllowed as refused:
            outcomes.append(refused.message)

    threads = [threading.Thread(target=enrol_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["Jo Adams is already enrolled on FREE women's group (FREE-2026).", "enrolled"]
    with store.unit_of_work() as uow:
        enrolments = uow.session.scalar(select(func.count()).select_from(Event).where(Event.name == "enrolled"))
    assert enrolments == 1
