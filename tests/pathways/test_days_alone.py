"""A moment given as a day alone (an import may give one; the end of a court order is typed as one) stays one as
the case goes on: through a correction that leaves it as it was, in the deadlines it sets, on the overdue list
(not overdue until its day has passed) and on the printed notice. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from db.models import Case, OpenDeadline
from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.errors import StepNotAllowed
from pathways.services import people
from pathways.services.corrections import correct_event
from pathways.services.dtoa import record_attendance
from pathways.services.records import person_record
from pathways.services.steps import start_case
from pathways.services.worklists import overdue_requirements
from pathways.store import Store
from reports.attendance import write_failure_to_attend_summary
from reports.notice import write_notice
from reports.notice_data import assessment_notice
from tests.conftest import Clock
from tests.day_alone_case import import_day_alone_case


def _index(store: Store, case_id: int) -> list[tuple[datetime, bool]]:
    with store.unit_of_work() as uow:
        query = select(OpenDeadline.due_at, OpenDeadline.due_time_known).where(OpenDeadline.case_id == case_id)
        return [(due.astimezone(LONDON), known) for due, known in uow.session.execute(query)]


def _requirement_id(store: Store, worker: Actor, case_id: int) -> int:
    record = person_record(store, actor=worker, person_id=_person_id(store))
    (case,) = [c for c in record.cases if c.id == case_id]
    return next(e.original_id for e in case.timeline if e.name == "assessment_required")


def _person_id(store: Store) -> int:
    with store.unit_of_work() as uow:
        return int(uow.session.scalars(select(Case.person_id).where(Case.case_ref == "DAY-1")).one())


def test_a_correction_leaving_the_day_keeps_it_a_day_and_one_giving_a_time_makes_it_timed(
    store: Store, worker: Actor
) -> None:
    case_id = import_day_alone_case(store, "2026-12-03")
    day = datetime(2026, 12, 3, tzinfo=LONDON)
    assert _index(store, case_id) == [(day, False)]
    requirement = _requirement_id(store, worker, case_id)
    correct_event(store, actor=worker, event_id=requirement, reason="a note was missed", notes="rang to confirm")
    assert _index(store, case_id) == [(day, False)]  # the notes corrected; the day left as it was
    record = person_record(store, actor=worker, person_id=_person_id(store))
    (deadline,) = record.cases[0].deadlines
    assert (deadline.due_at, deadline.due_time_known) == (day, False)
    at_two = datetime(2026, 12, 3, 14, 30, tzinfo=LONDON)
    correct_event(store, actor=worker, event_id=requirement, reason="the service gave a time", due_at=at_two)
    assert _index(store, case_id) == [(at_two, True)]


def test_a_day_alone_is_overdue_only_once_its_day_has_passed(store: Store, worker: Actor, clock: Clock) -> None:
    case_id = import_day_alone_case(store, "2026-11-29")  # the clock says 29 Nov 2026 12:00 (UTC): the day itself
    assert overdue_requirements(store, actor=worker) == []
    clock.at = datetime(2026, 11, 30, 0, 1, tzinfo=LONDON)
    (late,) = overdue_requirements(store, actor=worker)
    assert late.case_id == case_id and late.due_time_known is False
    assert late.overdue_at == datetime(2026, 11, 30, tzinfo=LONDON)


def test_a_timed_appointment_is_overdue_from_its_time(store: Store, worker: Actor) -> None:
    case_id = import_day_alone_case(store, "2026-11-29T09:00")  # 09:00 on the clock's day, which says 12:00
    (late,) = overdue_requirements(store, actor=worker)
    assert late.case_id == case_id and late.due_time_known and late.overdue_at == late.due_at


def test_review_hearings_keep_the_time_of_the_order_not_whether_its_end_had_one(store: Store, worker: Actor) -> None:
    person = people.register_person(
        store, actor=worker, surname="Graham", forenames="Lee", date_of_birth=datetime(1990, 1, 2).date(), sex="M"
    )
    order = start_case(
        store,
        actor=worker,
        person_id=person.id,
        pathway="drr",
        event="order_made",
        occurred_at=datetime(2026, 11, 20, 11, 0, tzinfo=LONDON),
        values={"site": "Basingstoke Magistrates' Court", "service": "Inclusion Hampshire", "kind": "weekly"}
        | {"result": "with_reviews"},
        due_at=datetime(2027, 11, 19, tzinfo=LONDON),
        due_time_known=False,  # the end of the order, typed as a day
    )
    (hearing,) = [d for d in order.deadlines if d.label.startswith("Review hearing")]
    assert hearing.due_at.astimezone(LONDON).hour == 11 and hearing.due_time_known  # at the order's 11:00


def test_the_notice_of_an_appointment_given_as_a_day_names_the_day_alone(
    store: Store, worker: Actor, tmp_path: Path
) -> None:
    case_id = import_day_alone_case(store, "2026-12-03")
    notice = assessment_notice(store, actor=worker, case_id=case_id, kind="initial", given_by="PC 1 Test")
    path = tmp_path / "notice.pdf"
    write_notice(path, notice)
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)
    assert "WHEN Thursday 3 December 2026" in text and "3 December 2026 at 00:00" not in text


def _pdf_words(path: Path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_the_police_summary_of_a_missed_day_names_the_days_and_prints_a_known_midnight(
    store: Store, worker: Actor, clock: Clock, tmp_path: Path
) -> None:
    case_id = import_day_alone_case(store, "2026-12-03")
    clock.at = datetime(2026, 12, 6, 10, 0, tzinfo=LONDON)
    missed_on = datetime(2026, 12, 4, tzinfo=LONDON)  # recorded as a day alone, as A and M record one
    record_attendance(
        store, actor=worker, case_id=case_id, kind="initial", attended=False, occurred_at=missed_on,
        occurred_time_known=False,
    )  # fmt: skip
    record = person_record(store, actor=worker, person_id=_person_id(store))
    path = tmp_path / "fta.pdf"
    write_failure_to_attend_summary(path, record, case_id, prepared_by="PC 1 Test", as_of=clock.at)
    text = _pdf_words(path)
    assert "assessment due on Thursday 3 December 2026 with Inclusion Hampshire" in text
    assert (
        "Failed to attend or remain: Fri 4 Dec 2026" in text and "The failure was recorded on 4 December 2026." in text
    )
    assert "00:00" not in text  # no day alone is printed as midnight
    assert "Arrested 25 November 2026 at 14:00, Basingstoke" in text  # a time given is printed

    at_midnight = datetime(2026, 12, 5, 0, 0, tzinfo=LONDON)  # a time given that happens to be midnight is kept
    correct_event(
        store, actor=worker, event_id=_missed_id(store, worker), reason="seen at the door", occurred_at=at_midnight
    )
    record = person_record(store, actor=worker, person_id=_person_id(store))
    write_failure_to_attend_summary(path, record, case_id, prepared_by="PC 1 Test", as_of=clock.at)
    assert "The failure was recorded on 5 December 2026 at 00:00." in _pdf_words(path)


def _missed_id(store: Store, worker: Actor) -> int:
    record = person_record(store, actor=worker, person_id=_person_id(store))
    return next(e.original_id for e in record.cases[0].timeline if e.name == "assessment_missed")


def test_a_day_alone_in_the_future_is_refused_naming_the_day(store: Store, worker: Actor) -> None:
    case_id = import_day_alone_case(store, "2026-12-03")  # the clock says 29 Nov 2026
    with pytest.raises(StepNotAllowed) as refused:
        record_attendance(
            store, actor=worker, case_id=case_id, kind="initial", attended=True,
            occurred_at=datetime(2026, 12, 3, tzinfo=LONDON), occurred_time_known=False,
        )  # fmt: skip
    assert refused.value.message == "The day given (3 Dec 2026) is in the future."
