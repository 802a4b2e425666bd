"""The cohort report's tables as plain data (reports/tables.py), shared by the PDF, the JSON and the exports.

- `figure_tables`: the funnel (DToA: the steps below; another pathway: its whole-number figures in the
  definition's order), splits of one figure into exact parts with a total row, the remaining figures, and one
  table per figure counted per value (Checkpoint: needs found). These need only the cohort's figures.
- `cohort_tables`: those, then the breakdowns (reports/breakdowns.py) and, for Checkpoint, conditions met.
The data version printed in the footer of every page is reports/tally.py's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pathways.definitions import PathwayDefinition
from reports.breakdowns import breakdown_tables, conditions_met_table, value_label
from reports.figures import FigureValue
from reports.tables import Count, ReportRow, ReportTable
from reports.tally import Tally


@dataclass(frozen=True)
class FunnelStep:
    key: str  # the figure
    label: str  # what the row says
    of: str | None  # the figure it is a percentage of (None: no percentage)
    depth: int = 0  # indent under the step above


DTOA_FUNNEL: tuple[FunnelStep, ...] = (
    FunnelStep("cases", "Cases", None),
    FunnelStep("eligible", "Eligible", "cases"),
    FunnelStep("tested", "Tested", "eligible"),
    FunnelStep("positive", "Positive", "tested"),
    FunnelStep("initial_required", "Initial assessment required", "positive"),
    FunnelStep("initial_attended", "Initial assessment attended", "initial_required", 1),
    FunnelStep("initial_missed", "Initial assessment missed", "initial_required", 1),
    FunnelStep("follow_up_required", "Follow-up assessment required", "initial_required"),
    FunnelStep("follow_up_attended", "Follow-up assessment attended", "follow_up_required", 1),
    FunnelStep("follow_up_missed", "Follow-up assessment missed", "follow_up_required", 1),
    FunnelStep("treatment_started", "Treatment started", "initial_attended"),
    FunnelStep("prosecuted", "Prosecuted", "cases"),
    FunnelStep("prosecuted_failed_to_attend", "Prosecuted for failing to attend", "prosecuted", 1),
)
FUNNELS: dict[str, tuple[FunnelStep, ...]] = {"dtoa": DTOA_FUNNEL}
FUNNEL_TITLES = {"dtoa": "From arrest to outcome"}


@dataclass(frozen=True)
class Split:
    """A figure split into parts that add up to it exactly (the table's total row is the figure)."""

    key: str
    title: str
    row_title: str
    total: str
    parts: tuple[tuple[str, str], ...]  # (figure, row label)


SPLITS: dict[str, tuple[Split, ...]] = {
    "dtoa": (
        Split(
            "tested_by_basis",
            "Tested, by what made the test lawful",
            "Basis",
            "tested",
            (("tested_trigger", "Trigger offence"), ("tested_inspector", "Inspector's authority")),
        ),
        Split(
            "positive_by_substance",
            "Positive, by substance found",
            "Substance",
            "positive",
            (
                ("positive_cocaine_only", "Cocaine only"),
                ("positive_opiates_only", "Opiates only"),
                ("positive_both", "Cocaine and opiates"),
            ),
        ),
    ),
}
# Counts that are parts of another count (whole, parts), by the pathway's rules (not by chance in one dataset):
# the parts never add up to more than the whole, and may add up to it (every case has ended) or always do (ADD_UP).
# Each pair of parts excludes the other: a case is in at most one of them. A pathway without a funnel shows them
# indented under the whole, as shares of it; disclosure control of a publication copy keeps a hidden part from
# being worked out from the whole and the other parts (reports/publication.py).
PARTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "dtoa": (
        ("initial_required", ("initial_attended", "initial_missed")),
        ("follow_up_required", ("follow_up_attended", "follow_up_missed")),
        # A refusal counts only for a case with no completed test.
        ("eligible", ("tested", "refused")),
    ),
    "checkpoint": (
        ("screened", ("eligible", "ineligible")),  # one screening, with one result
        ("offered", ("declined", "signed")),  # a declined offer refuses a contract, and a contract a refusal
        ("signed", ("completed", "reoffended", "non_compliant", "active")),
    ),
    "divert": (("referrals", ("completed", "not_engaged")),),  # two closing events: a case ends once
    # An order ends once (completed, revoked or terminated: closing events), or is still running.
    "atr": (("orders", ("completed", "revoked", "terminated", "running")),),
    "drr": (("orders", ("completed", "revoked", "terminated", "running")),),
    "gambling": (
        ("screened", ("non_problem", "low_risk", "moderate_risk", "problem")),  # one screening, with one band
        ("referred", ("engaged", "not_engaged")),  # each forbids the other
    ),
    "group_programme": (
        ("enrolled", ("completed", "left")),  # two closing events
        ("sessions_marked", ("sessions_attended", "sessions_missed")),  # a mark is one or the other
    ),
    # "Not engaged" counts only a release with no engagement recorded, even a late one.
    "prison_release": (("released", ("engaged", "not_engaged")),),
    "rehab": (
        ("assessed", ("funding_approved", "funding_refused")),  # refused counts only where not approved
        ("admitted", ("completed", "left_early")),  # each forbids the other: a placement ends once
    ),
    "youth": (("referrals", ("completed", "closed")),),  # two closing events
}
# Wholes whose parts (PARTS) always add up to them exactly.
ADD_UP: dict[str, frozenset[str]] = {
    "atr": frozenset({"orders"}),
    "drr": frozenset({"orders"}),
    "checkpoint": frozenset({"screened"}),
    "gambling": frozenset({"screened"}),
    "group_programme": frozenset({"sessions_marked"}),
}

EXACTLY = "exactly"  # every case counted by the whole has exactly one value: the rows add up to the whole
AT_LEAST = "at least"  # a case can have more than one value: the rows add up to the whole or more
AT_MOST = "at most"  # the rows add up to the whole or less


@dataclass(frozen=True)
class ValueParts:
    """Rows of a per-value table (a `by_value` figure) that are parts of a whole-number figure shown elsewhere in
    the report: every row, or only the rows of `values`."""

    whole: str
    table: str  # the per-value figure
    adds_up: str  # EXACTLY, AT_LEAST or AT_MOST
    values: tuple[str, ...] = ()  # the rows (values) that are parts; () for every row


VALUE_PARTS: dict[str, tuple[ValueParts, ...]] = {
    "arrest_referral": (
        ValueParts("contacts", "contact_reasons", EXACTLY),  # one contact per case, its reason required
        ValueParts("closed", "closed_reasons", EXACTLY),  # a case closes once, with a reason
    ),
    "gambling": (
        ValueParts("cases", "settings", EXACTLY),  # identified once, in one setting
        ValueParts("referred", "referred_services", AT_LEAST),  # a case may be referred more than once
    ),
    "outreach": (
        ValueParts("cases", "visit_reasons", AT_LEAST),  # every case has a visit, a case may have many
        ValueParts("referred", "partners", AT_LEAST),  # a case may be referred to several partners
        ValueParts("referrals", "partners", AT_MOST),  # each case counted under a partner has a referral to it
        ValueParts("county_lines", "visit_reasons", EXACTLY, ("county_lines",)),  # the same count twice
        ValueParts("complex_drinkers", "visit_reasons", EXACTLY, ("complex_drinker",)),
        ValueParts("exploitation", "visit_reasons", AT_LEAST, ("exploitation", "cuckooing")),
    ),
    "rehab": (ValueParts("admitted", "units", EXACTLY),),  # admitted once, to one unit
    "youth": (
        ValueParts("referrals", "referrals_by_level", EXACTLY),  # one referral per case, its level required
        ValueParts("closed", "closed_reasons", EXACTLY),  # a case closes once, with a reason
    ),
}
# What a per-value table's note says about its rows adding up (a table not named: VALUE_NOTE).
VALUE_NOTE = "A case can have more than one, or none, so the rows need not add up to the number of cases."
VALUE_NOTES: dict[str, dict[str, str]] = {
    "arrest_referral": {
        "contact_reasons": "Each contact has one event prompting it, so the rows add up to the contacts.",
        "closed_reasons": "Each closed contact has one closure reason, so the rows add up to the contacts closed.",
    },
    "checkpoint": {
        "needs": "A case can have more than one need found, or none, so the rows need not add up to the "
        "number of cases."
    },
    "gambling": {
        "settings": "Each case was identified in one setting, so the rows add up to the cases.",
        "referred_services": "A case can be referred to more than one service, so the rows can add up to more "
        "than the cases referred.",
    },
    "outreach": {
        "visit_reasons": "A case can have visits for more than one reason, so the rows can add up to more than "
        "the cases.",
        "partners": "A case can be referred to more than one partner, so the rows can add up to more than the "
        "cases referred (but not to more than the referrals).",
    },
    "rehab": {"units": "Each admission is to one rehab unit, so the rows add up to the admissions."},
    "youth": {
        "referrals_by_level": "Each referral is made at one level of response, so the rows add up to the referrals.",
        "closed_reasons": "Each case closed without completing has one reason, so the rows add up to the cases closed.",
    },
}
_SPLIT_PARTS = {
    key: (split.total, words) for splits in SPLITS.values() for split in splits for key, words in split.parts
}
REMAINDER = "Other or not recorded"
NUMBER = "Number"
CASES = "Cases"
PER_VALUE_TITLES = {"needs": ("Needs found", "Need")}


KEY_WORDS = {"non_compliant": "not complying"}  # keys whose words alone do not read as English ("Non compliant")


def label_for(key: str, funnel: Sequence[FunnelStep] = ()) -> str:
    """A reader's name for a figure: the funnel's label; a part of a split as the split's table names it, after its
    whole ('tested_trigger' → 'Tested: trigger offence'); else the key in words ('tested_pct' → 'Tested (%)')."""
    for step in funnel:
        if step.key == key:
            return step.label
    if key in _SPLIT_PARTS:
        whole, words = _SPLIT_PARTS[key]
        return f"{label_for(whole, funnel)}: {words[:1].lower()}{words[1:]}"
    words = KEY_WORDS.get(key.removesuffix("_pct")) or key.removesuffix("_pct").replace("_", " ")
    words = words[:1].upper() + words[1:]
    return f"{words} (%)" if key.endswith("_pct") else words


def cohort_tables(
    definition: PathwayDefinition, tally: Tally, figures: Mapping[str, FigureValue], months: Sequence[str] = ()
) -> list[ReportTable]:
    """Every table of the cohort report, in report order (`figures`: the cohort's, reports.figures.add_up;
    `months`: those of its period, each shown in the month breakdown)."""
    tables = figure_tables(definition, figures)
    tables += breakdown_tables(definition, tally, months)
    if definition.code == "checkpoint":
        tables.append(conditions_met_table(definition, tally))
    return tables


def figure_tables(definition: PathwayDefinition, figures: Mapping[str, FigureValue]) -> list[ReportTable]:
    """The tables drawn from the cohort's figures alone (no cases needed)."""
    funnel = FUNNELS.get(definition.code)
    splits = SPLITS.get(definition.code, ())
    if funnel is None:
        main = _figures_table(definition, figures)
        shown = set(_whole_number_keys(figures))
    else:
        main = _funnel_table(definition.code, funnel, figures)
        shown = {step.key for step in funnel}
    tables = [main, *(_split_table(split, figures) for split in splits)]
    shown |= {key for split in splits for key, _label in split.parts}
    others = [key for key in _whole_number_keys(figures) if key not in shown]
    if others:
        rows = tuple(ReportRow(label_for(key), (_count(figures, key),)) for key in others)
        tables.append(ReportTable("other_figures", "Other figures", "Figure", (NUMBER,), rows))
    tables += [_per_value_table(definition, key, value) for key, value in figures.items() if isinstance(value, dict)]
    return tables


def _whole_number_keys(figures: Mapping[str, FigureValue]) -> list[str]:
    return [key for key, value in figures.items() if isinstance(value, int) and not isinstance(value, bool)]


def _count(figures: Mapping[str, FigureValue], key: str) -> Count:
    value = figures.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _funnel_table(code: str, funnel: Sequence[FunnelStep], figures: Mapping[str, FigureValue]) -> ReportTable:
    index = {step.key: row for row, step in enumerate(funnel)}
    rows = tuple(
        ReportRow(step.label, (_count(figures, step.key),), index.get(step.of) if step.of else None, step.depth)
        for step in funnel
    )
    return ReportTable("funnel", FUNNEL_TITLES.get(code, "Figures"), "Step", (NUMBER,), rows)


def _figures_table(definition: PathwayDefinition, figures: Mapping[str, FigureValue]) -> ReportTable:
    """A pathway without a funnel: its whole-number figures in order. A part (PARTS) is indented under its whole
    and shown as a share of it; a `pct = [a, b]` figure shows a as a share of b (indented unless b is the first
    row)."""
    keys = _whole_number_keys(figures)
    index = {key: row for row, key in enumerate(keys)}
    of = {part: whole for whole, parts in PARTS.get(definition.code, ()) for part in parts if whole in index}
    for figure in definition.figures:
        part, whole = figure.spec.get("pct", (None, None))
        if part in index and whole in index:
            of[part] = whole
    rows = tuple(
        ReportRow(
            label_for(key),
            (_count(figures, key),),
            index[of[key]] if key in of else None,
            1 if key in of and index[of[key]] > 0 else 0,
        )
        for key in keys
    )
    return ReportTable("funnel", FUNNEL_TITLES.get(definition.code, "Figures"), "Figure", (NUMBER,), rows)


def _split_table(split: Split, figures: Mapping[str, FigureValue]) -> ReportTable:
    parts = [(label, _count(figures, key)) for key, label in split.parts]
    total = _count(figures, split.total)
    known = [count for _label, count in parts if isinstance(count, int)]
    if isinstance(total, int) and len(known) == len(parts) and sum(known) != total:
        parts.append((REMAINDER, total - sum(known)))
    rows = (*(ReportRow(label, (count,)) for label, count in parts), ReportRow("Total", (total,)))
    return ReportTable(split.key, split.title, split.row_title, (CASES,), rows, has_total_row=True)


def _per_value_table(definition: PathwayDefinition, key: str, counts: Mapping[str, int]) -> ReportTable:
    """One row per value a figure is counted by; values the definition offers but nobody had show 0."""
    title, row_title = PER_VALUE_TITLES.get(key, (label_for(key), "Value"))
    values = [*_offered_values(definition, key), *sorted(counts)]
    rows = tuple(ReportRow(value_label(definition, v), (counts.get(v, 0),)) for v in dict.fromkeys(values))
    note = VALUE_NOTES.get(definition.code, {}).get(key, VALUE_NOTE)
    return ReportTable(key, title, row_title, (CASES,), rows, note=note)


def _offered_values(definition: PathwayDefinition, key: str) -> tuple[str, ...]:
    for figure in definition.figures:
        by = figure.spec.get("by_value") if figure.key == key else None
        if by and by.get("has") in definition.events:
            return definition.event(by["has"]).choices.get(by["field"], ())
    return ()
