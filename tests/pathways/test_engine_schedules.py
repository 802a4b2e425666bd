"""Engine features court orders and releases need: recurring reviews, raised tasks, due-date limits, default dues."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

from pathways.clock import LONDON
from pathways.definitions import PathwayDefinition, parse_definition
from pathways.engine import Fact, check_event, default_due, open_deadlines, raised_tasks, schedule_dates

ORDER = """
[pathway]
code = "order_test"
name = "Order test"
version = 1
opening_events = ["order_made"]

[events.order_made]
choices = { result = ["with_reviews", "without_reviews"] }
span = { max_months = 12, when = { result = "without_reviews" }, message = "Over 12 months needs reviews." }

[events.review]
[events.warning]
[events.failure]
raises = [{ task = "Start breach proceedings", after = "warning", within_months = 12 }]

[events.released]
default_due_days = 21

[events.contract]
default_due_months = 4

[[schedules]]
set_by = "order_made"
every = "monthly"
when = { result = "with_reviews" }
met_by = ["review"]
label = "review hearing {n} of {of}"
"""

DOB = datetime(1990, 1, 1).date()
NOW = datetime(2027, 12, 1, tzinfo=UTC)


def definition() -> PathwayDefinition:
    return parse_definition(tomllib.loads(ORDER), "order_test.toml")


def local(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LONDON).astimezone(UTC)


def test_monthly_reviews_keep_the_day_and_local_time_and_fall_on_month_ends() -> None:
    pathway = definition()
    order = Fact("order_made", local(2026, 1, 31), {"result": "with_reviews"}, local(2026, 7, 31))
    dates = schedule_dates(pathway.schedules[0], order)
    assert [d.astimezone(LONDON).date().isoformat() for d in dates] == [
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
        "2026-06-30",
        "2026-07-31",
    ]
    assert {d.astimezone(LONDON).hour for d in dates} == {10}  # across the change to summer time


def test_only_the_next_unmet_review_is_open_and_counts_the_series() -> None:
    pathway = definition()
    order = Fact("order_made", local(2026, 1, 10), {"result": "with_reviews"}, local(2026, 7, 10))
    first = open_deadlines(pathway, [order])
    assert [(d.label, d.due_at) for d in first] == [("Review hearing 1 of 6", local(2026, 2, 10))]
    reviewed = [order, Fact("review", local(2026, 2, 10)), Fact("review", local(2026, 3, 11))]
    assert [(d.label, d.due_at) for d in open_deadlines(pathway, reviewed)] == [
        ("Review hearing 3 of 6", local(2026, 4, 10))
    ]
    without = Fact("order_made", local(2026, 1, 10), {"result": "without_reviews"}, local(2026, 7, 10))
    assert open_deadlines(pathway, [without]) == []


def test_an_order_over_the_limit_without_reviews_is_refused_in_the_definitions_words() -> None:
    pathway = definition()
    long_order = Fact("order_made", local(2026, 1, 10), {"result": "without_reviews"}, local(2027, 3, 10))
    assert check_event(pathway, [], long_order, DOB, NOW) == ["Over 12 months needs reviews."]
    twelve = Fact("order_made", local(2026, 1, 10), {"result": "without_reviews"}, local(2027, 1, 10))
    assert check_event(pathway, [], twelve, DOB, NOW) == []
    reviewed = Fact("order_made", local(2026, 1, 10), {"result": "with_reviews"}, local(2027, 3, 10))
    assert check_event(pathway, [], reviewed, DOB, NOW) == []


def test_a_failure_within_a_year_of_a_warning_raises_breach_proceedings() -> None:
    pathway = definition()
    order = Fact("order_made", local(2026, 1, 10), {"result": "with_reviews"}, local(2027, 7, 10))
    warning = Fact("warning", local(2026, 3, 1))
    soon = Fact("failure", local(2027, 2, 28))
    late = Fact("failure", local(2027, 3, 2))
    assert raised_tasks(pathway, [order, warning], soon) == ["Start breach proceedings"]
    assert raised_tasks(pathway, [order, warning], late) == []
    assert raised_tasks(pathway, [order], soon) == []


def test_default_due_dates_count_calendar_months_and_days() -> None:
    pathway = definition()
    assert default_due(pathway.event("contract"), local(2027, 10, 31)) == local(2028, 2, 29)
    assert default_due(pathway.event("released"), local(2026, 3, 20)) == local(2026, 4, 10)  # 10:00 BST
    assert default_due(pathway.event("review"), local(2026, 3, 20)) is None
