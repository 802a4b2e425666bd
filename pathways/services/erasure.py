"""Erasure: a person's record removed for good, when its retention period has ended or on a request to erase it.
Administrators only.

Erasure removes everything that held the person's data, in one transaction: the person, the words of their name
in the search index, the corrections of their details, their consents to share, their legal holds (lifted ones),
their cases (programme enrolments included), the cases' events, screenings, tasks, open deadlines and cohort-figure
rows. What stays is a tombstone (table `erasures`: the former person and case ids, who erased the record, when,
on what basis and how many rows went) and the audit log, which holds record ids only and is never deleted from.
On SQLite the erasure runs with `secure_delete` on and the write-ahead log is emptied afterwards, so the erased
values do not linger in the database file. Cohort figures from then on simply do not count the erased cases.

A record is erased when it is due for review (pathways/retention.py) and not on legal hold; or, on a request
to erase it (a right-to-erasure request), before then. A record on legal hold is never erased, and neither is
one with a case still open. The reason is kept on the tombstone, so it must not name the person.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, delete, func, select, text, update
from sqlalchemy.orm import Session

from db.models import (
    Case,
    CaseFigures,
    Consent,
    Erasure,
    Event,
    LegalHold,
    OpenDeadline,
    Person,
    PersonChange,
    PersonWord,
    Screening,
    Task,
)
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.clock import format_local, local_date, local_datetime
from pathways.errors import InvalidInput, PathwaysError
from pathways.figure_index import drop_rows
from pathways.reference import retention_periods
from pathways.retention import is_due
from pathways.services.concurrency import lock_person, saving
from pathways.services.retention import active_holds, assess, checked_reason
from pathways.store import Store

BASIS_RETENTION = "retention"  # the retention period had ended
BASIS_REQUEST = "request"  # erased on request before the period ended
PROGRAMME_PATHWAY = "group_programme"


class LegalHoldOn(PathwaysError):
    """The record is on legal hold, so it cannot be erased."""


@dataclass(frozen=True)
class ErasureView:
    person_id: int
    erased_at: datetime
    basis: str
    counts: dict[str, int]
    case_ids: tuple[int, ...]


def _names_the_person(reason: str, person: Person) -> bool:
    words = set(re.findall(r"\w+", reason.casefold()))
    names = {w for w in re.findall(r"\w+", f"{person.surname} {person.forenames}".casefold()) if len(w) > 1}
    numbers = {n.casefold().replace(" ", "") for n in (person.nhs_number, person.pnc_id, person.person_ref) if n}
    squeezed = reason.casefold().replace(" ", "")
    return bool(words & names) or any(n in squeezed for n in numbers)


def _removed(session: Session, statement: Executable) -> int:
    return int(
        cast(CursorResult[Any], session.execute(statement, execution_options={"synchronize_session": False})).rowcount
    )


def _erase_rows(session: Session, person_id: int) -> tuple[list[int], dict[str, int]]:
    """Delete every row that holds the person's data; the ids of their former cases, and rows removed per table."""
    case_ids = list(session.scalars(select(Case.id).where(Case.person_id == person_id).order_by(Case.id)))
    enrolments = session.scalar(
        select(func.count()).select_from(Case).where(Case.person_id == person_id, Case.pathway == PROGRAMME_PATHWAY)
    )
    counts: dict[str, int] = {"programme_enrolments": int(enrolments or 0)}
    by_case = Case.id.in_(case_ids)
    if case_ids:
        counts["tasks"] = _removed(session, delete(Task).where(Task.case_id.in_(case_ids)))
        counts["screenings"] = _removed(session, delete(Screening).where(Screening.case_id.in_(case_ids)))
        counts["open_deadlines"] = _removed(session, delete(OpenDeadline).where(OpenDeadline.case_id.in_(case_ids)))
        counts["case_figures"] = drop_rows(session, CaseFigures.case_id.in_(case_ids))
        session.execute(
            update(Event).where(Event.case_id.in_(case_ids)).values(corrects_id=None),
            execution_options={"synchronize_session": False},
        )
        counts["events"] = _removed(session, delete(Event).where(Event.case_id.in_(case_ids)))
        counts["cases"] = _removed(session, delete(Case).where(by_case))
    counts["person_words"] = _removed(session, delete(PersonWord).where(PersonWord.person_id == person_id))
    counts["person_changes"] = _removed(session, delete(PersonChange).where(PersonChange.person_id == person_id))
    counts["legal_holds"] = _removed(session, delete(LegalHold).where(LegalHold.person_id == person_id))
    counts["consents"] = _removed(session, delete(Consent).where(Consent.person_id == person_id))
    counts["people"] = _removed(session, delete(Person).where(Person.id == person_id))
    return case_ids, counts


def _empty_sqlite_log(store: Store) -> None:
    """SQLite: copy the write-ahead log into the database file and empty it, so no erased page lingers there."""
    if store.engine.dialect.name != "sqlite":
        return
    with store.engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def erase_person(
    store: Store,
    *,
    actor: Actor,
    person_id: int,
    reason: str,
    on_request: bool = False,
    expected_version: int | None = None,
) -> ErasureView:
    """Erase the person's record (see the module's docstring), leaving a tombstone and an audit entry.

    Refused, changing nothing, when the record is on legal hold, when a case is still open, or when it is not
    yet due for review and this is not an erasure on request."""
    authorise(store.session_factory, actor, "erase_person", store.clock)
    why = checked_reason(reason, "An erasure")
    periods = retention_periods(store)

    def write() -> ErasureView:
        with store.unit_of_work().for_writing() as uow:
            session = uow.session
            if session.get_bind().dialect.name == "sqlite":
                session.execute(text("PRAGMA secure_delete = ON"))  # erased values are overwritten, not left
            person = lock_person(session, person_id, expected_version, store.clock())
            hold = active_holds(session, [person.id]).get(person.id)
            if hold is not None:
                raise LegalHoldOn(
                    f"This record is on legal hold (placed by {hold.placed_by} on "
                    f"{format_local(hold.placed_at, with_time=False)}: {hold.reason}), so it cannot be erased. "
                    "Nothing was changed. The hold must be lifted first."
                )
            record = assess(session, periods, [person.id], {})[0]
            today = local_date(store.clock())
            if record.due_on is None:
                raise InvalidInput(
                    "This person has a case still open, so their record cannot be erased. Nothing was changed."
                )
            if not on_request and not is_due(record.due_on, today):
                when = format_local(local_datetime(record.due_on), with_time=False)
                raise InvalidInput(
                    f"This record is not due for erasure until {when}. "
                    "Nothing was changed. To erase it now, for example on a request to erase, say it is on request."
                )
            if _names_the_person(why, person):
                raise InvalidInput(
                    "The reason is kept after the record is erased, so it must not name the person or give their "
                    "numbers. Give a reference instead (for example the request's reference)."
                )
            basis = BASIS_RETENTION if is_due(record.due_on, today) else BASIS_REQUEST
            case_ids, counts = _erase_rows(session, person.id)
            session.expunge(person)
            erased_at = store.clock()
            session.add(
                Erasure(
                    person_id=person_id,
                    erased_at=erased_at,
                    erased_by=actor.username,
                    basis=basis,
                    reason=why,
                    case_count=len(case_ids),
                    counts=json.dumps({"cases": case_ids, "rows": counts}, sort_keys=True),
                )
            )
            detail = json.dumps({"basis": basis, "cases": case_ids, "rows": counts}, sort_keys=True)
            write_audit(
                session, actor, "erase_person", erased_at, record_type="person", record_id=person_id, detail=detail
            )
            uow.commit()
            return ErasureView(person_id, erased_at, basis, counts, tuple(case_ids))

    try:
        erased = saving(write)
    except (LegalHoldOn, InvalidInput) as refusal:  # the attempt is audited; the record is as it was
        _audit_refusal(store, actor, person_id, "legal hold" if isinstance(refusal, LegalHoldOn) else "not erasable")
        raise
    _empty_sqlite_log(store)
    return erased


def _audit_refusal(store: Store, actor: Actor, person_id: int, detail: str) -> None:
    with store.unit_of_work().for_writing() as uow:
        write_audit(
            uow.session,
            actor,
            "erase_person",
            store.clock(),
            record_type="person",
            record_id=person_id,
            outcome="refused",
            detail=detail,
        )
        uow.commit()


def erasures(store: Store, *, actor: Actor) -> list[ErasureView]:
    """The tombstones of erased records, the latest first: for reports of how many records were erased."""
    authorise(store.session_factory, actor, "review_retention", store.clock)
    with store.unit_of_work() as uow:
        rows = uow.session.scalars(select(Erasure).order_by(Erasure.erased_at.desc(), Erasure.id.desc())).all()
        views = []
        for row in rows:
            held = json.loads(row.counts)
            views.append(ErasureView(row.person_id, row.erased_at, row.basis, dict(held["rows"]), tuple(held["cases"])))
        return views
