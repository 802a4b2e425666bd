"""Random draws for the synthetic demo data (pathways/demo.py, pathways/demo_walk.py): weighted values and times.

Only `random.Random.random()` is used, so a generator seeded the same way always draws the same values; it is
much faster than `randint` or `choices` over millions of draws. Times are naive local (Europe/London) times;
none falls between 01:00 and 01:59, the hour that is missing or doubled on the days the clocks change.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

_HOUR = timedelta(hours=1)
_TEN = time(10, 0)


class Weighted(Generic[T]):
    """Values drawn with fixed weights (cumulative weights computed once: fast over millions of draws)."""

    __slots__ = ("_cumulative", "_total", "_values")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self._values = [value for value, _weight in pairs]
        self._cumulative = list(accumulate(weight for _value, weight in pairs))
        self._total = self._cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self._values[bisect(self._cumulative, rng.random() * self._total)]

    @property
    def values(self) -> list[T]:
        return list(self._values)


def draw_int(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high, both included (from rng.random() alone: much faster than randint)."""
    return low + int(rng.random() * (high - low + 1))


def draw_choice(rng: random.Random, values: Sequence[T]) -> T:
    return values[int(rng.random() * len(values))]


def stamp(moment: datetime) -> str:
    """A naive local time as the interchange writes it: 2026-03-01T10:15."""
    return moment.isoformat(timespec="minutes")


def later(rng: random.Random, at: datetime, low_minutes: int, high_minutes: int) -> datetime:
    moment = at + timedelta(minutes=draw_int(rng, low_minutes, high_minutes))
    return moment + _HOUR if moment.hour == 1 else moment


def office_time(rng: random.Random, at: datetime, low_days: int, high_days: int) -> datetime:
    """A time in office hours `low_days` (at least 1) to `high_days` days after `at`."""
    day = at.date() + timedelta(days=draw_int(rng, low_days, high_days))
    return datetime.combine(day, time(draw_int(rng, 9, 16), draw_int(rng, 0, 59)))


def appointment(rng: random.Random, at: datetime, low_days: int, high_days: int) -> datetime:
    """10:00 on a weekday `low_days` to `high_days` (at least 3 more) days after `at`."""
    days = draw_int(rng, low_days, high_days)
    day = at.date() + timedelta(days=days)
    weekday = day.weekday()
    if weekday >= 5:  # to the Monday after, or when that is too late the Friday before
        day += timedelta(days=7 - weekday if days + 7 - weekday <= high_days else 4 - weekday)
    return datetime.combine(day, _TEN)
