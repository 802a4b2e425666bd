"""Many rows at once (db/bulk.py): what is stored is what SQLAlchemy's own executemany stores, on either database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Boolean, Column, Date, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import IntegrityError

from db.bulk import _plain_insert, insert_rows
from db.types import UTCDateTime
from pathways.store import Store

METADATA = MetaData()
SAMPLES = Table(
    "bulk_samples",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("batch", String(10), nullable=False),
    Column("label", String(40)),
    Column("day", Date),
    Column("at", UTCDateTime),
    Column("flag", Boolean),
    Column("noted", UTCDateTime),  # the same moment on every row, as an import's time of recording
    Column("count", Integer, default=7),  # a default made in Python
)
BST = timezone(timedelta(hours=1))  # given as British Summer Time; stored, and read back, as UTC


NOTED = datetime(2025, 10, 26, 1, 30, tzinfo=BST)


def _rows(batch: str, many: int) -> list[dict[str, object]]:
    start = datetime(2025, 3, 30, 0, 30, tzinfo=UTC)
    return [
        {
            "batch": batch,
            "label": None if n % 5 == 0 else f"row {n} «ü» 'quoted'",
            "day": date(2024, 2, 29) + timedelta(days=n),
            "at": None if n % 7 == 0 else (start + timedelta(minutes=17 * n)).astimezone(BST),
            "flag": n % 2 == 0,
            "noted": NOTED,
            "count": n,
        }
        for n in range(many)
    ]


def _stored(store: Store, batch: str) -> list[tuple[object, ...]]:
    columns = [c for c in SAMPLES.columns if c.key not in ("id", "batch")]
    with store.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(*columns).where(SAMPLES.c.batch == batch).order_by("id"))]


@pytest.fixture
def samples(store: Store) -> Store:
    METADATA.create_all(store.engine)
    return store


def test_rows_are_stored_as_sqlalchemy_stores_them(samples: Store) -> None:
    plain = _plain_insert(samples.engine.dialect, SAMPLES, tuple(_rows("", 1)[0]))
    assert (plain is not None) == (samples.engine.dialect.name == "sqlite")  # the driver's own executemany there
    with samples.engine.begin() as connection:
        written = insert_rows(connection, SAMPLES, _rows("plain", 12_345), batch=5000)  # three batches
        connection.execute(insert(SAMPLES), _rows("core", 12_345))
    assert written == 12_345
    stored = _stored(samples, "plain")
    assert stored == _stored(samples, "core")
    assert len(stored) == 12_345
    assert stored[1][2] == datetime(2025, 3, 30, 0, 47, tzinfo=UTC)  # read back as the same moment, in UTC
    assert stored[0][:2] == (None, date(2024, 2, 29)) and stored[0][2] is None and stored[1][3] is False
    assert {row[4] for row in stored} == {datetime(2025, 10, 26, 0, 30, tzinfo=UTC)}


def test_a_column_left_to_its_python_default_gets_it(samples: Store) -> None:
    rows = [{k: v for k, v in row.items() if k != "count"} for row in _rows("defaults", 3)]
    with samples.engine.begin() as connection:
        assert insert_rows(connection, SAMPLES, rows) == 3
    assert [row[-1] for row in _stored(samples, "defaults")] == [7, 7, 7]


def test_rows_made_as_they_are_written_and_none_at_all(samples: Store) -> None:
    with samples.engine.begin() as connection:
        assert insert_rows(connection, SAMPLES, iter(_rows("lazy", 11)), batch=4) == 11
        assert insert_rows(connection, SAMPLES, []) == 0
    assert len(_stored(samples, "lazy")) == 11


def test_a_failed_batch_leaves_nothing_of_the_transaction(samples: Store) -> None:
    rows = _rows("failed", 10)
    rows[8]["batch"] = None  # not null: the second batch fails
    with pytest.raises(IntegrityError), samples.engine.begin() as connection:
        insert_rows(connection, SAMPLES, rows, batch=5)
    assert _stored(samples, "failed") == []


def test_moments_are_stored_as_the_same_text(samples: Store) -> None:
    """On SQLite a moment is text: the one-step conversion writes exactly what SQLAlchemy's two steps write, for
    UTC, summer time, whole seconds and microseconds, and a year before 1000 (the text is compared as stored)."""
    moments = [
        datetime(2025, 3, 30, 0, 30, tzinfo=UTC),
        datetime(2025, 7, 1, 9, 5, 7, 120, tzinfo=BST),
        datetime(2025, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=-5))),
        datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
        None,
    ]
    rows = [{**row, "at": moment} for row, moment in zip(_rows("", len(moments)), moments, strict=True)]
    with samples.engine.begin() as connection:
        insert_rows(connection, SAMPLES, [{**row, "batch": "plain"} for row in rows])
        connection.execute(insert(SAMPLES), [{**row, "batch": "core"} for row in rows])
        raw = text("SELECT at, noted FROM bulk_samples WHERE batch = :batch ORDER BY id")  # (the driver's values)
        plain, core = (connection.execute(raw, {"batch": batch}).all() for batch in ("plain", "core"))
    assert plain == core
    if samples.engine.dialect.name == "sqlite":
        assert plain[1][0] == "2025-07-01 08:05:07.000120"


def test_a_moment_without_its_time_zone_is_refused(samples: Store) -> None:
    row = {**_rows("naive", 1)[0], "at": datetime(2025, 3, 30, 0, 30)}
    with pytest.raises(Exception, match="naive datetime"), samples.engine.begin() as connection:
        insert_rows(connection, SAMPLES, [row])
    assert _stored(samples, "naive") == []
