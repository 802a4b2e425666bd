"""Benchmark of the desktop app's everyday reads at force scale (issue 3 targets).

    .venv/bin/python bench/app_scale.py [--people 100000] [--database PATH]

Builds (once) a SQLite database of synthetic people with the demo generator, then measures: import
throughput, time to a usable window (a fresh process), search-as-you-type latency per keystroke, opening a
person record, and the appointments and overdue worklists. Prints a table; targets: under 2 s to a usable
window, under 100 ms per keystroke search and per record opened.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pathways.actors import Actor, Role, command_line_actor  # noqa: E402
from pathways.demo import synthetic_dataset  # noqa: E402
from pathways.interchange.importer import import_rows  # noqa: E402
from pathways.interchange.reader import Dataset  # noqa: E402
from pathways.services.records import person_record  # noqa: E402
from pathways.services.search import FIRST_ROWS, find_people  # noqa: E402
from pathways.services.worklists import appointments_between, overdue_requirements  # noqa: E402
from pathways.store import Store, open_store  # noqa: E402

WINDOW_PROBE = """
import sys, time
start = time.perf_counter()
sys.path.insert(0, {root!r})
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from pathways.actors import Actor, Role
from pathways.store import open_store
from ui.context import AppContext
from ui.main_window import MainWindow
store = open_store({url!r})
actor = Actor("bench", Role.TREATMENT_WORKER, "bench", service="Inclusion Hampshire")
window = MainWindow(AppContext(store, actor), "bench")
window.show()
def done():
    print(time.perf_counter() - start)
    app.quit()
QTimer.singleShot(0, done)
app.exec()
"""


def build(path: Path, people: int) -> tuple[Store, str]:
    url = f"sqlite:///{path}"
    fresh = not path.exists()
    store = open_store(url)
    if not fresh:
        return store, "database already built"
    started = time.perf_counter()
    data = synthetic_dataset(people, seed=7, today=date.today())
    made = time.perf_counter() - started
    dataset = Dataset.of_records(data.people, data.events)
    started = time.perf_counter()
    report = import_rows(store, actor=command_line_actor(), dataset=dataset)
    took = time.perf_counter() - started
    rows = len(data.people) + len(data.events)
    assert report.written, report.errors[:3]
    return store, (
        f"generated in {made:.1f} s; imported {len(data.people):,} people and {len(data.events):,} events "
        f"in {took:.1f} s = {rows / took:,.0f} rows/s"
    )


def pair(values: tuple[float, float]) -> str:
    return f"{values[0]:.1f} / {values[1]:.1f}"


def timings(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def keystrokes(store: Store, actor: Actor, names: list[str]) -> tuple[float, float]:
    """Each prefix of each name typed, as the search box sends it: the ids with the first screenful of rows."""
    samples = []
    for name in names:
        for end in range(2, len(name) + 1):
            started = time.perf_counter()
            find_people(store, actor=actor, text=name[:end], rows=FIRST_ROWS)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--database", type=Path, default=Path("/tmp/pathways-bench.sqlite"))
    args = parser.parse_args()
    store, built = build(args.database, args.people)
    print(built)
    worker = Actor("bench", Role.TREATMENT_WORKER, "bench", service="Inclusion Hampshire")
    with store.engine.connect() as connection:
        counts = [connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in ("people", "events")]
        surnames = [r[0] for r in connection.exec_driver_sql("SELECT DISTINCT surname FROM people LIMIT 200")]
        ids = [r[0] for r in connection.exec_driver_sql("SELECT id FROM people")]
    print(f"database: {counts[0]:,} people, {counts[1]:,} events")
    rng = random.Random(3)
    typed = [f"{s} " for s in rng.sample(surnames, min(40, len(surnames)))]
    chosen = rng.sample(ids, 200)
    probe = WINDOW_PROBE.format(root=str(ROOT), url=f"sqlite:///{args.database}")
    window = [
        float(
            subprocess.run(
                [sys.executable, "-c", probe],
                capture_output=True,
                text=True,
                check=True,
                env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
            ).stdout
        )
        for _ in range(3)
    ]

    def week() -> object:
        return appointments_between(
            store, actor=worker, first_day=date.today(), last_day=date.today() + timedelta(days=6)
        )

    def record() -> object:
        return person_record(store, actor=worker, person_id=chosen.pop())

    rows = [
        ("time to a usable window (s)", f"{statistics.median(window):.2f}", "< 2 s"),
        ("search per keystroke (ms, median / p95)", pair(keystrokes(store, worker, typed)), "< 100 ms"),
        ("open a person record (ms, median / p95)", pair(timings(record, 199)), "< 100 ms"),
        ("appointments this week (ms, median / p95)", pair(timings(week, 20)), ""),
        ("overdue list (ms, median / p95)", pair(timings(lambda: overdue_requirements(store, actor=worker), 5)), ""),
    ]
    for name, value, target in rows:
        print(f"{name:45} {value:>16}   {target}")


if __name__ == "__main__":
    main()
