"""Counts of 1 to 4 are shown as *. A count of 0 is shown as 0.

Where a table has a total row, one hidden count in a column could be worked out by taking the other counts away
from the total, so the next smallest count in the same column is hidden too. A total of 1 to 4 is hidden as well,
and then so is at least one of the counts it adds up, so that adding them up does not give it away.

Percentages that use a hidden count are shown as *.
"""

# For developers
# --------------
# `publish(table)` returns the table as it may be published; it never changes a count it does not hide, and
# every hidden count becomes the string SUPPRESSED, which `percent_text` turns into "*" for any share that uses it.
#
# Primary suppression: every count 1-4 is hidden; 0 is shown (standard UK practice).
#
# Secondary suppression applies to the only margin the table model states: with `has_total_row`, the body
# cells of each column add up to the total row. Columns are independent, so each is protected on its own:
# - total shown and exactly one body cell hidden: that cell = total - the shown cells, so hide another body cell,
#   the smallest non-zero shown one (ties: the first);
# - total hidden and no body cell hidden: the total = the sum of the shown cells, so hide a body cell likewise.
# With two or more cells hidden under a shown total (their sum is at least 1 because one of them is 1-4), or a
# hidden total over at least one hidden cell, no hidden value is pinned by the column's sum.
# A 0 is hidden only when the column has no non-zero candidate (possible only when the input already holds
# SUPPRESSED cells): a hidden 0 protects in the same way, because the reader cannot tell it from any other *.
# If a column has no body cell left to hide, its total is hidden instead.
#
# Tables without a total row get primary suppression only: no published margin states an exact sum, so no
# hidden count can be worked out by arithmetic on the table. Caution: this holds only for sums the model states.
# If rows are in fact parts of another row (e.g. funnel sub-steps that split a step exactly), that relation is
# not declared in ReportTable and is not protected here.
#
# `None` cells ("does not apply") are neither counts nor hidden; they take no part in a column's sum.

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from reports.tables import SUPPRESSED, Count, ReportTable

RULES: str = "\n\n".join(" ".join(paragraph.split()) for paragraph in (__doc__ or "").strip().split("\n\n"))

SMALLEST_SHOWN = 1
LARGEST_HIDDEN = 4


def publish(table: ReportTable) -> ReportTable:
    """The table as it may be published: small counts hidden, and no hidden count recoverable from a total."""
    grid = [[_primary(count) for count in row.counts] for row in table.rows]
    if table.has_total_row and len(grid) >= 2:
        width = max(len(counts) for counts in grid)
        for column in range(width):
            _protect_column(grid, column)
    return table.with_rows(
        tuple(replace(row, counts=tuple(counts)) for row, counts in zip(table.rows, grid, strict=True))
    )


def publish_all(tables: Iterable[ReportTable]) -> list[ReportTable]:
    return [publish(table) for table in tables]


def _primary(count: Count) -> Count:
    if isinstance(count, str):  # already hidden upstream
        return SUPPRESSED
    if count is not None and SMALLEST_SHOWN <= count <= LARGEST_HIDDEN:
        return SUPPRESSED
    return count


def _is_hidden(count: Count) -> bool:
    return isinstance(count, str)


def _protect_column(grid: list[list[Count]], column: int) -> None:
    """Hide further cells of one column (in place) until its total row no longer pins a hidden cell."""
    rows = [index for index, counts in enumerate(grid) if column < len(counts)]
    if not rows or rows[-1] != len(grid) - 1:
        return  # the total row has no cell in this column: no stated sum
    while (pick := _next_to_hide([grid[index][column] for index in rows])) is not None:
        grid[rows[pick]][column] = SUPPRESSED


def _next_to_hide(cells: list[Count]) -> int | None:
    """Index (into `cells`, the last being the total) of a cell to hide so no hidden cell is pinned; None if safe."""
    *body, total = cells
    if total is None:
        return None  # no total published in this column
    hidden = sum(1 for count in body if _is_hidden(count))
    if _is_hidden(total):
        return _smallest_shown(body) if hidden == 0 else None
    if hidden == 1:
        pick = _smallest_shown(body)
        return len(body) if pick is None else pick  # nothing else to hide: hide the total itself
    return None


def _smallest_shown(body: list[Count]) -> int | None:
    """The smallest non-zero shown count (ties: the first); a shown 0 only when there is no non-zero one."""
    shown = [(count, index) for index, count in enumerate(body) if isinstance(count, int)]
    pool = [item for item in shown if item[0] != 0] or shown
    return min(pool)[1] if pool else None
