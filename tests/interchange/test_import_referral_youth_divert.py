"""Interchange import of arrest referral and youth cases (figures read back by `main.py report cohort`), and
DIVERT's rule across cases applied to imported data: a second referral after not engaging is refused."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import func, select

from db.models import Case
from pathways.actors import Actor
from pathways.interchange.format import EVENT_COLUMNS, PEOPLE_COLUMNS
from pathways.interchange.importer import import_dataset
from pathways.store import Store
from tests.test_cli import pathways

PEOPLE = {
    "A1": ("Dean", "Sam", "1985-02-03", "M"),
    "A2": ("Ellis", "Jo", "1990-07-21", "F"),
    "A3": ("Ford", "Ray", "1979-11-30", "M"),
    "Y1": ("Green", "Maya", "2010-01-01", "F"),
    "Y2": ("Hart", "Leo", "2009-07-01", "M"),
    "Y3": ("Ince", "Ava", "2008-01-01", "F"),
    "D1": ("Jones", "Kit", "1999-04-04", "M"),
}

REFERRALS = [  # person, case, event, when, extra columns
    ("A1", "AR1", "contact", "2025-05-01T10:00", {"reason": "required_assessment", "site": "Bournemouth"}),
    ("A1", "AR1", "screened", "2025-05-01T10:20", {"substances": "opiates"}),
    ("A1", "AR1", "assessed", "2025-05-01T11:00", {}),
    ("A1", "AR1", "referred", "2025-05-01T11:30", {"service": "EDP"}),
    ("A1", "AR1", "naloxone_supplied", "2025-05-01T12:00", {}),
    ("A1", "AR1", "naloxone_supplied", "2025-06-01T12:00", {}),
    ("A1", "AR1", "treatment_started", "2025-05-08", {"service": "EDP"}),
    ("A1", "AR1", "closed", "2025-08-01", {"reason": "care_plan_completed"}),
    ("A2", "AR2", "contact", "2025-05-03T02:00", {"reason": "voluntary_cell_sweep", "site": "Weymouth"}),
    ("A2", "AR2", "screened", "2025-05-03T02:30", {}),
    ("A2", "AR2", "closed", "2025-05-20", {"reason": "dropped_out"}),
    ("A3", "AR3", "contact", "2025-05-10T15:00", {"reason": "required_assessment", "site": "Bournemouth"}),
    ("A3", "AR3", "screened", "2025-05-10T15:10", {}),
    ("A3", "AR3", "assessed", "2025-05-10T15:40", {}),
    ("A3", "AR3", "referred", "2025-05-10T16:00", {"service": "EDP"}),
    ("A3", "AR3", "naloxone_supplied", "2025-05-10T17:00", {}),
]

YOUTH = [
    ("Y1", "YC1", "referral", "2025-05-02", {"kind": "youth_caution", "substances": "cannabis"}),
    ("Y1", "YC1", "assessed", "2025-05-06", {}),
    ("Y1", "YC1", "family_offered", "2025-05-06", {}),
    ("Y1", "YC1", "family_engaged", "2025-05-13", {}),
    ("Y1", "YC1", "session_attended", "2025-05-13T16:00", {}),
    ("Y1", "YC1", "session_missed", "2025-05-20T16:00", {}),
    ("Y1", "YC1", "session_attended", "2025-05-27T16:00", {}),
    ("Y1", "YC1", "completed", "2025-06-03", {}),
    ("Y2", "YC2", "referral", "2025-05-20", {"kind": "community_resolution"}),
    ("Y2", "YC2", "assessed", "2025-05-22", {}),
    ("Y2", "YC2", "family_offered", "2025-05-22", {}),
    ("Y2", "YC2", "closed", "2025-07-01", {"reason": "disengaged"}),
    ("Y3", "YC3", "referral", "2025-06-15", {"kind": "youth_caution"}),  # outside May: not in the cohort
]

NOT_ENGAGED = [
    ("D1", "DV1", "referral", "2025-02-03T14:00", {"substances": "cannabis", "site": "Worcester"}),
    ("D1", "DV1", "contacted", "2025-02-05", {}),
    ("D1", "DV1", "not_engaged", "2025-03-01", {}),
]
SECOND_REFERRAL = [("D1", "DV2", "referral", "2025-06-01T11:00", {"substances": "cannabis", "site": "Worcester"})]


Row = tuple[str, str, str, str, dict[str, str]]


def write_dataset(folder: Path, rows: list[Row], people: dict[str, tuple[str, str, str, str]] = PEOPLE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pathway_of = {"AR": "arrest_referral", "YC": "youth", "DV": "divert"}
    with (folder / "people.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=PEOPLE_COLUMNS)
        writer.writeheader()
        for ref, (surname, forenames, born, sex) in people.items():
            writer.writerow(
                {"person_ref": ref, "surname": surname, "forenames": forenames, "date_of_birth": born, "sex": sex}
            )
    with (folder / "events.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=EVENT_COLUMNS)
        writer.writeheader()
        for person_ref, case_ref, event, when, extra in rows:
            pathway = pathway_of[case_ref[:2]]
            writer.writerow(
                {
                    "person_ref": person_ref,
                    "case_ref": case_ref,
                    "pathway": pathway,
                    "event": event,
                    "occurred_at": when,
                }
                | extra
            )
    return folder


def cohort(url: str, pathway: str) -> dict[str, object]:
    out = pathways(
        "report",
        "cohort",
        "--pathway",
        pathway,
        "--from",
        "2025-05-01",
        "--to",
        "2025-05-31",
        "--format",
        "json",
        url=url,
    ).stdout
    figures: dict[str, object] = json.loads(out)["figures"]
    return figures


def test_arrest_referral_and_youth_cases_import_and_give_their_figures(database_url: str, tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "dataset", REFERRALS + YOUTH)
    out = pathways("import", str(folder), url=database_url).stdout
    assert "Imported: 7 people, 6 cases, 29 events added." in out
    assert cohort(database_url, "arrest_referral") == {
        "contacts": 3,
        "people": 3,
        "contact_reasons": {"required_assessment": 2, "voluntary_cell_sweep": 1},
        "screened": 3,
        "assessed": 2,
        "assessed_pct": 66.7,
        "referred": 2,
        "referred_pct": 100.0,
        "treatment_started": 1,
        "treatment_started_pct": 50.0,
        "naloxone": 2,
        "naloxone_supplies": 3,
        "closed": 2,
        "closed_reasons": {"care_plan_completed": 1, "dropped_out": 1},
    }
    assert cohort(database_url, "youth") == {
        "referrals": 2,
        "people": 2,
        "referrals_by_level": {"community_resolution": 1, "youth_caution": 1},
        "assessed": 2,
        "assessed_pct": 100.0,
        "engaged": 1,
        "sessions_attended": 2,
        "sessions_missed": 1,
        "family_offered": 2,
        "family_engaged": 1,
        "family_engaged_pct": 50.0,
        "completed": 1,
        "completed_pct": 50.0,
        "closed": 1,
        "closed_reasons": {"disengaged": 1},
    }


def _cases(store: Store) -> int:
    with store.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Case)) or 0


def test_out_of_order_and_over_age_rows_are_refused_in_the_pathways_words(
    store: Store, admin: Actor, tmp_path: Path
) -> None:
    rows: list[Row] = [
        ("A1", "AR1", "contact", "2025-05-01T10:00", {"reason": "required_assessment"}),
        ("A1", "AR1", "referred", "2025-05-01T11:00", {"service": "EDP"}),
        ("Y3", "YC3", "referral", "2025-01-01", {"kind": "youth_caution"}),  # Y3's 17th birthday: allowed
        ("Y3", "YC4", "referral", "2026-01-01", {"kind": "youth_caution"}),  # her 18th birthday
    ]
    report = import_dataset(store, actor=admin, path=write_dataset(tmp_path / "bad", rows))
    assert not report.written and _cases(store) == 0
    assert [(p.row, p.message) for p in report.errors] == [
        (3, "case AR1: A referral to treatment follows an assessment: record the assessment first."),
        (
            5,
            "case YC4: The Youth substance-misuse interventions pathway is for people aged under 18: "
            "this person was 18 on the day of the referral.",
        ),
    ]


def test_a_second_divert_referral_after_not_engaging_is_refused_on_import(
    store: Store, admin: Actor, tmp_path: Path
) -> None:
    people = {"D1": PEOPLE["D1"]}
    both = import_dataset(
        store, actor=admin, path=write_dataset(tmp_path / "both", NOT_ENGAGED + SECOND_REFERRAL, people)
    )
    assert not both.written and _cases(store) == 0
    assert [(p.table, p.row, p.column, p.value, p.message) for p in both.errors] == [
        (
            "events",
            5,
            "event",
            "referral",
            "case DV2: DIVERT is not offered again to someone who did not engage: this person did not engage with "
            "referral DV1 of 3 Feb 2025 (closed as not engaged on 1 Mar 2025).",
        )
    ]
    # The same when the earlier case is already held.
    first = import_dataset(store, actor=admin, path=write_dataset(tmp_path / "first", NOT_ENGAGED, people))
    assert first.written and _cases(store) == 1
    again = import_dataset(store, actor=admin, path=write_dataset(tmp_path / "again", SECOND_REFERRAL, people))
    assert not again.written and _cases(store) == 1
    assert [p.message for p in again.errors] == [both.errors[0].message]
    # Importing the held case again adds nothing and is not refused by its own not engaging.
    repeat = import_dataset(store, actor=admin, path=write_dataset(tmp_path / "first", NOT_ENGAGED, people))
    assert repeat.errors == [] and repeat.cases_added == 0
    # A referral made while the first case was still open was allowed at the time.
    overlap = [("D1", "DV3", "referral", "2025-02-20T09:00", {"substances": "cannabis"})]
    accepted = import_dataset(store, actor=admin, path=write_dataset(tmp_path / "overlap", overlap, people))
    assert accepted.errors == [] and accepted.cases_added == 1
