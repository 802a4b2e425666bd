"""A cohort tallied: how many of its cases have each kind of part (the figures a case counts in), overall and in
each group of each breakdown (month, site, age band, sex, ethnicity). The figures, the breakdowns and the data
version are all added up from a tally (reports/figures.py, reports/breakdowns.py), however it was made:

- from the cohort counts kept in the database (reports/indexed_tally.py), the fast way: a year of a whole force
  is some 140,000 cases but only a few hundred kinds of part, counted per month and per site, age band, sex
  and ethnicity in some tens of thousands of rows;
- `tally_cases`: from cases with their parts (CountedCase) or their timelines (CohortCase, counted now).

Both ways give the same tally for the same data, so the report does not depend on which way it was made.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from pathways.case_figures import CaseFigures as Part
from pathways.case_figures import age_band, case_fingerprint, encode, export_person_ref, kind_of, timeline_digest
from pathways.clock import age_on
from pathways.definitions import PathwayDefinition
from reports.groups import BREAKDOWNS
from reports.queries import CohortCase, CountedCase, counted

Cases = Sequence[CohortCase | CountedCase]


class Details(NamedTuple):
    """What a case is broken down by: its first event's month (YYYY-MM, UK time), its first site, its age band on
    the day of that event, sex and ethnicity. An empty value is None or ''."""

    month: str | None
    first_site: str | None
    age_band: str | None
    sex: str | None
    ethnicity: str | None


# (kinds, min_cases, breakdown, group) → people with at least min_cases cases of those kinds (in that group of
# that breakdown, when one is named)
PeopleCount = Callable[[Collection[int], int, str, str], int]


@dataclass
class Tally:
    parts: Mapping[int, Part]  # kind → the part
    cases: Counter[int]  # kind → cases
    groups: Mapping[str, Mapping[str, Counter[int]]]  # breakdown → group → kind → cases
    count_people: PeopleCount
    version: str  # the data version (data_version_of)

    def in_groups(self, breakdown: str) -> Mapping[str, Counter[int]]:
        """For each group of a breakdown, kind → cases."""
        return self.groups.get(breakdown, {})

    def people(self, kinds: Collection[int], min_cases: int, breakdown: str = "", group: str = "") -> int:
        """People with at least `min_cases` cases of these kinds (in one group of a breakdown, if named)."""
        return self.count_people(kinds, min_cases, breakdown, group)


@dataclass
class TallyBuilder:
    """Cases added one at a time (add_case), or as counts already split by one detail (add_cases, add_split)."""

    cases: Counter[int] = field(default_factory=Counter)
    groups: dict[str, dict[str, Counter[int]]] = field(default_factory=lambda: {b.key: {} for b in BREAKDOWNS})
    _labels: dict[str, dict[Any, str]] = field(default_factory=lambda: {b.attribute: {} for b in BREAKDOWNS})

    def add_case(self, details: Details, kind: int) -> None:
        self.cases[kind] += 1
        for attribute, value in zip(Details._fields, details, strict=True):
            self.add_split(attribute, value, kind, 1)

    def add_cases(self, month: str, kind: int, n: int) -> None:
        """n cases of a month, not (yet) split by any other detail."""
        self.cases[kind] += n
        self.add_split("month", month, kind, n)

    def add_split(self, attribute: str, value: Any, kind: int, n: int) -> None:
        """n cases whose `attribute` is `value`: counted in that breakdown's group."""
        labels = self._labels[attribute]
        label = labels.get(value)
        if label is None:
            label = labels[value] = BY_ATTRIBUTE[attribute].group_of(value)
        groups = self.groups[BY_ATTRIBUTE[attribute].key]
        counter = groups.get(label)
        if counter is None:
            counter = groups[label] = Counter()
        counter[kind] += n

    def tally(self, parts: Mapping[int, Part], count_people: PeopleCount, version: str) -> Tally:
        return Tally(parts, self.cases, self.groups, count_people, version)


BY_ATTRIBUTE = {b.attribute: b for b in BREAKDOWNS}
BY_KEY = {b.key: b for b in BREAKDOWNS}


def details_of(
    first_day: date | str | None, first_site: str | None, age: int | None, sex: str | None, ethnicity: str | None
) -> Details:
    """A case's details as the breakdowns read them."""
    month = None if first_day is None else str(first_day)[:7]
    return Details(month, first_site, age_band(age), sex, ethnicity)


def tally_cases(definition: PathwayDefinition, cases: Cases) -> Tally:
    """A tally of cases given with their parts, or with their timelines (counted now)."""
    parts: dict[int, Part] = {}
    kinds: dict[str, int] = {}
    rows: list[tuple[int, Details, int]] = []
    builder = TallyBuilder()
    fingerprints = 0
    for case in cases:
        known = case if isinstance(case, CountedCase) else counted(definition, case)
        text = encode(known.part)
        kind = kinds.get(text) or kinds.setdefault(text, kind_of(text))
        parts.setdefault(kind, known.part)
        day = known.first_day
        age = None if day is None else age_on(known.date_of_birth, day)
        details = details_of(day, known.first_site, age, known.sex, known.ethnicity)
        builder.add_case(details, kind)
        rows.append((known.person_id, details, kind))
        fingerprints += _fingerprint(known)

    def count_people(wanted: Collection[int], min_cases: int, breakdown: str, group: str) -> int:
        spec = BY_KEY.get(breakdown)
        at = Details._fields.index(spec.attribute) if spec else 0
        per_person = Counter(
            person
            for person, details, kind in rows
            if kind in wanted and (spec is None or spec.group_of(details[at]) == group)
        )
        return sum(1 for n in per_person.values() if n >= min_cases)

    return builder.tally(parts, count_people, data_version_of(len(rows), fingerprints))


def _fingerprint(case: CohortCase | CountedCase) -> int:
    digest = case.digest if isinstance(case, CountedCase) else timeline_digest(case.facts)
    person = export_person_ref(case.person_ref, case.person_id)
    return case_fingerprint(
        case.case_ref, person, case.date_of_birth, case.sex, case.ethnicity, case.first_site, digest
    )


def data_version(cases: Cases) -> str:
    """The data version of cases given with their timelines or their parts (see data_version_of)."""
    return data_version_of(len(cases), sum(_fingerprint(case) for case in cases))


def data_version_of(cases: int, fingerprints: int) -> str:
    """12 hex digits of a SHA-256 over the number of the cohort's cases and the sum of their fingerprints
    (pathways.case_figures.case_fingerprint: each case's reference and its person's, as export writes them, the
    person's date of birth, sex and ethnicity, the first site and every event of its timeline). The same data
    gives the same version, whatever the database ids and the order of loading; any change to what the report
    counts gives another."""
    return hashlib.sha256(f"{cases}:{fingerprints}".encode()).hexdigest()[:12]
