"""The cohort report's tables as they may be published: reports.disclosure.publish on every table, and one more
guard that the table model cannot state for it.

A table's total row is a stated sum, and disclosure.publish protects it. Some counts are also *parts* of another
count in the same table: the initial assessments attended and missed are parts of those required (in the funnel's
rows, and in the columns of each breakdown). Their sum is at most the whole and, once every appointment is past,
equal to it, so a whole that is shown with exactly one part hidden would give that part away. Here the smallest
other non-zero part is hidden too (the same rule disclosure.publish applies under a total), then the table is
published again, until nothing more needs hiding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from reports.breakdowns import columns_for
from reports.cohort_tables import FUNNELS, PARTS, label_for
from reports.disclosure import publish
from reports.tables import SUPPRESSED, Count, ReportTable

PARTS_RULE = (
    "Where one count is part of another shown beside it (for example assessments attended or missed, of those "
    "required; contracts completed or failed, of those signed) and one part is hidden, another part is hidden "
    "too, so the hidden one cannot be worked out by taking the others away. Charts show a hidden count as a bar "
    "of 0 with a * over it."
)


@dataclass(frozen=True)
class _Group:
    """Cells of one table: the whole and its parts, as (row, column) positions."""

    whole: tuple[int, int]
    parts: tuple[tuple[int, int], ...]


def publish_tables(pathway: str, tables: Sequence[ReportTable]) -> list[ReportTable]:
    """Every table of a cohort report, published."""
    return [publish_table(pathway, table) for table in tables]


def publish_table(pathway: str, table: ReportTable) -> ReportTable:
    groups = _groups(pathway, table)
    published = publish(table)
    while groups:
        grid = [list(row.counts) for row in published.rows]
        if not any([_protect(grid, group) for group in groups]):  # a list: every group is protected in each round
            break
        rows = tuple(replace(row, counts=tuple(counts)) for row, counts in zip(published.rows, grid, strict=True))
        published = publish(published.with_rows(rows))
    return published


def _groups(pathway: str, table: ReportTable) -> list[_Group]:
    """Where the pathway's parts sit in `table`: as rows of the funnel, or as columns of every breakdown row."""
    parts = PARTS.get(pathway, ())
    if table.key == "funnel":
        funnel = FUNNELS.get(pathway, ())
        where = {row.label: index for index, row in enumerate(table.rows)}
        rows = {key: where[label] for key in _keys(parts) if (label := label_for(key, funnel)) in where}
        return [
            _Group((rows[whole], 0), tuple((rows[key], 0) for key in keys if key in rows))
            for whole, keys in parts
            if whole in rows
        ]
    if table.key.startswith("by_"):
        headings = {column.key: index for index, column in enumerate(columns_for(pathway))}
        return [
            _Group((row, headings[whole]), tuple((row, headings[key]) for key in keys if key in headings))
            for row in range(len(table.rows))
            for whole, keys in parts
            if whole in headings
        ]
    return []


def _keys(parts: Sequence[tuple[str, tuple[str, ...]]]) -> set[str]:
    return {key for whole, keys in parts for key in (whole, *keys)}


def _protect(grid: list[list[Count]], group: _Group) -> bool:
    """Hide one more part when the whole is shown and exactly one part is hidden; True when a cell was hidden."""
    row, column = group.whole
    cells = [grid[r][c] for r, c in group.parts]
    if isinstance(grid[row][column], str) or sum(isinstance(cell, str) for cell in cells) != 1:
        return False
    shown = [(cell, index) for index, cell in enumerate(cells) if isinstance(cell, int) and cell > 0]
    if not shown:
        return False  # the other parts are 0 or do not apply: the hidden part is not pinned by them
    r, c = group.parts[min(shown)[1]]
    grid[r][c] = SUPPRESSED
    return True
