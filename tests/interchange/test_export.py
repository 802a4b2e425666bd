"""Interchange v1 export: each case's events written as they now stand, read in one pass with their cases."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from db.models import Case, Event
from pathways.actors import Actor
from pathways.consent import SharingRequest
from pathways.interchange.exporter import ExportFilter, export_dataset
from pathways.interchange.importer import import_dataset
from pathways.services.corrections import correct_event, withdraw_event
from pathways.store import Store
from tests.conftest import EXAMPLE

OWN_RECORDS = SharingRequest("own_records", "record_keeping")


def _exported_events(store: Store, actor: Actor, folder: Path) -> list[dict[str, str]]:
    result = export_dataset(store, actor=actor, folder=folder, selection=ExportFilter(), sharing=OWN_RECORDS)
    with (folder / "events.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert result.events == len(rows)
    return rows


def _events_of(store: Store, case_ref: str) -> list[Event]:
    with store.unit_of_work() as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.case_ref == case_ref))
        return list(uow.session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq)))


def test_a_corrected_event_is_written_once_as_corrected_and_a_withdrawn_one_not_at_all(
    store: Store, admin: Actor, tmp_path: Path
) -> None:
    import_dataset(store, actor=admin, path=EXAMPLE)
    before = _exported_events(store, admin, tmp_path / "before")
    tested = _events_of(store, "EC1")[1]  # E001's test in custody
    assert tested.name == "test"
    withdrawn = _events_of(store, "EC2")[-1]  # the last event of the second case
    correct_event(store, actor=admin, event_id=tested.id, reason="Mistyped", substances="cocaine")
    withdraw_event(store, actor=admin, event_id=withdrawn.id, reason="Recorded in error")

    after = _exported_events(store, admin, tmp_path / "after")

    assert withdrawn.name == "closed"
    expected = [dict(row) for row in before if (row["case_ref"], row["event"]) != ("EC2", "closed")]
    assert len(expected) == len(before) - 1
    changed = next(row for row in expected if (row["case_ref"], row["event"]) == ("EC1", "test"))
    assert changed["substances"] == "cocaine;opiates"
    changed["substances"] = "cocaine"
    assert after == expected
    # every case's rows together, in the order of the cases, each with its own person and pathway
    refs = [row["case_ref"] for row in after]
    assert refs == sorted(refs, key=refs.index) and len(set(refs)) == 5
    assert {(row["case_ref"], row["person_ref"]) for row in after} == {
        (row["case_ref"], row["person_ref"]) for row in before
    }
