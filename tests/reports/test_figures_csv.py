"""Cohort figures as CSV: one row per figure, per-value figures flattened, formulas defused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from pathways.definitions import load_definitions
from reports.cohort import CohortAnswer, CohortQuestion
from reports.figures import FigureValue
from reports.figures_csv import defuse, figures_csv


def answer(code: str, figures: dict[str, FigureValue], meanings: dict[str, str] | None = None) -> CohortAnswer:
    definition = load_definitions()[code]
    if meanings is None:
        meanings = {f.key: f.meaning for f in definition.figures}
    question = CohortQuestion(code, date(2023, 1, 1), date(2023, 12, 31))
    return CohortAnswer(
        question, definition.name, definition.version, datetime(2024, 1, 2, tzinfo=UTC), figures, meanings
    )


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_header_then_one_row_per_figure_in_order() -> None:
    figures: dict[str, FigureValue] = {"cases": 3, "eligible": 3, "tested": 2, "tested_pct": 66.7, "positive_pct": None}
    table = rows(figures_csv(answer("dtoa", figures)))
    assert table[0] == ["figure", "value", "meaning"]
    assert [r[0] for r in table[1:]] == list(figures)
    assert table[1] == ["cases", "3", "DToA cases whose first event falls in the period."]
    assert table[4] == ["tested_pct", "66.7", "Tested as a percentage of eligible."]
    assert table[5] == ["positive_pct", "", "Positive as a percentage of tested."]


def test_per_value_figures_are_flattened() -> None:
    table = rows(figures_csv(answer("checkpoint", {"cases": 1, "needs": {"drugs": 1, "housing": 2}})))
    meaning = "For each need, the cases where the navigator found it."
    assert table[2:] == [["needs: drugs", "1", meaning], ["needs: housing", "2", meaning]]


def test_an_empty_per_value_figure_still_has_its_row() -> None:
    table = rows(figures_csv(answer("checkpoint", {"needs": {}})))
    assert table[1][:2] == ["needs", ""]


def test_a_figure_without_a_meaning_has_an_empty_one() -> None:
    table = rows(figures_csv(answer("dtoa", {"cases": 1}, meanings={})))
    assert table[1] == ["cases", "1", ""]


def test_formula_cells_are_defused_in_the_file() -> None:
    meanings = {"cases": '=HYPERLINK("http://x","click")', "people": "  @SUM(A1:A2)", "eligible": "plain, with comma"}
    table = rows(figures_csv(answer("dtoa", {"cases": 1, "people": 1, "eligible": 1}, meanings=meanings)))
    assert table[1][2] == '\'=HYPERLINK("http://x","click")'
    assert table[2][2] == "'  @SUM(A1:A2)"
    assert table[3][2] == "plain, with comma"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        (" =1", "' =1"),
        ("\t=1", "'\t=1"),
        ("\tplain", "'\tplain"),
        ("66.7", "66.7"),
        ("needs: drugs", "needs: drugs"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_defuse(cell: str, expected: str) -> None:
    assert defuse(cell) == expected
