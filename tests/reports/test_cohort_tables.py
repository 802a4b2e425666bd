"""The cohort report's tables, data version and JSON, on the worked example and on a 300-person demo database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pathways.actors import command_line_actor
from pathways.definitions import load_definitions
from pathways.demo_loader import fill_demo_database
from pathways.engine import Fact
from pathways.interchange.importer import import_dataset
from pathways.store import Store, open_store
from reports.breakdowns import columns_for
from reports.cohort import CohortAnswer, CohortQuestion, cohort_figures
from reports.cohort_tables import DTOA_FUNNEL, PARTS, cohort_tables, figure_tables, label_for
from reports.publication import publish_table, publish_tables
from reports.queries import CohortCase, cohort_cases
from reports.tables import SUPPRESSED, ReportRow, ReportTable
from reports.tally import data_version, tally_cases
from tests.conftest import EXAMPLE

EXPECTED = json.loads((EXAMPLE / "expected.json").read_text())
QUESTIONS = {
    "dtoa": CohortQuestion("dtoa", date(2023, 3, 1), date(2023, 3, 31)),
    "checkpoint": CohortQuestion("checkpoint", date(2023, 1, 1), date(2023, 12, 31)),
    "divert": CohortQuestion("divert", date(2023, 3, 1), date(2023, 3, 31)),
}
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DEMO_QUESTION = CohortQuestion("dtoa", NOW.date() - timedelta(days=800), NOW.date())
BREAKDOWN_KEYS = ("by_site", "by_month", "by_age", "by_sex", "by_ethnicity")


def _open(path: Path) -> Store:
    return open_store(f"sqlite:///{path}", clock=lambda: NOW)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = _open(tmp_path_factory.mktemp("example") / "example.sqlite")
    report = import_dataset(store, actor=command_line_actor(), path=EXAMPLE)
    assert report.errors == []
    yield store
    store.engine.dispose()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = _open(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    fill_demo_database(store, actor=command_line_actor(), people=300)
    yield store
    store.engine.dispose()


@pytest.fixture(scope="module")
def demo_answer(demo: Store) -> CohortAnswer:
    return cohort_figures(demo, actor=command_line_actor(), question=DEMO_QUESTION)


def _answers(example: Store, demo_answer: CohortAnswer) -> list[CohortAnswer]:
    actor = command_line_actor()
    return [*(cohort_figures(example, actor=actor, question=q) for q in QUESTIONS.values()), demo_answer]


def _tables(answer: CohortAnswer) -> dict[str, ReportTable]:
    return {table.key: table for table in answer.tables}


def _labels(table: ReportTable) -> list[str]:
    return [row.label for row in table.rows]


def test_every_breakdown_total_equals_the_cohort_figures(example: Store, demo_answer: CohortAnswer) -> None:
    for answer in _answers(example, demo_answer):
        columns = columns_for(answer.question.pathway)
        expected = tuple(answer.figures[column.key] for column in columns)
        tables = _tables(answer)
        for key in BREAKDOWN_KEYS:
            table = tables[key]
            assert table.has_total_row and table.rows[-1].label == "Total", key
            assert table.columns == tuple(column.heading for column in columns)
            assert table.rows[-1].counts == expected, (answer.question.pathway, key)
            body = [row.counts for row in table.rows[:-1]]
            assert tuple(sum(int(c or 0) for c in column) for column in zip(*body, strict=True)) == expected


def test_the_demo_cohort_is_big_enough_to_mean_something(demo_answer: CohortAnswer) -> None:
    cases = demo_answer.figures["cases"]
    assert isinstance(cases, int) and cases > 100  # numbers in the hundreds (DToA is 40% of the demo cases)
    assert len(_tables(demo_answer)["by_site"].rows) > 3
    assert len(_tables(demo_answer)["by_month"].rows) > 12


def test_the_dtoa_funnel_shares_its_steps_with_the_pdf(example: Store) -> None:
    answer = cohort_figures(example, actor=command_line_actor(), question=QUESTIONS["dtoa"])
    funnel = _tables(answer)["funnel"]
    assert (funnel.title, funnel.columns, funnel.has_total_row) == ("From arrest to outcome", ("Number",), False)
    index = {step.key: n for n, step in enumerate(DTOA_FUNNEL)}
    for row, step in zip(funnel.rows, DTOA_FUNNEL, strict=True):
        assert (row.label, row.counts, row.depth) == (step.label, (answer.figures[step.key],), step.depth)
        assert row.percent_of_row == (index[step.of] if step.of else None)


def test_dtoa_splits_add_up_and_other_figures_follow(example: Store) -> None:
    answer = cohort_figures(example, actor=command_line_actor(), question=QUESTIONS["dtoa"])
    tables = _tables(answer)
    basis = tables["tested_by_basis"]
    assert [(r.label, r.counts) for r in basis.rows] == [
        ("Trigger offence", (1,)),
        ("Inspector's authority", (1,)),
        ("Total", (2,)),
    ]
    substance = tables["positive_by_substance"]
    assert [r.counts[0] for r in substance.rows] == [0, 0, 1, 1] and substance.has_total_row
    others = tables["other_figures"]
    assert [(r.label, r.counts) for r in others.rows] == [("People", (3,)), ("Tests", (2,)), ("Refused", (1,))]


def test_a_split_that_does_not_add_up_gets_a_remainder_row() -> None:
    definition = load_definitions()["dtoa"]
    figures = dict(EXPECTED["dtoa 2023-03-01..2023-03-31"]) | {"positive": 5, "positive_both": 3}
    table = {t.key: t for t in figure_tables(definition, figures)}["positive_by_substance"]
    assert [(r.label, r.counts) for r in table.rows][-2:] == [("Other or not recorded", (2,)), ("Total", (5,))]


def test_other_pathways_list_their_whole_number_figures_in_order(example: Store) -> None:
    answer = cohort_figures(example, actor=command_line_actor(), question=QUESTIONS["checkpoint"])
    funnel = _tables(answer)["funnel"]
    whole_numbers = [key for key, value in answer.figures.items() if isinstance(value, int)]
    assert [row.counts[0] for row in funnel.rows] == [answer.figures[key] for key in whole_numbers]
    rows = {row.label: (n, row) for n, row in enumerate(funnel.rows)}
    signed = rows["Signed"][0]
    assert rows["Completed"][1].percent_of_row == signed and rows["Completed"][1].depth == 1
    assert rows["Eligible"][1].percent_of_row == rows["Screened"][0]
    assert rows["Cases"][1].percent_of_row is None


def test_checkpoint_needs_found_and_conditions_met(example: Store) -> None:
    answer = cohort_figures(example, actor=command_line_actor(), question=QUESTIONS["checkpoint"])
    tables = _tables(answer)
    needs = {row.label: row.counts for row in tables["needs"].rows}
    assert tables["needs"].title == "Needs found" and not tables["needs"].has_total_row
    assert needs["Drugs"] == (1,) and needs["Housing"] == (1,) and needs["Mental health"] == (0,)
    assert len(needs) == 9  # every need the definition offers, found or not
    met = tables["conditions_met"]
    assert met.columns == ("In contracts", "Met")
    assert [(r.label, r.counts) for r in met.rows] == [
        ("Drug education programme", (1, 1)),
        ("No reoffending", (1, 0)),
        ("Voluntary work", (1, 0)),
    ]
    assert "conditions_met" not in _tables(
        cohort_figures(example, actor=command_line_actor(), question=QUESTIONS["dtoa"])
    )


def test_the_example_breakdowns_group_as_recorded(example: Store) -> None:
    tables = _tables(cohort_figures(example, actor=command_line_actor(), question=QUESTIONS["dtoa"]))
    assert [(r.label, r.counts[0]) for r in tables["by_site"].rows] == [("Basingstoke", 3), ("Total", 3)]
    assert _labels(tables["by_month"]) == ["2023-03", "Total"]
    # E003 turned 18 on 2 March 2023 and was arrested on the 12th; no one was under 18, so that band is left out.
    assert [(r.label, r.counts[0]) for r in tables["by_age"].rows] == [
        ("18\N{EN DASH}29", 1),
        ("30\N{EN DASH}49", 2),
        ("50+", 0),
        ("Total", 3),
    ]
    assert [(r.label, r.counts[0]) for r in tables["by_sex"].rows] == [("Male", 2), ("Female", 1), ("Total", 3)]
    assert _labels(tables["by_ethnicity"]) == [
        "White - British",
        "White - any other White background",
        "Asian or Asian British - Pakistani",
        "Total",
    ]


def _case(case_id: int, at: datetime, born: date, site: str | None = "A") -> CohortCase:
    return CohortCase(case_id, f"C{case_id}", case_id, born, "F", "99", site, (Fact("arrest", at, {"basis": "none"}),))


def test_months_without_cases_show_0_and_under_18_and_not_recorded_appear_when_present() -> None:
    definition = load_definitions()["dtoa"]
    cases = [
        _case(1, datetime(2023, 1, 31, 23, 30, tzinfo=UTC), date(1990, 1, 1)),  # 23:30 UTC: still January in UK
        _case(2, datetime(2023, 3, 31, 23, 30, tzinfo=UTC), date(2008, 1, 1), site=None),  # 00:30 BST, 1 April
        replace(_case(3, datetime(2023, 3, 1, tzinfo=UTC), date(1970, 1, 1)), facts=()),
    ]
    tables = {t.key: t for t in cohort_tables(definition, tally_cases(definition, cases), {})}
    assert [(r.label, r.counts[0]) for r in tables["by_month"].rows] == [
        ("2023-01", 1),
        ("2023-02", 0),
        ("2023-03", 0),
        ("2023-04", 1),
        ("Not recorded", 1),
        ("Total", 3),
    ]
    assert _labels(tables["by_age"])[0] == "Under 18"
    assert _labels(tables["by_site"]) == ["A", "Not recorded", "Total"]
    assert _labels(tables["by_ethnicity"]) == ["Not known", "Total"]


def test_data_version_is_short_stable_and_follows_the_data(example: Store, tmp_path: Path) -> None:
    actor = command_line_actor()
    first = cohort_figures(example, actor=actor, question=QUESTIONS["dtoa"])
    again = cohort_figures(example, actor=actor, question=QUESTIONS["dtoa"])
    assert len(first.data_version) == 12 and int(first.data_version, 16) >= 0
    assert again.data_version == first.data_version and again.tables == first.tables
    other = cohort_figures(example, actor=actor, question=QUESTIONS["divert"])
    assert other.data_version != first.data_version
    with example.unit_of_work() as uow:
        cases = cohort_cases(uow.session, "dtoa", date(2023, 3, 1), date(2023, 3, 31), None)
    assert data_version(cases) == first.data_version
    assert data_version(list(reversed(cases))) == first.data_version  # order of loading does not matter
    moved = replace(cases[0], facts=(replace(cases[0].facts[0], occurred_at=datetime(2023, 3, 5, tzinfo=UTC)),))
    assert data_version([moved, *cases[1:]]) != first.data_version
    rebirth = replace(cases[0], date_of_birth=date(1991, 6, 15))
    assert data_version([rebirth, *cases[1:]]) != first.data_version
    fresh = _open(tmp_path / "fresh.sqlite")  # the same dataset in another database: the same version
    try:
        import_dataset(fresh, actor=actor, path=EXAMPLE)
        assert cohort_figures(fresh, actor=actor, question=QUESTIONS["dtoa"]).data_version == first.data_version
    finally:
        fresh.engine.dispose()


def test_as_json_keeps_the_interchange_figures_and_adds_tables(example: Store) -> None:
    for pathway, question in QUESTIONS.items():
        answer = cohort_figures(example, actor=command_line_actor(), question=question)
        data = json.loads(json.dumps(answer.as_json()))
        key = f"{pathway} {question.start.isoformat()}..{question.end.isoformat()}"
        assert data["figures"] == EXPECTED[key]
        assert data["data_version"] == answer.data_version
        assert [t["key"] for t in data["tables"]] == [t.key for t in answer.tables]
        funnel = data["tables"][0]
        assert set(funnel) == {"key", "title", "row_title", "columns", "rows", "has_total_row"}
        assert set(funnel["rows"][0]) == {"label", "counts"}


def test_an_answer_made_by_hand_still_works() -> None:
    question = QUESTIONS["dtoa"]
    answer = CohortAnswer(question, "Drug Testing on Arrest", 1, NOW, {"cases": 0}, {})
    assert answer.tables == () and answer.data_version == ""
    assert answer.as_json()["tables"] == []


def test_an_empty_cohort_has_tables_of_zeros(example: Store) -> None:
    question = CohortQuestion("dtoa", date(2020, 1, 1), date(2020, 1, 31))
    answer = cohort_figures(example, actor=command_line_actor(), question=question)
    tables = _tables(answer)
    assert tables["by_month"].rows == (ReportRow("2020-01", (0,) * 9), ReportRow("Total", (0,) * 9))
    assert [row.label for row in tables["by_age"].rows] == ["18\N{EN DASH}29", "30\N{EN DASH}49", "50+", "Total"]


# Publication


def _cells(table: ReportTable) -> list[object]:
    return [count for row in table.rows for count in row.counts]


def test_published_tables_never_show_a_count_of_1_to_4(example: Store, demo_answer: CohortAnswer) -> None:
    for answer in _answers(example, demo_answer):
        published = publish_tables(answer.question.pathway, answer.tables)
        assert [t.key for t in published] == [t.key for t in answer.tables]
        for table in published:
            assert not [c for c in _cells(table) if isinstance(c, int) and 1 <= c <= 4], table.key
    demo = publish_tables("dtoa", demo_answer.tables)
    assert SUPPRESSED in _cells({t.key: t for t in demo}["by_ethnicity"])  # the demo has small groups
    assert {t.key: t for t in demo}["funnel"].rows[0].counts == (demo_answer.figures["cases"],)  # big ones stay


def test_a_hidden_part_cannot_be_worked_out_from_its_whole() -> None:
    columns = columns_for("dtoa")
    where = {column.key: n for n, column in enumerate(columns)}
    whole, (attended_key, missed_key) = PARTS["dtoa"][0]
    referred, attended, missed = where[whole], where[attended_key], where[missed_key]
    row = [0] * len(columns)
    row[0], row[referred], row[attended], row[missed] = 40, 20, 17, 3
    table = ReportTable("by_site", "By site", "Site", tuple(c.heading for c in columns), (ReportRow("A", tuple(row)),))
    counts = publish_table("dtoa", table).rows[0].counts
    assert (counts[referred], counts[attended], counts[missed]) == (20, SUPPRESSED, SUPPRESSED)


def test_a_hidden_funnel_sub_step_hides_its_sibling() -> None:
    definition = load_definitions()["dtoa"]
    figures = dict(EXPECTED["dtoa 2023-03-01..2023-03-31"])
    figures |= {"cases": 50, "eligible": 45, "tested": 40, "positive": 30, "initial_required": 30}
    figures |= {"initial_attended": 27, "initial_missed": 3}
    funnel = publish_table("dtoa", figure_tables(definition, figures)[0])
    shown = {row.label: row.counts[0] for row in funnel.rows}
    assert shown["Initial assessment required"] == 30
    assert shown["Initial assessment attended"] == shown["Initial assessment missed"] == SUPPRESSED


def test_the_month_breakdown_shows_every_month_of_the_period(example: Store) -> None:
    """A month of the period with no case is a row of 0, at either end as between (a year's report shows twelve),
    and a case outside no month of it is shown."""
    question = CohortQuestion("dtoa", date(2023, 1, 15), date(2023, 5, 2))
    by_month = _tables(cohort_figures(example, actor=command_line_actor(), question=question))["by_month"]
    assert [(row.label, row.counts[0]) for row in by_month.rows] == [
        ("2023-01", 0),
        ("2023-02", 0),
        ("2023-03", 3),
        ("2023-04", 0),
        ("2023-05", 0),
        ("Total", 3),
    ]
    checkpoint = _tables(cohort_figures(example, actor=command_line_actor(), question=QUESTIONS["checkpoint"]))
    assert _labels(checkpoint["by_month"])[:-1] == [f"2023-{month:02d}" for month in range(1, 13)]


def test_the_months_still_to_come_are_not_rows_of_0(example: Store) -> None:
    """A year not over yet shows its months up to this one (the test clock says November 2026), not a drop to 0."""
    question = CohortQuestion("dtoa", date(NOW.year, 1, 1), date(NOW.year, 12, 31))
    by_month = _tables(cohort_figures(example, actor=command_line_actor(), question=question))["by_month"]
    assert _labels(by_month)[:-1] == [f"{NOW.year}-{month:02d}" for month in range(1, NOW.month + 1)]
    future = CohortQuestion("dtoa", date(NOW.year + 1, 1, 1), date(NOW.year + 1, 3, 31))
    assert _labels(_tables(cohort_figures(example, actor=command_line_actor(), question=future))["by_month"]) == [
        "Total"
    ]


def test_a_splits_parts_are_named_after_their_whole_as_the_split_table_names_them() -> None:
    """The Reports screen's figure list and the PDF use the same words for the same figure."""
    assert label_for("tested_trigger", DTOA_FUNNEL) == "Tested: trigger offence"
    assert label_for("tested_inspector", DTOA_FUNNEL) == "Tested: inspector's authority"
    assert label_for("positive_both", DTOA_FUNNEL) == "Positive: cocaine and opiates"
    assert label_for("treatment_started", DTOA_FUNNEL) == "Treatment started"


def test_a_figure_whose_key_is_not_english_is_named_in_words() -> None:
    """Checkpoint's "non_compliant" read "Non compliant" on the report and the screen."""
    assert label_for("non_compliant") == "Not complying"
    assert label_for("non_compliant_pct") == "Not complying (%)"
    assert label_for("repeat_people") == "Repeat people"
