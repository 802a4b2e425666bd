"""Roles enforced in the services: every role against every service, on SQLite and on PostgreSQL.

Two custody sites (Basingstoke, Southampton) and two treatment services. A person held at Basingstoke has a DToA
case referred to Inclusion Hampshire (with a task and an open appointment), a Checkpoint case with a contract, and
an enrolment on a group programme of Inclusion Hampshire. Each service in pathways/services (found by
introspection, so a new service missing from TABLE fails) is called by each role: a navigator at the site, one
elsewhere, a worker of the referred service, one of another service, a manager with and without the notes grant,
and an administrator. A call the role or the scope forbids must raise NotPermitted and leave a committed audit
entry "refused" naming the actor and the action; any other call must not be refused (the calls are made so that
an allowed one stops on a plain input check, e.g. a blank reason, so the data stays as seeded). Lists and
searches are not refused: they must hold the seeded records exactly when they are in scope.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import pathways.services
from db.models import AuditEntry, Event, Task, User
from pathways.actors import Actor, Role
from pathways.audit import TEMPORARY_PASSWORD
from pathways.clock import local_date
from pathways.consent import SharingRequest
from pathways.errors import NotPermitted, PathwaysError
from pathways.interchange.exporter import ExportFilter, export_dataset
from pathways.scope import CASE_REFUSED, OUT_OF_SCOPE, PERSON_REFUSED
from pathways.services import (
    accounts,
    appointments_view,
    audit_trail,
    audit_upkeep,
    case_openings,
    consent,
    contracts,
    corrections,
    documents,
    dtoa,
    erasure,
    people,
    programme_register,
    programmes,
    records,
    retention,
    screening,
    search,
    settings,
    steps,
    tasks,
    worklists,
)
from pathways.store import Store
from reports import notice_data

SITE, ELSEWHERE = "Basingstoke", "Southampton"
SERVICE, OTHER_SERVICE = "Inclusion Hampshire", "Society of St James"
NOTE = "SEEDED-NOTE-7731 spoke about his brother"
REASON = "SEEDED-REASON-5521 lab rang back"
PASSWORD = "violet kettle harbour 42"
NOBODY = 987654  # a person id not on record
OWN_RECORDS = SharingRequest("own_records", "record_keeping")

ROLES: dict[str, Actor] = {
    "navigator at the site": Actor("nav.site", Role.CUSTODY_NAVIGATOR, "custody-a", site=SITE),
    "navigator elsewhere": Actor("nav.elsewhere", Role.CUSTODY_NAVIGATOR, "custody-b", site=ELSEWHERE),
    "worker of the service": Actor("tw.service", Role.TREATMENT_WORKER, "clinic-a", service=SERVICE),
    "worker of another service": Actor("tw.other", Role.TREATMENT_WORKER, "clinic-b", service=OTHER_SERVICE),
    "manager": Actor("mgr.plain", Role.MANAGER, "office-a"),
    "manager granted notes": Actor("mgr.notes", Role.MANAGER, "office-b", may_read_notes=True),
    "administrator": Actor("admin.root", Role.ADMINISTRATOR, "office-c"),
}
WHOLE_FORCE = {"manager", "manager granted notes", "administrator"}
# Who may see each seeded record, by the scope rules (pathways/scope.py).
SEES = {
    "dtoa": {"navigator at the site", "worker of the service", *WHOLE_FORCE},  # at the site, referred to the service
    "checkpoint": {"navigator at the site", *WHOLE_FORCE},  # at the site, no service named
    "enrolment": {"navigator at the site", "worker of the service", *WHOLE_FORCE},  # venue at the site, its service
    "person": {"navigator at the site", "worker of the service", *WHOLE_FORCE},
    None: set(ROLES),  # not about a case or person: only the role decides
}


@dataclass
class World:
    store: Store
    now: datetime
    person: int = 0
    other_person: int = 0
    dtoa: int = 0  # open initial assessment at SERVICE, with NOTE and a correction with REASON
    missed: int = 0  # a DToA case whose missed assessment raised a task
    task: int = 0
    event: int = 0  # the arrest of `dtoa`
    checkpoint: int = 0
    programme: int = 0
    enrolment: int = 0
    manager_user: int = 0
    notes_user: int = 0
    ids: dict[str, int] = field(default_factory=dict)


def _dtoa_case(store: Store, nav: Actor, person: int, at: datetime, *, service: str, notes: str | None = None) -> int:
    case = dtoa.record_arrest(store, actor=nav, person_id=person, occurred_at=at, offence="theft_shop").case_id
    dtoa.record_test(
        store, actor=nav, case_id=case, occurred_at=at + timedelta(hours=1), result="positive", substances=["cocaine"]
    )
    return case


def _require(store: Store, nav: Actor, case: int, at: datetime, due: datetime, notes: str | None = None) -> None:
    dtoa.require_assessment(
        store,
        actor=nav,
        case_id=case,
        kind="initial",
        due_at=due,
        service=SERVICE,
        place="Clinic, Basingstoke",
        occurred_at=at,
        notes=notes,
    )


@pytest.fixture
def world(store: Store, admin: Actor) -> World:
    now = store.clock()
    w = World(store, now)
    opener = Actor("nav.opener", Role.CUSTODY_NAVIGATOR, "custody-c", site=SITE)
    south = Actor("nav.south", Role.CUSTODY_NAVIGATOR, "custody-d", site=ELSEWHERE)
    setup_worker = Actor("tw.setup", Role.TREATMENT_WORKER, "clinic-c", service=SERVICE)
    w.person = people.register_person(
        store, actor=opener, surname="Nowak", forenames="Piotr", date_of_birth=date(1990, 3, 2), sex="M"
    ).id
    w.other_person = people.register_person(
        store, actor=south, surname="Nowak", forenames="Bartosz", date_of_birth=date(1990, 3, 2), sex="M"
    ).id
    # Southampton's own case, referred to the other service.
    south_case = _dtoa_case(store, south, w.other_person, now - timedelta(hours=5), service=OTHER_SERVICE)
    dtoa.require_assessment(
        store,
        actor=south,
        case_id=south_case,
        kind="initial",
        due_at=now + timedelta(days=1),
        service=OTHER_SERVICE,
        place="Southampton",
        occurred_at=now - timedelta(hours=3),
    )
    # A missed assessment, which raises "tell the police".
    w.missed = _dtoa_case(store, opener, w.person, now - timedelta(days=3), service=SERVICE)
    _require(store, opener, w.missed, now - timedelta(days=3) + timedelta(hours=2), now - timedelta(days=1))
    dtoa.record_attendance(
        store,
        actor=setup_worker,
        case_id=w.missed,
        kind="initial",
        attended=False,
        occurred_at=now - timedelta(hours=20),
    )
    with store.unit_of_work() as uow:
        w.task = uow.session.scalars(select(Task.id).where(Task.case_id == w.missed)).one()
    # An open appointment tomorrow, with a note and a corrected test.
    w.dtoa = _dtoa_case(store, opener, w.person, now - timedelta(hours=4), service=SERVICE)
    _require(store, opener, w.dtoa, now - timedelta(hours=2), now + timedelta(days=1), notes=NOTE)
    with store.unit_of_work() as uow:
        w.event = uow.session.scalars(select(Event.id).where(Event.case_id == w.dtoa, Event.name == "arrest")).one()
        test_id = uow.session.scalars(select(Event.id).where(Event.case_id == w.dtoa, Event.name == "test")).one()
    corrections.correct_event(store, actor=opener, event_id=test_id, reason=REASON, substances="cocaine;opiates")
    # Checkpoint, up to a running contract.
    start = now - timedelta(days=3)
    w.checkpoint = steps.start_case(
        store,
        actor=opener,
        person_id=w.person,
        pathway="checkpoint",
        event="arrest",
        occurred_at=start,
        values={"site": SITE, "offence": "theft_shop"},
    ).case_id
    for hours, (event, values) in enumerate(
        [("screened", {"result": "eligible"}), ("offered", {}), ("needs_assessed", {"conditions": "drugs"})], start=1
    ):
        steps.record_step(
            store,
            actor=opener,
            case_id=w.checkpoint,
            event=event,
            occurred_at=start + timedelta(hours=hours),
            values=values,
        )
    signed = start + timedelta(hours=5)
    contracts.sign_contract(
        store,
        actor=opener,
        case_id=w.checkpoint,
        starts_on=local_date(signed),
        conditions=["drug_education_programme"],
        occurred_at=signed,
    )
    # A group programme of the service, held at the site, with the person enrolled.
    w.programme = programmes.create_programme(
        store,
        actor=admin,
        code="FREE-1",
        name="Free from drugs",
        first_session_at=now - timedelta(days=14),
        sessions=10,
        service=SERVICE,
        site=SITE,
    ).id
    w.enrolment = programmes.enrol(
        store, actor=setup_worker, programme_id=w.programme, person_id=w.person, occurred_at=now - timedelta(days=15)
    ).case_id
    # The managers' accounts: one granted the notes.
    w.manager_user = accounts.add_user(
        store,
        actor=admin,
        username="mgr.plain",
        display_name="Pat Plain",
        role=Role.MANAGER,
        password=PASSWORD,
        must_change_password=False,  # (as if they had chosen their own since)
    ).id
    w.notes_user = accounts.add_user(
        store,
        actor=admin,
        username="mgr.notes",
        display_name="Nia Notes",
        role=Role.MANAGER,
        password=PASSWORD,
        may_read_notes=True,
        must_change_password=False,
    ).id
    return w


# --- the table: every service, how to call it, the permissions it checks, and what it is about ---------------------

Call = Callable[[World, Actor], Any]
Check = Callable[[World, Any], bool]  # for lists: whether the result holds the seeded record


@dataclass(frozen=True)
class Spec:
    call: Call
    actions: tuple[str, ...]  # the permissions checked, in order; a scope refusal names the first
    target: str | None = None  # the seeded record it is about (SEES), None when only the role decides
    holds: Check | None = None  # lists and searches: filtered, never refused


def _naive(w: World) -> datetime:
    """A time without a zone: an allowed write stops on it (after the role and scope checks), saving nothing."""
    return (w.now - timedelta(minutes=5)).replace(tzinfo=None)


def _reader(actor: Actor) -> tuple[str, ...]:
    return ("manage_programmes",) if actor.may("manage_programmes") else ("record_programme_step",)


def _cases(result: Any) -> set[int]:
    return {getattr(row, "deadline", row).case_id for row in result}


TABLE: dict[str, Spec] = {
    # accounts: administrators only (own password: everyone)
    "accounts.add_user": Spec(
        lambda w, a: accounts.add_user(
            w.store, actor=a, username="", display_name="X", role=Role.MANAGER, password=PASSWORD
        ),
        ("manage_users",),
    ),
    "accounts.reset_password": Spec(
        lambda w, a: accounts.reset_password(w.store, actor=a, user_id=w.manager_user, new_password="short"),
        ("manage_users",),
    ),
    "accounts.set_active": Spec(
        lambda w, a: accounts.set_active(w.store, actor=a, user_id=w.manager_user, active=True), ("manage_users",)
    ),
    "accounts.set_may_read_notes": Spec(
        lambda w, a: accounts.set_may_read_notes(w.store, actor=a, user_id=w.notes_user, granted=True),
        ("manage_users",),
    ),
    "accounts.set_workplace": Spec(
        lambda w, a: accounts.set_workplace(w.store, actor=a, user_id=w.manager_user, place="Aldershot"),
        ("manage_users",),
    ),
    "accounts.find_user": Spec(
        lambda w, a: accounts.find_user(w.store, actor=a, username="nobody.here"), ("manage_users",)
    ),
    "accounts.list_users": Spec(lambda w, a: accounts.list_users(w.store, actor=a), ("manage_users",)),
    "accounts.change_own_password": Spec(
        lambda w, a: accounts.change_own_password(w.store, actor=a, old_password="x", new_password="y"),
        ("change_own_password",),
    ),
    "audit_upkeep.restart_audit_chain": Spec(
        lambda w, a: audit_upkeep.restart_audit_chain(w.store, actor=a), ("restart_audit_chain",)
    ),
    "settings.set_usual_instrument": Spec(
        lambda w, a: settings.set_usual_instrument(
            w.store, actor=a, pathway="checkpoint", event="screened", code="no-such-instrument"
        ),
        ("edit_settings",),
    ),
    "settings.save_settings": Spec(
        lambda w, a: settings.save_settings(w.store, actor=a, idle_minutes=0), ("edit_settings",)
    ),
    "settings.set_idle_lock_minutes": Spec(
        lambda w, a: settings.set_idle_lock_minutes(w.store, actor=a, minutes=0), ("edit_settings",)
    ),
    # lists and searches: filtered to the scope
    "search.search_people": Spec(
        lambda w, a: search.search_people(w.store, actor=a, text="nowak piotr"),
        ("search_people",),
        "person",
        lambda w, r: w.person in r,
    ),
    "search.find_people": Spec(
        lambda w, a: search.find_people(w.store, actor=a, text="nowak piotr", rows=10),
        ("search_people",),
        "person",
        lambda w, r: w.person in r.ids and w.person in r.rows,
    ),
    "search.person_rows": Spec(
        lambda w, a: search.person_rows(w.store, actor=a, ids=[w.person]),
        ("search_people",),
        "person",
        lambda w, r: w.person in r,
    ),
    "people.possible_duplicates": Spec(
        lambda w, a: people.possible_duplicates(
            w.store, actor=a, surname="Nowak", forenames="Piotr", date_of_birth=date(1990, 3, 2)
        ),
        ("view_person",),
        "person",
        lambda w, r: w.person in {p.id for p in r},
    ),
    "people.duplicates_elsewhere": Spec(
        lambda w, a: people.duplicates_elsewhere(
            w.store, actor=a, surname="Nowak", forenames="Piotr", date_of_birth=date(1990, 3, 2)
        ),
        ("register_person",),
        "person",
        lambda w, r: r == 0,  # counted as "elsewhere" exactly when out of scope
    ),
    "worklists.appointments_on": Spec(
        lambda w, a: worklists.appointments_on(w.store, actor=a, day=local_date(w.now + timedelta(days=1))),
        ("view_worklist",),
        "dtoa",
        lambda w, r: w.dtoa in _cases(r),
    ),
    "worklists.appointments_between": Spec(
        lambda w, a: worklists.appointments_between(
            w.store, actor=a, first_day=local_date(w.now), last_day=local_date(w.now + timedelta(days=2))
        ),
        ("view_worklist",),
        "dtoa",
        lambda w, r: w.dtoa in _cases(r),
    ),
    "worklists.overdue_requirements": Spec(
        lambda w, a: worklists.overdue_requirements(w.store, actor=a, now=w.now + timedelta(days=2)),
        ("view_worklist",),
        "dtoa",
        lambda w, r: w.dtoa in _cases(r),
    ),
    "worklists.contracts_ending_soon": Spec(
        lambda w, a: worklists.contracts_ending_soon(w.store, actor=a, days=200),
        ("view_worklist",),
        "checkpoint",
        lambda w, r: w.checkpoint in _cases(r),
    ),
    "worklists.contracts_past_end": Spec(
        lambda w, a: worklists.contracts_past_end(w.store, actor=a, now=w.now + timedelta(days=200)),
        ("view_worklist",),
        "checkpoint",
        lambda w, r: w.checkpoint in _cases(r),
    ),
    "appointments_view.appointments_from": Spec(
        lambda w, a: appointments_view.appointments_from(w.store, actor=a, first_day=local_date(w.now), days=3),
        ("view_worklist",),
        "dtoa",
        lambda w, r: w.dtoa in _cases(r),
    ),
    "appointments_view.overdue_appointments": Spec(
        lambda w, a: appointments_view.overdue_appointments(w.store, actor=a, now=w.now + timedelta(days=2)),
        ("view_worklist",),
        "dtoa",
        lambda w, r: w.dtoa in _cases(r),
    ),
    "tasks.open_tasks": Spec(
        lambda w, a: tasks.open_tasks(w.store, actor=a),
        ("view_worklist",),
        "dtoa",
        lambda w, r: w.task in {t.id for t in r},
    ),
    "programme_register.attendance": Spec(
        lambda w, a: programme_register.attendance(w.store, actor=a, programme_id=w.programme),
        ("record_programme_step",),  # replaced by _reader
        "enrolment",
        lambda w, r: w.enrolment in {row.case_id for row in r.rows},
    ),
    # programmes themselves hold nobody's data: the role decides
    "programmes.create_programme": Spec(
        lambda w, a: programmes.create_programme(
            w.store, actor=a, code="", name="X", first_session_at=w.now, sessions=1
        ),
        ("manage_programmes",),
    ),
    "programmes.list_programmes": Spec(
        lambda w, a: programmes.list_programmes(w.store, actor=a), ("record_programme_step",)
    ),
    "programmes.programme_sessions": Spec(
        lambda w, a: programmes.programme_sessions(w.store, actor=a, programme_id=w.programme),
        ("record_programme_step",),
    ),
    "people.register_person": Spec(
        lambda w, a: people.register_person(
            w.store, actor=a, surname="", forenames="X", date_of_birth=date(1990, 1, 1), sex="M"
        ),
        ("register_person",),
    ),
    # one person
    "people.get_person": Spec(
        lambda w, a: people.get_person(w.store, actor=a, person_id=w.person), ("view_person",), "person"
    ),
    "people.correct_person": Spec(
        lambda w, a: people.correct_person(
            w.store, actor=a, person_id=w.person, reason=" ", expected_version=1, postcode="RG21 4AA"
        ),
        ("correct_person",),
        "person",
    ),
    "records.person_record": Spec(
        lambda w, a: records.person_record(w.store, actor=a, person_id=w.person), ("view_person",), "person"
    ),
    "documents.note_document": Spec(
        lambda w, a: documents.note_document(
            w.store, actor=a, person_id=w.person, document="case_summary:court", sharing=None
        ),
        ("view_person",),
        "person",
    ),
    "case_openings.new_case_check": Spec(
        lambda w, a: case_openings.new_case_check(
            w.store, actor=a, person_id=w.person, pathway="divert", opening=w.now
        ),
        ("view_person",),
        "person",
    ),
    "dtoa.record_arrest": Spec(
        lambda w, a: dtoa.record_arrest(w.store, actor=a, person_id=w.person, occurred_at=w.now, offence=" "),
        ("record_arrest",),
        "person",
    ),
    "steps.start_case": Spec(
        lambda w, a: steps.start_case(
            w.store,
            actor=a,
            person_id=w.person,
            pathway="arrest_referral",
            event="contact",
            occurred_at=w.now,
            values={},  # no reason: the pathway refuses the contact, and the new case is rolled back
        ),
        ("record_referral_step",),
        "person",
    ),
    "programmes.enrol": Spec(
        lambda w, a: programmes.enrol(
            w.store, actor=a, programme_id=w.programme, person_id=w.person, occurred_at=_naive(w)
        ),
        ("record_programme_step",),
        "person",
    ),
    "screening.person_screenings": Spec(
        lambda w, a: screening.person_screenings(w.store, actor=a, person_id=w.person), ("view_person",), "person"
    ),
    # one case
    "records.case_version": Spec(
        lambda w, a: records.case_version(w.store, actor=a, case_id=w.dtoa), ("view_person",), "dtoa"
    ),
    "records.next_steps": Spec(
        lambda w, a: records.next_steps(w.store, actor=a, case_id=w.dtoa), ("view_person",), "dtoa"
    ),
    "screening.case_screenings": Spec(
        lambda w, a: screening.case_screenings(w.store, actor=a, case_id=w.checkpoint), ("view_person",), "checkpoint"
    ),
    "screening.screening_form": Spec(
        lambda w, a: screening.screening_form(w.store, actor=a, case_id=w.checkpoint, event="screened"),
        ("record_screening",),
        "checkpoint",
    ),
    "screening.screen_case": Spec(
        lambda w, a: screening.screen_case(
            w.store, actor=a, case_id=w.checkpoint, instrument="checkpoint-eligibility", answers={}, occurred_at=w.now
        ),
        ("record_screening", "record_checkpoint_step"),
        "checkpoint",
    ),
    "contracts.sign_contract": Spec(
        lambda w, a: contracts.sign_contract(
            w.store, actor=a, case_id=w.checkpoint, starts_on=local_date(w.now), conditions=[], occurred_at=_naive(w)
        ),
        ("sign_contract",),
        "checkpoint",
    ),
    "contracts.contract_progress": Spec(
        lambda w, a: contracts.contract_progress(w.store, actor=a, case_id=w.checkpoint),
        ("view_person",),
        "checkpoint",
    ),
    "contracts.contract_draft": Spec(
        lambda w, a: contracts.contract_draft(w.store, actor=a, case_id=w.checkpoint), ("sign_contract",), "checkpoint"
    ),
    "corrections.correct_event": Spec(
        lambda w, a: corrections.correct_event(w.store, actor=a, event_id=w.event, reason=" "),
        ("correct_event",),
        "dtoa",
    ),
    "corrections.withdraw_event": Spec(
        lambda w, a: corrections.withdraw_event(w.store, actor=a, event_id=w.event, reason=" "),
        ("correct_event",),
        "dtoa",
    ),
    "steps.record_step": Spec(
        lambda w, a: steps.record_step(
            w.store, actor=a, case_id=w.dtoa, event="prosecuted", occurred_at=_naive(w), values={"reason": "other"}
        ),
        ("record_prosecution",),
        "dtoa",
    ),
    "dtoa.record_test": Spec(
        lambda w, a: dtoa.record_test(w.store, actor=a, case_id=w.dtoa, occurred_at=_naive(w), result="negative"),
        ("record_test",),
        "dtoa",
    ),
    "dtoa.last_referral": Spec(lambda w, a: dtoa.last_referral(w.store, actor=a), ("require_assessment",)),
    "dtoa.recent_arrest": Spec(
        lambda w, a: dtoa.recent_arrest(w.store, actor=a, person_id=w.person, at=w.store.clock()), ("record_arrest",)
    ),
    "dtoa.require_assessment": Spec(
        lambda w, a: dtoa.require_assessment(
            w.store,
            actor=a,
            case_id=w.dtoa,
            kind="follow_up",
            due_at=(w.now + timedelta(days=5)).replace(tzinfo=None),
            service=SERVICE,
            place="Clinic",
            occurred_at=_naive(w),
        ),
        ("require_assessment",),
        "dtoa",
    ),
    "dtoa.require_assessments": Spec(
        lambda w, a: dtoa.require_assessments(
            w.store,
            actor=a,
            case_id=w.dtoa,
            due=[("follow_up", (w.now + timedelta(days=5)).replace(tzinfo=None))],
            service=SERVICE,
            place="Clinic",
            occurred_at=_naive(w),
        ),
        ("require_assessment",),
        "dtoa",
    ),
    "dtoa.reschedule_assessment": Spec(
        lambda w, a: dtoa.reschedule_assessment(
            w.store,
            actor=a,
            case_id=w.dtoa,
            kind="initial",
            due_at=(w.now + timedelta(days=3)).replace(tzinfo=None),
            service=SERVICE,
            place="Clinic",
            occurred_at=_naive(w),
            reason="room change",
        ),
        ("reschedule_assessment",),
        "dtoa",
    ),
    "dtoa.record_attendance": Spec(
        lambda w, a: dtoa.record_attendance(
            w.store, actor=a, case_id=w.dtoa, kind="initial", attended=True, occurred_at=_naive(w)
        ),
        ("record_attendance",),
        "dtoa",
    ),
    "dtoa.waive_follow_up": Spec(
        lambda w, a: dtoa.waive_follow_up(w.store, actor=a, case_id=w.dtoa, occurred_at=_naive(w)),
        ("waive_follow_up",),
        "dtoa",
    ),
    "dtoa.start_treatment": Spec(
        lambda w, a: dtoa.start_treatment(w.store, actor=a, case_id=w.dtoa, occurred_at=_naive(w)),
        ("start_treatment",),
        "dtoa",
    ),
    "dtoa.record_prosecution": Spec(
        lambda w, a: dtoa.record_prosecution(
            w.store, actor=a, case_id=w.dtoa, occurred_at=_naive(w), reason="failed_to_attend"
        ),
        ("record_prosecution",),
        "dtoa",
    ),
    "dtoa.close_case": Spec(
        lambda w, a: dtoa.close_case(w.store, actor=a, case_id=w.dtoa, occurred_at=_naive(w), reason="moved away"),
        ("close_case",),
        "dtoa",
    ),
    "tasks.complete_task": Spec(
        lambda w, a: tasks.complete_task(w.store, actor=a, task_id=w.task, note=" "), ("complete_task",), "dtoa"
    ),
    "programme_register.record_register": Spec(
        lambda w, a: programme_register.record_register(
            w.store, actor=a, programme_id=w.programme, session=999, marks={w.enrolment: "present"}
        ),
        ("record_programme_step", "correct_event"),
        "enrolment",
    ),
    # consent (pathways/services/consent.py): about one person
    "consent.consent_for": Spec(
        lambda w, a: consent.consent_for(w.store, actor=a, person_id=w.person), ("view_person",), "person"
    ),
    "consent.record_consent": Spec(
        lambda w, a: consent.record_consent(
            w.store, actor=a, person_id=w.person, answers={("nobody", "nothing"): True}
        ),
        ("record_consent",),
        "person",
    ),
    # retention and the audit trail: administrators only, who see every record (a person not on record here)
    "audit_trail.person_audit_trail": Spec(
        lambda w, a: audit_trail.person_audit_trail(w.store, actor=a, person_id=NOBODY), ("read_audit_trail",)
    ),
    "retention.retention_review_list": Spec(
        lambda w, a: retention.retention_review_list(w.store, actor=a), ("review_retention",)
    ),
    "retention.records_on_hold": Spec(lambda w, a: retention.records_on_hold(w.store, actor=a), ("review_retention",)),
    "erasure.erasures": Spec(lambda w, a: erasure.erasures(w.store, actor=a), ("review_retention",)),
    "retention.identify_record": Spec(
        lambda w, a: retention.identify_record(w.store, actor=a, person_id=NOBODY), ("review_retention",)
    ),
    "retention.place_legal_hold": Spec(
        lambda w, a: retention.place_legal_hold(w.store, actor=a, person_id=NOBODY, reason="court"),
        ("place_legal_hold",),
    ),
    "retention.lift_legal_hold": Spec(
        lambda w, a: retention.lift_legal_hold(w.store, actor=a, person_id=NOBODY, reason="done"),
        ("lift_legal_hold",),
    ),
    "retention.set_retention_period": Spec(
        lambda w, a: retention.set_retention_period(w.store, actor=a, pathway="nowhere", years=0, until_25=False),
        ("edit_reference",),
    ),
    "erasure.erase_person": Spec(
        lambda w, a: erasure.erase_person(w.store, actor=a, person_id=NOBODY, reason="asked"),
        ("erase_person",),
    ),
    # the read side: a written notice of a required assessment
    "notice_data.assessment_notice": Spec(
        lambda w, a: notice_data.assessment_notice(w.store, actor=a, case_id=w.dtoa, kind="initial", given_by="X"),
        ("view_person",),
        "dtoa",
    ),
}

# Functions of pathways/services that take the store but no acting user: nothing about a person or case.
NOT_ACTED = {
    "accounts.needs_first_administrator",  # True while nobody can sign in
    "accounts.create_first_administrator",  # refused once anyone can sign in
    "accounts.sign_in",
    "settings.idle_lock_minutes",
    "settings.current_settings",  # the settings as a screen shows them: nothing about a person
    "settings.usual_instruments",  # the force's chosen screening criteria: nothing about a person
    "contracts.contract_end",
    "people.checked_details",
    "programmes.authorise_reader",  # a helper: the role check of the programme readers
    "consent.ensure_may_share",  # a read-only check of what a print or export may share, run before it
    "consent.audit_sharing_refused",  # the audit entry of a print or export refused for want of consent
}
READERS = {"programmes.list_programmes", "programmes.programme_sessions", "programme_register.attendance"}


def _service_functions() -> set[str]:
    """Every public function of pathways/services whose first parameter is the store."""
    found = set()
    for module_info in pkgutil.iter_modules(pathways.services.__path__):
        module = importlib.import_module(f"pathways.services.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            parameters = list(inspect.signature(function).parameters)
            if parameters and parameters[0] == "store":
                found.add(f"{module_info.name}.{name}")
    return found


def test_every_service_is_in_the_table() -> None:
    services = _service_functions()
    missing = services - set(TABLE) - NOT_ACTED
    assert not missing, f"add these services to TABLE in {__file__}: {sorted(missing)}"
    assert not (set(TABLE) - {"notice_data.assessment_notice"}) - services, "TABLE names a service that is gone"


def _refusals_after(store: Store, last: int, actor: Actor) -> list[AuditEntry]:
    with store.unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.id > last, AuditEntry.actor == actor.username, AuditEntry.outcome == "refused"
                )
            )
        )


def _last_audit(store: Store) -> int:
    with store.unit_of_work() as uow:
        return uow.session.scalar(select(func.max(AuditEntry.id))) or 0


def _try(w: World, name: str, spec: Spec, role: str) -> str | None:
    """None when the call did what the rules say; otherwise what went wrong."""
    actor = ROLES[role]
    actions = _reader(actor) if name in READERS else spec.actions
    forbidden = next((action for action in actions if not actor.may(action)), None)
    out_of_scope = spec.target is not None and role not in SEES[spec.target]
    last = _last_audit(w.store)
    result: Any = None
    stopped: str | None = None
    try:
        result = spec.call(w, actor)
    except NotPermitted as refusal:
        refusals = _refusals_after(w.store, last, actor)
        if forbidden is not None:
            if [(r.action, r.detail) for r in refusals] != [(forbidden, None)]:
                return f"refused by role, but audited {[(r.action, r.detail) for r in refusals]}"
            return None
        if not out_of_scope or spec.holds is not None:
            return f"refused, but should work: {refusal.message}"
        if refusal.message not in (CASE_REFUSED, PERSON_REFUSED):
            return f"refused with an unexpected message: {refusal.message}"
        if [(r.action, r.detail) for r in refusals] != [(actions[0], OUT_OF_SCOPE)]:
            return f"out of scope, but audited {[(r.action, r.detail) for r in refusals]}"
        return None
    except PathwaysError as error:  # allowed, and stopped by a plain check of what was given
        stopped = error.message
    if forbidden is not None:
        return f"the role may not {forbidden}, but it was not refused ({stopped or 'it worked'})"
    if _refusals_after(w.store, last, actor):
        return "not refused, yet a refusal was audited"
    if spec.holds is not None:
        if stopped is not None:
            return f"a list failed: {stopped}"
        if spec.holds(w, result) != (role in SEES[spec.target or "person"]) and spec.target is not None:
            return f"the list {'leaves out' if role in SEES[spec.target] else 'shows'} the seeded record"
        return None
    if out_of_scope:
        return f"out of scope, but not refused ({stopped or 'it worked'})"
    return None


def test_every_role_against_every_service(world: World) -> None:
    problems = []
    for name, spec in TABLE.items():
        for role in ROLES:
            problem = _try(world, name, spec, role)
            if problem is not None:
                problems.append(f"{name} as {role}: {problem}")
    assert problems == []


def _all_text(record: records.PersonRecord) -> str:
    parts = [change.reason for change in record.changes]
    for case in record.cases:
        for entry in case.timeline:
            parts += [entry.details, entry.correction_reason or ""]
    return "\n".join(parts)


def test_a_manager_reads_notes_only_when_granted(world: World, admin: Actor) -> None:
    store = world.store
    plain, granted = ROLES["manager"], ROLES["manager granted notes"]
    hidden = _all_text(records.person_record(store, actor=plain, person_id=world.person))
    shown = _all_text(records.person_record(store, actor=granted, person_id=world.person))
    assert NOTE not in hidden and REASON not in hidden and "Notes:" not in hidden
    assert NOTE in shown and REASON in shown
    navigator = _all_text(records.person_record(store, actor=ROLES["navigator at the site"], person_id=world.person))
    assert NOTE in navigator and REASON in navigator
    # Withdrawn, it counts at the manager's next look, without signing in again.
    accounts.set_may_read_notes(store, actor=admin, user_id=world.notes_user, granted=False)
    assert NOTE not in _all_text(records.person_record(store, actor=granted, person_id=world.person))
    accounts.set_may_read_notes(store, actor=admin, user_id=world.manager_user, granted=True)
    assert NOTE in _all_text(records.person_record(store, actor=plain, person_id=world.person))


def _exported_notes(store: Store, actor: Actor, folder: Path) -> list[str]:
    export_dataset(store, actor=actor, folder=folder, selection=ExportFilter(), sharing=OWN_RECORDS)
    with (folder / "events.csv").open(encoding="utf-8") as handle:
        return [row["notes"] for row in csv.DictReader(handle)]


def test_the_export_leaves_out_notes_for_a_manager_not_granted(world: World, tmp_path: Path) -> None:
    plain = _exported_notes(world.store, ROLES["manager"], tmp_path / "plain")
    granted = _exported_notes(world.store, ROLES["manager granted notes"], tmp_path / "granted")
    assert len(plain) == len(granted) > 0
    assert not any(NOTE in notes for notes in plain) and any(NOTE in notes for notes in granted)
    assert any("Place: Clinic, Basingstoke" in notes for notes in plain)  # not free text: kept


def test_a_granted_manager_signs_in_with_the_grant(world: World) -> None:
    signed = accounts.sign_in(world.store, username="mgr.notes", password=PASSWORD, workstation="office-b")
    assert signed.may_read_notes and signed.role is Role.MANAGER
    plain = accounts.sign_in(world.store, username="mgr.plain", password=PASSWORD, workstation="office-a")
    assert not plain.may_read_notes
    with pytest.raises(PathwaysError, match="Only a manager"):
        accounts.set_may_read_notes(
            world.store, actor=ROLES["administrator"], user_id=_user(world, "admin"), granted=True
        )


def _user(world: World, role: str) -> int:
    view = accounts.add_user(
        world.store,
        actor=ROLES["administrator"],
        username="nav.added",
        display_name="Ned Added",
        role=Role.CUSTODY_NAVIGATOR,
        password=PASSWORD,
        site=SITE,
    )
    return view.id


def test_search_finds_each_site_its_own_people(world: World) -> None:
    store = world.store
    here = search.search_people(store, actor=ROLES["navigator at the site"], text="nowak")
    there = search.search_people(store, actor=ROLES["navigator elsewhere"], text="nowak")
    # nav.elsewhere is at Southampton, but Southampton's case was opened by another navigator there: in scope.
    assert here == [world.person] and there == [world.other_person]
    assert set(search.search_people(store, actor=ROLES["manager"], text="nowak")) == {world.person, world.other_person}
    duplicates = people.possible_duplicates(
        store, actor=ROLES["navigator elsewhere"], surname="Nowak", forenames="Piotr", date_of_birth=date(1990, 3, 2)
    )
    assert world.person not in {p.id for p in duplicates}


def test_a_refusal_names_no_personal_data(world: World) -> None:
    actor = ROLES["navigator elsewhere"]
    with pytest.raises(NotPermitted, match="another site or service"):
        records.person_record(world.store, actor=actor, person_id=world.person)
    with world.store.unit_of_work() as uow:
        entry = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert (entry.actor, entry.action, entry.outcome, entry.detail) == (
        actor.username,
        "view_person",
        "refused",
        OUT_OF_SCOPE,
    )
    assert (entry.record_type, entry.record_id) == ("person", world.person)


def _password_set_by_an_administrator(world: World) -> None:
    """Every role's account as just reset, or just added, by an administrator."""
    with world.store.unit_of_work() as uow:
        held = {user.username: user for user in uow.session.scalars(select(User))}
        for actor in ROLES.values():
            user = held.get(actor.username)
            if user is None:
                user = User(
                    username=actor.username,
                    display_name=actor.username,
                    role=actor.role.value,
                    site=actor.site,
                    service=actor.service,
                    password_hash=None,
                    is_os_account=False,
                    active=True,
                    created_at=world.now,
                )
                uow.session.add(user)
            user.must_change_password = True
        uow.commit()


def test_while_a_password_set_by_an_administrator_is_unchanged_every_service_is_refused(world: World) -> None:
    """Until they choose their own password, every role is refused every service (lists and searches too), each
    refusal audited as such; changing their own password is the one service not refused. Their actor says nothing
    of it (the accounts are checked, not what the window was told at sign-in)."""
    _password_set_by_an_administrator(world)
    problems = []
    for name, spec in TABLE.items():
        for role, actor in ROLES.items():
            last = _last_audit(world.store)
            try:
                spec.call(world, actor)
            except NotPermitted as refusal:
                audited = [r.detail for r in _refusals_after(world.store, last, actor)]
                if name == "accounts.change_own_password":
                    problems.append(f"{name} as {role}: refused ({refusal.message})")
                elif audited != [TEMPORARY_PASSWORD] or "choose one of your own" not in refusal.message:
                    problems.append(f"{name} as {role}: refused with {refusal.message!r}, audited {audited}")
            except PathwaysError as error:
                if name != "accounts.change_own_password":
                    problems.append(f"{name} as {role}: not refused ({error.message})")
            else:
                if name != "accounts.change_own_password":
                    problems.append(f"{name} as {role}: not refused (it worked)")
    assert problems == []
