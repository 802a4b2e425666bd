"""How long a person's record is kept, and the day it becomes due for review: pure rules, no database.

Each pathway has a retention period in the reference data (list "retention": the code is the pathway, the
label the number of years, the flag "keep at least until the 25th birthday"). A person's record is due for
review when all their cases are closed and the longest period that applies to them has passed since the last
thing recorded on any of their cases; for a pathway with the birthday rule, not before their 25th birthday
either. A person with no cases is due the longest period of any pathway after they were registered.

The defaults a new database is given (an administrator changes them): 6 years for every pathway; for the
youth pathway 6 years or until the 25th birthday, whichever is later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

LIST_NAME = "retention"
DEFAULT_YEARS = 6
KEEP_UNTIL_AGE = 25  # the birthday rule: kept at least until this birthday
BIRTHDAY_RULE_PATHWAYS = frozenset({"youth"})  # seeded with the birthday rule
YEARS_RANGE = (1, 100)


@dataclass(frozen=True)
class RetentionPeriod:
    pathway: str
    years: int
    until_25: bool = False  # also kept until the person's 25th birthday

    @property
    def words(self) -> str:
        years = f"{self.years} year{'s' if self.years != 1 else ''} after the case closed"
        return f"{years}, or until the 25th birthday if later" if self.until_25 else years


def default_period(pathway: str) -> RetentionPeriod:
    return RetentionPeriod(pathway, DEFAULT_YEARS, pathway in BIRTHDAY_RULE_PATHWAYS)


def parse_years(text: str) -> int | None:
    """The whole number of years in a reference entry's label, or None when it is not one in range."""
    try:
        years = int(text.strip())
    except ValueError:
        return None
    low, high = YEARS_RANGE
    return years if low <= years <= high else None


@dataclass(frozen=True)
class CaseSummary:
    """What the rule needs of one case: its pathway, whether it is closed."""

    pathway: str
    closed: bool


def due_on(
    periods: Mapping[str, RetentionPeriod],
    *,
    date_of_birth: date,
    cases: Iterable[CaseSummary],
    last_activity: date,
) -> date | None:
    """The day the record becomes due for review, or None while any case is open.

    `last_activity` is the day of the last thing recorded on any of the person's cases (their registration
    when they have none). A pathway missing from `periods` has the default period."""
    held = list(cases)
    if any(not case.closed for case in held):
        return None
    applicable = [periods.get(c.pathway) or default_period(c.pathway) for c in held] or list(periods.values())
    if not applicable:
        applicable = [RetentionPeriod("", DEFAULT_YEARS)]
    due = max(last_activity + relativedelta(years=p.years) for p in applicable)
    if any(p.until_25 for p in applicable):
        due = max(due, date_of_birth + relativedelta(years=KEEP_UNTIL_AGE))
    return due


def is_due(due: date | None, today: date) -> bool:
    return due is not None and due <= today


def shortest_years(periods: Mapping[str, RetentionPeriod]) -> int:
    """The fewest years any record is kept (a pathway with no period has the default): nothing last touched more
    recently than that can be due."""
    return min([DEFAULT_YEARS, *(p.years for p in periods.values())])
