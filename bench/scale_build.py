"""Build one database of the force-scale benchmark (bench/scale.py runs this in a process of its own).

    .venv/bin/python bench/scale_build.py --people 100000 --database PATH --summary PATH.json [--batch 25000]

Makes `people` synthetic people with the demo generator (every pathway, about ten events a person) and imports
them through the importer (pathways.interchange.importer.import_rows), `batch` people at a time: the importer
checks a whole dataset in memory before writing it, so a force's records are loaded in parts. Nothing may be
refused. Then the baseline: the rows the importer wrote, copied into an empty database of the same tables with
sqlite3's executemany and nothing else (no checks, no derived values). Writes a JSON summary: rows, seconds,
rows a second both ways, and the build process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pathways.actors import command_line_actor  # noqa: E402
from pathways.demo import synthetic_batches  # noqa: E402
from pathways.interchange.importer import import_rows  # noqa: E402
from pathways.interchange.reader import Dataset  # noqa: E402
from pathways.store import open_store  # noqa: E402

SEED = 7
# The tables an import writes (the audit log's one row apart), in the order their keys need.
IMPORTED_TABLES = ("people", "person_words", "cases", "events", "open_deadlines", "case_figures")
COPY_CHUNK = 50_000


def peak_memory_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_in_batches(database: Path, people: int, batch: int, today: date) -> dict[str, Any]:
    """Generate and import; the seconds spent in each, and the rows (people and events) imported."""
    store = open_store(f"sqlite:///{database}")
    actor = command_line_actor()
    generated = imported = 0.0
    rows = events = 0
    rates: list[float] = []
    started = time.perf_counter()
    for data in synthetic_batches(people, size=batch, seed=SEED, today=today):
        generated += time.perf_counter() - started
        dataset = Dataset.of_records(data.people, data.events)  # the rows as a file's are read
        count, batch_events = len(data.people), len(data.events)
        del data  # only the rows are held during the import, as when a file is imported
        started = time.perf_counter()
        report = import_rows(store, actor=actor, dataset=dataset)
        took = time.perf_counter() - started
        if report.errors or not report.written:
            problems = "; ".join(p.describe() for p in report.errors[:5])
            raise SystemExit(f"The import refused generated data ({len(report.errors)} problems): {problems}")
        imported += took
        count += batch_events
        rows += count
        events += batch_events
        rates.append(count / took)
        print(f"  imported {rows:,} rows ({count / took:,.0f} rows/s in this batch)", file=sys.stderr, flush=True)
        del dataset, report  # not held while the next batch is made: the peak is one batch's, as a file's would be
        started = time.perf_counter()
    store.engine.dispose()
    return {
        "people": people,
        "events": events,
        "rows": rows,
        "generate_s": generated,
        "import_s": imported,
        "import_rows_per_s": rows / imported,
        "first_batch_rows_per_s": rates[0],
        "last_batch_rows_per_s": rates[-1],
        "batch": batch,
    }


def baseline_copy(database: Path, empty: Path) -> dict[str, Any]:
    """The same rows into the same (empty) tables with sqlite3 executemany; only the inserts are timed."""
    store = open_store(f"sqlite:///{empty}")  # the same tables and indexes, made as the app makes them
    store.engine.dispose()
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    target = sqlite3.connect(empty)
    seconds = 0.0
    copied = 0
    try:
        for table in IMPORTED_TABLES:
            columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
            names = ", ".join(columns)
            insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
            cursor = source.execute(f"SELECT {names} FROM {table} ORDER BY rowid")
            while chunk := cursor.fetchmany(COPY_CHUNK):
                started = time.perf_counter()
                target.executemany(insert, chunk)
                seconds += time.perf_counter() - started
                copied += len(chunk)
        started = time.perf_counter()
        target.commit()
        seconds += time.perf_counter() - started
    finally:
        source.close()
        target.close()
        empty.unlink()
    return {"baseline_s": seconds, "baseline_table_rows": copied}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--people", type=int, required=True)
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--summary", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=25_000, help="people imported at a time")
    args = parser.parse_args()
    partial = args.database.with_name(args.database.name + ".building")
    partial.unlink(missing_ok=True)
    today = date.today()
    load_before = os.getloadavg()[0]
    summary = {"today": today.isoformat(), **import_in_batches(partial, args.people, args.batch, today)}
    summary["load_average"] = [load_before, os.getloadavg()[0]]  # other work on the machine, before and after
    summary["import_peak_mb"] = peak_memory_mb()
    summary.update(baseline_copy(partial, args.database.with_name(args.database.name + ".baseline")))
    summary["baseline_rows_per_s"] = summary["rows"] / summary["baseline_s"]
    last = sqlite3.connect(partial)  # the last connection to close takes the write-ahead log files with it
    last.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    last.close()
    partial.rename(args.database)
    args.summary.write_text(json.dumps(summary, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
