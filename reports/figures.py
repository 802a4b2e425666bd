"""Cohort figures, computed from the `[[figures]]` of a pathway definition over plain cohort cases.

Each figure is one of:
- count = "cases": cases meeting every condition in `where`;
- count = "people": distinct people among such cases (`min_cases` = N: people with at least N);
- count = "events": events matching `event` in the cohort's cases meeting `where`;
- pct = [a, b]: a as a percentage of b, rounded half up to one decimal (None when b is 0);
- by_value = { has = EVENT, field = F }: for each value of F, cases with such an event.
A condition is a figure's key (the case is counted by it), or a table:
{ has = EVENT, field = value(s) }, { lacks = EVENT, ... }, { eligible = true },
{ substances_of = { has = EVENT, ... }, exactly = [...] }.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pathways.definitions import LIST_FIELDS, PathwayDefinition
from pathways.engine import Fact, eligibility
from reports.queries import CohortCase

FigureValue = int | float | None | dict[str, int]


class FigureError(Exception):
    """A figure in a pathway definition cannot be computed as written."""


def percentage(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(value)


_Checks = tuple[tuple[str, frozenset[str], bool], ...]
_compiled: dict[tuple[int, str], tuple[Mapping[str, Any], _Checks]] = {}


def _checks(spec: Mapping[str, Any], name_key: str) -> _Checks:
    """The column tests of a condition, worked out once per condition (figures test them very often)."""
    cached = _compiled.get((id(spec), name_key))
    if cached is not None and cached[0] is spec:
        return cached[1]
    checks = tuple(
        (column, frozenset({wanted} if isinstance(wanted, str) else wanted), column in LIST_FIELDS)
        for column, wanted in spec.items()
        if column not in (name_key, "exactly")
    )
    _compiled[(id(spec), name_key)] = (spec, checks)
    return checks


def _event_matches(fact: Fact, spec: Mapping[str, Any], name_key: str = "has") -> bool:
    if fact.name != spec[name_key]:
        return False
    for column, allowed, is_list in _checks(spec, name_key):
        if is_list:
            if not fact.items(column) & allowed:
                return False
        elif fact.values.get(column) not in allowed:
            return False
    return True


class _Evaluator:
    def __init__(self, definition: PathwayDefinition, cases: Sequence[CohortCase]) -> None:
        self.definition = definition
        self.cases = cases
        self.sets: dict[str, set[int]] = {}
        self._eligible: set[int] | None = None
        self._index: dict[int, dict[str, list[Fact]]] = {}

    def named(self, case: CohortCase, name: str) -> list[Fact]:
        """The case's facts called `name` (indexed once per case: figures ask many times)."""
        index = self._index.get(case.case_id)
        if index is None:
            index = defaultdict(list)
            for fact in case.facts:
                index[fact.name].append(fact)
            self._index[case.case_id] = index
        return index.get(name, [])

    def eligible(self) -> set[int]:
        if self._eligible is None:
            self._eligible = {
                c.case_id for c in self.cases if eligibility(self.definition, c.facts, c.date_of_birth).allowed
            }
        return self._eligible

    def holds(self, case: CohortCase, condition: Any) -> bool:
        if isinstance(condition, str):
            if condition not in self.sets:
                raise FigureError(f"{self.definition.code}: figure '{condition}' is used before it is defined")
            return case.case_id in self.sets[condition]
        if "eligible" in condition:
            return (case.case_id in self.eligible()) == bool(condition["eligible"])
        if "has" in condition:
            return any(_event_matches(f, condition) for f in self.named(case, condition["has"]))
        if "lacks" in condition:
            return not any(_event_matches(f, condition, "lacks") for f in self.named(case, condition["lacks"]))
        if "substances_of" in condition:
            found: set[str] = set()
            for fact in self.named(case, condition["substances_of"]["has"]):
                if _event_matches(fact, condition["substances_of"]):
                    found |= fact.items("substances")
            return found == set(condition["exactly"])
        raise FigureError(f"{self.definition.code}: a condition is not understood: {condition!r}")

    def members(self, where: Sequence[Any]) -> list[CohortCase]:
        pool: Sequence[CohortCase] = self.cases
        for condition in where:  # a figure named first narrows the cases to look at
            if isinstance(condition, str) and condition in self.sets:
                chosen = self.sets[condition]
                pool = [c for c in pool if c.case_id in chosen]
        return [c for c in pool if all(self.holds(c, w) for w in where)]


def compute_figures(definition: PathwayDefinition, cases: Sequence[CohortCase]) -> dict[str, FigureValue]:
    """The figures of `definition`, in the order it lists them."""
    return figure_sets(definition, cases)[0]


def figure_sets(
    definition: PathwayDefinition, cases: Sequence[CohortCase]
) -> tuple[dict[str, FigureValue], dict[str, set[int]]]:
    """The figures, and for each figure counted over cases, the ids of the cases it counts."""
    evaluator = _Evaluator(definition, cases)
    values: dict[str, FigureValue] = {}
    for figure in definition.figures:
        spec = figure.spec
        if "pct" in spec:
            part, whole = (values[k] for k in spec["pct"])
            values[figure.key] = percentage(int(part or 0), int(whole or 0))  # type: ignore[arg-type]
            continue
        members = evaluator.members(spec.get("where", ()))
        evaluator.sets[figure.key] = {c.case_id for c in members}
        values[figure.key] = _count(spec, members)
    return values, evaluator.sets


def _count(spec: Mapping[str, Any], members: Sequence[CohortCase]) -> FigureValue:
    if "by_value" in spec:
        by = spec["by_value"]
        counter: Counter[str] = Counter()
        for case in members:
            found: set[str] = set()
            for fact in case.facts:
                if fact.name == by["has"]:
                    found |= fact.items(by["field"])
            counter.update(found)
        return dict(sorted(counter.items()))
    count = spec.get("count", "cases")
    if count == "cases":
        return len(members)
    if count == "people":
        per_person = Counter(c.person_id for c in members)
        return sum(1 for n in per_person.values() if n >= int(spec.get("min_cases", 1)))
    if count == "events":
        return sum(1 for c in members for f in c.facts if _event_matches(f, spec["event"]))
    raise FigureError(f"unknown count '{count}'")
