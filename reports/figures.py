"""Cohort figures, computed from the `[[figures]]` of a pathway definition over the cases of a cohort.

Each figure is one of:
- count = "cases": cases meeting every condition in `where`;
- count = "people": distinct people among such cases (`min_cases` = N: people with at least N);
- count = "events": events matching `event` (a condition, or a list: any of them) in the cohort's cases
  meeting `where`;
- pct = [a, b]: a as a percentage of b, rounded half up to one decimal (None when b is 0);
- by_value = { has = EVENT, field = F }: for each value of F, cases with such an event.
A condition is a figure's key (the case is counted by it), or a table:
{ has = EVENT, field = value(s) }, { lacks = EVENT, ... }, { eligible = true },
{ substances_of = { has = EVENT, ... }, exactly = [...] },
{ has = EVENT, within_days = N, of = OTHER, ... }: such an event on OTHER's local date or up to N local days after.

Whether a case meets a figure's conditions depends on that case alone, so it is worked out per case
(pathways/case_figures.py, kept up to date in the case-figures index); the figures here add those parts up,
kind by kind, over a tally of the cohort (reports/tally.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pathways.case_figures import FigureError
from pathways.definitions import PathwayDefinition
from reports.tally import Cases, Tally, tally_cases

FigureValue = int | float | None | dict[str, int]
People = Callable[[list[int], int], int]  # (kinds, min_cases) → people with that many cases of those kinds


def percentage(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(value)


def compute_figures(definition: PathwayDefinition, cases: Cases) -> dict[str, FigureValue]:
    """The figures of `definition` over cases, in the order it lists them."""
    return add_up(definition, tally_cases(definition, cases))


def add_up(definition: PathwayDefinition, tally: Tally) -> dict[str, FigureValue]:
    """The figures of `definition` over a tallied cohort, in the order it lists them."""
    return figures_of(definition, tally, tally.cases, tally.people)


def figures_of(
    definition: PathwayDefinition,
    tally: Tally,
    cases: Mapping[int, int],
    people: People,
    only: Collection[str] | None = None,
) -> dict[str, FigureValue]:
    """The figures over some of a tally's cases: `cases` says how many of each kind, `people` counts people
    (`only`: just these figures, none of which is a percentage)."""
    values: dict[str, FigureValue] = {}
    for figure in definition.figures:
        spec = figure.spec
        if only is not None and figure.key not in only:
            continue
        if "pct" in spec:
            part, whole = (values[k] for k in spec["pct"])
            values[figure.key] = percentage(int(part or 0), int(whole or 0))  # type: ignore[arg-type]
            continue
        members = [kind for kind in cases if figure.key in tally.parts[kind].members]
        values[figure.key] = _count(figure.key, spec, members, tally, cases, people)
    return values


def _count(
    key: str, spec: Mapping[str, Any], members: list[int], tally: Tally, cases: Mapping[int, int], people: People
) -> FigureValue:
    if "by_value" in spec:
        counter: Counter[str] = Counter()
        for kind in members:
            for value in tally.parts[kind].values.get(key, ()):
                counter[value] += cases[kind]
        return dict(sorted(counter.items()))
    count = spec.get("count", "cases")
    if count == "cases":
        return sum(cases[kind] for kind in members)
    if count == "people":
        return people(members, int(spec.get("min_cases", 1)))
    if count == "events":
        return sum(cases[kind] * tally.parts[kind].events.get(key, 0) for kind in members)
    raise FigureError(f"unknown count '{count}'")
