"""The columns of interchange v1 and the problems found in a dataset."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from pathways.clock import LONDON, local_datetime

PEOPLE_COLUMNS = (
    "person_ref",
    "surname",
    "forenames",
    "date_of_birth",
    "sex",
    "ethnicity",
    "pnc_id",
    "postcode",
)
PEOPLE_REQUIRED = ("person_ref", "surname", "forenames", "date_of_birth", "sex")
EVENT_COLUMNS = (
    "person_ref",
    "case_ref",
    "pathway",
    "event",
    "occurred_at",
    "site",
    "service",
    "offence",
    "basis",
    "result",
    "substances",
    "kind",
    "due_at",
    "reason",
    "conditions",
    "notes",
)
EVENT_REQUIRED = ("person_ref", "case_ref", "pathway", "event", "occurred_at")
TABLES = {"people": PEOPLE_COLUMNS, "events": EVENT_COLUMNS}
REPEATED = {  # the columns whose values come from short lists, so that rows repeat them
    "people": ("sex", "ethnicity"),
    "events": ("pathway", "event", "site", "service", "offence", "basis", "result", "substances", "kind", "reason"),
}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a dataset: where (table, spreadsheet row, column), the value, and what is wrong."""

    table: str
    row: int | None
    column: str | None
    value: str
    message: str

    def describe(self) -> str:
        where = self.table + (f" row {self.row}" if self.row is not None else "")
        if self.column:
            where += f", column {self.column}"
        shown = f" ({self.value!r})" if self.value else ""
        return f"{where}{shown}: {self.message}"


class DatasetRefused(Exception):
    """The dataset cannot be read at all (missing file, unreadable workbook, unknown columns)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.describe() for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)  # slots: a dataset holds one for each row
class Row:
    """One row of a table as an import keeps it: its cells in the table's column order ("" where empty)."""

    number: int  # as a spreadsheet shows it: the header is row 1
    cells: tuple[str, ...]
    places: Mapping[str, int]  # each column's place in `cells`: one mapping, shared by all the table's rows

    def get(self, column: str) -> str:
        place = self.places.get(column)
        return "" if place is None else self.cells[place]

    def named(self) -> dict[str, str]:
        """Every cell by its column ("" where empty): quicker than `get` for a check that reads many."""
        return dict(zip(self.places, self.cells, strict=True))


class TableRows:
    """Makes one table's rows, as small as they can be kept: a large file's rows are all held while it is checked.
    A value that rows repeat (a pathway, a service, a result: the short lists of REPEATED) is kept once, however
    many rows hold it."""

    def __init__(self, table: str) -> None:
        self.places: Mapping[str, int] = {column: place for place, column in enumerate(TABLES[table])}
        self._repeated = frozenset(self.places[column] for column in REPEATED[table])
        self._kept: dict[str, str] = {}

    def row(self, number: int, cells: Iterable[tuple[str, str]]) -> Row:
        """The row numbered `number` from its (column, text) cells; a column of no place in the table is ignored."""
        texts = [""] * len(self.places)
        for column, text in cells:
            place = self.places.get(column)
            if place is not None and text:
                texts[place] = self._kept.setdefault(text, text) if place in self._repeated else text
        return Row(number, tuple(texts), self.places)


def parse_date(text: str) -> date:
    if not _DATE.match(text):
        raise ValueError("should be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a real date") from None


def parse_local_moment(text: str) -> tuple[datetime, bool]:
    """A local (Europe/London) date or date-time; returns the aware moment and whether a time was given."""
    if _DATE.match(text):
        return local_datetime(parse_date(text)), False
    match = _DATETIME.match(text)
    if not match:
        raise ValueError("should be YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]")
    day = parse_date(match.group(1))
    try:
        at = time.fromisoformat(match.group(2))
    except ValueError:
        raise ValueError("is not a real time of day") from None
    moment = local_datetime(day, at)
    if moment.astimezone(UTC).astimezone(LONDON).time() != at:  # in the hour skipped when the clocks go forward
        raise ValueError("is not a time UK clocks showed: they went forward an hour that night, from 01:00 to 02:00")
    return moment, True


def format_local_moment(moment: datetime, time_known: bool) -> str:
    """The moment in UK local time as the format writes it: the day alone, or the time to the minute (to the second
    when it has seconds). Cut from the ISO text, which is quicker than strftime for an export's many moments."""
    local = moment.astimezone(LONDON).isoformat()  # 2025-03-30T02:30:05[.123456]+01:00
    if not time_known:
        return local[:10]
    return local[:16] if local[17:19] == "00" else local[:19]
