"""An offence is shown by the offences list's label wherever a record is read: the arrest screen records the label,
but an import may give the list's code ("theft_shop"), which the record, the case summary and the police's
failure-to-attend summary must not print as "theft shop". Text that is not a listed code is shown as it was given.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from db.models import Case
from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.services.corrections import correct_event
from pathways.services.dtoa import record_attendance
from pathways.services.records import person_record
from pathways.store import Store
from reports.attendance import write_failure_to_attend_summary
from tests.conftest import Clock
from tests.day_alone_case import import_day_alone_case

THEFT_FROM_SHOP = "Theft from shop (Theft Act 1968 s.1)"  # the seeded list's label of the code theft_shop


def _offence_shown(store: Store, actor: Actor) -> str:
    with store.unit_of_work() as uow:
        person_id = uow.session.scalars(select(Case.person_id).where(Case.case_ref == "DAY-1")).one()
    record = person_record(store, actor=actor, person_id=person_id)
    (arrest,) = [e for e in record.cases[0].timeline if e.name == "arrest" and not e.superseded]
    return arrest.values()["offence"]


def test_an_imported_offence_code_is_shown_by_its_label_in_the_record(store: Store, worker: Actor) -> None:
    import_day_alone_case(store, "2026-11-27")  # its arrest gives the offence as the code theft_shop
    assert _offence_shown(store, worker) == THEFT_FROM_SHOP


def test_an_offence_not_on_the_list_is_shown_as_given(store: Store, worker: Actor) -> None:
    import_day_alone_case(store, "2026-11-27")
    with store.unit_of_work() as uow:
        person_id = uow.session.scalars(select(Case.person_id).where(Case.case_ref == "DAY-1")).one()
    record = person_record(store, actor=worker, person_id=person_id)
    arrest = next(e for e in record.cases[0].timeline if e.name == "arrest")
    correct_event(store, actor=worker, event_id=arrest.original_id, reason="as charged", offence="Affray in the street")
    assert _offence_shown(store, worker) == "Affray in the street"
    correct_event(store, actor=worker, event_id=arrest.original_id, reason="as coded", offence="affray_street")
    assert _offence_shown(store, worker) == "affray street"  # a code the list does not hold, in words


def test_the_police_summary_prints_the_offence_by_its_label(
    store: Store, worker: Actor, clock: Clock, tmp_path: Path
) -> None:
    case_id = import_day_alone_case(store, "2026-12-03")
    clock.at = datetime(2026, 12, 6, 10, 0, tzinfo=LONDON)
    missed_on = datetime(2026, 12, 4, tzinfo=LONDON)
    record_attendance(
        store, actor=worker, case_id=case_id, kind="initial", attended=False, occurred_at=missed_on,
        occurred_time_known=False,
    )  # fmt: skip
    with store.unit_of_work() as uow:
        person_id = uow.session.scalars(select(Case.person_id).where(Case.id == case_id)).one()
    path = tmp_path / "fta.pdf"
    record = person_record(store, actor=worker, person_id=person_id)
    write_failure_to_attend_summary(path, record, case_id, prepared_by="PC 1 Test", as_of=clock.at)
    words = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)
    assert f"Offence {THEFT_FROM_SHOP}" in words
    assert "theft shop" not in words and "theft_shop" not in words
