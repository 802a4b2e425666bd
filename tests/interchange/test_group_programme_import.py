"""A small group-programme dataset through interchange v1: accepted, counted by `report cohort` as JSON, and
refused whole (nothing written) when a mark comes before the enrolment or a session is marked twice."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select

from db.models import Case, Event, Person
from pathways.actors import command_line_actor
from pathways.interchange.importer import import_dataset
from pathways.store import Store
from tests.test_cli import pathways

PEOPLE = [
    ("G001", "Adams", "Ann", "1990-02-01", "F"),
    ("G002", "Baker", "Bea", "1985-07-12", "F"),
    ("G003", "Clark", "Cat", "1979-11-30", "F"),
]
FREE, VENUE, SERVICE = "FREE-2026", "Basingstoke Women's Centre", "Inclusion Hampshire"
EVENTS = [  # person, case, event, occurred_at, kind, reason
    ("G001", "GP1", "enrolled", "2026-09-07T09:00", FREE, ""),
    ("G001", "GP1", "session_attended", "2026-09-07T10:00", FREE, ""),
    ("G001", "GP1", "session_attended", "2026-09-14T10:00", FREE, ""),
    ("G001", "GP1", "session_missed", "2026-09-21T10:00", FREE, ""),
    ("G001", "GP1", "session_attended", "2026-09-28T10:00", FREE, ""),
    ("G001", "GP1", "completed", "2026-10-26T12:00", FREE, ""),
    ("G002", "GP2", "enrolled", "2026-09-07T09:30", FREE, ""),
    ("G002", "GP2", "session_missed", "2026-09-07T10:00", FREE, ""),
    ("G002", "GP2", "session_missed", "2026-09-14T10:00", FREE, ""),
    ("G002", "GP2", "left", "2026-09-20T12:00", FREE, "moved away"),
    ("G003", "GP3", "enrolled", "2026-09-10", FREE, ""),
    ("G003", "GP3", "session_attended", "2026-09-14T10:00", FREE, ""),
    ("G003", "GP3", "session_attended", "2026-09-21T10:00", FREE, ""),
    ("G003", "GP3", "session_attended", "2026-09-28T10:00", FREE, ""),
    ("G003", "GP4", "enrolled", "2026-10-05T09:00", "WONDER-2026", ""),  # another programme, October
]
COLUMNS = ("person_ref", "case_ref", "pathway", "event", "occurred_at", "site", "service", "kind", "reason")


def _write(folder: Path, events: Sequence[tuple[str, ...]]) -> Path:
    folder.mkdir()
    with (folder / "people.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("person_ref", "surname", "forenames", "date_of_birth", "sex"))
        writer.writerows(PEOPLE)
    with (folder / "events.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for person, case, event, at, kind, reason in events:
            writer.writerow((person, case, "group_programme", event, at, VENUE, SERVICE, kind, reason))
    return folder


def test_a_group_programme_dataset_is_imported_and_counted(database_url: str, tmp_path: Path) -> None:
    dataset = _write(tmp_path / "groups", EVENTS)
    assert "Imported: 3 people, 4 cases, 15 events added." in pathways("import", str(dataset), url=database_url).stdout
    period = ("--pathway", "group_programme", "--from", "2026-09-01", "--to", "2026-09-30", "--format", "json")
    answer = json.loads(pathways("report", "cohort", *period, url=database_url).stdout)
    assert answer["figures"] == {
        "enrolled": 3,
        "people": 3,
        "attended_any": 2,
        "attended_any_pct": 66.7,
        "completed": 1,
        "completed_pct": 33.3,
        "left": 1,
        "sessions_attended": 6,
        "sessions_missed": 3,
        "sessions_marked": 9,
        "attendance_pct": 66.7,
    }
    october = ("--pathway", "group_programme", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json")
    assert json.loads(pathways("report", "cohort", *october, url=database_url).stdout)["figures"]["enrolled"] == 1


def _counts(store: Store) -> tuple[int, ...]:
    with store.unit_of_work() as uow:
        return tuple(int(uow.session.scalar(select(func.count()).select_from(m)) or 0) for m in (Person, Case, Event))


def test_a_mark_before_enrolment_or_twice_for_one_session_refuses_the_dataset(store: Store, tmp_path: Path) -> None:
    wrong = [
        *EVENTS,
        ("G003", "GP3", "session_missed", "2026-09-07T10:00", FREE, ""),  # before Cat was enrolled
        ("G001", "GP1", "session_missed", "2026-09-14T10:00", FREE, ""),  # Ann already marked attended
    ]
    report = import_dataset(store, actor=command_line_actor(), path=_write(tmp_path / "wrong", wrong))
    messages = sorted(p.message for p in report.errors)
    assert not report.written
    assert any("cannot come before the enrolment" in m for m in messages), messages
    assert any("This session is already marked on the register" in m for m in messages), messages
    assert _counts(store) == (0, 0, 0)
