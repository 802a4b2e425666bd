"""A cohort tallied: how many of its cases share each combination of month, site, age band, sex, ethnicity and
kind of part (the figures a case counts in). The figures, the breakdowns and the data version are all added up
from a tally (reports/figures.py, reports/breakdowns.py), however it was made:

- from the cohort counts kept in the database (reports/indexed_tally.py), the fast way: a year of a whole force
  is some 140,000 cases but only some tens of thousands of combinations, and a few hundred kinds of part;
- `tally_cases`: from cases with their parts (CountedCase) or their timelines (CohortCase, counted now).

Both ways give the same tally for the same data, so the report does not depend on which way it was made.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from pathways.case_figures import CaseFigures as Part
from pathways.case_figures import age_band, case_fingerprint, encode, export_person_ref, kind_of, timeline_digest
from pathways.clock import age_on
from pathways.definitions import PathwayDefinition
from reports.groups import BREAKDOWNS
from reports.queries import CohortCase, CountedCase, counted

Cases = Sequence[CohortCase | CountedCase]


class Combo(NamedTuple):
    """What a case is counted by: its first event's month (YYYY-MM), first site, age band on the day of its
    first event, sex, ethnicity, and its kind of part. An empty value is None or ''."""

    month: str | None
    first_site: str | None
    age_band: str | None
    sex: str | None
    ethnicity: str | None
    kind: int


# (kinds, min_cases, breakdown, group) → people with at least min_cases cases of those kinds (in that group of
# that breakdown, when one is named)
PeopleCount = Callable[[Collection[int], int, str, str], int]


@dataclass
class Tally:
    parts: Mapping[int, Part]  # kind → the part
    combos: Mapping[Combo, int]  # → cases
    count_people: PeopleCount
    version: str  # the data version (data_version_of)
    _in_groups: dict[str, dict[str, Counter[int]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.cases: Counter[int] = Counter()  # kind → cases
        for combo, n in self.combos.items():
            self.cases[combo.kind] += n

    def in_groups(self, breakdown: str) -> dict[str, Counter[int]]:
        """For each group of a breakdown, kind → cases."""
        if breakdown not in self._in_groups:
            spec = next(b for b in BREAKDOWNS if b.key == breakdown)
            at = Combo._fields.index(spec.attribute)
            labels: dict[object, str] = {}
            found: dict[str, Counter[int]] = defaultdict(Counter)
            for combo, n in self.combos.items():
                value = combo[at]
                label = labels.get(value) or labels.setdefault(value, spec.group_of(value))
                found[label][combo.kind] += n
            self._in_groups[breakdown] = dict(found)
        return self._in_groups[breakdown]

    def people(self, kinds: Collection[int], min_cases: int, breakdown: str = "", group: str = "") -> int:
        """People with at least `min_cases` cases of these kinds (in one group of a breakdown, if named)."""
        return self.count_people(kinds, min_cases, breakdown, group)


class _CaseRow(NamedTuple):
    person_id: int
    combo: Combo
    fingerprint: int


def tally_cases(definition: PathwayDefinition, cases: Cases) -> Tally:
    """A tally of cases given with their parts, or with their timelines (counted now)."""
    parts: dict[int, Part] = {}
    kinds: dict[str, int] = {}
    rows: list[_CaseRow] = []
    for case in cases:
        known = case if isinstance(case, CountedCase) else counted(definition, case)
        text = encode(known.part)
        kind = kinds.get(text) or kinds.setdefault(text, kind_of(text))
        parts.setdefault(kind, known.part)
        day = known.first_day
        band = age_band(None if day is None else age_on(known.date_of_birth, day))
        month = None if day is None else day.isoformat()[:7]
        combo = Combo(month, known.first_site, band, known.sex, known.ethnicity, kind)
        rows.append(_CaseRow(known.person_id, combo, _fingerprint(known)))

    def count_people(wanted: Collection[int], min_cases: int, breakdown: str, group: str) -> int:
        spec = next((b for b in BREAKDOWNS if b.key == breakdown), None)
        at = Combo._fields.index(spec.attribute) if spec else 0
        per_person = Counter(
            row.person_id
            for row in rows
            if row.combo.kind in wanted and (spec is None or spec.group_of(row.combo[at]) == group)
        )
        return sum(1 for n in per_person.values() if n >= min_cases)

    combos = Counter(row.combo for row in rows)
    return Tally(parts, combos, count_people, data_version_of(len(rows), sum(row.fingerprint for row in rows)))


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
