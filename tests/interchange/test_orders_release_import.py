"""Interchange v1 datasets for the court-order, prison-release, outreach and rehab pathways: imported, refused when
out of order, and counted by `main.py report cohort` exactly as each pathway's file defines its figures."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from db.models import Case, Event
from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.interchange.importer import import_dataset
from pathways.services import worklists
from pathways.store import Store
from tests.test_cli import pathways

IDENTITY = ("person_ref", "case_ref", "pathway", "event", "occurred_at")
COLUMNS = (*IDENTITY, "site", "service", "result", "substances", "kind", "due_at", "reason")
PEOPLE = [
    ("P1", "Graham", "Lee", "1988-04-02", "M"),
    ("P2", "Nixon", "Sarah", "1992-07-19", "F"),
    ("P3", "Tyson", "Mark", "1975-01-30", "M"),
    ("P4", "Dixon", "Amy", "1999-11-05", "F"),
    ("P5", "Routledge", "Paul", "1983-06-12", "M"),
    ("P6", "Armstrong", "Jo", "1979-12-01", "F"),
]
COURT, PROVIDER, PRISON = "Carlisle Magistrates' Court", "Unity Cumbria", "HMP Haverigg"
CLIC, DRINKERS, UNIT = (
    "County Lines Informed Cumbria",
    "High-impact complex drinkers service",
    "Phoenix Futures Sheffield",
)
# person, case, pathway, event, occurred_at, then the value columns by name
Row = tuple[str, str, str, str, str, dict[str, str]]
EVENTS: list[Row] = [
    # DRR: reviewed, warned, breached and revoked; a 12-month order without reviews, completed; one still running.
    ("P1", "D1", "drr", "order_made", "2025-02-03T10:00", {"site": COURT, "service": PROVIDER, "kind": "fortnightly",
                                                          "result": "with_reviews", "due_at": "2026-08-03"}),
    ("P1", "D1", "drr", "test", "2025-02-17", {"result": "positive", "substances": "cocaine"}),
    ("P1", "D1", "drr", "review", "2025-03-03T10:00", {"result": "good", "substances": "cocaine"}),
    ("P1", "D1", "drr", "review", "2025-04-03T10:00", {"result": "unacceptable"}),
    ("P1", "D1", "drr", "failure", "2025-04-10", {"reason": "missed two appointments"}),
    ("P1", "D1", "drr", "warning", "2025-04-11", {}),
    ("P1", "D1", "drr", "failure", "2025-09-01", {"reason": "missed a test"}),
    ("P1", "D1", "drr", "breach", "2025-09-05", {"reason": "second failure within 12 months of a warning"}),
    ("P1", "D1", "drr", "revoked", "2025-10-20", {"reason": "resentenced"}),
    ("P2", "D2", "drr", "order_made", "2025-05-12", {"site": COURT, "service": PROVIDER, "kind": "weekly",
                                                    "result": "without_reviews", "due_at": "2026-05-12"}),
    ("P2", "D2", "drr", "test", "2025-05-19", {"result": "negative"}),
    ("P2", "D2", "drr", "completed", "2026-05-12", {}),
    ("P3", "D3", "drr", "order_made", "2025-11-03T10:00", {"site": COURT, "service": PROVIDER, "kind": "monthly",
                                                          "result": "with_reviews", "due_at": "2027-05-03T10:00"}),
    ("P3", "D3", "drr", "review", "2025-12-03T10:00", {"result": "good"}),
    # ATR: an 18-month order without reviews (lawful for an ATR), warned then terminated; one reviewed and completed.
    ("P5", "A1", "atr", "order_made", "2025-03-10", {"site": "Workington Magistrates' Court", "service": PROVIDER,
                                                    "result": "without_reviews", "due_at": "2026-09-10"}),
    ("P5", "A1", "atr", "failure", "2025-06-01", {"reason": "missed appointments"}),
    ("P5", "A1", "atr", "warning", "2025-06-02", {}),
    ("P5", "A1", "atr", "terminated", "2025-12-01", {"reason": "stopped attending"}),
    ("P4", "A2", "atr", "order_made", "2025-04-07", {"site": COURT, "service": PROVIDER, "result": "with_reviews",
                                                    "due_at": "2025-10-07"}),
    ("P4", "A2", "atr", "review", "2025-05-07", {"result": "good"}),
    ("P4", "A2", "atr", "review", "2025-06-09", {"result": "acceptable"}),
    ("P4", "A2", "atr", "completed", "2025-10-07", {}),
    # Prison release: released 00:30 BST on 1 April, engaged on day 21 (counts); engaged on day 22; not engaged.
    ("P1", "R1", "prison_release", "released", "2026-04-01T00:30", {"site": PRISON, "service": PROVIDER}),
    ("P1", "R1", "prison_release", "appointment_made", "2026-04-02", {"service": PROVIDER,
                                                                     "due_at": "2026-04-08T14:00"}),
    ("P1", "R1", "prison_release", "engaged", "2026-04-22T10:00", {"service": PROVIDER}),
    ("P3", "R2", "prison_release", "released", "2026-03-10T09:00", {"site": PRISON, "service": PROVIDER}),
    ("P3", "R2", "prison_release", "engaged", "2026-04-01T09:00", {"service": PROVIDER}),
    ("P5", "R3", "prison_release", "released", "2026-03-16", {"site": "HMP Durham", "service": PROVIDER}),
    ("P5", "R3", "prison_release", "not_engaged", "2026-04-10", {"reason": "no contact after release"}),
    ("P5", "R3", "prison_release", "closed", "2026-04-11", {"reason": "lost contact"}),
    # Outreach: County Lines with two referrals and engagement; a complex drinker visited twice.
    ("P6", "O1", "outreach", "visit", "2026-02-02T10:00", {"site": "Barrow-in-Furness", "reason": "county_lines"}),
    ("P6", "O1", "outreach", "referred", "2026-02-02T11:00", {"service": CLIC}),
    ("P6", "O1", "outreach", "referred", "2026-02-02T11:05", {"service": PROVIDER}),
    ("P6", "O1", "outreach", "engaged", "2026-02-16", {"service": CLIC}),
    ("P6", "O1", "outreach", "closed", "2026-05-01", {"reason": "support plan in place"}),
    ("P2", "O2", "outreach", "visit", "2026-03-03T10:00", {"site": "Carlisle", "reason": "complex_drinker"}),
    ("P2", "O2", "outreach", "referred", "2026-03-03T12:00", {"service": DRINKERS}),
    ("P2", "O2", "outreach", "visit", "2026-03-10", {"site": "Carlisle", "reason": "complex_drinker"}),
    # Residential rehabilitation: funded, admitted, left early; assessed as not suitable and refused.
    ("P4", "H1", "rehab", "referred", "2026-01-12", {"site": "Carlisle Crown Court", "service": "Probation"}),
    ("P4", "H1", "rehab", "assessed", "2026-01-19", {"result": "suitable"}),
    ("P4", "H1", "rehab", "funding_approved", "2026-02-02", {"service": "Cumbria County Council",
                                                            "due_at": "2026-02-23"}),
    ("P4", "H1", "rehab", "admitted", "2026-02-23", {"service": UNIT, "due_at": "2026-05-18"}),
    ("P4", "H1", "rehab", "left_early", "2026-03-30", {"reason": "discharged herself"}),
    ("P4", "H1", "rehab", "closed", "2026-04-02", {"reason": "back to community treatment"}),
    ("P3", "H2", "rehab", "referred", "2026-02-09", {"site": "Carlisle Crown Court", "service": "Probation"}),
    ("P3", "H2", "rehab", "assessed", "2026-02-16", {"result": "not_suitable"}),
    ("P3", "H2", "rehab", "funding_refused", "2026-02-17", {"reason": "not suitable for residential treatment"}),
    ("P3", "H2", "rehab", "closed", "2026-02-18", {"reason": "community treatment instead"}),
]  # fmt: skip

EXPECTED: dict[str, tuple[str, str, dict[str, object]]] = {
    "drr": ("2025-01-01", "2025-12-31", {
        "orders": 3, "people": 3, "with_reviews": 2, "reviews": 3, "reviews_unacceptable": 1, "tests": 2,
        "positive_tests": 1, "failures": 1, "warnings": 1, "breaches": 1, "completed": 1, "revoked": 1,
        "terminated": 0, "running": 1, "completed_pct": 33.3,
    }),
    "atr": ("2025-01-01", "2025-12-31", {
        "orders": 2, "people": 2, "with_reviews": 1, "reviews": 2, "reviews_unacceptable": 0, "failures": 1,
        "warnings": 1, "breaches": 0, "completed": 1, "revoked": 0, "terminated": 1, "running": 0,
        "completed_pct": 50.0,
    }),
    "prison_release": ("2026-03-01", "2026-04-30", {
        "released": 3, "people": 3, "appointments": 1, "engaged": 2, "engaged_within_21_days": 1,
        "engaged_within_21_days_pct": 33.3, "not_engaged": 1,
    }),
    "outreach": ("2026-01-01", "2026-06-30", {
        "cases": 2, "people": 2, "visits": 3, "county_lines": 1, "exploitation": 0, "complex_drinkers": 1,
        "referred": 2, "referred_pct": 100.0, "referrals": 3, "engaged": 1, "engaged_pct": 50.0,
        "visit_reasons": {"complex_drinker": 1, "county_lines": 1},
        "partners": {CLIC: 1, DRINKERS: 1, PROVIDER: 1},
    }),
    "rehab": ("2026-01-01", "2026-06-30", {
        "referrals": 2, "people": 2, "assessed": 2, "suitable": 1, "funding_approved": 1, "funding_refused": 1,
        "admitted": 1, "admitted_pct": 50.0, "completed": 0, "completed_pct": 0.0, "left_early": 1,
        "units": {UNIT: 1},
    }),
}  # fmt: skip


def write_dataset(folder: Path, extra: Sequence[Row] = ()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "people.csv").open("w", newline="", encoding="utf-8") as handle:
        table = csv.writer(handle)
        table.writerow(["person_ref", "surname", "forenames", "date_of_birth", "sex"])
        table.writerows(PEOPLE)
    with (folder / "events.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for person, case, pathway, event, at, values in [*EVENTS, *extra]:
            writer.writerow(
                {
                    "person_ref": person,
                    "case_ref": case,
                    "pathway": pathway,
                    "event": event,
                    "occurred_at": at,
                    **values,
                }
            )
    return folder


def test_the_dataset_imports_and_each_pathways_figures_are_as_defined(database_url: str, tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "dataset")
    out = pathways("import", str(folder), url=database_url).stdout
    assert f"Imported: 6 people, 12 cases, {len(EVENTS)} events added." in out
    for pathway, (start, end, figures) in EXPECTED.items():
        answer = json.loads(
            pathways(
                "report",
                "cohort",
                "--pathway",
                pathway,
                "--from",
                start,
                "--to",
                end,
                "--format",
                "json",
                url=database_url,
            ).stdout
        )
        assert answer["figures"] == figures, pathway
        assert answer["pathway"] == pathway and answer["tables"], pathway


def test_only_the_running_orders_next_review_is_left_open_after_import(
    store: Store, admin: Actor, worker: Actor, tmp_path: Path
) -> None:
    report = import_dataset(store, actor=admin, path=write_dataset(tmp_path / "dataset"))
    assert report.errors == [] and report.written
    provider = replace(worker, service=PROVIDER)  # a worker of the service the orders were made with
    (open_one,) = worklists.overdue_requirements(store, actor=provider, now=datetime(2026, 11, 29, tzinfo=UTC))
    assert (open_one.case_ref, open_one.label, open_one.service) == ("D3", "Review hearing 2 of 18", PROVIDER)
    assert open_one.due_at == datetime(2026, 1, 3, 10, tzinfo=LONDON)


def test_events_out_of_order_are_refused_in_each_pathways_words(store: Store, admin: Actor, tmp_path: Path) -> None:
    second_order = {
        "site": COURT,
        "service": PROVIDER,
        "kind": "weekly",
        "result": "with_reviews",
        "due_at": "2026-06-01",
    }
    extra = [
        ("P3", "D3", "drr", "review", "2025-11-01", {"result": "good"}),
        ("P2", "D2", "drr", "order_made", "2025-06-01", second_order),
        ("P2", "D2", "drr", "warning", "2025-06-02", {}),
        ("P5", "A1", "atr", "review", "2025-07-01", {"result": "acceptable"}),
        ("P1", "R1", "prison_release", "engaged", "2026-04-23", {"service": PROVIDER}),
        ("P2", "O2", "outreach", "engaged", "2026-03-11", {"service": CLIC}),
        ("P3", "H2", "rehab", "admitted", "2026-02-17T12:00", {"service": UNIT}),
    ]
    report = import_dataset(store, actor=admin, path=write_dataset(tmp_path / "dataset", extra))
    assert not report.written
    first = len(EVENTS) + 2  # the spreadsheet row of the first added event (row 1 is the header)
    assert sorted((e.row, e.message) for e in report.errors) == [
        (first, "case D3: The review hearing cannot come before the court order: a Drug Rehabilitation Requirement "
                "(DRR) case starts with the court order."),
        (first + 1, "case D2: This case already has an order. A new order is a new case."),
        (first + 2, "case D2: A warning is given for a failure to comply, and no failure is recorded on this order."),
        (first + 3, "case A1: This order was made without review hearings, so a review hearing cannot be recorded on "
                    "it."),
        (first + 4, "case R1: Engagement in community treatment is already recorded on this case."),
        (first + 5, "case O2: The person was not referred to County Lines Informed Cumbria, so engagement with it "
                    "cannot be recorded: record the referral first."),
        (first + 6, "case H2: Admission needs funding approved, and none is recorded."),
    ]  # fmt: skip
    with store.unit_of_work() as uow:
        assert [uow.session.scalar(select(func.count()).select_from(m)) for m in (Case, Event)] == [0, 0]
