"""Retention: the review list of records past their retention period, legal holds, and the periods themselves.
Administrators only. Erasing a record is pathways/services/erasure.py.

A record is due for review when its retention period has ended (pathways/retention.py). A record on legal hold is
never erased, and neither is one with a case still open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from db.models import (
    Case,
    Event,
    LegalHold,
    Person,
    ReferenceItem,
)
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.clock import format_local, local_date, local_datetime
from pathways.errors import InvalidInput, NotFound
from pathways.reference import retention_periods
from pathways.retention import (
    LIST_NAME,
    YEARS_RANGE,
    CaseSummary,
    RetentionPeriod,
    due_on,
    is_due,
    shortest_years,
)
from pathways.scope import require_person_visible
from pathways.services.concurrency import lock_person, reading, saving
from pathways.store import Store
from pathways.text_limits import FREE_TEXT_LONGEST, text_problem
from pathways.tombstones import erased_case_ids

CHUNK = 500


@dataclass(frozen=True)
class HoldView:
    reason: str
    placed_at: datetime
    placed_by: str


@dataclass(frozen=True)
class RecordDue:
    """A person's record as the review list shows it."""

    person_id: int
    version: int
    name: str
    date_of_birth: date
    case_count: int
    pathways: tuple[str, ...]  # the codes of their cases' pathways, each once (the screens show their names)
    last_activity: date
    due_on: date | None  # None: a case is still open
    hold: HoldView | None


@dataclass(frozen=True)
class CaseLine:
    """One of a person's cases, as a confirmation names it."""

    case_id: int
    pathway: str  # the pathway's code
    reference: str
    closed: bool


@dataclass(frozen=True)
class RecordIdentity:
    """Who a person number is, for an administrator to check before placing a legal hold on the record or erasing
    it: one wrong digit must not act on someone else."""

    record: RecordDue
    surname: str
    cases: tuple[CaseLine, ...]  # the earliest first
    due: bool  # past its retention period today (erasing it is not early)


def _display_name(person: Person) -> str:
    return f"{person.surname.upper()}, {person.forenames}"


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def active_holds(session: Session, person_ids: Sequence[int] | None = None) -> dict[int, HoldView]:
    query = select(LegalHold).where(LegalHold.lifted_at.is_(None))
    holds: dict[int, HoldView] = {}
    groups: Iterable[Sequence[int] | None] = [None] if person_ids is None else _chunks(person_ids)
    for group in groups:
        chosen = query if group is None else query.where(LegalHold.person_id.in_(group))
        for hold in session.scalars(chosen):
            holds[hold.person_id] = HoldView(hold.reason, hold.placed_at, hold.placed_by)
    return holds


def assess(
    session: Session, periods: dict[str, RetentionPeriod], person_ids: Sequence[int], holds: dict[int, HoldView]
) -> list[RecordDue]:
    """Each person's record with the day it becomes due (None while a case is open)."""
    records: list[RecordDue] = []
    for group in _chunks(person_ids):
        cases: dict[int, list[CaseSummary]] = {}
        for person_id, pathway, closed in session.execute(
            select(Case.person_id, Case.pathway, Case.closed).where(Case.person_id.in_(group))
        ):
            cases.setdefault(person_id, []).append(CaseSummary(pathway, bool(closed)))
        latest = {
            person_id: max(m for m in (recorded, occurred) if m is not None)
            for person_id, recorded, occurred in session.execute(
                select(Case.person_id, func.max(Event.recorded_at), func.max(Event.occurred_at))
                .join(Event, Event.case_id == Case.id)
                .where(Case.person_id.in_(group))
                .group_by(Case.person_id)
            )
        }
        for person in session.scalars(select(Person).where(Person.id.in_(group)).order_by(Person.id)):
            held = cases.get(person.id, [])
            last = local_date(latest.get(person.id, person.created_at))
            records.append(
                RecordDue(
                    person_id=person.id,
                    version=person.version,
                    name=_display_name(person),
                    date_of_birth=person.date_of_birth,
                    case_count=len(held),
                    pathways=tuple(sorted({c.pathway for c in held})),
                    last_activity=last,
                    due_on=due_on(periods, date_of_birth=person.date_of_birth, cases=held, last_activity=last),
                    hold=holds.get(person.id),
                )
            )
    return records


def _candidates(session: Session, before: datetime) -> list[int]:
    """People with no open case and nothing recorded since `before`: the only ones who can be due."""
    open_cases = func.sum(case((Case.closed.is_(False), 1), else_=0))
    with_cases = session.scalars(
        select(Case.person_id)
        .join(Event, Event.case_id == Case.id)
        .group_by(Case.person_id)
        .having(open_cases == 0, func.max(Event.recorded_at) < before, func.max(Event.occurred_at) < before)
    ).all()
    without_cases = session.scalars(
        select(Person.id).where(Person.created_at < before, ~exists().where(Case.person_id == Person.id))
    ).all()
    return sorted({*with_cases, *without_cases})


def retention_review_list(store: Store, *, actor: Actor) -> list[RecordDue]:
    """People whose records are past their retention period and not on legal hold, the longest overdue first."""
    authorise(store.session_factory, actor, "review_retention", store.clock)
    periods = retention_periods(store)
    today = local_date(store.clock())
    before = local_datetime(today - relativedelta(years=shortest_years(periods)) + timedelta(days=1))

    def read() -> list[RecordDue]:  # the review is audited, so this is a (small) write
        with store.unit_of_work().for_writing() as uow:
            ids = _candidates(uow.session, before)
            holds = active_holds(uow.session, ids)
            assessed = assess(uow.session, periods, [i for i in ids if i not in holds], holds)
            due = sorted((r for r in assessed if is_due(r.due_on, today)), key=lambda r: (r.due_on, r.person_id))
            write_audit(uow.session, actor, "review_retention", store.clock(), detail=f"{len(due)} due")
            uow.commit()
            return due

    return reading(read)


def records_on_hold(store: Store, *, actor: Actor) -> list[RecordDue]:
    """People whose records are on legal hold, with the day each would otherwise be due."""
    authorise(store.session_factory, actor, "review_retention", store.clock)
    periods = retention_periods(store)
    with store.unit_of_work() as uow:
        holds = active_holds(uow.session)
        records = assess(uow.session, periods, sorted(holds), holds)
    return sorted(records, key=lambda r: (holds[r.person_id].placed_at, r.person_id))


def identify_record(store: Store, *, actor: Actor, person_id: int) -> RecordIdentity:
    """Who the person numbered `person_id` is (name, date of birth, cases, retention), so that an administrator
    sees whose record it is before acting on it. NotFound, naming the number, when no such person is held. The
    look-up is audited, with the record's id only, as the review list's reading is."""
    authorise(store.session_factory, actor, "review_retention", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "review_retention", store.clock)
    periods = retention_periods(store)

    def read() -> RecordIdentity:
        with store.unit_of_work().for_writing() as uow:
            session = uow.session
            person = session.get(Person, person_id)
            if person is None:
                erased_at = erased_case_ids(session, person_id)[1]
                gone = f": it was erased on {format_local(erased_at, with_time=False)}" if erased_at else ""
                raise NotFound(
                    f"No record of a person numbered {person_id} is held{gone}. Check the number: the Person column "
                    "of the lists shows it."
                )
            record = assess(session, periods, [person.id], active_holds(session, [person.id]))[0]
            cases = session.scalars(
                select(Case).where(Case.person_id == person.id).order_by(Case.first_event_at, Case.id)
            )
            lines = tuple(CaseLine(c.id, c.pathway, c.case_ref, bool(c.closed)) for c in cases)
            write_audit(
                session,
                actor,
                "review_retention",
                store.clock(),
                record_type="person",
                record_id=person.id,
                detail="looked up",
            )
            uow.commit()
            return RecordIdentity(record, person.surname, lines, is_due(record.due_on, local_date(store.clock())))

    return reading(read)


def checked_reason(text: str, what: str) -> str:
    """The reason given for `what` (a hold, lifting it, an erasure), its spacing made single; refused in words when
    missing, holding control characters (PostgreSQL refuses a NUL outright) or longer than free text may be."""
    problem = text_problem(text, "reason", FREE_TEXT_LONGEST, multiline=True)
    if problem:
        raise InvalidInput(f"{what}: {problem[:1].lower()}{problem[1:]} Nothing was changed.")
    reason = " ".join(text.split())
    if not reason:
        raise InvalidInput(f"{what} needs a reason.")
    return reason


def place_legal_hold(store: Store, *, actor: Actor, person_id: int, reason: str) -> HoldView:
    """Put the person's record on legal hold: it is not erased, however old, until the hold is lifted."""
    authorise(store.session_factory, actor, "place_legal_hold", store.clock)
    why = checked_reason(reason, "A legal hold")

    def write() -> HoldView:
        with store.unit_of_work().for_writing() as uow:
            person = lock_person(uow.session, person_id, None, store.clock())
            current = active_holds(uow.session, [person.id]).get(person.id)
            if current is not None:
                raise InvalidInput(
                    f"This record is already on legal hold, placed by {current.placed_by} on "
                    f"{format_local(current.placed_at, with_time=False)}."
                )
            hold = LegalHold(person_id=person.id, reason=why, placed_at=store.clock(), placed_by=actor.username)
            uow.session.add(hold)
            uow.session.flush()
            write_audit(
                uow.session, actor, "place_legal_hold", store.clock(), record_type="person", record_id=person.id
            )
            uow.commit()
            return HoldView(hold.reason, hold.placed_at, hold.placed_by)

    return saving(write)


def lift_legal_hold(store: Store, *, actor: Actor, person_id: int, reason: str) -> None:
    """Lift the legal hold on the person's record; the hold stays on record as lifted, by whom and why."""
    authorise(store.session_factory, actor, "lift_legal_hold", store.clock)
    why = checked_reason(reason, "Lifting a legal hold")

    def write() -> None:
        with store.unit_of_work().for_writing() as uow:
            person = lock_person(uow.session, person_id, None, store.clock())
            hold = uow.session.scalars(
                select(LegalHold).where(LegalHold.person_id == person.id, LegalHold.lifted_at.is_(None))
            ).first()
            if hold is None:
                raise InvalidInput("This record is not on legal hold.")
            hold.lifted_at, hold.lifted_by, hold.lift_reason = store.clock(), actor.username, why
            write_audit(uow.session, actor, "lift_legal_hold", store.clock(), record_type="person", record_id=person.id)
            uow.commit()

    saving(write)


def set_retention_period(store: Store, *, actor: Actor, pathway: str, years: int, until_25: bool) -> RetentionPeriod:
    """Change how long a pathway's records are kept (reference data; audited as a reference-list change)."""
    authorise(store.session_factory, actor, "edit_reference", store.clock)
    store.definition(pathway)  # a known pathway, or NotFound naming the known ones
    low, high = YEARS_RANGE
    if not low <= years <= high:
        raise InvalidInput(f"A retention period is a whole number of years from {low} to {high}.")

    def write() -> RetentionPeriod:
        with store.unit_of_work().for_writing() as uow:
            item = uow.session.scalar(
                select(ReferenceItem).where(ReferenceItem.list_name == LIST_NAME, ReferenceItem.code == pathway)
            )
            if item is None:
                item = ReferenceItem(list_name=LIST_NAME, code=pathway, source_version=0)
                uow.session.add(item)
            item.label, item.flag, item.active = str(years), until_25, True
            item.updated_at, item.updated_by = store.clock(), actor.username
            uow.session.flush()
            write_audit(uow.session, actor, "edit_reference", store.clock(), record_type="reference", record_id=item.id)
            uow.commit()
            return RetentionPeriod(pathway, years, until_25)

    return saving(write)
