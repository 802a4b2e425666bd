"""Writing many rows at once (an import's events, the cohort index's rows), in the caller's transaction.

SQLAlchemy's executemany works out each row's parameters afresh, which on SQLite costs about twice the insert
itself. On SQLite, rows that name every column given a value in Python go to the driver as plain tuples instead,
each value converted by its column's type just as SQLAlchemy converts it (the type's bind processor; for a UTC
moment, the same conversion in one step: UTCDateTime.sqlite_text). Elsewhere
(PostgreSQL batches its rows into multi-row INSERTs already), and for rows that leave such a column out, the rows
go through SQLAlchemy as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert
from sqlalchemy.types import TypeEngine

from db.types import UTCDateTime

BATCH = 5000  # rows written by one executemany

_Plain = tuple[str, Callable[[Mapping[str, Any]], tuple[Any, ...]]]  # the statement, and a row's values in its order


def insert_rows(connection: Connection, table: Table, rows: Iterable[Mapping[str, Any]], batch: int = BATCH) -> int:
    """Insert `rows` (each naming the same columns) a batch at a time, so they may be made as they are written;
    returns how many were written."""
    remaining, written = iter(rows), 0
    while chunk := list(islice(remaining, batch)):
        plain = _plain_insert(connection.dialect, table, tuple(chunk[0]))
        if plain is None:
            connection.execute(insert(table), chunk)
        else:
            statement, values = plain
            connection.exec_driver_sql(statement, [values(row) for row in chunk])
        written += len(chunk)
    return written


@lru_cache(maxsize=64)
def _plain_insert(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Plain | None:
    """The INSERT of these columns as the driver takes it, and how to make a row's values for it; None when the
    rows must go through SQLAlchemy (not positional parameters, or a column left to a default made in Python)."""
    if dialect.paramstyle != "qmark" or any(c.default is not None and c.key not in names for c in table.columns):
        return None
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    order: Sequence[str] = compiled.positiontup or ()
    if set(order) != set(names):  # (each column is one parameter named after it)
        return None
    processors = [_processor(table.c[name].type, dialect) for name in order]
    converted = [(place, process) for place, process in enumerate(processors) if process is not None]
    pick = itemgetter(*order)

    def values(row: Mapping[str, Any]) -> tuple[Any, ...]:
        picked = pick(row)
        found = list(picked) if len(order) > 1 else [picked]
        for place, process in converted:
            found[place] = process(found[place])
        return tuple(found)

    return compiled.string, values


def _processor(column_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    if isinstance(column_type, UTCDateTime) and dialect.name == "sqlite":
        return UTCDateTime.sqlite_text
    return column_type.dialect_impl(dialect).bind_processor(dialect)
