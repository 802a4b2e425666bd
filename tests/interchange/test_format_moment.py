"""How an export writes a stored moment: UK local time, to the minute unless it has seconds, or the day alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pathways.interchange.format import format_local_moment, parse_local_moment


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


@pytest.mark.parametrize("text", ["2026-03-29T01:00", "2026-03-29T01:30", "2026-03-29T01:59:59"])
def test_a_time_in_the_hour_the_clocks_skip_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"^is not a time UK clocks showed: they went forward an hour that night"):
        parse_local_moment(text)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-03-29T00:59", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),  # GMT, just before
        ("2026-03-29T02:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # BST, just after
        ("2026-10-25T01:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # the hour shown twice: the first (BST)
        ("2026-03-29", datetime(2026, 3, 29, 0, 0, tzinfo=UTC)),  # the day alone
    ],
)
def test_the_times_either_side_of_a_change_of_the_clocks_are_read(text: str, moment: datetime) -> None:
    assert parse_local_moment(text)[0].astimezone(UTC) == moment
