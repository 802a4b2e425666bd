"""The cohort report's tables as they may be published: reports.disclosure.publish on every table, and more
guards that the table model cannot state for it.

A table's total row is a stated sum, and disclosure.publish protects it. Other sums hold by the pathway's rules
(reports/cohort_tables.py): some counts are *parts* of another count, in the same table or another one (PARTS:
the initial assessments attended and missed, of those required; orders completed, revoked, terminated or still
running, of those made; VALUE_PARTS: the rows of a per-value table, such as the rehab units people were admitted
to, of those admitted). A whole that is shown with exactly one part hidden would give that part away, so the
smallest other non-zero part is hidden too (the same rule disclosure.publish applies under a total); where the
parts always add up to the whole, a hidden whole with every part shown is protected the same way. One figure
is often printed more than once (in the figures, as a total row of every breakdown, as a row of a per-value
table): hidden in one place, it is hidden in all. The tables are published again until nothing more needs
hiding.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

from reports.breakdowns import TOTAL, columns_for, value_label
from reports.cohort_tables import (
    ADD_UP,
    AT_LEAST,
    AT_MOST,
    EXACTLY,
    FUNNELS,
    PARTS,
    SPLITS,
    VALUE_PARTS,
    label_for,
)
from reports.disclosure import LARGEST_HIDDEN, SMALLEST_SHOWN, publish
from reports.figures import FigureValue
from reports.tables import SUPPRESSED, Count, ReportTable

if TYPE_CHECKING:
    from pathways.definitions import PathwayDefinition
    from reports.cohort import CohortAnswer

PARTS_RULE = (
    "Where counts are parts of another count shown in the report (for example assessments attended or missed, "
    "of those required; orders completed, revoked, terminated or still running, of those made; the rows of a "
    "table by rehab unit, of those admitted) and one part is hidden, another part is hidden too, so the hidden "
    "one cannot be worked out by taking the others away. A number shown in more than one place is hidden in "
    "every place. Charts show a hidden count as a bar of 0 with a * over it."
)

Cell = tuple[int, int, int]  # (table, row, column) in the report's tables
Ref = str | tuple[str, str]  # a whole-number figure, or (per-value figure, row label)


@dataclass(frozen=True)
class Group:
    """A whole and its parts, as cells of the report's tables. `adds_up`: EXACTLY, AT_LEAST or AT_MOST (the
    parts add up to the whole, to it or more, to it or less); `complete`: every part is among the cells."""

    whole: Cell
    parts: tuple[Cell, ...]
    adds_up: str = AT_MOST
    complete: bool = True


def publish_tables(pathway: str, tables: Sequence[ReportTable]) -> list[ReportTable]:
    """Every table of a cohort report, published."""
    groups, same = relations(pathway, tables)
    published = [publish(table) for table in tables]
    while groups or same:
        grid = [[list(row.counts) for row in table.rows] for table in published]
        changed = [_hide_everywhere(grid, cells) for cells in same]  # lists: every rule runs in each round
        changed += [_protect(grid, group) for group in groups]
        if not any(changed):
            break
        published = [
            publish(table.with_rows(tuple(replace(row, counts=tuple(c)) for row, c in zip(table.rows, g, strict=True))))
            for table, g in zip(published, grid, strict=True)
        ]
    return published


def publish_table(pathway: str, table: ReportTable) -> ReportTable:
    """One table published on its own (the relations between its own cells only)."""
    return publish_tables(pathway, [table])[0]


@cache
def _definition(pathway: str) -> PathwayDefinition | None:
    from pathways.definitions import load_definitions

    return load_definitions().get(pathway)


def figure_cells(pathway: str, tables: Sequence[ReportTable]) -> dict[Ref, list[Cell]]:
    """Where each figure is printed: a row of the funnel or figures table, of "Other figures", of a split (its
    parts, and its total row), the total row of every breakdown (in the figure's column; the "Cases" column is
    the cohort, the pathway's first figure), and each row of a per-value table, as (figure, row label)."""
    definition = _definition(pathway)
    keys = [figure.key for figure in definition.figures] if definition else []
    per_value = {f.key for f in definition.figures if "by_value" in f.spec} if definition else set()
    funnel = FUNNELS.get(pathway, ())
    by_label: dict[str, dict[str, str]] = {"funnel": {label_for(key, funnel): key for key in keys}}
    by_label["other_figures"] = {label_for(key): key for key in keys}
    for split in SPLITS.get(pathway, ()):
        by_label[split.key] = {label: key for key, label in split.parts} | {TOTAL: split.total}
    cells: dict[Ref, list[Cell]] = {}
    for t, table in enumerate(tables):
        if table.key.startswith("by_") and table.has_total_row and table.rows:
            for c, column in enumerate(columns_for(pathway)):
                key = column.key if column.key in keys else (keys[0] if keys else column.key)
                cells.setdefault(key, []).append((t, len(table.rows) - 1, c))
        elif table.key in per_value:
            for r, row in enumerate(table.rows):
                cells.setdefault((table.key, row.label), []).append((t, r, 0))
        else:
            labels = by_label.get(table.key, {})
            for r, row in enumerate(table.rows):
                if row.label in labels:
                    cells.setdefault(labels[row.label], []).append((t, r, 0))
    return cells


def relations(pathway: str, tables: Sequence[ReportTable]) -> tuple[list[Group], list[list[Cell]]]:
    """The pathway's wholes and parts (PARTS, VALUE_PARTS) as cells of `tables`, each where the whole is printed:
    in one table (the figures), or in each row of every breakdown where the whole is a column; and the cells that
    print one figure more than once."""
    cells = figure_cells(pathway, tables)
    groups = list(_breakdown_groups(pathway, tables))
    exact = ADD_UP.get(pathway, frozenset())
    for whole, keys in PARTS.get(pathway, ()):
        adds_up = EXACTLY if whole in exact else AT_MOST
        for where in cells.get(whole, []):
            if not tables[where[0]].key.startswith("by_"):
                parts = [_figure_cell(cells, key, tables) for key in keys]
                found = tuple(cell for cell in parts if cell is not None)
                groups.append(Group(where, found, adds_up, len(found) == len(keys)))
    definition = _definition(pathway)
    for value_parts in VALUE_PARTS.get(pathway, ()):
        wanted = {value_label(definition, v) for v in value_parts.values} if definition else set()
        rows = [
            cell
            for ref, found in cells.items()
            if isinstance(ref, tuple) and ref[0] == value_parts.table and (not wanted or ref[1] in wanted)
            for cell in found
        ]
        for where in cells.get(value_parts.whole, []):
            if not tables[where[0]].key.startswith("by_"):
                groups.append(Group(where, tuple(rows), value_parts.adds_up))
    same = [found for found in cells.values() if len(found) > 1]
    return groups, same


def _figure_cell(cells: Mapping[Ref, list[Cell]], key: str, tables: Sequence[ReportTable]) -> Cell | None:
    """Where a figure is printed outside the breakdowns (the first such place: any other is kept the same)."""
    return next((cell for cell in cells.get(key, []) if not tables[cell[0]].key.startswith("by_")), None)


def _breakdown_groups(pathway: str, tables: Sequence[ReportTable]) -> Iterator[Group]:
    """PARTS within each row of every breakdown (total row included) whose columns hold the whole."""
    headings = {column.key: index for index, column in enumerate(columns_for(pathway))}
    exact = ADD_UP.get(pathway, frozenset())
    for t, table in enumerate(tables):
        if not table.key.startswith("by_"):
            continue
        for row in range(len(table.rows)):
            for whole, keys in PARTS.get(pathway, ()):
                if whole in headings:
                    parts = tuple((t, row, headings[key]) for key in keys if key in headings)
                    adds_up = EXACTLY if whole in exact else AT_MOST
                    yield Group((t, row, headings[whole]), parts, adds_up, len(parts) == len(keys))


def _hide_everywhere(grid: list[list[list[Count]]], cells: Sequence[Cell]) -> bool:
    """One figure printed in several cells: hidden in one, hide it in every one; True when a cell was hidden."""
    if not any(_hidden(grid, cell) for cell in cells) or all(_hidden(grid, cell) for cell in cells):
        return False
    for t, r, c in cells:
        grid[t][r][c] = SUPPRESSED
    return True


def _hidden(grid: list[list[list[Count]]], cell: Cell) -> bool:
    t, r, c = cell
    return isinstance(grid[t][r][c], str)


def _protect(grid: list[list[list[Count]]], group: Group) -> bool:
    """Hide one more cell of the group where a hidden cell could be worked out; True when a cell was hidden.

    - The whole shown and exactly one part hidden: hide the smallest other non-zero part. With none left, the
      hidden part is pinned if the parts add up to the whole (or more): hide the whole.
    - The whole hidden and no part hidden, the parts adding up to it exactly (or more: it lies between the
      largest part and their sum): hide the smallest non-zero part."""
    t, r, c = group.whole
    cells = [grid[pt][pr][pc] for pt, pr, pc in group.parts]
    hidden = sum(isinstance(cell, str) for cell in cells)
    shown = [(cell, index) for index, cell in enumerate(cells) if isinstance(cell, int) and cell > 0]
    pinning = group.adds_up in (EXACTLY, AT_LEAST) and group.complete
    if not isinstance(grid[t][r][c], str):
        if hidden != 1:
            return False
        if shown:
            pt, pr, pc = group.parts[min(shown)[1]]
            grid[pt][pr][pc] = SUPPRESSED
            return True
        if pinning and isinstance(grid[t][r][c], int):
            grid[t][r][c] = SUPPRESSED
            return True
        return False
    if hidden == 0 and pinning and shown:
        pt, pr, pc = group.parts[min(shown)[1]]
        grid[pt][pr][pc] = SUPPRESSED
        return True
    return False


def published_json(
    definition: PathwayDefinition, answer: CohortAnswer, published: Sequence[ReportTable]
) -> dict[str, object]:
    """The members of the JSON a publication copy replaces or adds: figures, tables, and `"suppressed": true`."""
    from reports.cohort import table_json

    parts = {f.key: (str(f.spec["pct"][0]), str(f.spec["pct"][1])) for f in definition.figures if "pct" in f.spec}
    hidden = hidden_in_tables(answer.question.pathway, answer.figures, published)
    return {
        "figures": published_figures(answer.figures, parts, hidden),
        "tables": [table_json(table) for table in published],
        "suppressed": True,
    }


def hidden_in_tables(
    pathway: str, figures: Mapping[str, FigureValue], published: Sequence[ReportTable]
) -> set[str | tuple[str, str]]:
    """The figures some published table shows as "*" (the funnel, a split, other figures, a breakdown's total
    row): hidden there by disclosure control, perhaps to protect another count, so the JSON's figures must hide
    them too; and, as (figure, value), the values of a per-value figure its table shows as "*"."""
    definition = _definition(pathway)
    values = {
        (key, value_label(definition, value) if definition else value): value
        for key, counts in figures.items()
        if isinstance(counts, dict)
        for value in counts
    }
    hidden: set[str | tuple[str, str]] = set()
    for ref, cells in figure_cells(pathway, published).items():
        if not any(isinstance(published[t].rows[r].counts[c], str) for t, r, c in cells):
            continue
        if isinstance(ref, str):
            hidden.add(ref)
        elif ref in values:
            hidden.add((ref[0], values[ref]))
    return hidden


def published_figures(
    figures: Mapping[str, FigureValue],
    pct_parts: Mapping[str, tuple[str, str]],
    hidden: Collection[str | tuple[str, str]] = (),
) -> dict[str, FigureValue | str | dict[str, int | str]]:
    """The figures as they may be published: a count of 1 to 4 (also within a per-value figure), every figure
    in `hidden` and every (figure, value) in it as "*"; a percentage as "*" when either figure it is made of is
    hidden (`pct_parts`: percentage figure → (part, whole)). Other values unchanged."""

    def hide(count: int) -> int | str:
        return SUPPRESSED if SMALLEST_SHOWN <= count <= LARGEST_HIDDEN else count

    shown: dict[str, FigureValue | str | dict[str, int | str]] = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            shown[key] = {name: SUPPRESSED if (key, name) in hidden else hide(count) for name, count in value.items()}
        elif isinstance(value, int) and not isinstance(value, bool):
            shown[key] = SUPPRESSED if key in hidden else hide(value)
        else:
            shown[key] = value
    for key, (part, whole) in pct_parts.items():
        if key in shown and SUPPRESSED in (shown.get(part), shown.get(whole)):
            shown[key] = SUPPRESSED
    return shown
