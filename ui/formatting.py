"""How dates, times and codes are shown: Europe/London, in the style of the field."""

from __future__ import annotations

import re
from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QTime

from pathways.clock import LONDON, local_datetime


def show_date(day: date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else ""


def show_moment(moment: datetime | None, time_known: bool = True) -> str:
    """A moment as the screens show it, "9 Feb 2026 14:30"; its day alone when no time was given ("9 Feb 2026")."""
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%b %Y %H:%M}" if time_known else show_date(local.date())


_TYPED_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$|^(\d{2})(\d{2})(\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")


def typed_date(text: str) -> date:
    """A date as typed: 14/06/1991 (or with dots or dashes), 14061991, or 1991-06-14. A date that does not exist
    (31/02/1990) is refused, never moved to a nearby one; ValueError says what is wrong in the user's words."""
    match = _TYPED_DATE.match(text.strip())
    if not match:
        raise ValueError(f"“{text.strip()}” is not a date: write it as dd/mm/yyyy, e.g. 14/06/1991.")
    parts = [p for p in match.groups() if p is not None]
    day, month, year = (parts[2], parts[1], parts[0]) if len(parts[0]) == 4 else parts
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"{text.strip()} is not a real date (there is no such day).") from None


_TYPED_TIME = re.compile(r"^(.*\S)\s+(\d{1,2})[:.](\d{2})$")


def typed_moment(text: str) -> tuple[datetime, bool]:
    """A moment as typed: a day alone (01/06/2027, as typed_date reads it) or a day and a time (01/06/2027 14:30),
    on the Europe/London clock; with whether a time was given. ValueError says what is wrong in the user's words."""
    timed = _TYPED_TIME.match(text.strip())
    day = typed_date(timed.group(1) if timed else text)
    if timed is None:
        return local_datetime(day), False
    hour, minute = int(timed.group(2)), int(timed.group(3))
    if hour > 23 or minute > 59:
        raise ValueError(f"{timed.group(2)}:{timed.group(3)} is not a time of day: write it as hh:mm, e.g. 14:30.")
    return local_datetime(day).replace(hour=hour, minute=minute), True


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def to_qdatetime(moment: datetime) -> QDateTime:
    local = moment.astimezone(LONDON)
    return QDateTime(to_qdate(local.date()), QTime(local.hour, local.minute))


def from_qdatetime(value: QDateTime) -> datetime:
    """The aware Europe/London moment for what the user picked (wall-clock time, as they read it)."""
    picked = value.time()
    return local_datetime(from_qdate(value.date())).replace(hour=picked.hour(), minute=picked.minute())
