"""Publication copies of every pathway's cohort report: a count hidden as * cannot be worked out from a whole that
the pathway's rules say it is part of (reports/cohort_tables.py: PARTS, ADD_UP, VALUE_PARTS).

Each pathway gets cases made so that one part of a whole is 1 to 4 (a reviewer's arithmetic on the demo data:
ATR orders 35 = completed 11 + revoked 5 + terminated * + running 16; gambling referred 25 = GamCare 9 + Gordon
Moody * + NHS 12; rehab admitted 16 = 5 + 7 + The Meadows *), imported into a real SQLite file, counted, and
published as CSV and JSON. The published copy must hide at least one more part (or the whole), in every place
the figure is printed, and in the JSON too.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from pathways.actors import command_line_actor
from pathways.demo_loader import fill_demo_database
from pathways.interchange.format import EVENT_COLUMNS
from pathways.interchange.importer import import_dataset
from pathways.store import Store, open_store
from reports.cohort import CohortAnswer, CohortQuestion, cohort_figures
from reports.cohort_csv import cohort_csv
from reports.cohort_pdf import cohort_pdf_bytes
from reports.publication import publish_tables, published_json
from reports.tables import SUPPRESSED
from tests.reports.leaks import Grid, grid_of_csv, leaks, published_figures_ok

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
COURT, PROVIDER, PRISON = "Carlisle Magistrates' Court", "Unity Cumbria", "HMP Haverigg"
GAMCARE, MOODY, NHS = "GamCare", "Gordon Moody", "NHS Northern Gambling Service"
HOPE, HARBOUR, MEADOWS = "Hope House", "Harbour Lodge", "The Meadows"
CLIC, DRINKERS = "County Lines Informed Cumbria", "High-impact complex drinkers service"
SIGNED = {"conditions": "no_reoffending;drug_education_programme;voluntary_work"}

Step = tuple[str, dict[str, str]]


def _steps(*steps: str | Step) -> list[Step]:
    return [(step, {}) if isinstance(step, str) else step for step in steps]


def _atr_order() -> Step:
    return ("order_made", {"site": COURT, "service": PROVIDER, "due_at": "2026-06-30", "result": "without_reviews"})


def _drr_order() -> Step:
    values = {"site": COURT, "service": PROVIDER, "due_at": "2025-12-31", "kind": "weekly", "result": "without_reviews"}
    return ("order_made", values)


def _gambling(result: str, service: str | None = None, *then: str | Step) -> list[Step]:
    steps: list[str | Step] = [("identified", {"kind": "custody"}), ("screened", {"result": result})]
    if service:
        steps.append(("referred", {"service": service}))
    return _steps(*steps, *then)


def _rehab(unit: str | None, *then: str | Step) -> list[Step]:
    start: list[str | Step] = ["referred", ("assessed", {"result": "suitable"})]
    if unit is None:
        return _steps(*start, *then)
    return _steps(*start, "funding_approved", ("admitted", {"service": unit}), *then)


def _group(attended: int, missed: int, *then: str) -> list[Step]:
    code = {"kind": "FREE-CARLISLE"}
    return [("enrolled", code), *[("session_attended", code)] * attended, *[("session_missed", code)] * missed] + [
        (step, {}) for step in then
    ]


# pathway → [(how many cases, their steps)]
CASES: dict[str, list[tuple[int, list[Step]]]] = {
    "atr": [
        (11, [_atr_order(), ("completed", {})]),
        (5, [_atr_order(), ("revoked", {})]),
        (3, [_atr_order(), ("terminated", {})]),
        (16, [_atr_order()]),
    ],
    "drr": [
        (15, [_drr_order(), ("completed", {})]),
        (6, [_drr_order(), ("revoked", {})]),
        (3, [_drr_order(), ("terminated", {})]),
        (17, [_drr_order()]),
    ],
    "gambling": [  # screened 33 = 11 + 11 + 9 + problem 2; referred 25 = GamCare 9 + Gordon Moody 4 + NHS 12
        (8, _gambling("non_problem")),
        (3, _gambling("non_problem", NHS, "engaged")),
        (9, _gambling("low_risk", GAMCARE, "engaged")),
        (2, _gambling("low_risk", NHS, "engaged")),
        (7, _gambling("moderate_risk", NHS, "engaged")),
        (2, _gambling("moderate_risk", MOODY, "not_engaged")),
        (2, _gambling("problem", MOODY)),
        (3, [("identified", {"kind": "prison"})]),  # settings: custody 33 + prison 3 = cases 36
    ],
    "rehab": [  # admitted 16 = Hope House 5 + Harbour Lodge 7 + The Meadows 4; completed 10 + left early 2 of 16
        (5, _rehab(HOPE, "completed")),
        (5, _rehab(HARBOUR, "completed")),
        (2, _rehab(HARBOUR, ("left_early", {"reason": "left against advice"}))),
        (4, _rehab(MEADOWS)),
        (3, _rehab(None, ("funding_refused", {"reason": "panel decision"}))),  # assessed 20: approved 16, refused 3
        (1, _rehab(None)),
    ],
    "arrest_referral": [  # contacts 23 = voluntary 20 + conditional caution 3; closed 14 = transferred 12 + 2
        (12, _steps(("contact", {"reason": "voluntary_other"}), ("closed", {"reason": "transferred"}))),
        (2, _steps(("contact", {"reason": "voluntary_other"}), ("closed", {"reason": "dropped_out"}))),
        (6, _steps(("contact", {"reason": "voluntary_other"}))),
        (3, _steps(("contact", {"reason": "conditional_caution"}))),
    ],
    "youth": [  # referrals 17 = prevention 15 + court order 2; closed 8 = 6 + 2; completed 3
        (3, _steps(("referral", {"kind": "prevention"}), "assessed", "session_attended", "completed")),
        (4, _steps(("referral", {"kind": "prevention"}), "assessed")),
        (6, _steps(("referral", {"kind": "prevention"}), ("closed", {"reason": "disengaged"}))),
        (2, _steps(("referral", {"kind": "prevention"}), ("closed", {"reason": "moved_away"}))),
        (2, _steps(("referral", {"kind": "court_order"}))),
    ],
    "outreach": [  # cases 21 = County Lines 12 + complex drinkers 6 + other 3; referred 21 = 10 + 3 + 8 partners
        (10, _steps(("visit", {"site": "Carlisle", "reason": "county_lines"}), ("referred", {"service": CLIC}))),
        (2, _steps(("visit", {"site": "Carlisle", "reason": "county_lines"}), ("referred", {"service": PROVIDER}))),
        (3, _steps(("visit", {"site": "Carlisle", "reason": "complex_drinker"}), ("referred", {"service": DRINKERS}))),
        (3, _steps(("visit", {"site": "Carlisle", "reason": "complex_drinker"}), ("referred", {"service": PROVIDER}))),
        (3, _steps(("visit", {"site": "Carlisle", "reason": "other"}), ("referred", {"service": PROVIDER}))),
    ],
    "prison_release": [  # released 20: engaged 13 (one late, after "not engaged"), not engaged 3, 4 not yet known
        (12, _steps(("released", {"site": PRISON, "service": PROVIDER}), ("engaged", {"service": PROVIDER}))),
        (1, _steps(("released", {"site": PRISON, "service": PROVIDER}), "not_engaged", ("engaged", {"service": NHS}))),
        (3, _steps(("released", {"site": PRISON, "service": PROVIDER}), ("not_engaged", {"reason": "no contact"}))),
        (4, _steps(("released", {"site": PRISON, "service": PROVIDER}))),
    ],
    "group_programme": [  # sessions marked 33 = attended 30 + missed 3; enrolled 10: completed 6, left 2
        (6, _group(3, 0, "completed")),
        (2, _group(3, 1, "left")),
        (1, _group(3, 1)),
        (1, _group(3, 0)),
    ],
    "divert": [  # referrals 20: completed 15, not engaged 3
        (15, _steps("referral", "assessment_attended", "session_attended", "completed")),
        (3, _steps("referral", "not_engaged")),
        (2, _steps("referral", "contacted")),
    ],
    "checkpoint": [  # screened 20 = eligible 17 + ineligible 3; offered 17: declined 2, signed 12
        (12, _steps("arrest", ("screened", {"result": "eligible"}), "offered", ("contract_signed", SIGNED))),
        (2, _steps("arrest", ("screened", {"result": "eligible"}), "offered", "declined")),
        (3, _steps("arrest", ("screened", {"result": "eligible"}), "offered")),
        (3, _steps("arrest", ("screened", {"result": "ineligible"}))),
    ],
    "dtoa": [  # eligible 20: tested 14, refused 3
        (14, _steps(("arrest", {"offence": "Theft", "basis": "trigger"}), ("test", {"result": "negative"}))),
        (3, _steps(("arrest", {"offence": "Theft", "basis": "trigger"}), ("test", {"result": "refused"}))),
        (3, _steps(("arrest", {"offence": "Theft", "basis": "trigger"}))),
    ],
}  # fmt: skip

# pathway → (whole, parts) as a reader finds them: (table, row) of the whole, then the parts' (table, row), or a
# table's name alone for every row of it. Each names a sum the reviewer (or the pathway's rules) can do.
WHOLES: dict[str, list[tuple[tuple[str, str], list[tuple[str, str] | str]]]] = {
    "atr": [(("funnel", "Orders"), [("funnel", r) for r in ("Completed", "Revoked", "Terminated", "Running")])],
    "drr": [(("funnel", "Orders"), [("funnel", r) for r in ("Completed", "Revoked", "Terminated", "Running")])],
    "gambling": [
        (("funnel", "Screened"), [("funnel", r) for r in ("Non problem", "Low risk", "Moderate risk", "Problem")]),
        (("funnel", "Referred"), ["referred_services"]),
        (("funnel", "Cases"), ["settings"]),
        (("funnel", "Referred"), [("funnel", "Engaged"), ("funnel", "Not engaged")]),
    ],
    "rehab": [
        (("funnel", "Admitted"), ["units"]),
        (("funnel", "Admitted"), [("funnel", "Completed"), ("funnel", "Left early")]),
        (("funnel", "Assessed"), [("funnel", "Funding approved"), ("funnel", "Funding refused")]),
    ],
    "arrest_referral": [(("funnel", "Contacts"), ["contact_reasons"]), (("funnel", "Closed"), ["closed_reasons"])],
    "youth": [
        (("funnel", "Referrals"), ["referrals_by_level"]),
        (("funnel", "Closed"), ["closed_reasons"]),
        (("funnel", "Referrals"), [("funnel", "Completed"), ("funnel", "Closed")]),
    ],
    "outreach": [
        (("funnel", "Cases"), ["visit_reasons"]),
        (("funnel", "Referred"), ["partners"]),
        (("funnel", "Referrals"), ["partners"]),
    ],
    "prison_release": [(("funnel", "Released"), [("funnel", "Engaged"), ("funnel", "Not engaged")])],
    "group_programme": [
        (("funnel", "Sessions marked"), [("funnel", "Sessions attended"), ("funnel", "Sessions missed")]),
        (("funnel", "Enrolled"), [("funnel", "Completed"), ("funnel", "Left")]),
    ],
    "divert": [(("funnel", "Referrals"), [("funnel", "Completed"), ("funnel", "Not engaged")])],
    "checkpoint": [
        (("funnel", "Screened"), [("funnel", "Eligible"), ("funnel", "Ineligible")]),
        (("funnel", "Offered"), [("funnel", "Declined"), ("funnel", "Signed")]),
    ],
    "dtoa": [(("funnel", "Eligible"), [("funnel", "Tested"), ("other_figures", "Refused")])],
}


def _write_dataset(folder: Path) -> Path:
    folder.mkdir()
    people, events = [], []
    n = 0
    for pathway, groups in CASES.items():
        for count, steps in groups:
            for _ in range(count):
                n += 1
                ref = f"P{n}"
                born = "2010-06-01" if pathway == "youth" else "1985-03-01"
                people.append([ref, "Case" + "".join(chr(97 + int(d)) for d in str(n)), "Sam", born, "M"])
                start = datetime(2025, 1, 6, 10) + timedelta(days=(n * 7) % 300)
                for day, (event, values) in enumerate(steps):
                    at = (start + timedelta(days=day * 2)).isoformat(timespec="minutes")
                    events.append({"person_ref": ref, "case_ref": f"C{n}", "pathway": pathway, "event": event,
                                   "occurred_at": at, **values})  # fmt: skip
    with (folder / "people.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person_ref", "surname", "forenames", "date_of_birth", "sex"])
        writer.writerows(people)
    with (folder / "events.csv").open("w", newline="", encoding="utf-8") as handle:
        table = csv.DictWriter(handle, fieldnames=EVENT_COLUMNS)
        table.writeheader()
        table.writerows(events)
    return folder


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("parts")
    store = open_store(f"sqlite:///{folder / 'parts.sqlite'}", clock=lambda: NOW)
    report = import_dataset(store, actor=command_line_actor(), path=_write_dataset(folder / "dataset"))
    assert report.errors == []
    yield store
    store.engine.dispose()


def _answer(store: Store, pathway: str) -> CohortAnswer:
    return cohort_figures(store, actor=command_line_actor(), question=CohortQuestion(pathway, *YEAR))


def _cells(grid: Grid, at: tuple[str, str] | str) -> list[str]:
    if isinstance(at, str):
        return [value for (table, _row, _column), value in grid.items() if table == at]
    return [value for (table, row, _column), value in grid.items() if (table, row) == at]


@pytest.mark.parametrize("pathway", sorted(CASES))
def test_no_hidden_part_can_be_worked_out_from_its_whole(store: Store, pathway: str) -> None:
    answer = _answer(store, pathway)
    full = grid_of_csv(cohort_csv(answer, publication=False))
    shown = grid_of_csv(cohort_csv(answer, publication=True))
    assert SUPPRESSED in shown.values()
    for whole, parts in WHOLES[pathway]:
        (total,) = _cells(full, whole)
        values = [value for part in parts for value in _cells(full, part)]
        hidden = [value for part in parts for value in _cells(shown, part) if value == SUPPRESSED]
        assert any(1 <= int(v) <= 4 for v in values), (whole, values)  # the case is one worth protecting
        assert int(total) >= sum(int(v) for v in values) or isinstance(parts[0], str), (whole, values)
        (whole_shown,) = _cells(shown, whole)
        assert whole_shown == SUPPRESSED or len(hidden) != 1, (whole, parts, hidden)
    definition = store.definition(pathway)
    data = published_json(definition, answer, publish_tables(pathway, answer.tables))
    assert leaks(definition, full, shown, data["figures"]) == []  # type: ignore[arg-type]
    assert published_figures_ok(answer.figures, data["figures"]) == []  # type: ignore[arg-type]


def test_the_reviewers_sums_no_longer_give_the_hidden_count_away(store: Store) -> None:
    """The JSON of each publication copy, as the reviewer read it: the whole and its parts."""

    def figures(pathway: str) -> dict[str, object]:
        answer = _answer(store, pathway)
        data = published_json(store.definition(pathway), answer, publish_tables(pathway, answer.tables))
        shown = data["figures"]
        assert isinstance(shown, dict)
        return json.loads(json.dumps(shown))  # type: ignore[no-any-return]

    atr = figures("atr")
    assert atr["orders"] == 35 and atr["terminated"] == SUPPRESSED
    assert [atr[k] for k in ("completed", "revoked", "running")].count(SUPPRESSED) >= 1
    drr = figures("drr")
    assert drr["orders"] == 41 and [drr[k] for k in ("completed", "revoked", "terminated", "running")].count("*") >= 2
    gambling = figures("gambling")
    assert gambling["screened"] == 33
    assert [gambling[k] for k in ("non_problem", "low_risk", "moderate_risk", "problem")].count(SUPPRESSED) >= 2
    services = gambling["referred_services"]
    assert gambling["referred"] == 25 and isinstance(services, dict) and list(services.values()).count("*") >= 2
    rehab = figures("rehab")
    units = rehab["units"]
    assert rehab["admitted"] == 16 and isinstance(units, dict) and list(units.values()).count(SUPPRESSED) >= 2
    release = figures("prison_release")  # the late engagement counts as engaged, not as not engaged
    assert release["released"] == 20 and release["engaged"] == "*" and release["not_engaged"] == SUPPRESSED


def test_prison_release_engaged_and_not_engaged_never_add_up_to_more_than_the_releases(store: Store) -> None:
    figures = _answer(store, "prison_release").figures
    assert (figures["released"], figures["engaged"], figures["not_engaged"]) == (20, 13, 3)


def test_a_per_value_tables_note_says_whether_its_rows_add_up(store: Store) -> None:
    notes = {
        (pathway, table.key): table.note
        for pathway in ("gambling", "rehab", "outreach", "youth", "arrest_referral")
        for table in _answer(store, pathway).tables
        if table.note and not table.key.startswith("by_")
    }
    assert "add up to the cases" in notes[("gambling", "settings")]
    assert "can add up to more than the cases referred" in notes[("gambling", "referred_services")]
    assert notes[("rehab", "units")] == "Each admission is to one rehab unit, so the rows add up to the admissions."
    assert "can add up to more" in notes[("outreach", "partners")]
    assert "rows add up to the referrals" in notes[("youth", "referrals_by_level")]
    assert not [note for note in notes.values() if "do not add up" in note]


def _months_all_hidden(answer: CohortAnswer) -> bool:
    published = {t.key: t for t in publish_tables(answer.question.pathway, answer.tables)}["by_month"]
    *months, total = published.rows
    return all(row.counts[0] in (0, SUPPRESSED) for row in months) and isinstance(total.counts[0], int)


def test_a_month_chart_whose_every_month_is_hidden_is_not_drawn(store: Store) -> None:
    """Every month's count is 1 to 4 (hidden) and only the total row, which the chart does not draw, is shown: the
    page says there is no chart instead of drawing bars of 0 under asterisks."""
    answer = _answer(store, "group_programme")
    assert _months_all_hidden(answer)
    pages = [
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(io.BytesIO(cohort_pdf_bytes(answer, publication=True))).pages
    ]
    text = " ".join(pages)
    assert "Month by month There is no chart: every monthly number is 0 or hidden." in text
    assert "by the month of each case's first event" not in text
    internal = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(cohort_pdf_bytes(answer))).pages)
    assert "by the month of each case's first event" in " ".join(internal.split())  # not hidden: drawn


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}", clock=lambda: NOW)
    fill_demo_database(store, actor=command_line_actor(), people=500)
    yield store
    store.engine.dispose()


def test_the_demo_databases_publication_copies_give_nothing_away(demo: Store) -> None:
    """Every pathway's report over the demo's two years, checked whole (tables as the CSV prints them, and the
    JSON's figures) by tests/reports/leaks.py."""
    hidden = 0
    for pathway in sorted(demo.definitions):
        question = CohortQuestion(pathway, NOW.date() - timedelta(days=729), NOW.date())
        answer = cohort_figures(demo, actor=command_line_actor(), question=question)
        full = grid_of_csv(cohort_csv(answer, publication=False))
        shown = grid_of_csv(cohort_csv(answer, publication=True))
        data = published_json(demo.definition(pathway), answer, publish_tables(pathway, answer.tables))
        figures = data["figures"]
        assert isinstance(figures, dict)
        assert leaks(demo.definition(pathway), full, shown, figures) == [], pathway
        assert published_figures_ok(answer.figures, figures) == [], pathway
        hidden += list(shown.values()).count(SUPPRESSED)
    assert hidden > 100  # the demo has small counts to hide


def test_the_demo_has_no_contradictory_prison_release_or_rehab_cases(demo: Store) -> None:
    """No release is counted as both engaged and not engaged, "not engaged" is recorded only once the 21 days have
    passed, and no rehab case is closed as a placement ended without an admission."""
    question = CohortQuestion("prison_release", NOW.date() - timedelta(days=729), NOW.date())
    figures = cohort_figures(demo, actor=command_line_actor(), question=question).figures
    assert isinstance(figures["engaged"], int) and isinstance(figures["not_engaged"], int)
    assert isinstance(figures["released"], int) and figures["not_engaged"] > 0
    assert figures["engaged"] + figures["not_engaged"] <= figures["released"]
    with demo.engine.connect() as connection:
        rows = connection.execute(
            text(
                "select c.pathway, e.name, e.occurred_at, e.reason, c.id from events e join cases c on c.id = e.case_id"
                " where c.pathway in ('prison_release', 'rehab') order by c.id, e.seq"
            )
        ).all()
    cases: dict[int, list[tuple[str, str, str, str | None]]] = {}
    for pathway, name, at, reason, case in rows:
        cases.setdefault(case, []).append((pathway, name, str(at)[:10], reason))
    for events in cases.values():
        names = [name for _pathway, name, _at, _reason in events]
        closing = [reason or "" for _pathway, name, _at, reason in events if name == "closed"]
        if events[0][0] == "rehab":
            assert not [r for r in closing if r.startswith("Placement ended")] or "admitted" in names, events
            assert not [r for r in closing if r.startswith("Not admitted")] or "admitted" not in names, events
        else:
            released = date.fromisoformat(events[0][2])
            for _pathway, name, at, _reason in events:
                if name == "not_engaged":
                    assert (date.fromisoformat(at) - released).days >= 22, events
            assert not [r for r in closing if r.startswith("Engaged")] or "engaged" in names, events
