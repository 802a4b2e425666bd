"""Disclosure control of published report tables (reports/disclosure.py)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from reports import disclosure
from reports.disclosure import RULES, publish, publish_all
from reports.tables import SUPPRESSED, Count, ReportRow, ReportTable, percent_text

S = SUPPRESSED


def _table(
    rows: list[tuple[str, list[Count]]], *, total: bool, percent_of: dict[int, int] | None = None
) -> ReportTable:
    percent_of = percent_of or {}
    return ReportTable(
        key="t",
        title="T",
        row_title="Row",
        columns=tuple(f"c{index}" for index in range(len(rows[0][1]))),
        rows=tuple(
            ReportRow(label, tuple(counts), percent_of_row=percent_of.get(index))
            for index, (label, counts) in enumerate(rows)
        ),
        has_total_row=total,
    )


def _with_total(body: list[list[int]]) -> ReportTable:
    totals: list[Count] = [sum(column) for column in zip(*body, strict=True)]
    rows: list[tuple[str, list[Count]]] = [(f"r{index}", list(counts)) for index, counts in enumerate(body)]
    return _table([*rows, ("Total", totals)], total=True)


def _counts(table: ReportTable) -> list[list[Count]]:
    return [list(row.counts) for row in table.rows]


# Worked examples


def test_by_sex_hides_the_small_count_and_the_next_smallest() -> None:
    published = publish(_with_total([[10], [3], [0], [7]]))
    # F (3) is 1-4; with only F hidden, F = 20 - 10 - 0 - 7. The smallest non-zero shown other count is U (7).
    assert _counts(published) == [[10], [S], [0], [S], [20]]


def test_labels_titles_and_flags_are_kept() -> None:
    table = _with_total([[10], [3]])
    published = publish(table)
    assert [row.label for row in published.rows] == [row.label for row in table.rows]
    assert replace(published, rows=table.rows) == table


def test_a_total_of_1_to_4_is_hidden_and_cannot_be_added_up() -> None:
    # 2 + 1 + 0 = 3: every non-zero cell is 1-4, so all of them and the total are hidden; the 0 stays.
    assert _counts(publish(_with_total([[2], [1], [0]]))) == [[S], [S], [0], [S]]
    # 3 + 0 + 0 = 3: the total and the one non-zero cell are hidden; the shown zeros do not pin either.
    assert _counts(publish(_with_total([[3], [0], [0]]))) == [[S], [0], [0], [S]]


def test_columns_are_protected_independently() -> None:
    published = publish(_with_total([[10, 6], [3, 9], [7, 5]]))
    assert _counts(published) == [[10, 6], [S, 9], [S, 5], [20, 20]]


def test_ties_hide_the_first_smallest() -> None:
    assert _counts(publish(_with_total([[8], [2], [6], [6]]))) == [[8], [S], [S], [6], [22]]


def test_nothing_changes_without_small_counts() -> None:
    table = _with_total([[10, 0], [0, 0], [25, 5]])
    assert publish(table) == table


def test_a_funnel_without_totals_hides_only_1_to_4() -> None:
    funnel = _table(
        [("Eligible", [335]), ("Tested", [3]), ("Referred", [157]), ("Failed to attend", [0]), ("Prosecuted", [4])],
        total=False,
    )
    assert _counts(publish(funnel)) == [[335], [S], [157], [0], [S]]


def test_percentages_of_hidden_counts_are_hidden() -> None:
    funnel = publish(
        _table([("Eligible", [335]), ("Tested", [3]), ("Positive", [2])], total=False, percent_of={1: 0, 2: 1})
    )
    eligible, tested, positive = (row.counts[0] for row in funnel.rows)
    assert percent_text(tested, eligible) == "*"
    assert percent_text(positive, tested) == "*"
    assert percent_text(eligible, eligible) == "100.0%"


def test_cells_already_hidden_are_protected_and_a_zero_is_hidden_only_when_needed() -> None:
    # A * over two zeros and a total of 7 would be 7: the only other candidate is a 0, and a hidden 0 protects.
    hidden_over_zeros = _table([("a", [S]), ("b", [0]), ("c", [0]), ("T", [7])], total=True)
    assert _counts(publish(hidden_over_zeros)) == [[S], [S], [0], [7]]
    # A hidden total over all-shown cells would be their sum: hide the smallest non-zero one.
    hidden_total = _table([("a", [5]), ("b", [0]), ("c", [6]), ("T", [S])], total=True)
    assert _counts(publish(hidden_total)) == [[S], [0], [6], [S]]
    # One body row already hidden under a shown total: nothing else to hide but the total.
    assert _counts(publish(_table([("a", [S]), ("T", [9])], total=True))) == [[S], [S]]


def test_cells_that_do_not_apply_stay_none_and_take_no_part() -> None:
    table = _table([("a", [10, None]), ("b", [3, None]), ("c", [6, 8]), ("T", [19, None])], total=True)
    assert _counts(publish(table)) == [[10, None], [S, None], [S, 8], [19, None]]


def test_publish_all_publishes_each_table() -> None:
    tables = [_with_total([[10], [3], [7]]), _table([("a", [2])], total=False)]
    assert publish_all(tables) == [publish(table) for table in tables]


def test_rules_are_the_plain_words_of_the_module_docstring() -> None:
    assert RULES.startswith("Counts of 1 to 4 are shown as *.")
    assert "Percentages that use a hidden count are shown as *." in RULES
    assert "\n" not in RULES.replace("\n\n", "")
    assert " ".join(RULES.split()) == " ".join((disclosure.__doc__ or "").split())


# Property: no hidden cell can be worked out from what is published


def _pinned_cells(published: list[list[Count]]) -> list[tuple[int, int]]:
    """Hidden cells whose value is fixed by the published numbers.

    Model: shown cells are fixed; in each column the body cells sum to the total (a free non-negative integer when
    the total is hidden); hidden cells are non-negative integers. Columns share no constraint, so each is solved
    alone. With the total shown, the hidden body cells H sum to S = total - shown: each ranges over 0..S when
    |H| >= 2 (pinned only if S == 0) and equals S when |H| == 1. With the total hidden, every hidden cell is free
    unless the total is the only hidden cell (then it is the sum of the shown cells).
    """
    pinned: list[tuple[int, int]] = []
    last = len(published) - 1
    for column in range(len(published[0])):
        *body, total = (row[column] for row in published)
        hidden = [index for index, count in enumerate(body) if count == SUPPRESSED]
        shown_sum = sum(count for count in body if isinstance(count, int))
        if isinstance(total, int):
            rest = total - shown_sum
            assert rest >= 0
            if len(hidden) == 1 or rest == 0:
                pinned += [(index, column) for index in hidden]
        elif not hidden:
            pinned.append((last, column))
    return pinned


small_or_any_count = st.integers(0, 30) | st.integers(0, 6)
bodies = st.integers(1, 4).flatmap(
    lambda width: st.lists(st.lists(small_or_any_count, min_size=width, max_size=width), min_size=2, max_size=8)
)


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_no_hidden_cell_can_be_worked_out(body: list[list[int]]) -> None:
    table = _with_total(body)
    original, published = _counts(table), _counts(publish(table))

    assert _pinned_cells(published) == []
    assert publish(publish(table)) == publish(table)  # publishing again changes nothing
    for before_row, after_row in zip(original, published, strict=True):
        for before, after in zip(before_row, after_row, strict=True):
            assert after in (before, SUPPRESSED)  # shown cells unchanged; hidden ones are exactly "*"
            assert not (isinstance(after, int) and 1 <= after <= 4)  # primary suppression
            if after == SUPPRESSED:
                assert before != 0  # a clean table never needs a hidden 0
    for column in range(len(body[0])):
        column_counts = [row[column] for row in body] + [sum(row[column] for row in body)]
        primary = sum(1 for count in column_counts if 1 <= count <= 4)
        hidden = sum(1 for row in published if row[column] == SUPPRESSED)
        assert hidden <= primary + 1  # secondary suppression hides at most one more cell per column


@settings(max_examples=300, deadline=None)
@given(bodies, st.data())
def test_cells_hidden_upstream_cannot_be_worked_out_either(body: list[list[int]], data: st.DataObject) -> None:
    original = _counts(_with_total(body))
    cells = [(row, column) for row in range(len(original)) for column in range(len(original[0]))]
    upstream = data.draw(st.sets(st.sampled_from(cells), max_size=3))
    given_rows = [
        [SUPPRESSED if (row, column) in upstream else count for column, count in enumerate(counts)]
        for row, counts in enumerate(original)
    ]
    table = _table([(f"r{index}", counts) for index, counts in enumerate(given_rows)], total=True)
    published = _counts(publish(table))

    # A 0 hidden upstream under a shown total of 0 is pinned at 0; no count above 0 may be pinned.
    assert all(original[row][column] == 0 for row, column in _pinned_cells(published))
    for before_row, after_row in zip(original, published, strict=True):
        for before, after in zip(before_row, after_row, strict=True):
            assert after in (before, SUPPRESSED)
            assert not (isinstance(after, int) and 1 <= after <= 4)
