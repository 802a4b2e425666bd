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
(pathways/case_figures.py, kept up to date in the case-figures index); the figures here add those parts up.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pathways.case_figures import FigureError
from pathways.definitions import PathwayDefinition
from reports.queries import CohortCase, CountedCase, counted

FigureValue = int | float | None | dict[str, int]
Cases = Sequence[CohortCase | CountedCase]


def percentage(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(value)


def as_counted(definition: PathwayDefinition, cases: Cases) -> list[CountedCase]:
    """The cases with their parts in the figures (a case given with its timeline is counted now)."""
    return [case if isinstance(case, CountedCase) else counted(definition, case) for case in cases]


def compute_figures(definition: PathwayDefinition, cases: Cases) -> dict[str, FigureValue]:
    """The figures of `definition`, in the order it lists them."""
    return figure_sets(definition, cases)[0]


def figure_sets(definition: PathwayDefinition, cases: Cases) -> tuple[dict[str, FigureValue], dict[str, set[int]]]:
    """The figures, and for each figure counted over cases, the ids of the cases it counts."""
    return add_up(definition, as_counted(definition, cases))


def add_up(
    definition: PathwayDefinition, cases: Sequence[CountedCase]
) -> tuple[dict[str, FigureValue], dict[str, set[int]]]:
    """figure_sets over cases whose parts are known."""
    alike: dict[frozenset[str], list[CountedCase]] = defaultdict(list)  # cases counted in the same figures
    for case in cases:
        alike[case.part.members].append(case)
    values: dict[str, FigureValue] = {}
    sets: dict[str, set[int]] = {}
    for figure in definition.figures:
        spec = figure.spec
        if "pct" in spec:
            part, whole = (values[k] for k in spec["pct"])
            values[figure.key] = percentage(int(part or 0), int(whole or 0))  # type: ignore[arg-type]
            continue
        members = [case for keys, group in alike.items() if figure.key in keys for case in group]
        sets[figure.key] = {c.case_id for c in members}
        values[figure.key] = _count(figure.key, spec, members)
    return values, sets


def _count(key: str, spec: Mapping[str, Any], members: Sequence[CountedCase]) -> FigureValue:
    if "by_value" in spec:
        counter: Counter[str] = Counter()
        for case in members:
            counter.update(case.part.values.get(key, ()))
        return dict(sorted(counter.items()))
    count = spec.get("count", "cases")
    if count == "cases":
        return len(members)
    if count == "people":
        per_person = Counter(c.person_id for c in members)
        return sum(1 for n in per_person.values() if n >= int(spec.get("min_cases", 1)))
    if count == "events":
        return sum(case.part.events.get(key, 0) for case in members)
    raise FigureError(f"unknown count '{count}'")
