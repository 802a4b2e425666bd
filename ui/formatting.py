"""How dates, times and codes are shown: Europe/London, in the style of the field."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QTime

from pathways.clock import LONDON, local_datetime


def show_date(day: date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else ""


def show_moment(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%b %Y %H:%M}"


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
