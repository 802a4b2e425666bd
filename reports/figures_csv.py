"""A cohort answer's figures as CSV text: figure,value,meaning, one row per figure.

A figure counted per value (e.g. checkpoint "needs") gives one row per value, named "needs: drugs".
Cells a spreadsheet would run as a formula (starting = + - @ after leading spaces) get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from reports.cohort import CohortAnswer
from reports.figures import FigureValue

HEADER = ("figure", "value", "meaning")
FORMULA_STARTS = ("=", "+", "-", "@")


def figures_csv(answer: CohortAnswer) -> str:
    """The figures of `answer` in definition order; a value of None is written empty."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in _rows(answer):
        writer.writerow([defuse(cell) for cell in row])
    return out.getvalue()


def _rows(answer: CohortAnswer) -> Iterator[tuple[str, str, str]]:
    for key, value in answer.figures.items():
        meaning = answer.meanings.get(key, "")
        if isinstance(value, dict):
            if not value:
                yield key, "", meaning
            for name, count in value.items():
                yield f"{key}: {name}", str(count), meaning
        else:
            yield key, _value_text(value), meaning


def _value_text(value: FigureValue) -> str:
    return "" if value is None else str(value)


def defuse(cell: str) -> str:
    """`cell`, with a leading apostrophe if a spreadsheet would otherwise read it as a formula."""
    stripped = cell.lstrip()
    if stripped.startswith(FORMULA_STARTS) or cell.startswith(("\t", "\r")):
        return "'" + cell
    return cell
