"""An appointment given as a day alone is kept as one in the open-deadlines index: written so by an import and by
the app, and worked out again for the rows already held after migration 0015 (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from alembic import command
from sqlalchemy import select

from db.migrate import alembic_config, head_revision, upgrade
from db.models import Case, OpenDeadline
from pathways.actors import Actor, command_line_actor
from pathways.clock import LONDON
from pathways.deadline_index import rebuild_if_stale
from pathways.interchange.importer import import_rows
from pathways.interchange.reader import Dataset
from pathways.services import dtoa
from pathways.store import Store


def _case(ref: str, due_initial: str, due_follow_up: str) -> list[dict[str, str]]:
    case = {"person_ref": ref, "case_ref": f"C-{ref}", "pathway": "dtoa", "site": "Basingstoke"}
    required = {**case, "event": "assessment_required", "occurred_at": "2026-11-20T15:10"}
    return [
        {**case, "event": "arrest", "occurred_at": "2026-11-20T14:00", "offence": "theft_shop", "basis": "trigger"},
        {**case, "event": "test", "occurred_at": "2026-11-20T15:00", "result": "positive", "substances": "cocaine"},
        {**required, "service": "Inclusion Hampshire", "kind": "initial", "due_at": due_initial},
        {**required, "service": "Inclusion Hampshire", "kind": "follow_up", "due_at": due_follow_up},
    ]


def _import(store: Store) -> None:
    people = [
        {"person_ref": ref, "surname": surname, "forenames": "Sam", "date_of_birth": "1990-05-01", "sex": "M"}
        for ref, surname in (("P1", "Dayonly"), ("P2", "Timed"), ("P3", "Touched"))
    ]
    events = [
        *_case("P1", "2026-11-23", "2026-12-07"),  # days alone
        *_case("P2", "2026-11-23T10:00", "2026-12-07T10:00"),
        *_case("P3", "2026-11-23", "2026-12-07"),  # days alone; its initial assessment is then attended in the app
    ]
    report = import_rows(store, actor=command_line_actor(), dataset=Dataset.of_records(people, events))
    assert report.written, report.errors


def _index(store: Store) -> dict[tuple[str, str | None], bool]:
    with store.unit_of_work() as uow:
        query = select(Case.case_ref, OpenDeadline.kind, OpenDeadline.due_time_known).join(Case)
        return {(ref, kind): known for ref, kind, known in uow.session.execute(query)}


def _case_id(store: Store, case_ref: str) -> int:
    with store.unit_of_work() as uow:
        return int(uow.session.scalars(select(Case.id).where(Case.case_ref == case_ref)).one())


EXPECTED = {
    ("C-P1", "initial"): False,
    ("C-P1", "follow_up"): False,
    ("C-P2", "initial"): True,
    ("C-P2", "follow_up"): True,
    ("C-P3", "follow_up"): False,  # rewritten by the app when the attendance was recorded (its row names its event)
}


def test_days_alone_are_indexed_as_days_and_migrated_as_days(store: Store, worker: Actor) -> None:
    _import(store)
    dtoa.record_attendance(
        store,
        actor=worker,
        case_id=_case_id(store, "C-P3"),
        kind="initial",
        attended=True,
        occurred_at=datetime(2026, 11, 23, tzinfo=LONDON),
        occurred_time_known=False,
    )
    assert _index(store) == EXPECTED
    config = alembic_config()
    with store.engine.begin() as connection:  # back to before the column, then up again: the rows held are worked out
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
    assert upgrade(store.engine).to_revision == head_revision()
    assert _index(store) == {}  # emptied: the index is the app's to work out again, by its own rules
    assert rebuild_if_stale(store)  # as opening the database does, with its progress shown
    assert _index(store) == EXPECTED
