"""Synthetic demo data: deterministic, clearly synthetic, interchange-shaped, and valid under the rules."""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from datetime import date, datetime
from datetime import time as clock_time

import pytest

from pathways.clock import LONDON, age_on
from pathways.definitions import RESOURCES, load_definitions, resolve_choices
from pathways.demo import SERVICES, SITES, SyntheticDataset, synthetic_dataset
from pathways.engine import Fact, check_timeline, open_deadlines
from pathways.interchange.format import EVENT_COLUMNS, PEOPLE_COLUMNS
from pathways.timeline import fact_from_values

# The spring clock change: the hour 01:00-01:59 does not exist that night, and nothing may fall on `today`.
TODAY = date(2026, 3, 29)
START_OF_TODAY = f"{TODAY.isoformat()}T00:00"
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")
PNC_ID = re.compile(r"^\d{2}/\d{7}[A-Z]$")

Rows = list[dict[str, str]]

SEEDED_DRUGS = {"drugs": ("cocaine", "opiates")}  # the drugs list a new database starts with


@pytest.fixture(scope="module")
def dataset() -> SyntheticDataset:
    """DToA cases only: these tests check its own generator in detail (the other pathways: test_demo_pathways.py)."""
    return synthetic_dataset(2000, seed=3, today=TODAY, pathways=("dtoa",))


@pytest.fixture(scope="module")
def cases(dataset: SyntheticDataset) -> dict[str, Rows]:
    found: dict[str, Rows] = defaultdict(list)
    for row in dataset.events:
        found[row["case_ref"]].append(row)
    return found


@pytest.fixture(scope="module")
def births(dataset: SyntheticDataset) -> dict[str, date]:
    return {p["person_ref"]: date.fromisoformat(p["date_of_birth"]) for p in dataset.people}


def _moment(text: str) -> datetime | None:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON) if text else None


def _facts(rows: Rows) -> list[Fact]:
    facts = []
    for row in rows:
        occurred_at = _moment(row["occurred_at"])
        assert occurred_at is not None
        facts.append(fact_from_values(row["event"], occurred_at, row, _moment(row["due_at"]), None))
    return facts


def _arrest_age(row: dict[str, str], births: dict[str, date]) -> int:
    return age_on(births[row["person_ref"]], date.fromisoformat(row["occurred_at"][:10]))


def test_the_same_arguments_give_the_same_dataset() -> None:
    first = synthetic_dataset(300, seed=5, today=TODAY)
    assert first == synthetic_dataset(300, seed=5, today=TODAY)
    assert first != synthetic_dataset(300, seed=6, today=TODAY)
    assert synthetic_dataset(0, today=TODAY) == SyntheticDataset([], [])
    with pytest.raises(ValueError):
        synthetic_dataset(-1, today=TODAY)


def test_every_row_has_exactly_the_interchange_columns(dataset: SyntheticDataset) -> None:
    for row in dataset.people:
        assert tuple(row) == PEOPLE_COLUMNS
        assert all(isinstance(value, str) for value in row.values())
    for row in dataset.events:
        assert tuple(row) == EVENT_COLUMNS
        assert all(isinstance(value, str) for value in row.values())
        assert row["pathway"] == "dtoa"


def test_records_are_clearly_synthetic(dataset: SyntheticDataset, cases: dict[str, Rows]) -> None:
    refs = [p["person_ref"] for p in dataset.people]
    assert len(refs) == len(set(refs)) == 2000
    assert all(re.fullmatch(r"DEMO-\d{6}", ref) for ref in refs)
    assert {row["person_ref"] for row in dataset.events} == set(refs)
    for case_ref, rows in cases.items():
        assert re.fullmatch(r"DEMO-C-\d{7}", case_ref)
        assert len({row["person_ref"] for row in rows}) == 1
        assert rows[0]["notes"].startswith("Synthetic demo record")


def test_every_case_passes_the_dtoa_rules(cases: dict[str, Rows], births: dict[str, date]) -> None:
    dtoa = resolve_choices(load_definitions()["dtoa"], SEEDED_DRUGS)
    now = datetime.combine(TODAY, clock_time(23, 59, 59), tzinfo=LONDON)
    problems = {}
    for case_ref, rows in cases.items():
        found = check_timeline(dtoa, _facts(rows), births[rows[0]["person_ref"]], now)
        if found:
            problems[case_ref] = [f"{p.fact.name}: {p.message}" for p in found]
    assert problems == {}


def test_events_run_forward_and_stop_before_today(cases: dict[str, Rows]) -> None:
    for rows in cases.values():
        times = [row["occurred_at"] for row in rows]
        assert all(MOMENT.match(t) and t[11:13] != "01" for t in times)
        assert times == sorted(times)
        assert times[-1] < START_OF_TODAY
        assert all(row["event"] != "closed" for row in rows[:-1])
        assert all(MOMENT.match(row["due_at"]) for row in rows if row["due_at"])


def test_people_are_plausible(
    dataset: SyntheticDataset,
    cases: dict[str, Rows],
    births: dict[str, date],
) -> None:
    ages = [_arrest_age(rows[0], births) for rows in cases.values()]
    assert min(ages) == 16 and max(ages) <= 70
    sexes = Counter(p["sex"] for p in dataset.people)
    assert set(sexes) <= {"M", "F", "X", "U"} and sexes["M"] > sexes["F"] > sexes["X"] + sexes["U"] > 0
    ethnicities = Counter(p["ethnicity"] for p in dataset.people)
    assert set(ethnicities) <= {*"ABCDEFGHJKLMNPRS", "Z", "99"} and len(ethnicities) >= 12
    pnc_ids = [p["pnc_id"] for p in dataset.people if p["pnc_id"]]
    assert 0.33 < len(pnc_ids) / len(dataset.people) < 0.47
    assert all(PNC_ID.match(pnc) for pnc in pnc_ids)
    assert all(POSTCODE.match(p["postcode"]) for p in dataset.people if p["postcode"])
    assert all(p["surname"] and p["forenames"] for p in dataset.people)
    assert 1.2 < len(cases) / len(dataset.people) < 1.45


def test_arrests_match_their_basis(cases: dict[str, Rows]) -> None:
    with (RESOURCES / "reference" / "offences.toml").open("rb") as handle:
        trigger = {o["label"]: o["trigger"] for o in tomllib.load(handle)["offences"]}
    arrests = [rows[0] for rows in cases.values()]
    assert all(a["event"] == "arrest" and a["site"] in SITES for a in arrests)
    for arrest in arrests:
        assert trigger[arrest["offence"]] == (arrest["basis"] == "trigger")
        assert ("Inspector" in arrest["notes"]) == (arrest["basis"] == "inspector")
    bases = Counter(a["basis"] for a in arrests)
    assert 0.75 < bases["trigger"] / len(arrests) < 0.85
    assert bases["inspector"] > bases["none"] > 0
    services = {row["service"] for rows in cases.values() for row in rows if row["service"]}
    assert services == set(SERVICES)


def test_the_mix_exercises_the_rules(cases: dict[str, Rows], births: dict[str, date]) -> None:
    every = [row for rows in cases.values() for row in rows]
    events = Counter(row["event"] for row in every)
    results = Counter(row["result"] for row in every if row["event"] == "test")
    reasons = Counter(row["reason"] for row in every if row["event"] == "prosecuted")
    under_18 = sum(_arrest_age(rows[0], births) < 18 for rows in cases.values())
    notices = sum(row["reason"].startswith("further notice: ") for row in every)
    assert under_18 > 10
    assert results["refused"] > 10 and results["no_sample"] > 0
    assert 0.5 < results["positive"] / (results["positive"] + results["negative"]) < 0.65
    assert events["assessment_missed"] > 50 and events["follow_up_waived"] > 10 and notices > 10
    assert reasons["failed_to_attend"] > 50 and reasons["refused_test"] > 10
    assert events["treatment_started"] > 0 and events["closed"] > 0


def test_recent_cases_have_appointments_still_to_come(cases: dict[str, Rows]) -> None:
    dtoa = resolve_choices(load_definitions()["dtoa"], SEEDED_DRUGS)
    later = datetime.combine(TODAY, clock_time(0, 0), tzinfo=LONDON)
    pending = [
        deadline
        for rows in cases.values()
        for deadline in open_deadlines(dtoa, _facts(rows))
        if deadline.due_at >= later
    ]
    assert len(pending) > 10


def test_under_18s_are_never_tested(cases: dict[str, Rows], births: dict[str, date]) -> None:
    for rows in cases.values():
        if _arrest_age(rows[0], births) < 18:
            assert [row["event"] for row in rows] in (["arrest"], ["arrest", "closed"])
