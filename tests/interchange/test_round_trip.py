"""Export then import: a generated database comes back whole, and records made under older rules stay importable.

A database may hold events recorded under an earlier version of a pathway's rules (Checkpoint's needs assessed
after the contract ended were allowed until the rule was added). The app records a new step on such a case,
refusing only what the step itself breaks (services.casework.record_event); an import adding to such a case must
do the same, and never report the held events, which are not the dataset's and have no row in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

from pathways.actors import Actor
from pathways.consent import SharingRequest
from pathways.definitions import PathwayDefinition, load_definitions
from pathways.demo import synthetic_dataset
from pathways.interchange.exporter import ExportFilter, ExportResult, export_dataset
from pathways.interchange.importer import import_dataset, import_rows
from pathways.interchange.reader import Dataset
from pathways.store import Store, open_store
from reports.cohort import CohortQuestion, cohort_figures
from tests.conftest import Clock

OWN_RECORDS = SharingRequest("own_records", "record_keeping")
TODAY = date(2026, 11, 29)  # the conftest clock's day
PERSON = {"person_ref": "P1", "surname": "Morgan", "forenames": "Rhys", "date_of_birth": "1995-02-21", "sex": "M"}


def _figures(store: Store, actor: Actor) -> dict[str, object]:
    whole = (date(2020, 1, 1), TODAY)
    return {
        code: cohort_figures(store, actor=actor, question=CohortQuestion(code, *whole)).figures
        for code in sorted(store.definitions)
    }


def _export(store: Store, actor: Actor, folder: Path) -> ExportResult:
    return export_dataset(store, actor=actor, folder=folder, selection=ExportFilter(), sharing=OWN_RECORDS)


def test_a_generated_database_exported_imports_into_an_empty_one_as_it_was(
    tmp_path: Path, clock: Clock, admin: Actor
) -> None:
    data = synthetic_dataset(150, seed=5, today=TODAY)
    source = open_store(f"sqlite:///{tmp_path / 'source.sqlite'}", clock=clock)
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.sqlite'}", clock=clock)
    try:
        built = import_rows(source, actor=admin, dataset=Dataset.of_records(data.people, data.events))
        assert [p.describe() for p in built.errors] == [] and built.written
        exported = _export(source, admin, tmp_path / "out")
        assert exported.events == len(data.events)

        report = import_dataset(fresh, actor=admin, path=tmp_path / "out")

        assert [p.describe() for p in report.errors] == [] and report.written
        assert (report.people_added, report.cases_added, report.events_added) == (
            exported.people,
            exported.cases,
            exported.events,
        )
        assert _export(fresh, admin, tmp_path / "again") == replace(exported, folder=tmp_path / "again")
        for table in ("people.csv", "events.csv"):  # the same cases, event for event
            assert (tmp_path / "again" / table).read_bytes() == (tmp_path / "out" / table).read_bytes(), table
        assert _figures(fresh, admin) == _figures(source, admin)
    finally:
        source.engine.dispose()
        fresh.engine.dispose()


def _older_checkpoint_rules() -> Mapping[str, PathwayDefinition]:
    """The definitions as they were before needs could no longer be assessed once Checkpoint had ended."""
    definitions = load_definitions()
    checkpoint = definitions["checkpoint"]
    step = checkpoint.events["needs_assessed"]
    assert step.forbids, "the rule this test is about is no longer in checkpoint.toml"
    older = replace(checkpoint, events={**checkpoint.events, "needs_assessed": replace(step, forbids=())})
    return {**definitions, "checkpoint": older}


def _event(name: str, day: str, **values: str) -> dict[str, str]:
    return {"person_ref": "P1", "case_ref": "C1", "pathway": "checkpoint", "event": name, "occurred_at": day, **values}


HELD = [  # needs assessed after reoffending: allowed under the older rules, refused under today's
    _event("arrest", "2026-01-25T11:52", site="Aldershot", offence="Possession of a Class B drug"),
    _event("screened", "2026-01-28T14:48", result="eligible"),
    _event("offered", "2026-02-07T10:42"),
    _event("contract_signed", "2026-02-21T11:35", conditions="no_reoffending;voluntary_work"),
    _event("reoffended", "2026-02-28T13:23"),
    _event("needs_assessed", "2026-03-18T10:33", conditions="alcohol;housing"),
]


def _import(
    url: str,
    clock: Clock,
    actor: Actor,
    events: list[dict[str, str]],
    definitions: Mapping[str, PathwayDefinition] | None = None,
) -> list[str]:
    """Import PERSON and `events` into the database at `url`, under `definitions` (today's when not given)."""
    store = open_store(url, clock=clock, definitions=definitions)
    try:
        report = import_rows(store, actor=actor, dataset=Dataset.of_records([PERSON], events))
        return [p.describe() for p in report.errors]
    finally:
        store.engine.dispose()


def test_events_held_under_older_rules_do_not_refuse_an_import_into_their_case(
    tmp_path: Path, clock: Clock, admin: Actor
) -> None:
    url = f"sqlite:///{tmp_path / 'held.sqlite'}"
    assert _import(url, clock, admin, HELD, definitions=_older_checkpoint_rules()) == []

    with_breach = _event("prosecuted", "2026-05-01T10:00", reason="breach")  # what the new row itself breaks
    refused = _import(url, clock, admin, [*HELD, with_breach])
    assert len(refused) == 1 and "row 8" in refused[0] and "needs the non-compliance on record" in refused[0]

    prosecuted = _event("prosecuted", "2026-05-01T10:00", reason="reoffended")
    assert _import(url, clock, admin, [*HELD, prosecuted]) == []


def test_an_incoming_event_that_makes_a_held_one_break_the_rules_is_still_refused(
    tmp_path: Path, clock: Clock, admin: Actor
) -> None:
    url = f"sqlite:///{tmp_path / 'held.sqlite'}"
    running = [*HELD[:3], _event("needs_assessed", "2026-02-20T10:00", conditions="housing")]
    assert _import(url, clock, admin, running) == []

    declined_before = _event("declined", "2026-02-10T10:00")  # dated before the held assessment of needs
    refused = _import(url, clock, admin, [*running, declined_before])
    assert len(refused) == 1 and "Needs are assessed while Checkpoint runs" in refused[0]
