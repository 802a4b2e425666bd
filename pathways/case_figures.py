"""What one case contributes to its pathway's cohort figures, worked out from its timeline alone.

A pathway definition's `[[figures]]` (see reports/figures.py for what they can say) are counted over a cohort
of cases, but whether a case meets a figure's conditions depends only on that case: its timeline and the
person's date of birth (for eligibility). So each case's part can be worked out once, when its timeline
changes, and kept (pathways/figure_index.py); a cohort report then adds up the parts of its cases instead of
replaying every timeline. The report adds up parts worked out here whether they were kept or made on the spot,
so both ways give the same figures.

Also here: `timeline_digest`, the fingerprint of a timeline; `case_fingerprint`, a case's share of the report's
data version; `kind_of`, a short number for a part (a force's year has a few hundred kinds of part, so a report
reads numbers and decodes each kind once); and `figures_basis`, which says which definition (and which way of
counting) a kept part was worked out for.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

from pathways.clock import local_date
from pathways.definitions import LIST_FIELDS, PathwayDefinition
from pathways.engine import Fact, eligibility

# Change this when the way a case is counted changes: every kept part is then worked out again.
COUNTING_VERSION = 1


class FigureError(Exception):
    """A figure in a pathway definition cannot be computed as written."""


_NONE: Mapping[str, Any] = MappingProxyType({})


class CaseFigures(NamedTuple):
    """One case's part in the cohort figures (a tuple: a report reads some 20,000 of them)."""

    members: frozenset[str]  # the figures (other than percentages) whose conditions the case meets
    events: Mapping[str, int] = _NONE  # count = "events": the case's matching events (not 0)
    # by_value: the values the case has; and "event:field" → the list-field values on the case (each value once)
    values: Mapping[str, Collection[str]] = _NONE
    lists: Mapping[str, Collection[str]] = _NONE


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
        if column not in (name_key, "exactly", "within_days", "of")
    )
    _compiled[(id(spec), name_key)] = (spec, checks)
    return checks


def event_matches(fact: Fact, spec: Mapping[str, Any], name_key: str = "has") -> bool:
    """Whether an event is the one a condition names, with the values it asks for."""
    if fact.name != spec[name_key]:
        return False
    for column, allowed, is_list in _checks(spec, name_key):
        if is_list:
            if not fact.items(column) & allowed:
                return False
        elif fact.values.get(column) not in allowed:
            return False
    return True


class _Case:
    """The conditions of a definition's figures, tested on one case's timeline."""

    def __init__(self, definition: PathwayDefinition, facts: Sequence[Fact], date_of_birth: date) -> None:
        self.definition = definition
        self.facts = facts
        self.date_of_birth = date_of_birth
        self.defined: set[str] = set()  # figures worked out so far, in the definition's order
        self.members: set[str] = set()
        self._eligible: bool | None = None
        self._named: dict[str, list[Fact]] = defaultdict(list)
        for fact in facts:
            self._named[fact.name].append(fact)

    def named(self, name: str) -> list[Fact]:
        return self._named.get(name, [])

    def eligible(self) -> bool:
        if self._eligible is None:
            self._eligible = eligibility(self.definition, self.facts, self.date_of_birth).allowed
        return self._eligible

    def holds(self, condition: Any) -> bool:
        if isinstance(condition, str):
            if condition not in self.defined:
                raise FigureError(f"{self.definition.code}: figure '{condition}' is used before it is defined")
            return condition in self.members
        if "eligible" in condition:
            return self.eligible() == bool(condition["eligible"])
        if "within_days" in condition:  # { has = E, within_days = N, of = F }: E on F's local date or up to N after
            starts = [local_date(f.occurred_at) for f in self.named(condition["of"])]
            limit = timedelta(days=int(condition["within_days"]))
            return any(
                timedelta(0) <= local_date(f.occurred_at) - start <= limit
                for f in self.named(condition["has"])
                if event_matches(f, condition)
                for start in starts
            )
        if "has" in condition:
            return any(event_matches(f, condition) for f in self.named(condition["has"]))
        if "lacks" in condition:
            return not any(event_matches(f, condition, "lacks") for f in self.named(condition["lacks"]))
        if "substances_of" in condition:
            found: set[str] = set()
            for fact in self.named(condition["substances_of"]["has"]):
                if event_matches(fact, condition["substances_of"]):
                    found |= fact.items("substances")
            return found == set(condition["exactly"])
        raise FigureError(f"{self.definition.code}: a condition is not understood: {condition!r}")

    def meets(self, where: Sequence[Any]) -> bool:
        # A figure named in `where` that the case is not counted in rules it out before anything else is
        # tested, as when the figures are counted over a whole cohort (the pool is narrowed first).
        if any(isinstance(w, str) and w in self.defined and w not in self.members for w in where):
            return False
        return all(self.holds(w) for w in where)


def case_figures(definition: PathwayDefinition, facts: Sequence[Fact], date_of_birth: date) -> CaseFigures:
    """The case's part in each of `definition`'s figures; `facts` is its timeline in order (effective_facts)."""
    case = _Case(definition, facts, date_of_birth)
    events: dict[str, int] = {}
    values: dict[str, frozenset[str]] = {}
    for figure in definition.figures:
        spec = figure.spec
        if "pct" in spec:
            continue
        met = case.meets(spec.get("where", ()))
        case.members.discard(figure.key)  # a key given twice counts as the later figure says, as in a cohort
        events.pop(figure.key, None)
        values.pop(figure.key, None)
        if met:
            case.members.add(figure.key)
            if "by_value" in spec:
                by = spec["by_value"]
                found: set[str] = set()
                for fact in facts:
                    if fact.name == by["has"]:
                        found |= fact.items(by["field"])
                values[figure.key] = frozenset(found)
            elif spec.get("count", "cases") == "events":
                wanted = spec["event"] if isinstance(spec["event"], list) else [spec["event"]]  # one, or any of a list
                matching = sum(1 for f in facts if any(event_matches(f, w) for w in wanted))
                if matching:
                    events[figure.key] = matching
        case.defined.add(figure.key)
    return CaseFigures(frozenset(case.members), events, values, _lists(facts))


def _lists(facts: Sequence[Fact]) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for fact in facts:
        for name in LIST_FIELDS:
            items = fact.items(name)
            if items:
                found[f"{fact.name}:{name}"] |= items
    return {key: frozenset(items) for key, items in found.items()}


def encode(figures: CaseFigures) -> str:
    """A case's part as compact JSON text, for keeping."""
    data: dict[str, Any] = {"m": sorted(figures.members)}
    if figures.events:
        data["e"] = dict(sorted(figures.events.items()))
    if figures.values:
        data["v"] = {key: sorted(found) for key, found in sorted(figures.values.items())}
    if figures.lists:
        data["l"] = {key: sorted(found) for key, found in sorted(figures.lists.items())}
    return json.dumps(data, separators=(",", ":"))


def decode(text: str) -> CaseFigures:
    """A kept part (encode); a report reads some 20,000 of them, so the values stay as read (sorted lists)."""
    data = json.loads(text)
    return CaseFigures(frozenset(data["m"]), data.get("e", _NONE), data.get("v", _NONE), data.get("l", _NONE))


def figures_basis(definition: PathwayDefinition) -> str:
    """What a case's part depends on besides its own data: the pathway's figures and eligibility rule, and
    the way of counting. A kept part made on another basis is out of date."""
    rules = [
        COUNTING_VERSION,
        LIST_FIELDS,
        AGE_BANDS,
        [f.spec for f in definition.figures],
        repr(definition.eligibility),
    ]
    digest = hashlib.sha256(json.dumps(rules, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{definition.code}:{definition.version}:{digest}"


def kind_of(encoded: str) -> int:
    """A 63-bit number for a part as `encode` writes it: the same part, the same number."""
    return _number(encoded, 63)


def case_fingerprint(
    case_ref: str,
    person_ref: str,
    date_of_birth: date,
    sex: str,
    ethnicity: str | None,
    first_site: str | None,
    digest: str,
) -> int:
    """A 40-bit number for what a cohort report counts of one case: its reference and its person's (as an
    export writes them, so they survive export and import; but for a person recorded here whose made reference,
    PW5, someone imported holds as their own, which the export writes PW5-2), the person's date of birth, sex and
    ethnicity, its first site and its timeline's digest. The report's data version is made from their sum
    (reports/tally.py), so any change to what it counts changes the version; 40 bits, so that a database can add up
    those of millions of cases without overflowing."""
    values = [case_ref, person_ref, date_of_birth.isoformat(), sex, ethnicity, first_site, digest]
    return _number(json.dumps(values), FINGERPRINT_BITS)


FINGERPRINT_BITS = 40


def _number(text: str, bits: int) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> (64 - bits)


AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("Under 18", 0),
    ("18\N{EN DASH}29", 18),
    ("30\N{EN DASH}49", 30),
    ("50+", 50),
)


def age_band(age: int | None) -> str | None:
    """The band of the published breakdowns an age falls in (None: no age, as for a case with no events)."""
    if age is None:
        return None
    return [label for label, lowest in AGE_BANDS if age >= lowest][-1]


def export_person_ref(person_ref: str | None, person_id: int) -> str:
    """A person's reference as an export writes it: their own, or one made from their id."""
    return person_ref or f"PW{person_id}"


def timeline_digest(facts: Sequence[Fact]) -> str:
    """SHA-256 (hex) of a timeline as the report counts it: each event's name, time in UTC, values and due time."""
    rows = [[f.name, _utc(f.occurred_at), sorted(f.values.items()), _utc(f.due_at)] for f in facts]
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


def _utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()
