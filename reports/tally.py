"""A cohort tallied: each case reduced to its kind of part (the figures it counts in), its person, its group in
each breakdown and its fingerprint, held as columns. The figures, the breakdowns and the data version are all
added up from a tally (reports/figures.py, reports/breakdowns.py), however it was made:

- `tally_rows`: from the case-figures index read as plain rows (reports/queries.py), the fast way: a year of a
  whole force is some 140,000 rows but only a few hundred kinds of part, so everything is counted per kind;
- `tally_cases`: from cases with their parts (CountedCase) or their timelines (CohortCase, counted now).

Both ways give the same tally for the same data, so the report does not depend on which way it was made.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from pathways.case_figures import CaseFigures as Part
from pathways.case_figures import case_fingerprint, encode, kind_of, timeline_digest
from pathways.clock import age_on
from pathways.definitions import PathwayDefinition
from reports.groups import BREAKDOWNS
from reports.queries import CohortCase, CountedCase, counted

Cases = Sequence[CohortCase | CountedCase]


class TallyRow(NamedTuple):
    """One case as the index keeps it (the columns ix_case_figures_cohort covers)."""

    person_id: int
    kind: int
    first_day: date | str | None
    first_site: str | None
    age: int | None
    sex: str | None
    ethnicity: str | None
    fingerprint: int


@dataclass
class Tally:
    """The cohort's cases as columns, one entry per case in the same order in each."""

    parts: Mapping[int, Part]  # kind → the part
    kinds: Sequence[int]
    persons: Sequence[int]
    groups: Mapping[str, Sequence[str]]  # breakdown key → each case's group
    version: str  # the data version (data_version)
    _in_groups: dict[str, dict[str, Counter[int]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.cases: Counter[int] = Counter(self.kinds)  # kind → cases

    def in_groups(self, breakdown: str) -> dict[str, Counter[int]]:
        """For each group of a breakdown, kind → cases."""
        if breakdown not in self._in_groups:
            found: dict[str, Counter[int]] = defaultdict(Counter)
            for (group, kind), n in Counter(zip(self.groups[breakdown], self.kinds, strict=True)).items():
                found[group][kind] = n
            self._in_groups[breakdown] = dict(found)
        return self._in_groups[breakdown]

    def people(self, kinds: Iterable[int], min_cases: int, breakdown: str = "", group: str = "") -> int:
        """People with at least `min_cases` cases of these kinds (in one group of a breakdown, if given)."""
        wanted = set(kinds)
        if breakdown:
            cases = Counter(
                person
                for person, kind, in_group in zip(self.persons, self.kinds, self.groups[breakdown], strict=True)
                if kind in wanted and in_group == group
            )
        else:
            cases = Counter(person for person, kind in zip(self.persons, self.kinds, strict=True) if kind in wanted)
        return sum(1 for n in cases.values() if n >= min_cases)


def tally_rows(rows: Sequence[Sequence[Any]], parts: Mapping[int, Part]) -> Tally:
    """A tally of rows with TallyRow's columns, e.g. read from the index (`parts`: each kind's part)."""
    if not rows:
        return Tally(dict(parts), [], [], {b.key: [] for b in BREAKDOWNS}, data_version_of([], []))
    columns = dict(zip(TallyRow._fields, zip(*rows, strict=True), strict=True))
    persons, fingerprints = columns["person_id"], columns["fingerprint"]
    return Tally(
        dict(parts),
        columns["kind"],
        persons,
        {b.key: _labelled(columns[b.attribute], b.group_of) for b in BREAKDOWNS},
        data_version_of(persons, fingerprints),
    )


def _labelled(values: Sequence[Any], group_of: Callable[[Any], str]) -> list[str]:
    """Each value's group, working out each distinct value's group once (a year has 365 days, not 140,000)."""
    labels = {value: group_of(value) for value in set(values)}
    return [labels[value] for value in values]


def tally_cases(definition: PathwayDefinition, cases: Cases) -> Tally:
    """A tally of cases given with their parts, or with their timelines (counted now)."""
    parts: dict[int, Part] = {}
    kinds: dict[str, int] = {}
    rows: list[TallyRow] = []
    for case in cases:
        known = case if isinstance(case, CountedCase) else counted(definition, case)
        text = encode(known.part)
        kind = kinds.get(text) or kinds.setdefault(text, kind_of(text))
        parts.setdefault(kind, known.part)
        day = known.first_day
        age = None if day is None else age_on(known.date_of_birth, day)
        fingerprint = _fingerprint(known)
        rows.append(
            TallyRow(known.person_id, kind, day, known.first_site, age, known.sex, known.ethnicity, fingerprint)
        )
    return tally_rows(rows, parts)


def _fingerprint(case: CohortCase | CountedCase) -> int:
    digest = case.digest if isinstance(case, CountedCase) else timeline_digest(case.facts)
    return case_fingerprint(case.case_ref, case.date_of_birth, case.sex, case.ethnicity, case.first_site, digest)


def data_version(cases: Cases) -> str:
    """The data version of cases given with their timelines or their parts (see data_version_of)."""
    return data_version_of([case.person_id for case in cases], [_fingerprint(case) for case in cases])


def data_version_of(persons: Sequence[int], fingerprints: Sequence[int]) -> str:
    """12 hex digits of a SHA-256 over the cohort's data: each case's fingerprint
    (pathways.case_figures.case_fingerprint: its reference, which survives export and import, the person's date
    of birth, sex and ethnicity, the first site and every event of its timeline), and which cases belong to the
    same person (each person's fingerprints are added together, and the people's sums are sorted, so database
    ids and the order of loading do not matter). The same data gives the same version; any change to what the
    report counts gives another."""
    per_person: dict[int, int] = defaultdict(int)
    for person, fingerprint in zip(persons, fingerprints, strict=True):
        per_person[person] += fingerprint
    sums = sorted(total % 2**64 for total in per_person.values())
    return hashlib.sha256(",".join(map(str, sums)).encode()).hexdigest()[:12]
