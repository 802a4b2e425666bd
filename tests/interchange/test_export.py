"""Interchange v1 export: each case's events written as they now stand, read in one pass with their cases."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from db.models import Case, Event
from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.consent import SharingRequest
from pathways.interchange.exporter import ExportFilter, export_dataset
from pathways.interchange.importer import import_dataset
from pathways.services.corrections import correct_event, withdraw_event
from pathways.services.dtoa import record_arrest
from pathways.services.people import register_person
from pathways.store import Store, open_store
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


def _people_refs(folder: Path) -> list[str]:
    with (folder / "people.csv").open(newline="", encoding="utf-8") as handle:
        return [row["person_ref"] for row in csv.DictReader(handle)]


def test_a_reference_made_for_a_person_recorded_here_never_repeats_one_held_as_a_source_key(
    store: Store, admin: Actor, navigator: Actor, tmp_path: Path
) -> None:
    ours = register_person(
        store, actor=navigator, surname="Delta", forenames="Dora", date_of_birth=date(1990, 1, 2), sex="F"
    )
    record_arrest(
        store, actor=navigator, person_id=ours.id, occurred_at=datetime(2026, 11, 28, 9, 0, tzinfo=LONDON),
        offence="theft_shop",
    )  # fmt: skip
    theirs = tmp_path / "theirs"  # another system's person whose key happens to be the one made for ours
    theirs.mkdir()
    (theirs / "people.csv").write_text(
        f"person_ref,surname,forenames,date_of_birth,sex\nPW{ours.id},Charlie,Carl,1988-03-04,M\n", encoding="utf-8"
    )
    (theirs / "events.csv").write_text(
        "person_ref,case_ref,pathway,event,occurred_at,offence,basis\n"
        f"PW{ours.id},TC1,dtoa,arrest,2023-05-01T10:00,Theft,trigger\n",
        encoding="utf-8",
    )
    assert import_dataset(store, actor=admin, path=theirs).written

    _exported_events(store, admin, tmp_path / "out")

    assert _people_refs(tmp_path / "out") == [f"PW{ours.id}", f"PW{ours.id}-2"]
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.sqlite'}", clock=store.clock)
    try:
        report = import_dataset(fresh, actor=admin, path=tmp_path / "out")
        assert [p.describe() for p in report.errors] == [] and (report.people_added, report.cases_added) == (2, 2)
    finally:
        fresh.engine.dispose()


def test_all_data_is_everyone_and_a_selection_only_the_people_of_its_cases(
    store: Store, admin: Actor, navigator: Actor, tmp_path: Path
) -> None:
    import_dataset(store, actor=admin, path=EXAMPLE)
    alone = register_person(  # registered, no case yet
        store, actor=navigator, surname="Quinn", forenames="Rory", date_of_birth=date(1996, 10, 2), sex="M"
    )
    everything = export_dataset(
        store, actor=admin, folder=tmp_path / "all", selection=ExportFilter(), sharing=OWN_RECORDS
    )
    assert f"PW{alone.id}" in _people_refs(tmp_path / "all") and everything.people == 6
    some = export_dataset(
        store, actor=admin, folder=tmp_path / "dtoa", selection=ExportFilter(pathway="dtoa"), sharing=OWN_RECORDS
    )
    assert f"PW{alone.id}" not in _people_refs(tmp_path / "dtoa") and some.people < everything.people
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.sqlite'}", clock=store.clock)
    try:
        report = import_dataset(fresh, actor=admin, path=tmp_path / "all")
        assert report.errors == [] and report.people_added == 6
    finally:
        fresh.engine.dispose()
