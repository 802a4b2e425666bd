"""Retention: periods in the reference data, the review list, legal holds, erasure with a tombstone, and the
administrator's audit trail of a person. On a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import String, Text, func, or_, select

from db.models import AuditEntry, Base, Case, Consent, Erasure, Event, LegalHold, Person, Screening, Task
from pathways import retention
from pathways.actors import Actor
from pathways.audit_verify import verify_audit_log
from pathways.clock import LONDON
from pathways.errors import InvalidInput, NotFound, NotPermitted
from pathways.reference import retention_periods
from pathways.services import dtoa, people
from pathways.services.audit_trail import person_audit_trail
from pathways.services.erasure import LegalHoldOn, erase_person, erasures
from pathways.services.retention import (
    identify_record,
    lift_legal_hold,
    place_legal_hold,
    records_on_hold,
    retention_review_list,
    set_retention_period,
)
from pathways.services.screening import screen_case
from pathways.services.steps import record_step, start_case
from pathways.store import Store
from tests.conftest import Clock
from tests.pathways.test_instruments import pgsi_answers

ARREST = datetime(2026, 11, 2, 14, 20, tzinfo=LONDON)
SURNAME, FORENAMES, NHS, PNC = "Quixwell", "Zebedee", "9434765919", "19/1234567X"
# The last thing recorded on the full record is at the test clock (29 Nov 2026): six years on, it is due.
DUE = datetime(2032, 11, 29, 12, 0, tzinfo=UTC)
PERSON_TABLES = {
    "person_words",
    "person_changes",
    "legal_holds",
    "consents",
    "cases",
    "events",
    "tasks",
    "screenings",
    "open_deadlines",
    "case_figures",
}


def _full_record(store: Store, navigator: Actor, worker: Actor, admin: Actor) -> int:
    """A person with a closed DTOA case (with a task), a closed gambling case (with a screening), a correction
    of their details, a lifted legal hold and a consent: a row in every table that holds a person's data."""
    person = people.register_person(
        store,
        actor=navigator,
        surname=SURNAME,
        forenames=FORENAMES,
        date_of_birth=date(1990, 3, 2),
        sex="M",
        nhs_number=NHS,
        pnc_id=PNC,
        postcode="SO23 8UJ",
    )
    arrest = dtoa.record_arrest(
        store, actor=navigator, person_id=person.id, occurred_at=ARREST, offence="burglary", notes="Zebedee calm"
    )
    dtoa.record_test(
        store, actor=navigator, case_id=arrest.case_id, occurred_at=ARREST + timedelta(hours=1), result="positive",
        substances=["cocaine"],
    )  # fmt: skip
    dtoa.require_assessment(
        store, actor=navigator, case_id=arrest.case_id, kind="initial", due_at=ARREST + timedelta(days=2),
        service="Inclusion Hampshire", place="Clinic", occurred_at=ARREST + timedelta(hours=2),
    )  # fmt: skip
    dtoa.record_attendance(
        store, actor=worker, case_id=arrest.case_id, kind="initial", attended=False,
        occurred_at=ARREST + timedelta(days=2, hours=1),
    )  # fmt: skip
    dtoa.close_case(
        store, actor=navigator, case_id=arrest.case_id, occurred_at=ARREST + timedelta(days=3), reason="moved away"
    )
    gambling = start_case(
        store, actor=worker, person_id=person.id, pathway="gambling", event="identified", occurred_at=ARREST,
        values={"kind": "probation", "site": "Durham probation office"},
    ).case_id  # fmt: skip
    screen_case(
        store, actor=worker, case_id=gambling, instrument="pgsi", answers=pgsi_answers(9),
        occurred_at=ARREST + timedelta(days=1), values={"notes": f"{FORENAMES} {SURNAME} bets online"},
    )  # fmt: skip
    record_step(
        store, actor=worker, case_id=gambling, event="closed", occurred_at=ARREST + timedelta(days=4), values={}
    )
    current = people.get_person(store, actor=admin, person_id=person.id)
    people.correct_person(
        store, actor=admin, person_id=person.id, reason="typo", expected_version=current.version, postcode="SO23 8UA"
    )
    place_legal_hold(store, actor=admin, person_id=person.id, reason="Crown Court trial")
    lift_legal_hold(store, actor=admin, person_id=person.id, reason="trial over")
    with store.unit_of_work() as uow:  # a consent to share, as pathways/services/consent.py keeps it
        uow.session.add(
            Consent(
                person_id=person.id, recipient="police", purpose="monitoring", agreed=True,
                recorded_at=store.clock(), recorded_by=navigator.username,
            )
        )  # fmt: skip
        uow.commit()
    return person.id


def _other_person(store: Store, navigator: Actor) -> int:
    """Someone with an open case, who is never due."""
    person = people.register_person(
        store, actor=navigator, surname="Keeping", forenames="Alma", date_of_birth=date(1980, 1, 1), sex="F"
    )
    dtoa.record_arrest(store, actor=navigator, person_id=person.id, occurred_at=ARREST, offence="burglary")
    return person.id


def _rows_holding(store: Store, *needles: str) -> list[str]:
    """Every table.column whose value contains any of the needles (any case), over all text columns."""
    found = []
    with store.unit_of_work() as uow:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text):
                    continue
                matches = or_(*(func.lower(column).contains(n.lower()) for n in needles))
                if uow.session.scalar(select(func.count()).select_from(table).where(matches)):
                    found.append(f"{table.name}.{column.name}")
    return found


def _in_sqlite_files(store: Store, *needles: str) -> list[str]:
    """The needles found, as typed or folded, in the bytes of the SQLite database file and its write-ahead log."""
    path = Path(store.engine.url.database or "")
    held = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    return [n for n in needles if n.encode() in held or n.lower().encode() in held or n.upper().encode() in held]


def _count(store: Store, model: type[Base], **where: object) -> int:
    with store.unit_of_work() as uow:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(uow.session.scalar(query) or 0)


def test_every_pathway_has_a_period_in_the_reference_data(store: Store, admin: Actor) -> None:
    periods = retention_periods(store)
    assert set(periods) == set(store.definitions)
    assert periods["youth"] == retention.RetentionPeriod("youth", 6, until_25=True)
    assert all((p.years, p.until_25) == (6, False) for code, p in periods.items() if code != "youth")
    set_retention_period(store, actor=admin, pathway="divert", years=2, until_25=False)
    assert retention_periods(store)["divert"] == retention.RetentionPeriod("divert", 2)
    with pytest.raises(InvalidInput, match="whole number of years from 1 to 100"):
        set_retention_period(store, actor=admin, pathway="divert", years=0, until_25=False)
    assert retention_periods(store)["divert"].years == 2


def test_the_rule_takes_the_longest_period_and_the_25th_birthday() -> None:
    periods = {"dtoa": retention.RetentionPeriod("dtoa", 6), "youth": retention.RetentionPeriod("youth", 3, True)}
    closed = [retention.CaseSummary("dtoa", True), retention.CaseSummary("youth", True)]
    born, last = date(2010, 6, 30), date(2027, 1, 15)
    assert retention.due_on(periods, date_of_birth=born, cases=closed, last_activity=last) == date(2035, 6, 30)
    assert retention.due_on(periods, date_of_birth=date(1990, 1, 1), cases=closed, last_activity=last) == date(
        2033, 1, 15
    )
    still_open = [*closed, retention.CaseSummary("dtoa", False)]
    assert retention.due_on(periods, date_of_birth=born, cases=still_open, last_activity=last) is None
    leap = retention.due_on(periods, date_of_birth=born, cases=closed[:1], last_activity=date(2028, 2, 29))
    assert leap == date(2034, 2, 28)  # a calendar year on from 29 February is 28 February


def test_the_review_list_at_the_clock(
    store: Store, clock: Clock, navigator: Actor, worker: Actor, admin: Actor
) -> None:
    person_id = _full_record(store, navigator, worker, admin)
    _other_person(store, navigator)
    clock.at = DUE - timedelta(days=1)
    assert retention_review_list(store, actor=admin) == []
    clock.at = DUE
    (due,) = retention_review_list(store, actor=admin)
    assert (due.person_id, due.name, due.due_on, due.case_count) == (person_id, "QUIXWELL, Zebedee", DUE.date(), 2)
    assert due.pathways == ("dtoa", "gambling") and due.hold is None
    set_retention_period(store, actor=admin, pathway="gambling", years=8, until_25=False)  # the longest applies
    assert retention_review_list(store, actor=admin) == []
    clock.at = datetime(2034, 11, 29, 12, 0, tzinfo=UTC)
    assert [r.person_id for r in retention_review_list(store, actor=admin)] == [person_id]
    place_legal_hold(store, actor=admin, person_id=person_id, reason="civil claim expected")
    assert retention_review_list(store, actor=admin) == []
    (held,) = records_on_hold(store, actor=admin)
    assert held.person_id == person_id and held.hold is not None and held.hold.reason == "civil claim expected"
    assert held.due_on == date(2034, 11, 29)


def test_a_legal_hold_stops_erasure_and_changes_nothing(
    store: Store, clock: Clock, navigator: Actor, worker: Actor, admin: Actor
) -> None:
    person_id = _full_record(store, navigator, worker, admin)
    clock.at = DUE
    with pytest.raises(InvalidInput, match="needs a reason"):
        place_legal_hold(store, actor=admin, person_id=person_id, reason="  ")
    for bad, problem in {  # (a NUL crashed the save on PostgreSQL; on SQLite it was kept)
        "court\x00order": "A legal hold: the reason contains control characters",
        "x" * 10_001: "A legal hold: the reason is longer than 10,000 characters",
    }.items():
        with pytest.raises(InvalidInput, match=problem):
            place_legal_hold(store, actor=admin, person_id=person_id, reason=bad)
    with pytest.raises(InvalidInput, match="Lifting a legal hold: the reason contains control characters"):
        lift_legal_hold(store, actor=admin, person_id=person_id, reason="appeal\x1b[2J")
    place_legal_hold(store, actor=admin, person_id=person_id, reason="Crown Court appeal")
    with pytest.raises(InvalidInput, match=r"already on legal hold, placed by admin\.khan"):
        place_legal_hold(store, actor=admin, person_id=person_id, reason="again")
    before = (_count(store, Person), _count(store, Case), _count(store, Event), _count(store, Erasure))
    with pytest.raises(
        LegalHoldOn, match=r"on legal hold \(placed by admin\.khan on 29 Nov 2032: Crown Court appeal\)"
    ):
        erase_person(store, actor=admin, person_id=person_id, reason="period ended", on_request=True)
    assert (_count(store, Person), _count(store, Case), _count(store, Event), _count(store, Erasure)) == before
    refused = _count(store, AuditEntry, action="erase_person", outcome="refused", record_id=person_id)
    assert refused == 1
    with pytest.raises(InvalidInput, match="needs a reason"):
        lift_legal_hold(store, actor=admin, person_id=person_id, reason="")
    lift_legal_hold(store, actor=admin, person_id=person_id, reason="appeal dismissed")
    with pytest.raises(InvalidInput, match="not on legal hold"):
        lift_legal_hold(store, actor=admin, person_id=person_id, reason="again")
    erase_person(store, actor=admin, person_id=person_id, reason="period ended")
    assert _count(store, Person, id=person_id) == 0


def test_not_yet_due_or_open_cases_are_refused_unless_on_request(
    store: Store, clock: Clock, navigator: Actor, worker: Actor, admin: Actor
) -> None:
    person_id = _full_record(store, navigator, worker, admin)
    other = _other_person(store, navigator)
    clock.at = DUE - timedelta(days=1)
    with pytest.raises(InvalidInput, match="not due for erasure until 29 Nov 2032"):
        erase_person(store, actor=admin, person_id=person_id, reason="tidy up")
    with pytest.raises(InvalidInput, match="case still open"):
        erase_person(store, actor=admin, person_id=other, reason="request ref DSAR-7", on_request=True)
    with pytest.raises(InvalidInput, match="must not name the person"):
        erase_person(store, actor=admin, person_id=person_id, reason="Mr Quixwell asked", on_request=True)
    with pytest.raises(InvalidInput, match="must not name the person"):
        erase_person(store, actor=admin, person_id=person_id, reason=f"NHS {NHS}", on_request=True)
    assert _count(store, Person) == 2 and _count(store, Erasure) == 0
    done = erase_person(store, actor=admin, person_id=person_id, reason="request ref DSAR-7", on_request=True)
    assert done.basis == "request"


def test_erasure_removes_the_personal_data_and_leaves_a_tombstone(
    store: Store, clock: Clock, navigator: Actor, worker: Actor, admin: Actor, database_url: str
) -> None:
    person_id = _full_record(store, navigator, worker, admin)
    other = _other_person(store, navigator)
    with store.unit_of_work() as uow:
        case_ids = sorted(uow.session.scalars(select(Case.id).where(Case.person_id == person_id)))
        person_version = uow.session.get_one(Person, person_id).version
    assert _count(store, Task) == 1 and _count(store, Screening) == 1
    needles = (SURNAME, FORENAMES, NHS, PNC)
    assert {"people.surname", "people.nhs_number", "person_words.word", "events.notes"} <= set(
        _rows_holding(store, *needles)
    )
    if database_url.startswith("sqlite"):
        assert _in_sqlite_files(store, *needles) == list(needles)
    clock.at = DUE
    done = erase_person(
        store, actor=admin, person_id=person_id, reason="retention period ended", expected_version=person_version
    )
    assert done.basis == "retention" and done.case_ids == tuple(case_ids)
    assert done.counts == {
        "people": 1, "person_words": 2, "person_changes": 1, "legal_holds": 1, "consents": 1, "cases": 2, "events": 8,
        "tasks": 1, "screenings": 1, "open_deadlines": 0, "case_figures": 2, "programme_enrolments": 0,
    }  # fmt: skip
    assert _rows_holding(store, *needles) == []
    with store.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Case).where(Case.id.in_(case_ids))) == 0
        assert uow.session.get(Person, other) is not None  # the other person is untouched
        tombstone = uow.session.scalars(select(Erasure)).one()
        assert (tombstone.person_id, tombstone.erased_by, tombstone.basis, tombstone.case_count) == (
            person_id, "admin.khan", "retention", 2,
        )  # fmt: skip
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "erase_person", AuditEntry.outcome == "ok")
        ).one()
        assert (entry.record_type, entry.record_id) == ("person", person_id)
        assert json.loads(entry.detail or "") == {"basis": "retention", "cases": case_ids, "rows": done.counts}
    assert [(e.person_id, e.counts["events"]) for e in erasures(store, actor=admin)] == [(person_id, 8)]
    report = verify_audit_log(store, actor=admin)
    assert report.intact and report.entries == report.sealed == _count(store, AuditEntry)
    if database_url.startswith("sqlite"):  # nor do the erased values linger in the file or its log
        store.engine.dispose()
        assert _in_sqlite_files(store, *needles) == []
    with pytest.raises(NotFound, match="not on record"):
        erase_person(store, actor=admin, person_id=person_id, reason="again", on_request=True)


def test_a_person_number_is_identified_before_acting_on_it(
    store: Store, clock: Clock, navigator: Actor, worker: Actor, admin: Actor
) -> None:
    person_id = _full_record(store, navigator, worker, admin)
    with store.unit_of_work() as uow:
        refs = list(uow.session.scalars(select(Case.case_ref).where(Case.person_id == person_id).order_by(Case.id)))
    clock.at = DUE - timedelta(days=1)
    found = identify_record(store, actor=admin, person_id=person_id)
    assert (found.record.name, found.record.date_of_birth, found.surname) == (
        "QUIXWELL, Zebedee", date(1990, 3, 2), SURNAME,
    )  # fmt: skip
    assert [(c.pathway, c.reference, c.closed) for c in found.cases] == [
        ("dtoa", refs[0], True), ("gambling", refs[1], True),
    ]  # fmt: skip
    assert found.record.due_on == DUE.date() and not found.due and found.record.hold is None
    clock.at = DUE
    place_legal_hold(store, actor=admin, person_id=person_id, reason="civil claim")
    held = identify_record(store, actor=admin, person_id=person_id)
    assert held.due and held.record.hold is not None and held.record.hold.reason == "civil claim"
    with store.unit_of_work() as uow:  # audited as the review is, with the record's id and nothing personal
        entries = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "review_retention", AuditEntry.record_id == person_id)
        ).all()
    assert [(e.actor, e.record_type, e.outcome, e.detail) for e in entries] == [
        ("admin.khan", "person", "ok", "looked up")
    ] * 2
    with pytest.raises(NotFound, match=rf"No record of a person numbered {person_id + 1000} is held\. Check"):
        identify_record(store, actor=admin, person_id=person_id + 1000)
    lift_legal_hold(store, actor=admin, person_id=person_id, reason="settled")
    erase_person(store, actor=admin, person_id=person_id, reason="retention period ended")
    with pytest.raises(NotFound, match="it was erased on 29 Nov 2032"):
        identify_record(store, actor=admin, person_id=person_id)
    with pytest.raises(NotPermitted, match="A custody navigator cannot"):
        identify_record(store, actor=navigator, person_id=person_id)


def test_the_tables_erasure_covers_are_all_that_refer_to_a_person() -> None:
    referring = {
        table.name
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name in {"people", "cases", "events"}
    }
    assert referring == PERSON_TABLES


def test_the_audit_trail_of_a_person(store: Store, clock: Clock, navigator: Actor, worker: Actor, admin: Actor) -> None:
    person_id = _full_record(store, navigator, worker, admin)
    trail = person_audit_trail(store, actor=admin, person_id=person_id)
    actions = [line.action for line in trail]
    assert actions[0] == "register_person" and actions.count("event:arrest") == 1
    assert {"event:assessment_missed", "event:screened", "event:closed", "view_person", "correct_person"} <= set(
        actions
    )
    assert actions[-2:] == ["place_legal_hold", "lift_legal_hold"]
    assert trail[1].words == "record an event: arrest" and trail[-1].words == "lift a legal hold"
    assert all(line.record_type in {"person", "case", "task"} for line in trail)
    assert _count(store, AuditEntry, action="read_audit_trail", record_id=person_id) == 1
    clock.at = DUE
    erase_person(store, actor=admin, person_id=person_id, reason="retention period ended")
    after = person_audit_trail(store, actor=admin, person_id=person_id)
    assert [line.action for line in after][: len(trail)] == actions  # still readable after erasure
    assert [line.action for line in after][len(trail) :] == ["read_audit_trail", "erase_person"]
    with pytest.raises(NotFound, match="not on record"):
        person_audit_trail(store, actor=admin, person_id=person_id + 1000)


@pytest.mark.parametrize("who", ["navigator", "worker", "manager"])
def test_only_an_administrator_may(store: Store, who: str, request: pytest.FixtureRequest, navigator: Actor) -> None:
    actor: Actor = request.getfixturevalue(who)
    person_id = _other_person(store, navigator)
    calls = {
        "review_retention": lambda: retention_review_list(store, actor=actor),
        "place_legal_hold": lambda: place_legal_hold(store, actor=actor, person_id=person_id, reason="x"),
        "lift_legal_hold": lambda: lift_legal_hold(store, actor=actor, person_id=person_id, reason="x"),
        "erase_person": lambda: erase_person(store, actor=actor, person_id=person_id, reason="x", on_request=True),
        "read_audit_trail": lambda: person_audit_trail(store, actor=actor, person_id=person_id),
    }
    for action, call in calls.items():
        with pytest.raises(NotPermitted, match=f"A {actor.role.label} cannot"):
            call()
        assert _count(store, AuditEntry, action=action, outcome="refused", actor=actor.username) == 1
    assert _count(store, LegalHold) == 0 and _count(store, Person, id=person_id) == 1
