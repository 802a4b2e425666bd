"""A gambling-harm dataset in interchange v1: taken whole, counted into the pathway's figures; a wrong row refused."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from db.models import Case, Event
from pathways.actors import Actor
from pathways.interchange.format import EVENT_COLUMNS
from pathways.interchange.importer import import_dataset
from pathways.store import Store
from reports.cohort import CohortQuestion, cohort_figures

PEOPLE = [
    ["person_ref", "surname", "forenames", "date_of_birth", "sex", "ethnicity", "pnc_id", "postcode"],
    ["G001", "Lowe", "Martin", "1983-04-02", "M", "A", "", ""],
    ["G002", "Ahmed", "Samira", "1990-12-19", "F", "H", "", ""],
    ["G003", "Pryce", "Owen", "1975-07-30", "M", "A", "", ""],
    ["G004", "Kowalska", "Ewa", "1999-01-05", "F", "C", "", ""],
]
GAMBLING_EVENTS: list[dict[str, str]] = [
    {"person_ref": "G001", "case_ref": "GC1", "event": "identified", "occurred_at": "2026-09-01T10:00",
     "kind": "custody", "site": "Durham custody suite"},
    {"person_ref": "G001", "case_ref": "GC1", "event": "screened", "occurred_at": "2026-09-01T10:20",
     "result": "problem", "reason": "PGSI score 12: problem gambling"},
    {"person_ref": "G001", "case_ref": "GC1", "event": "brief_intervention", "occurred_at": "2026-09-01T10:40"},
    {"person_ref": "G001", "case_ref": "GC1", "event": "referred", "occurred_at": "2026-09-01T11:00",
     "service": "NHS Northern Gambling Service", "due_at": "2026-09-15T10:00"},
    {"person_ref": "G001", "case_ref": "GC1", "event": "engaged", "occurred_at": "2026-09-15T10:00"},
    {"person_ref": "G001", "case_ref": "GC1", "event": "closed", "occurred_at": "2026-10-30",
     "reason": "support ended"},
    {"person_ref": "G002", "case_ref": "GC2", "event": "identified", "occurred_at": "2026-09-03T14:00",
     "kind": "probation"},
    {"person_ref": "G002", "case_ref": "GC2", "event": "screened", "occurred_at": "2026-09-03T14:15",
     "result": "moderate_risk", "reason": "PGSI score 4: moderate-risk gambling"},
    {"person_ref": "G002", "case_ref": "GC2", "event": "brief_intervention", "occurred_at": "2026-09-03T14:30"},
    {"person_ref": "G002", "case_ref": "GC2", "event": "referred", "occurred_at": "2026-09-03T14:40",
     "service": "GamCare"},
    {"person_ref": "G002", "case_ref": "GC2", "event": "not_engaged", "occurred_at": "2026-10-01"},
    {"person_ref": "G003", "case_ref": "GC3", "event": "identified", "occurred_at": "2026-09-10T09:00",
     "kind": "prison", "site": "HMP Durham"},
    {"person_ref": "G003", "case_ref": "GC3", "event": "screened", "occurred_at": "2026-09-10T09:10",
     "result": "non_problem", "reason": "PGSI score 0: non-problem gambling"},
    {"person_ref": "G003", "case_ref": "GC3", "event": "closed", "occurred_at": "2026-09-10T09:20"},
    {"person_ref": "G004", "case_ref": "GC4", "event": "identified", "occurred_at": "2026-09-20T16:00",
     "kind": "custody", "site": "Durham custody suite"},
    {"person_ref": "G004", "case_ref": "GC4", "event": "screened", "occurred_at": "2026-09-20T16:30",
     "result": "low_risk", "reason": "PGSI score 2: low-risk gambling"},
    {"person_ref": "G004", "case_ref": "GC4", "event": "brief_intervention", "occurred_at": "2026-09-20T16:45"},
    {"person_ref": "G001", "case_ref": "GC5", "event": "identified", "occurred_at": "2026-10-05T11:00",
     "kind": "probation"},
]  # fmt: skip


def _write(folder: Path, events: list[dict[str, str]]) -> Path:
    folder.mkdir()
    with (folder / "people.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(PEOPLE)
    with (folder / "events.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(EVENT_COLUMNS), restval="")
        writer.writeheader()
        writer.writerows({"pathway": "gambling", **row} for row in events)
    return folder


def _figures(store: Store, admin: Actor, start: date, end: date) -> dict[str, object]:
    return dict(cohort_figures(store, actor=admin, question=CohortQuestion("gambling", start, end)).figures)


def test_a_gambling_dataset_is_imported_and_gives_the_figures(store: Store, admin: Actor, tmp_path: Path) -> None:
    report = import_dataset(store, actor=admin, path=_write(tmp_path / "gambling", GAMBLING_EVENTS))
    assert report.errors == [] and report.written
    assert (report.people_added, report.cases_added, report.events_added) == (4, 5, 18)
    assert _figures(store, admin, date(2026, 9, 1), date(2026, 9, 30)) == {
        "cases": 4,
        "people": 4,
        "settings": {"custody": 2, "prison": 1, "probation": 1},
        "screened": 4,
        "screened_pct": 100.0,
        "non_problem": 1,
        "low_risk": 1,
        "moderate_risk": 1,
        "problem": 1,
        "problem_pct": 25.0,
        "brief_intervention": 3,
        "referred": 2,
        "referred_pct": 50.0,
        "referred_services": {"GamCare": 1, "NHS Northern Gambling Service": 1},
        "engaged": 1,
        "engaged_pct": 50.0,
        "not_engaged": 1,
        "closed": 2,
    }
    autumn = _figures(store, admin, date(2026, 9, 1), date(2026, 10, 31))
    assert (autumn["cases"], autumn["people"], autumn["screened"], autumn["screened_pct"]) == (5, 4, 4, 80.0)
    assert autumn["settings"] == {"custody": 2, "prison": 1, "probation": 2}


def test_a_row_the_gambling_pathway_does_not_allow_is_refused_in_its_words(
    store: Store, admin: Actor, tmp_path: Path
) -> None:
    events = [dict(row) for row in GAMBLING_EVENTS]
    events[15]["result"] = "severe"  # not a PGSI band (row 17)
    # row 20: a brief intervention after a PGSI score of 0
    events.append(
        {"person_ref": "G003", "case_ref": "GC3", "event": "brief_intervention", "occurred_at": "2026-09-10T09:15"}
    )
    report = import_dataset(store, actor=admin, path=_write(tmp_path / "gambling", events))
    assert not report.written
    messages = [(e.row, e.column, e.message) for e in report.errors]
    assert any(row == 17 and column == "result" and "'severe' is not a" in text for row, column, text in messages)
    harm = "A brief intervention follows a screening that found some gambling harm"
    assert any(row == 20 and harm in text for row, _column, text in messages)
    with store.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Case)) == 0
        assert uow.session.scalar(select(func.count()).select_from(Event)) == 0
