"""The period a cohort report or an export covers, checked before anything is read: its days within the years
Pathways reports on (the calendar's own ends overflowed as a month was added or taken away), the end not before
the start."""

from __future__ import annotations

from datetime import date

from pathways.errors import InvalidInput

EARLIEST = date(1990, 1, 1)  # before any of the schemes Pathways records
LATEST = date(2099, 12, 31)


def check_period(start: date | None, end: date | None) -> None:
    for day in (start, end):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise InvalidInput(
                f"{day.day} {day:%B} {day.year:04d} is outside the dates Pathways reports on: give days from "
                f"{EARLIEST.day} {EARLIEST:%B %Y} to {LATEST.day} {LATEST:%B %Y}."
            )
    if start is not None and end is not None and end < start:
        raise InvalidInput("The end of the period is before its start.")
