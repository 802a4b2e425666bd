"""The groups a cohort is broken down by: site, month, age band, sex and ethnicity, each worked out from one of
a case's details (reports/tally.py Details, as the cohort counts keep them or as a replayed case gives them).
Months and ages are taken at the case's first event, on the Europe/London clock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pathways.case_figures import AGE_BANDS
from pathways.identity import ETHNICITY_LABELS, SEXES

NOT_RECORDED = "Not recorded"
UNDER_18 = AGE_BANDS[0][0]


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    row_title: str
    attribute: str  # which of a case's details (reports/tally.py Details) decides its group
    group_of: Callable[[Any], str]  # that value → the group's label
    order: Callable[[Collection[str]], list[str]]  # the rows to show, given the groups that have cases
    note: str


def _site(first_site: str | None) -> str:
    return first_site or NOT_RECORDED


def _month(month: str | None) -> str:
    return month or NOT_RECORDED


def _age_band(band: str | None) -> str:
    return band or NOT_RECORDED


def _sex(code: str | None) -> str:
    return SEXES.get(code or "", code or NOT_RECORDED)


def _ethnicity(code: str | None) -> str:
    code = code or "99"
    return ETHNICITY_LABELS.get(code, code)


def _with_not_recorded(rows: list[str], present: Collection[str]) -> list[str]:
    return [*rows, NOT_RECORDED] if NOT_RECORDED in present and NOT_RECORDED not in rows else rows


def _alphabetical(present: Collection[str]) -> list[str]:
    return _with_not_recorded(sorted((p for p in present if p != NOT_RECORDED), key=str.casefold), present)


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_words(label: str) -> str:
    """A month as a reader reads it ('2023-03' → 'Mar 2023'); any other label as it is."""
    year, dash, month = label.partition("-")
    if not (dash and len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        return label
    return f"{_MONTH_NAMES[int(month) - 1]} {year}"


def period_months(start: date, end: date) -> list[str]:
    """Every month a period touches, as the month breakdown labels them ('2025-11')."""
    months: list[str] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _every_month(present: Collection[str]) -> list[str]:
    """The months from the first to the last with cases, including any month between them with none."""
    months = sorted(p for p in present if p != NOT_RECORDED)
    if not months:
        return _with_not_recorded([], present)
    year, month = (int(part) for part in months[0].split("-"))
    rows: list[str] = []
    while not rows or rows[-1] < months[-1]:
        rows.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return _with_not_recorded(rows, present)


def _age_bands(present: Collection[str]) -> list[str]:
    """The adult bands always (empty ones show 0); "Under 18" only when the cohort has such a case."""
    return _with_not_recorded([label for label, _ in AGE_BANDS if label != UNDER_18 or label in present], present)


def _in_order(known: Sequence[str]) -> Callable[[Collection[str]], list[str]]:
    def order(present: Collection[str]) -> list[str]:
        rows = [label for label in known if label in present]
        return _with_not_recorded(rows + sorted(p for p in present if p not in known and p != NOT_RECORDED), present)

    return order


BREAKDOWNS: tuple[Breakdown, ...] = (
    Breakdown(
        "by_site", "By site", "Site", "first_site", _site, _alphabetical, "Site: where the case's first event happened."
    ),
    Breakdown(
        "by_month", "By month", "Month", "month", _month, _every_month, "Month: of the case's first event, UK time."
    ),
    Breakdown(
        "by_age", "By age band", "Age band", "age_band", _age_band, _age_bands, "Age: on the day of the first event."
    ),
    Breakdown(
        "by_sex", "By sex", "Sex", "sex", _sex, _in_order(list(SEXES.values())), "Sex as recorded for the person."
    ),
    Breakdown(
        "by_ethnicity",
        "By ethnicity",
        "Ethnicity",
        "ethnicity",
        _ethnicity,
        _in_order(list(ETHNICITY_LABELS.values())),
        "Ethnicity: NHS ethnic category, as recorded for the person.",
    ),
)
