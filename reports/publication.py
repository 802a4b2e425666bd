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

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from reports.breakdowns import columns_for
from reports.cohort_tables import FUNNELS, PARTS, SPLITS, label_for
from reports.disclosure import LARGEST_HIDDEN, SMALLEST_SHOWN, publish
from reports.figures import FigureValue
from reports.tables import SUPPRESSED, Count, ReportTable

if TYPE_CHECKING:
    from pathways.definitions import PathwayDefinition
    from reports.cohort import CohortAnswer

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


def hidden_in_tables(pathway: str, figures: Mapping[str, FigureValue], published: Sequence[ReportTable]) -> set[str]:
    """The figures some published figure table (the funnel, a split, other figures) shows as "*": hidden there
    by disclosure control, perhaps to protect another count, so the JSON's figures must hide them too."""

    funnel = FUNNELS.get(pathway, ())
    by_label = {"funnel": {label_for(key, funnel): key for key in figures}}
    by_label["other_figures"] = by_label["funnel"]
    for split in SPLITS.get(pathway, ()):
        by_label[split.key] = {label: key for key, label in split.parts} | {"Total": split.total}
    hidden: set[str] = set()
    for table in published:
        labels = by_label.get(table.key, {})
        hidden |= {labels[row.label] for row in table.rows if row.label in labels and SUPPRESSED in row.counts}
    return hidden


def published_figures(
    figures: Mapping[str, FigureValue], pct_parts: Mapping[str, tuple[str, str]], hidden: Collection[str] = ()
) -> dict[str, FigureValue | str | dict[str, int | str]]:
    """The figures as they may be published: a count of 1 to 4 (also within a per-value figure) and every figure
    in `hidden` as "*"; a percentage as "*" when either figure it is made of is hidden (`pct_parts`: percentage
    figure → (part, whole)). Other values unchanged."""

    def hide(count: int) -> int | str:
        return SUPPRESSED if SMALLEST_SHOWN <= count <= LARGEST_HIDDEN else count

    shown: dict[str, FigureValue | str | dict[str, int | str]] = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            shown[key] = {name: hide(count) for name, count in value.items()}
        elif isinstance(value, int) and not isinstance(value, bool):
            shown[key] = SUPPRESSED if key in hidden else hide(value)
        else:
            shown[key] = value
    for key, (part, whole) in pct_parts.items():
        if key in shown and SUPPRESSED in (shown.get(part), shown.get(whole)):
            shown[key] = SUPPRESSED
    return shown
