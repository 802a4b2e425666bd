"""Breakdowns of a cohort: the pathway's key counts for each site, month, age band, sex and ethnicity.

Each group's counts come from reports.figures over that group's cases, so the pathway definition stays the
one place that says what a figure counts. Every case falls in exactly one group of each
breakdown, so each table ends with a total row that is the sum of the rows above and equals the whole cohort's
figures. Months and ages are taken at the case's first event, on the Europe/London clock.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from pathways.clock import age_on
from pathways.definitions import PathwayDefinition
from pathways.identity import ETHNICITY_LABELS, SEXES
from reports.figures import Cases, add_up, as_counted
from reports.queries import CountedCase
from reports.tables import Count, ReportRow, ReportTable

NOT_RECORDED = "Not recorded"
TOTAL = "Total"
UNDER_18 = "Under 18"
AGE_BANDS: tuple[tuple[str, int], ...] = ((UNDER_18, 0), ("18\N{EN DASH}29", 18), ("30\N{EN DASH}49", 30), ("50+", 50))


@dataclass(frozen=True)
class Column:
    key: str  # the figure counted in each group
    heading: str


BREAKDOWN_COLUMNS: dict[str, tuple[Column, ...]] = {
    "dtoa": (
        Column("cases", "Cases"),
        Column("eligible", "Eligible"),
        Column("tested", "Tested"),
        Column("positive", "Positive"),
        Column("initial_required", "Referred"),
        Column("initial_attended", "Attended"),
        Column("initial_missed", "Missed"),
        Column("treatment_started", "Treatment started"),
        Column("prosecuted", "Prosecuted"),
    ),
    "checkpoint": (
        Column("cases", "Cases"),
        Column("screened", "Screened"),
        Column("eligible", "Eligible"),
        Column("offered", "Offered"),
        Column("signed", "Signed"),
        Column("completed", "Completed"),
        Column("reoffended", "Reoffended"),
        Column("prosecuted", "Prosecuted"),
    ),
    "divert": (
        Column("referrals", "Referrals"),
        Column("assessed", "Assessed"),
        Column("sessions_attended", "Sessions attended"),
        Column("completed", "Completed"),
        Column("not_engaged", "Not engaged"),
    ),
}
DEFAULT_COLUMNS = (Column("cases", "Cases"),)


def columns_for(pathway: str) -> tuple[Column, ...]:
    return BREAKDOWN_COLUMNS.get(pathway, DEFAULT_COLUMNS)


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    row_title: str
    group_of: Callable[[CountedCase], str]
    order: Callable[[Collection[str]], list[str]]  # the rows to show, given the groups that have cases
    note: str


def value_label(definition: PathwayDefinition, value: str) -> str:
    """A coded value in words, starting with a capital ('mental_health' → 'Mental health')."""
    words = definition.label(value)
    return words[:1].upper() + words[1:]


def _site(case: CountedCase) -> str:
    return case.first_site or NOT_RECORDED


def _month(case: CountedCase) -> str:
    day = case.first_day
    if day is None:
        return NOT_RECORDED
    return f"{day.year:04d}-{day.month:02d}"


def _age_band(case: CountedCase) -> str:
    if case.first_day is None:
        return NOT_RECORDED
    age = age_on(case.date_of_birth, case.first_day)
    return [label for label, lowest in AGE_BANDS if age >= lowest][-1]


def _sex(case: CountedCase) -> str:
    return SEXES.get(case.sex, case.sex or NOT_RECORDED)


def _ethnicity(case: CountedCase) -> str:
    code = case.ethnicity or "99"
    return ETHNICITY_LABELS.get(code, code)


def _with_not_recorded(rows: list[str], present: Collection[str]) -> list[str]:
    return [*rows, NOT_RECORDED] if NOT_RECORDED in present and NOT_RECORDED not in rows else rows


def _alphabetical(present: Collection[str]) -> list[str]:
    return _with_not_recorded(sorted((p for p in present if p != NOT_RECORDED), key=str.casefold), present)


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
    Breakdown("by_site", "By site", "Site", _site, _alphabetical, "Site: where the case's first event happened."),
    Breakdown("by_month", "By month", "Month", _month, _every_month, "Month: of the case's first event, UK time."),
    Breakdown("by_age", "By age band", "Age band", _age_band, _age_bands, "Age: on the day of the first event."),
    Breakdown("by_sex", "By sex", "Sex", _sex, _in_order(list(SEXES.values())), "Sex as recorded for the person."),
    Breakdown(
        "by_ethnicity",
        "By ethnicity",
        "Ethnicity",
        _ethnicity,
        _in_order(list(ETHNICITY_LABELS.values())),
        "Ethnicity: NHS ethnic category, as recorded for the person.",
    ),
)


def breakdown_tables(
    definition: PathwayDefinition, cases: Cases, sets: Mapping[str, set[int]] | None = None
) -> list[ReportTable]:
    """Every breakdown. `sets` (from figure_sets over the whole cohort) makes each group's count a set
    intersection instead of a recount: the same answer, far faster at force scale."""
    counted = as_counted(definition, cases)
    members = dict(sets) if sets is not None else add_up(definition, counted)[1]
    return [breakdown_table(definition, counted, breakdown, members) for breakdown in BREAKDOWNS]


def breakdown_table(
    definition: PathwayDefinition,
    cases: Cases,
    breakdown: Breakdown,
    members: Mapping[str, set[int]] | None = None,
) -> ReportTable:
    """One row per group, each counting the group's cases in each column's figure; then the total row."""
    columns = columns_for(definition.code)
    counted = as_counted(definition, cases)
    groups: dict[str, list[CountedCase]] = defaultdict(list)
    for case in counted:
        groups[breakdown.group_of(case)].append(case)
    sets = members if members is not None else add_up(definition, counted)[1]
    rows = [
        ReportRow(label, group_counts(definition, groups.get(label, []), columns, sets))
        for label in breakdown.order(groups)
    ]
    totals = tuple(sum(int(row.counts[column] or 0) for row in rows) for column in range(len(columns)))
    return ReportTable(
        breakdown.key,
        breakdown.title,
        breakdown.row_title,
        tuple(column.heading for column in columns),
        (*rows, ReportRow(TOTAL, totals)),
        has_total_row=True,
        note=breakdown.note,
    )


def group_counts(
    definition: PathwayDefinition,
    cases: Cases,
    columns: Sequence[Column],
    sets: Mapping[str, set[int]] | None = None,
) -> tuple[Count, ...]:
    """The columns' figures over `cases`; a column the definition does not have counts the cases."""
    if not cases:
        return tuple(0 for _ in columns)
    counted_by_case = {
        f.key for f in definition.figures if "pct" not in f.spec and f.spec.get("count", "cases") == "cases"
    }
    if sets is not None and all(c.key in counted_by_case and c.key in sets for c in columns):
        ids = {case.case_id for case in cases}
        return tuple(len(sets[c.key] & ids) for c in columns)
    figures = add_up(definition, as_counted(definition, cases))[0]
    counts: list[Count] = []
    for column in columns:
        value = figures.get(column.key, len(cases))
        counts.append(value if isinstance(value, int) and not isinstance(value, bool) else None)
    return tuple(counts)


def conditions_met_table(definition: PathwayDefinition, cases: Cases) -> ReportTable:
    """Per contract condition: cases whose contract includes it, and cases with a `condition_met` naming it."""
    in_contract: Counter[str] = Counter()
    met: Counter[str] = Counter()
    for case in as_counted(definition, cases):
        in_contract.update(case.part.lists.get("contract_signed:conditions", ()))
        met.update(case.part.lists.get("condition_met:conditions", ()))
    names = sorted(set(in_contract) | set(met), key=lambda name: value_label(definition, name).casefold())
    rows = tuple(ReportRow(value_label(definition, name), (in_contract[name], met[name])) for name in names)
    note = "A contract has more than one condition, so the rows do not add up to the number of contracts."
    return ReportTable("conditions_met", "Conditions met", "Condition", ("In contracts", "Met"), rows, note=note)
