"""A checker for publication copies: can a hidden count be worked out by arithmetic on what is shown?

It reads the published tables (or the published CSV) by their labels, as a reader would, and applies each whole/parts
relationship the pathway declares (reports/cohort_tables.py: PARTS, ADD_UP, VALUE_PARTS), the total rows, and the
rule that one figure printed in several places is shown the same everywhere. It does not use
reports/publication.py's own bookkeeping, so it checks that code rather than repeating it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from pathways.definitions import PathwayDefinition
from reports.breakdowns import TOTAL, columns_for, value_label
from reports.cohort_tables import ADD_UP, AT_LEAST, AT_MOST, EXACTLY, FUNNELS, PARTS, SPLITS, VALUE_PARTS, label_for
from reports.disclosure import LARGEST_HIDDEN, SMALLEST_SHOWN
from reports.figures import FigureValue
from reports.tables import SUPPRESSED, Count, ReportTable

Grid = dict[tuple[str, str, str], str]  # (table, row, column) → the value as printed ("*" when hidden)


def grid_of(tables: Sequence[ReportTable]) -> Grid:
    return {
        (table.key, row.label, column): "" if count is None else str(count)
        for table in tables
        for row in table.rows
        for column, count in zip(table.columns, row.counts, strict=False)
    }


def grid_of_csv(text: str) -> Grid:
    lines = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return {(line["table"], line["row"], line["column"]): line["value"] for line in lines if line["table"] != "report"}


def _number(value: str | None) -> int | None:
    return int(value) if value is not None and value.lstrip("-").isdigit() else None


def leaks(
    definition: PathwayDefinition, full: Grid, shown: Grid, figures: Mapping[str, object] | None = None
) -> list[str]:
    """Every way a hidden count of `shown` (the published copy of `full`) can be worked out, in words; [] if none.
    `figures`: the published JSON's figures, checked to hide what the tables hide."""
    code = definition.code
    funnel = FUNNELS.get(code, ())
    problems: list[str] = []
    for key, value in full.items():
        number = _number(value)
        if number is not None and SMALLEST_SHOWN <= number <= LARGEST_HIDDEN and shown.get(key) != SUPPRESSED:
            problems.append(f"{key}: {number} is shown")
        if shown.get(key) not in (SUPPRESSED, value):
            problems.append(f"{key}: {value} is printed as {shown.get(key)}")

    def where(figure: str) -> list[tuple[str, str, str]]:
        """Every cell printing a whole-number figure: figures, other figures, splits, breakdown totals."""
        found = [k for k in full if k[0] in ("funnel", "other_figures") and k[1] == label_for(figure, funnel)]
        for split in SPLITS.get(code, ()):
            found += [k for k in full if k[0] == split.key and k[1] == TOTAL and split.total == figure]
            found += [k for k in full if k[0] == split.key and (figure, k[1]) in split.parts]
        first = definition.figures[0].key
        for column in columns_for(code):
            if (column.key if column.key in {f.key for f in definition.figures} else first) == figure:
                found += [k for k in full if k[0].startswith("by_") and k[1] == TOTAL and k[2] == column.heading]
        return found

    def check(name: str, whole: tuple[str, str, str] | None, parts: list[tuple[str, str, str]], adds_up: str) -> None:
        if whole is None or not parts:
            return
        hidden = [p for p in parts if shown[p] == SUPPRESSED]
        others = [_number(full[p]) or 0 for p in parts if shown[p] != SUPPRESSED]
        if shown[whole] != SUPPRESSED and len(hidden) == 1 and (adds_up != AT_MOST or any(others)):
            problems.append(f"{name}: {hidden[0]} = {full[hidden[0]]} can be worked out from {whole} and the rest")
        if shown[whole] == SUPPRESSED and not hidden and adds_up in (EXACTLY, AT_LEAST) and any(others):
            problems.append(f"{name}: the hidden {whole} can be worked out from its parts")

    exact = ADD_UP.get(code, frozenset())
    for whole, keys in PARTS.get(code, ()):
        adds_up = EXACTLY if whole in exact else AT_MOST
        cells = [where(key) for key in keys]
        for at in where(whole):
            if at[0].startswith("by_"):
                continue
            complete = all(cells)
            check(f"{code} {whole}", at, [c[0] for c in cells if c], adds_up if complete else AT_MOST)
        headings = {column.key: column.heading for column in columns_for(code)}
        if whole in headings:
            for table, row, column in [k for k in full if k[0].startswith("by_") and k[2] == headings[whole]]:
                parts = [(table, row, headings[key]) for key in keys if key in headings]
                complete = len(parts) == len(keys)
                check(f"{code} {whole} in {table}", (table, row, column), parts, adds_up if complete else AT_MOST)
    for value_parts in VALUE_PARTS.get(code, ()):
        wanted = {value_label(definition, v) for v in value_parts.values}
        parts = [k for k in full if k[0] == value_parts.table and (not wanted or k[1] in wanted)]
        for at in where(value_parts.whole):
            if not at[0].startswith("by_"):
                check(f"{code} {value_parts.whole} by {value_parts.table}", at, parts, value_parts.adds_up)
    # Total rows: a column with exactly one hidden cell under a shown total, or a hidden total over none.
    for table in {k[0] for k in full}:
        for column in {k[2] for k in full if k[0] == table}:
            if (table, TOTAL, column) not in full:
                continue
            body = [k for k in full if k[0] == table and k[2] == column and k[1] != TOTAL]
            hidden = [k for k in body if shown[k] == SUPPRESSED]
            if shown[(table, TOTAL, column)] != SUPPRESSED and len(hidden) == 1:
                problems.append(f"{table} {column}: {hidden[0]} can be worked out from the total")
    # One figure, the same everywhere.
    for figure in definition.figures:
        places = where(figure.key)
        if len({shown[c] == SUPPRESSED for c in places}) > 1:
            problems.append(f"{figure.key} is hidden in some places and shown in others: {places}")
        anywhere = any(shown[c] == SUPPRESSED for c in places)
        if figures is not None and anywhere and figures.get(figure.key) != SUPPRESSED:
            problems.append(f"the JSON shows {figure.key} = {figures.get(figure.key)}, hidden in the tables")
    for by_value, per_value in (figures or {}).items():
        if isinstance(per_value, dict):
            for name, count in per_value.items():
                line = (by_value, value_label(definition, str(name)), "Cases")
                if line in shown and (shown[line] == SUPPRESSED) != (count == SUPPRESSED):
                    problems.append(f"the JSON shows {by_value}[{name}] = {count}, the table {shown[line]}")
    return problems


def published_figures_ok(figures: Mapping[str, FigureValue], json_figures: Mapping[str, object]) -> list[str]:
    """A published JSON figure is either "*" or the figure itself."""
    problems = []
    for key, value in figures.items():
        shown = json_figures.get(key)
        if isinstance(value, dict) and isinstance(shown, dict):
            problems += [f"{key}[{n}]" for n, c in value.items() if shown.get(n) not in (SUPPRESSED, c)]
        elif shown not in (SUPPRESSED, value):
            problems.append(key)
    return problems


def count_of(grid: Grid, table: str, row: str, column: str = "Number") -> Count:
    value = grid[(table, row, column)]
    return SUPPRESSED if value == SUPPRESSED else _number(value)
