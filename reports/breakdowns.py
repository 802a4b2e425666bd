"""Breakdowns of a cohort: the pathway's key counts for each site, month, age band, sex and ethnicity
(reports/groups.py says what the groups are).

Each group's counts come from reports.figures over that group's cases, so the pathway definition stays the
one place that says what a figure counts. Every case falls in exactly one group of each
breakdown, so each table ends with a total row that is the sum of the rows above and equals the whole cohort's
figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pathways.definitions import PathwayDefinition
from reports.figures import figures_of
from reports.groups import BREAKDOWNS, Breakdown
from reports.tables import Count, ReportRow, ReportTable
from reports.tally import Tally

TOTAL = "Total"


@dataclass(frozen=True)
class Column:
    key: str  # the figure counted in each group
    heading: str
    group: str = ""  # the columns' shared heading, which `heading` starts with (ReportTable.groups)


INITIAL = "Initial assessment"


BREAKDOWN_COLUMNS: dict[str, tuple[Column, ...]] = {
    "dtoa": (
        Column("cases", "Cases"),
        Column("eligible", "Eligible"),
        Column("tested", "Tested"),
        Column("positive", "Positive"),
        Column("initial_required", "Initial assessment required", INITIAL),
        Column("initial_attended", "Initial assessment attended", INITIAL),
        Column("initial_missed", "Initial assessment missed", INITIAL),
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


def value_label(definition: PathwayDefinition, value: str) -> str:
    """A coded value in words, starting with a capital ('mental_health' → 'Mental health')."""
    words = definition.label(value)
    return words[:1].upper() + words[1:]


def breakdown_tables(definition: PathwayDefinition, tally: Tally, months: Sequence[str] = ()) -> list[ReportTable]:
    """Every breakdown; `months`, the months of the report's period (groups.period_months), each a row of the
    month breakdown even with no case (a year's report shows its twelve months)."""
    return [breakdown_table(definition, tally, breakdown, months) for breakdown in BREAKDOWNS]


def breakdown_table(
    definition: PathwayDefinition, tally: Tally, breakdown: Breakdown, months: Sequence[str] = ()
) -> ReportTable:
    """One row per group, each counting the group's cases in each column's figure; then the total row."""
    columns = columns_for(definition.code)
    groups = tally.in_groups(breakdown.key)
    shown = {*groups, *months} if breakdown.attribute == "month" else groups
    rows = [
        ReportRow(label, group_counts(definition, tally, breakdown.key, label, groups.get(label, Counter()), columns))
        for label in breakdown.order(shown)
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
        groups=tuple(column.group for column in columns),
    )


def group_counts(
    definition: PathwayDefinition,
    tally: Tally,
    breakdown: str,
    group: str,
    cases: Mapping[int, int],
    columns: Sequence[Column],
) -> tuple[Count, ...]:
    """The columns' figures over one group's cases (`cases`: kind → cases in the group); a column the
    definition does not have counts the cases."""
    if not cases:
        return tuple(0 for _ in columns)

    def people(kinds: list[int], min_cases: int) -> int:
        return tally.people(kinds, min_cases, breakdown, group)

    defined = {f.key: f.spec for f in definition.figures}
    wanted = {column.key for column in columns if "pct" not in defined.get(column.key, {"pct": None})}
    figures = figures_of(definition, tally, cases, people, wanted)
    counts: list[Count] = []
    for column in columns:
        value = figures.get(column.key) if column.key in defined else sum(cases.values())
        counts.append(value if isinstance(value, int) and not isinstance(value, bool) else None)
    return tuple(counts)


def conditions_met_table(definition: PathwayDefinition, tally: Tally) -> ReportTable:
    """Per contract condition: cases whose contract includes it, and cases with a `condition_met` naming it."""
    in_contract: Counter[str] = Counter()
    met: Counter[str] = Counter()
    for kind, n in tally.cases.items():
        lists = tally.parts[kind].lists
        for name in lists.get("contract_signed:conditions", ()):
            in_contract[name] += n
        for name in lists.get("condition_met:conditions", ()):
            met[name] += n
    names = sorted(set(in_contract) | set(met), key=lambda name: value_label(definition, name).casefold())
    rows = tuple(ReportRow(value_label(definition, name), (in_contract[name], met[name])) for name in names)
    note = "A contract has more than one condition, so the rows do not add up to the number of contracts."
    return ReportTable("conditions_met", "Conditions met", "Condition", ("In contracts", "Met"), rows, note=note)
