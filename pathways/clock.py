"""Dates and times: aware Europe/London at the edges, UTC in the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

LONDON = ZoneInfo("Europe/London")


def now_utc() -> datetime:
    return datetime.now(UTC)


def to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no zone; use local_datetime() for local times")
    return moment.astimezone(UTC)


def local_datetime(day: date, at: time | None = None) -> datetime:
    """The aware Europe/London datetime for a local date and wall-clock time (midnight if none)."""
    return datetime.combine(day, at or time(0, 0), tzinfo=LONDON)


def local_date(moment: datetime) -> date:
    """The Europe/London calendar date of an aware moment (a 00:30 BST arrest is that day's)."""
    return moment.astimezone(LONDON).date()


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on `day` (a 29 February birthday counts from 1 March in other years)."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def add_calendar_months(day: date, months: int) -> date:
    """`months` calendar months after `day`, clipped to the month's end (31 Oct + 4 → 28/29 Feb)."""
    result: date = day + relativedelta(months=months)
    return result


def format_local(moment: datetime, with_time: bool = True) -> str:
    local = moment.astimezone(LONDON)
    day = f"{local.day} {local:%b %Y}"
    return f"{day} {local:%H:%M}" if with_time else day
