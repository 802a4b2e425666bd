"""Bad-input tests: a bounded, repeatable hypothesis profile, and row counts of every table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import func, select

from db.models import Base
from pathways.store import Store

# Few examples (each may touch a database), no deadline (PostgreSQL and Qt are slow on a shared machine), and
# derandomised so that CI sees the same values every run.
settings.register_profile(
    "badinput",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BAD_INPUT = settings.get_profile("badinput")
# Database-heavy tests (an import on SQLite and PostgreSQL per example) take fewer.
FEW = settings(BAD_INPUT, max_examples=6)


def table_counts(store: Store) -> dict[str, int]:
    """Rows in every table (the audit log among them): what a refused input must leave unchanged."""
    with store.unit_of_work() as uow:
        return {
            table.name: int(uow.session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def plain_words(message: str) -> bool:
    """A message meant for a person: no traceback, no Python exception names, no SQL."""
    banned = ("Traceback", "Error:", "Exception", "sqlalchemy", "psycopg", "INSERT ", "SELECT ", 'File "')
    return bool(message.strip()) and not any(word in message for word in banned)


class Db:
    """The test's store, shown briefly when hypothesis reports a failing example (a Store's repr is pages long)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __repr__(self) -> str:
        return f"Db({self.store.engine.dialect.name})"


@pytest.fixture
def db(store: Store) -> Iterator[Db]:
    yield Db(store)
