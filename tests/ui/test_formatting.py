"""Dates and moments as users type them and as the screens show them (Europe/London)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pathways.clock import LONDON
from ui.formatting import show_moment, typed_moment


def test_a_day_alone_or_a_day_and_a_time() -> None:
    assert typed_moment("28/02/2027") == (datetime(2027, 2, 28, tzinfo=LONDON), False)
    assert typed_moment(" 2027-06-01 14:30 ") == (datetime(2027, 6, 1, 14, 30, tzinfo=LONDON), True)
    assert typed_moment("01.06.2027 9.05") == (datetime(2027, 6, 1, 9, 5, tzinfo=LONDON), True)
    moment, known = typed_moment("29/03/2027 01:30")  # the day after the clocks went forward: BST, 00:30 UTC
    assert known and moment.utcoffset() is not None and moment.astimezone(UTC).hour == 0


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("31/02/2027", "31/02/2027 is not a real date (there is no such day)."),
        ("31/02/2027 10:00", "31/02/2027 is not a real date (there is no such day)."),
        ("28/02/2027 25:00", "25:00 is not a time of day: write it as hh:mm, e.g. 14:30."),
        ("next tuesday", "“next tuesday” is not a date: write it as dd/mm/yyyy, e.g. 14/06/1991."),
    ],
)
def test_what_is_not_a_moment_is_refused_in_words(typed: str, words: str) -> None:
    with pytest.raises(ValueError) as refused:
        typed_moment(typed)
    assert str(refused.value) == words


def test_a_moment_shows_its_time_only_when_one_was_given() -> None:
    moment = datetime(2027, 2, 28, tzinfo=LONDON)
    assert show_moment(moment) == "28 Feb 2027 00:00"
    assert show_moment(moment, time_known=False) == "28 Feb 2027"
    assert show_moment(datetime(2027, 7, 1, 13, 0, tzinfo=UTC)) == "1 Jul 2027 14:00"  # summer time
