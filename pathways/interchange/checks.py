"""Row-by-row checks of an interchange dataset, before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from db.models import Case, Event, Person
from pathways.definitions import PathwayDefinition
from pathways.engine import Fact, default_due, field_problems
from pathways.errors import InvalidInput
from pathways.identity import check_details
from pathways.interchange.format import (
    EVENT_COLUMNS,
    EVENT_REQUIRED,
    PEOPLE_REQUIRED,
    Problem,
    Row,
    parse_date,
    parse_local_moment,
)
from pathways.text_limits import CONTROL, CONTROL_PICTURES, longest_text, text_problem
from pathways.timeline import VALUE_FIELDS

# The columns that carry an event's values (the rest say whose, which case, what and when).
EVENT_VALUE_COLUMNS = tuple(c for c in EVENT_COLUMNS if c not in (*EVENT_REQUIRED, "due_at"))
assert set(EVENT_VALUE_COLUMNS) <= set(VALUE_FIELDS)  # so an event's values are a Fact's values as they are
# Where each text column is kept, for its longest length; free text may run over several lines.
TEXT_COLUMNS = {
    "person_ref": Person.__table__.c.person_ref,
    "case_ref": Case.__table__.c.case_ref,
    "pathway": Case.__table__.c.pathway,
    "event": Event.__table__.c.name,
    **{c: Event.__table__.c[c] for c in EVENT_VALUE_COLUMNS},
}
MULTILINE_COLUMNS = ("offence", "reason", "conditions", "notes")
# Each text column's longest text and whether it may hold line breaks: worked out once, not for each cell.
_TEXT_LIMITS = {column: (longest_text(kept), column in MULTILINE_COLUMNS) for column, kept in TEXT_COLUMNS.items()}


@dataclass(frozen=True)
class PersonIn:
    row: int
    ref: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)  # slots: an import holds one for each event row
class EventIn:
    row: int
    person_ref: str
    case_ref: str
    pathway: str
    occurred_time_known: bool
    due_time_known: bool
    fact: Fact  # the event as the rules read it (its name, moment, due date and values): made once

    @property
    def name(self) -> str:
        return self.fact.name

    @property
    def occurred_at(self) -> datetime:
        return self.fact.occurred_at

    @property
    def due_at(self) -> datetime | None:
        return self.fact.due_at

    @property
    def values(self) -> Mapping[str, str]:
        return self.fact.values


@dataclass
class Checked:
    people: dict[str, PersonIn] = field(default_factory=dict)
    events: list[EventIn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _missing(table: str, number: int, cells: Mapping[str, str], required: tuple[str, ...]) -> list[Problem]:
    return [Problem(table, number, c, "", "a value is required") for c in required if not cells[c]]


def _shown(value: str) -> str:
    """A cell's value as a problem shows it: its first 60 characters, a control character as its picture (a NUL
    as ␀), so that the list of problems shows what is there and nothing in it acts on the screen or a terminal."""
    short = value if len(value) <= 60 else value[:60] + "…"
    return CONTROL.sub(lambda found: CONTROL_PICTURES.get(found.group(), "\ufffd"), short)


@lru_cache(maxsize=8)
def _shortest_limit(columns: tuple[str, ...]) -> int:
    return min(_TEXT_LIMITS[column][0] for column in columns)


def text_problems(table: str, number: int, cells: Mapping[str, str], columns: tuple[str, ...]) -> list[Problem]:
    """Control characters or over-long text in the row's text cells (which the database could not keep)."""
    values = [cells[column] for column in columns]
    fits = max(map(len, values), default=0) <= _shortest_limit(columns) or all(  # (the first test: nearly every row)
        len(value) <= _TEXT_LIMITS[column][0] for column, value in zip(columns, values, strict=True)
    )
    if fits and not CONTROL.search("".join(values)):
        return []  # nearly every row: text that fits, without control characters (one search for the whole row)
    problems: list[Problem] = []
    for column, value in zip(columns, values, strict=True):
        longest, multiline = _TEXT_LIMITS[column]
        words = (
            text_problem(value, column.replace("_", " "), longest, multiline=multiline, fix="correct it in the file")
            if value
            else None
        )
        if words:
            problems.append(Problem(table, number, column, _shown(value), words))
    return problems


def check_people(rows: list[Row], today: date, result: Checked) -> None:
    for row in rows:
        cells = row.named()
        problems = _missing("people", row.number, cells, PEOPLE_REQUIRED)
        problems += text_problems("people", row.number, cells, ("person_ref",))
        ref = cells["person_ref"]
        if ref and ref in result.people:
            first = result.people[ref].row
            problems.append(
                Problem("people", row.number, "person_ref", ref, f"person_ref is repeated (first in row {first})")
            )
        details: dict[str, Any] = {}
        for column in ("surname", "forenames", "date_of_birth", "sex", "ethnicity", "pnc_id", "postcode"):
            value = cells[column]
            if not value and column in PEOPLE_REQUIRED:
                continue
            try:
                parsed: Any = parse_date(value) if column == "date_of_birth" else value
                details.update(check_details({column: parsed}, today))
            except (ValueError, InvalidInput) as exc:
                words = str(exc) if isinstance(exc, InvalidInput) else f"the date {exc}"
                problems.append(Problem("people", row.number, column, _shown(value), words))
        result.problems.extend(problems)
        if not problems:
            result.people[ref] = PersonIn(row.number, ref, details)


def _moment(
    number: int, cells: Mapping[str, str], column: str, now: datetime, problems: list[Problem]
) -> tuple[datetime | None, bool]:
    text = cells[column]
    if not text:
        return None, True
    try:
        moment, time_known = parse_local_moment(text)
    except ValueError as exc:
        problems.append(Problem("events", number, column, text, f"the date or time {exc}"))
        return None, True
    if column == "occurred_at" and moment > now:
        problems.append(Problem("events", number, column, text, "this is in the future"))
    return moment, time_known


def _case_problems(number: int, cells: Mapping[str, str], cases: dict[str, tuple[str, str, int]]) -> list[Problem]:
    case_ref, person_ref, pathway = cells["case_ref"], cells["person_ref"], cells["pathway"]
    first = cases.setdefault(case_ref, (person_ref, pathway, number))
    if (person_ref, pathway) == first[:2]:
        return []
    words = f"case {case_ref} belongs to person {first[0]} on pathway {first[1]} (row {first[2]})"
    return [Problem("events", number, "case_ref", case_ref, words)]


def _pathway_problems(
    number: int, cells: Mapping[str, str], definitions: Mapping[str, PathwayDefinition]
) -> list[Problem]:
    pathway, name = cells["pathway"], cells["event"]
    if pathway not in definitions:
        known = ", ".join(sorted(definitions))
        return [Problem("events", number, "pathway", pathway, f"unknown pathway (this installation holds: {known})")]
    if name not in definitions[pathway].events:
        known = ", ".join(definitions[pathway].events)
        return [Problem("events", number, "event", name, f"not an event of the {pathway} pathway (use: {known})")]
    return []


def check_events(
    rows: list[Row],
    people: Mapping[str, object],
    definitions: Mapping[str, PathwayDefinition],
    now: datetime,
    result: Checked,
) -> None:
    """Column-level checks of each event row; rule checks of whole timelines come after."""
    cases: dict[str, tuple[str, str, int]] = {}
    text_columns = tuple(TEXT_COLUMNS)
    for row in rows:
        number, cells = row.number, row.named()
        problems = _missing("events", number, cells, EVENT_REQUIRED)
        problems += text_problems("events", number, cells, text_columns)
        person_ref, case_ref, pathway, name = cells["person_ref"], cells["case_ref"], cells["pathway"], cells["event"]
        if person_ref and person_ref not in people:
            problems.append(Problem("events", number, "person_ref", person_ref, "not a person_ref of the people table"))
        if case_ref:
            problems.extend(_case_problems(number, cells, cases))
        unknown_step = _pathway_problems(number, cells, definitions) if pathway and name else []
        problems.extend(unknown_step)
        occurred_at, occurred_known = _moment(number, cells, "occurred_at", now, problems)
        due_at, due_known = _moment(number, cells, "due_at", now, problems)
        if unknown_step or not (pathway and name) or occurred_at is None:  # no step's columns to check
            result.problems.extend(problems)
            continue
        values = {c: cells[c] for c in EVENT_VALUE_COLUMNS if cells[c]}
        if due_at is None:
            due_at, due_known = default_due(definitions[pathway].event(name), occurred_at), occurred_known
        # `values` holds only the event's non-empty values, as a Fact's do
        event = EventIn(
            number,
            person_ref,
            case_ref,
            pathway,
            occurred_known,
            due_known,
            Fact(name, occurred_at, values, due_at, number, occurred_known, due_known),
        )
        result.problems.extend(problems)  # the row's step's columns are checked too: every problem is listed,
        said = {p.column for p in problems}  # once for each cell (a due_at not read is not also "missing")
        for column, message in field_problems(definitions[pathway], event.fact):
            if column not in said:
                result.problems.append(Problem("events", number, column, cells.get(column, ""), message))
        if not problems:
            result.events.append(event)
