"""Which days of a cohort's period the cohort counts answer (whole months) and which the case-figures rows do."""

from __future__ import annotations

from datetime import date

import pytest

from reports.indexed_tally import part_months, whole_months


@pytest.mark.parametrize(
    ("start", "end", "whole", "parts"),
    [
        (date(2025, 1, 1), date(2025, 12, 31), ("2025-01", "2025-12"), []),
        (
            date(2025, 2, 14),
            date(2025, 11, 3),
            ("2025-03", "2025-10"),
            [(date(2025, 2, 14), date(2025, 2, 28)), (date(2025, 11, 1), date(2025, 11, 3))],
        ),
        (date(2025, 3, 3), date(2025, 3, 27), None, [(date(2025, 3, 3), date(2025, 3, 27))]),
        (date(2024, 2, 1), date(2024, 2, 29), ("2024-02", "2024-02"), []),  # a leap February, whole
        (date(2024, 2, 1), date(2024, 2, 28), None, [(date(2024, 2, 1), date(2024, 2, 28))]),  # one day short
        (date(2025, 12, 2), date(2026, 1, 31), ("2026-01", "2026-01"), [(date(2025, 12, 2), date(2025, 12, 31))]),
        (date(2025, 5, 5), date(2025, 5, 5), None, [(date(2025, 5, 5), date(2025, 5, 5))]),
    ],
)
def test_whole_months_from_the_counts_and_the_rest_from_the_rows(
    start: date, end: date, whole: tuple[str, str] | None, parts: list[tuple[date, date]]
) -> None:
    first, last = whole_months(start, end)
    assert ((first, last) if first <= last else None) == whole
    assert part_months(start, end, first, last) == parts
