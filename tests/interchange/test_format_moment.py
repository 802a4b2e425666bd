"""How an export writes a stored moment: UK local time, to the minute unless it has seconds, or the day alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pathways.interchange.format import format_local_moment


@pytest.mark.parametrize(
    ("stored", "time_known", "written"),
    [
        (datetime(2026, 1, 15, 14, 20, tzinfo=UTC), True, "2026-01-15T14:20"),  # GMT: as stored
        (datetime(2026, 7, 15, 14, 20, tzinfo=UTC), True, "2026-07-15T15:20"),  # BST: an hour on
        (datetime(2026, 7, 15, 23, 30, tzinfo=UTC), True, "2026-07-16T00:30"),  # the next day in the UK
        (datetime(2026, 7, 15, 23, 30, tzinfo=UTC), False, "2026-07-16"),  # the day alone
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), True, "2026-03-29T02:00"),  # the clocks go forward
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), True, "2026-10-25T01:30"),  # the first 01:30 (BST)
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), True, "2026-10-25T01:30"),  # the second 01:30 (GMT)
        (datetime(2026, 1, 15, 14, 20, 5, tzinfo=UTC), True, "2026-01-15T14:20:05"),  # seconds kept
        (datetime(2026, 1, 15, 14, 20, 5, 250000, tzinfo=UTC), True, "2026-01-15T14:20:05"),  # never a fraction
        (datetime(2026, 1, 15, 14, 20, 0, 250000, tzinfo=UTC), True, "2026-01-15T14:20"),
    ],
)
def test_a_moment_is_written_in_uk_local_time(stored: datetime, time_known: bool, written: str) -> None:
    assert format_local_moment(stored, time_known) == written
