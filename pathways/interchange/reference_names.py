"""Sites, services and offences an import names that are not on the administrator's reference lists.

The contract takes any text in those columns, so such a name is imported as written. But it is usually a typo or
another system's spelling, and it matters: a treatment worker sees a case only when one of its events names their
service exactly as the list (and their account) spells it (pathways.scope), so a case whose service is "Inclusion
Hants" is seen by no worker of "Inclusion Hampshire"; a custody navigator's cases and the site reports go by the
site's name in the same way. So the import warns, once for each such name: how many rows use it, the first of
them, and the listed name it is probably meant to be.

Names are matched as the rest of the app matches them. Events record a site or a service by its label, and scope
and the reports compare labels exactly (capitals and spaces count), so only a label counts as listed; an
offence is looked up by code or label whatever its capitals (pathways.reference.offence_label), so either counts.
A retired entry still counts as listed: an old case of a service since retired is history, not a mistake.

Cheap on a large import: each column's names are counted once (a C loop over the rows), only the distinct names
are compared with the lists, and the rows are gone through again only when some name is not listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from operator import attrgetter, itemgetter

from pathways.identity import fold
from pathways.interchange.format import Problem, Row
from pathways.reference import ReferenceEntry, reference_list
from pathways.store import Store

COLUMNS = {"site": "sites", "service": "services", "offence": "offences"}  # each column's reference list
BY_CODE_OR_LABEL = {"offence"}  # matched by code or label, whatever the capitals; the others by label as written
SHOWN_ROWS = 5  # the first rows a warning names
MOST_NAMES = 50  # a column's names listed one by one (most used first); the rest are counted in one more warning
CLOSE = 0.75  # how alike (difflib's ratio) a listed name and a name not listed must be for "did you mean …?"
WHY = {
    "site": "site reports and a custody navigator's cases go by the site's name as the list spells it",
    "service": "a treatment worker sees a case only when it names their service as the list spells it",
    "offence": "",
}


@dataclass(frozen=True)
class UnlistedName:
    """A name in one column that is not on its reference list (or, with `more_names`, the names beyond the
    MOST_NAMES most used, together)."""

    column: str
    name: str
    rows: int  # how many events rows use it
    first_rows: tuple[int, ...]  # the first of them (at most SHOWN_ROWS), as a spreadsheet numbers them
    suggestion: str | None = None  # the listed name it is probably meant to be
    only_spelling: bool = False  # the suggestion differs only in capitals, spaces or punctuation
    retired: bool = False  # the suggestion is a retired entry
    more_names: int = 0  # not 0: this stands for that many names (`name` empty), beyond the MOST_NAMES most used

    def problem(self) -> Problem:
        """The warning as the import's problems are given: table, first row, column, the name, and what is wrong."""
        first = self.first_rows[0] if self.first_rows else None
        rows = _rows_text(self.rows, self.first_rows)
        list_name = COLUMNS[self.column]
        if self.more_names:
            words = (
                f"{self.more_names:,} more names not on the {list_name} list, in {rows}: only the {MOST_NAMES} most "
                "used are listed one by one. Kept as written."
            )
            return Problem("events", first, self.column, "", words)
        words = f"not on the {list_name} list: "  # what to do first: the table shows a long message cut short
        if self.suggestion:
            words += f"did you mean “{self.suggestion}”"
            words += " (a retired entry)" if self.retired else ""
            words += " (the same but for capitals, spaces or punctuation)" if self.only_spelling else ""
            words += "? "
        why = f", but {WHY[self.column]}" if WHY[self.column] else ""
        words += f"{rows}. Kept as written{why}."
        return Problem("events", first, self.column, self.name, words)


def _rows_text(count: int, first: Sequence[int]) -> str:
    numbers = ", ".join(str(n) for n in first)
    if count == 1:
        return f"1 row (row {numbers})"
    return f"{count:,} rows ({'rows' if count <= len(first) else 'first rows'} {numbers})"


@dataclass(frozen=True)
class _Candidate:
    label: str
    active: bool
    forms: tuple[str, ...]  # folded: the label, the code, the label without its bracketed part


def _candidates(entries: Iterable[ReferenceEntry]) -> list[_Candidate]:
    made = []
    for entry in sorted(entries, key=lambda e: not e.active):  # active first: they win a tie
        forms = {fold(entry.label), fold(entry.code), fold(entry.label.split(" (")[0])}
        made.append(_Candidate(entry.label, entry.active, tuple(f for f in forms if f)))
    return made


def _ratio(a: str, b: str) -> float:
    """difflib's ratio, or 0 when its cheap upper bounds already say it is below CLOSE (as pathways.matching)."""
    if 2 * min(len(a), len(b)) < CLOSE * (len(a) + len(b)):
        return 0.0
    matcher = SequenceMatcher(None, a, b)
    return matcher.ratio() if matcher.quick_ratio() >= CLOSE else 0.0


def suggestion(name: str, candidates: Sequence[_Candidate]) -> tuple[str, bool, bool] | None:
    """The listed name `name` is probably meant to be, whether it differs only in capitals, spaces or punctuation,
    and whether it is a retired entry (an active one wins a tie); None when none is close. Close means: the same
    when folded, as the screens take a typed service (pathways.reference.listed_label: "inclusion hampshire",
    "INCLUSION  Hampshire" and the code inclusion_hampshire are all "Inclusion Hampshire"), or the first words of a
    listed name ("Southampton" for "Southampton Central", "Theft from shop" for "Theft from shop (Theft Act 1968
    s.1)"), or a near spelling. A listed name with more words after it is not close: "Basingstoke Magistrates'
    Court" is not "Basingstoke"."""
    folded = fold(name)
    if not folded:
        return None
    best: tuple[float, _Candidate] | None = None
    for candidate in candidates:
        for form in candidate.forms:
            if form == folded:
                return candidate.label, fold(candidate.label) == folded, not candidate.active
            score = _ratio(folded, form)
            if form.startswith(folded + " "):  # a listed name cut short (not one made longer: another place)
                score = max(score, CLOSE)
            if score >= CLOSE and (best is None or score > best[0]):
                best = (score, candidate)
    return None if best is None else (best[1].label, False, not best[1].active)


def _key(column: str, name: str) -> str:
    """A name as its column's names are compared: an offence as offence_label compares it, the others as written."""
    return name.strip().lower() if column in BY_CODE_OR_LABEL else name


def _listed(column: str, entries: Iterable[ReferenceEntry]) -> frozenset[str]:
    """The names that count as on the list (active or retired entries), as _key gives them."""
    names = (
        (n for e in entries for n in (e.code, e.label)) if column in BY_CODE_OR_LABEL else (e.label for e in entries)
    )
    return frozenset(_key(column, n) for n in names)


def _first_rows(
    rows: Sequence[Row], place: int, counts: dict[str, int], shown: set[str]
) -> dict[str | None, list[int]]:
    """The first rows of each name in `shown`, and (under None) of the other names of `counts`; stops as soon as
    every one has its SHOWN_ROWS (or all the rows it has)."""
    wanted: dict[str | None, int] = {name: min(SHOWN_ROWS, n) for name, n in counts.items() if name in shown}
    others = sum(n for name, n in counts.items() if name not in shown)
    if others:
        wanted[None] = min(SHOWN_ROWS, others)
    found: dict[str | None, list[int]] = {key: [] for key in wanted}
    left = len(wanted)
    for row in rows:
        value = row.cells[place]
        if value not in counts:
            continue
        key = value if value in shown else None
        got = found[key]
        if len(got) < wanted[key]:
            got.append(row.number)
            if len(got) == wanted[key]:
                left -= 1
                if not left:
                    break
    return found


def unlisted_names(store: Store, rows: Sequence[Row]) -> list[UnlistedName]:
    """The events rows' sites, services and offences that are not on their reference lists, column by column,
    each column's most used first."""
    if not rows:
        return []
    places = rows[0].places  # (every row of a table has its table's places: format.TableRows)
    cells = attrgetter("cells")
    found: list[UnlistedName] = []
    for column, list_name in COLUMNS.items():
        place = places[column]
        counts = Counter(map(itemgetter(place), map(cells, rows)))
        counts.pop("", None)
        if not counts:
            continue
        entries = reference_list(store, list_name, include_inactive=True)
        listed = _listed(column, entries)
        unlisted = {name: n for name, n in counts.items() if _key(column, name) not in listed}
        if not unlisted:
            continue
        most_used = sorted(unlisted, key=lambda name: (-unlisted[name], name))
        shown = set(most_used[:MOST_NAMES])
        first = _first_rows(rows, place, unlisted, shown)
        candidates = _candidates(entries)
        named = []
        for name in shown:
            label, only_spelling, retired = suggestion(name, candidates) or (None, False, False)
            named.append(UnlistedName(column, name, unlisted[name], tuple(first[name]), label, only_spelling, retired))
        found.extend(sorted(named, key=lambda u: (-u.rows, u.first_rows)))
        if len(most_used) > MOST_NAMES:
            rest = most_used[MOST_NAMES:]
            total = sum(unlisted[name] for name in rest)
            found.append(UnlistedName(column, "", total, tuple(first[None]), more_names=len(rest)))
    return found
