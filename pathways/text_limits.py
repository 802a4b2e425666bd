"""What text a field may hold: no control characters (a NUL cannot even be stored in PostgreSQL), and no longer
than its column allows (PostgreSQL refuses over-long text where SQLite would keep it)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, String
from sqlalchemy.sql.base import ReadOnlyColumnCollection

# Free text kept in a TEXT column (notes, reasons, offences): long enough for any real note.
FREE_TEXT_LONGEST = 10_000
# Unicode's control characters (category Cc: U+0000 to U+001F and U+007F to U+009F), found by one regular
# expression rather than character by character: an import checks millions of characters.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
CONTROL_PICTURES = {chr(code): chr(0x2400 + code) for code in range(0x20)} | {"\x7f": "\u2421"}  # ␀ … ␟, ␡
CONTROL_BUT_LINE_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # a tab, \n and \r allowed


def longest_text(column: ColumnElement[Any]) -> int:
    """The most characters `column` holds: its declared length, or FREE_TEXT_LONGEST for unbounded text."""
    length = column.type.length if isinstance(column.type, String) else None
    return int(length) if length else FREE_TEXT_LONGEST


def text_problem(
    value: str, what: str, longest: int, *, multiline: bool = False, fix: str = "please retype it"
) -> str | None:
    """Why `value` cannot be kept as the `what`, in plain words, or None when it can (`fix`: what to do about
    control characters, where the text came from)."""
    plural = what.endswith("s") and not what.endswith("ss")  # the notes, the conditions (not an address)
    if (CONTROL_BUT_LINE_BREAKS if multiline else CONTROL).search(value):
        verb = "contain" if plural else "contains"
        return f"The {what} {verb} control characters (invisible characters such as NUL); {fix}."
    if len(value) > longest:
        return f"The {what} {'are' if plural else 'is'} longer than {longest:,} characters."
    return None


def value_problems(
    columns: Mapping[str, ColumnElement[Any]] | ReadOnlyColumnCollection[str, Any],
    values: Mapping[str, object],
    multiline: Iterable[str],
) -> list[str]:
    """Why any text among `values` cannot be kept in the like-named `columns`, in plain words."""
    lines = set(multiline)
    problems: list[str] = []
    for name, value in values.items():
        if isinstance(value, str) and name in columns:
            words = text_problem(value, name.replace("_", " "), longest_text(columns[name]), multiline=name in lines)
            if words:
                problems.append(words)
    return problems
