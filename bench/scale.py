"""Benchmark at force scale (issue 7): 10,000 to 500,000 people, each measure next to the thinnest baseline.

    .venv/bin/python bench/scale.py [--sizes 10000,100000,500000] [--folder /tmp/pathways-scale] [--batch 25000]
                                    [--repeat 3] [--results PATH]

For each size, builds once (and then reuses) a SQLite database of that many synthetic people with the demo
generator: every pathway, about ten events a person (bench/scale_build.py). Then measures, each in a fresh
process so that its peak memory is its own (bench/scale_work.py):
- import throughput (rows a second), against executemany of the same rows into the same tables;
- search as you type, opening a person record (its view audited), a week of appointments and the overdue list
  of one service, against hand-written SQL through sqlite3 doing the same work (and a record's bare reads); the
  baseline's records are opened in turn with the app's, in one process, as the two drift apart between processes;
- the DToA cohort of one year as JSON and as a PDF, and its export as CSV, against SQL counting (and a one-page
  ReportLab canvas) and a plain SELECT written with csv.writer;
- time to a usable window: a fresh process started as a user starts the app (main.py) until its sign-in window is
  shown, and until its main window is when the bench signs in at once (the app's modules compiled first, as an
  installed app's are); against a bare PySide6 QMainWindow;
- peak memory of each of those processes, and of the import while building (it holds a whole batch).
Prints a table for each size with the app's figure, the baseline's, the overhead (app ÷ baseline) and the
targets at 500,000 people, then how each cost grew from one size to the next against the growth of the people
(linear), and writes the same as markdown (--results, by default results.md in the folder).

Targets at 500,000 people: search and record open under 100 ms (95th percentile), cohort JSON under 1 s, no more
than 3 times the baseline, peak memory under 500 MB, and no cost growing faster than the number of people.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
AUDIT_KEY_ENV = "PATHWAYS_AUDIT_KEY_FILE"  # pathways/audit_key.py: the bench keeps its own key in its folder
SEARCH_P95_MS = 100.0
RECORD_P95_MS = 100.0
COHORT_JSON_S = 1.0
MAX_OVERHEAD = 3.0
MAX_MEMORY_MB = 500.0

BENCH_USER = "bench.worker"  # a treatment worker of SERVICE, added to each database to sign in as (ensure_user)
GIVEN_PASSWORD = "bench worker given by the administrator"  # temporary: replaced by BENCH_PASSWORD at once
# A password an administrator gives is temporary (pathways/services/accounts.py): the worker chooses their own, as at
# their first sign-in, before the bench signs in as them.
OWN_PASSWORD = """
import sys
sys.path.insert(0, {root!r})
from pathways.services import accounts
from pathways.store import open_store
store = open_store({url!r})
worker = accounts.sign_in(store, username={user!r}, password={given!r}, workstation="bench")
accounts.change_own_password(store, actor=worker, old_password={given!r}, new_password={own!r})
store.engine.dispose()
"""
BENCH_PASSWORD = "the bench signs in at once"
SERVICE = "Inclusion Hampshire"
# The app as a user starts it (main.py): a line when the sign-in window is on the screen, where the bench types
# the user name and password and signs in at once, then a line when the main window is, then the peak memory.
APP_WINDOW = """
import os, resource, sys
sys.path.insert(0, {root!r})
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
seen = set()
def look():
    for shown in app.topLevelWidgets():
        kind = type(shown).__name__
        if not shown.isVisible() or kind in seen:
            continue
        if kind == "SignInDialog":
            seen.add(kind)
            print("sign-in window", flush=True)
            shown.username.setText({user!r})
            shown.password.setText({password!r})
            shown._sign_in()
        elif kind == "MainWindow":
            seen.add(kind)
            print("main window", flush=True)
            print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, flush=True)
            app.quit()
timer = QTimer()
timer.timeout.connect(look)
timer.start(5)
QTimer.singleShot(120_000, lambda: os._exit(3))  # (a sign-in refused would wait for ever)
import main
main.main(["--database-url", {url!r}])
"""
BARE_WINDOW = """
import resource
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.setWindowTitle("Pathways")
window.resize(1200, 800)
window.show()
def shown():
    print("window", flush=True)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, flush=True)
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


@dataclass(frozen=True)
class Measure:
    """One row of a size's table: the app's figure, the baseline's, and the target (at 500,000 people)."""

    key: str
    name: str
    unit: str
    app: float
    baseline: float
    app_p95: float | None = None
    baseline_p95: float | None = None
    target: str = ""
    met: bool | None = None
    higher_is_better: bool = False

    @property
    def overhead(self) -> float:
        """How many times the baseline's cost the app's is (for rates, the baseline's rate over the app's)."""
        if self.higher_is_better:
            return self.baseline / self.app if self.app else math.inf
        return self.app / self.baseline if self.baseline else math.inf


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def run_json(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[1:4])} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def build(database: Path, summary: Path, people: int, batch: int, env: dict[str, str]) -> None:
    print(f"building {database} ({people:,} people, {batch:,} at a time) ...", flush=True)
    started = time.perf_counter()
    command = [sys.executable, str(BENCH / "scale_build.py"), "--people", str(people)]
    command += ["--database", str(database), "--summary", str(summary), "--batch", str(batch)]
    subprocess.run(command, check=True, env=env, cwd=ROOT)
    print(f"built in {time.perf_counter() - started:,.0f} s", flush=True)


def window(code: str, env: dict[str, str]) -> tuple[list[float], float]:
    """Seconds from starting a process until each window it reports is shown, and the process's peak memory (MB)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert process.stdout is not None
    marks: list[float] = []
    for line in process.stdout:
        if "window" not in line:
            process.wait(timeout=120)
            return marks, float(line)
        marks.append(time.perf_counter() - started)
    raise SystemExit(f"a window probe ended before its last window (exit {process.wait(timeout=120)})")


def compile_bytecode(env: dict[str, str]) -> None:
    """Compile the app's modules, as installing it does: a start then reads them compiled. (Without this, where
    PYTHONDONTWRITEBYTECODE is set, every start compiles them again, about 0.2 s that users do not wait for.)"""
    command = [sys.executable, "-m", "compileall", "-q", "main.py", "pathways", "ui", "db", "reports"]
    subprocess.run(command, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def ensure_user(database: Path, env: dict[str, str]) -> None:
    """The bench's treatment worker, added once to the database (through the app's own command), who then chooses
    their own password (the one an administrator gives is temporary)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        there = connection.execute("SELECT 1 FROM users WHERE username = ?", (BENCH_USER,)).fetchone()
    finally:
        connection.close()
    if there:
        return
    url = f"sqlite:///{database}"
    command = [sys.executable, "main.py", "--database-url", url, "user", "add", BENCH_USER]
    command += ["--role", "treatment_worker", "--name", "Bench Worker", "--service", SERVICE, "--password-stdin"]
    subprocess.run(command, input=GIVEN_PASSWORD + "\n", text=True, check=True, env=env, cwd=ROOT)
    own = OWN_PASSWORD.format(root=str(ROOT), url=url, user=BENCH_USER, given=GIVEN_PASSWORD, own=BENCH_PASSWORD)
    subprocess.run([sys.executable, "-c", own], check=True, env=env, cwd=ROOT)  # (the worker's own password)


def counts(database: Path) -> dict[str, int]:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("people", "cases", "events")}
    finally:
        connection.close()


def measure_size(people: int, folder: Path, batch: int, repeat: int, env: dict[str, str]) -> dict[str, Any]:
    database = folder / f"people-{people}.sqlite"
    summary = folder / f"people-{people}.json"
    if not database.exists():
        build(database, summary, people, batch, env)
    built = json.loads(summary.read_text(encoding="utf-8"))
    load_before = os.getloadavg()[0]
    work: dict[str, dict[str, Any]] = {}
    for part in ("reads", "cohort", "export"):
        for side in ("app", "baseline"):
            print(f"  {people:,} people: {part}, {side} ...", flush=True)
            command = [sys.executable, str(BENCH / "scale_work.py"), "--side", side, "--part", part]
            command += ["--database", str(database), "--today", built["today"], "--repeat", str(repeat)]
            work[f"{side}_{part}"] = run_json(command, env)
    print(f"  {people:,} people: windows ...", flush=True)
    ensure_user(database, env)
    compile_bytecode(env)
    app_code = APP_WINDOW.format(root=str(ROOT), url=f"sqlite:///{database}", user=BENCH_USER, password=BENCH_PASSWORD)
    windows = {
        "app": [window(app_code, env) for _ in range(repeat)],
        "bare": [window(BARE_WINDOW, env) for _ in range(repeat)],
    }
    load = [load_before, os.getloadavg()[0]]
    return {
        "people": people,
        "counts": counts(database),
        "build": built,
        "work": work,
        "windows": windows,
        "load": load,
    }


def measures(size: dict[str, Any]) -> list[Measure]:
    """The table of one size."""
    built, work, windows = size["build"], size["work"], size["windows"]
    app_reads, base_reads = work["app_reads"], work["baseline_reads"]

    def latency(key: str, name: str, limit: float | None = None, baseline: list[float] | None = None) -> Measure:
        app, base = app_reads[key], base_reads[key] if baseline is None else baseline
        target = f"95th under {limit:.0f} ms" if limit else ""
        met = p95(app) < limit if limit else None
        return Measure(key, name, "ms", median(app), median(base), p95(app), p95(base), target, met)

    def seconds(part: str, key: str, name: str, limit: float | None = None) -> Measure:
        app, base = work[f"app_{part}"][key], work[f"baseline_{part}"][key]
        target = f"under {limit:g} s" if limit else ""
        return Measure(
            key, name, "s", median(app), median(base), None, None, target, median(app) < limit if limit else None
        )

    app_memory = max(  # the import's too: it holds a whole batch (checked before anything is written)
        [w[1] for w in windows["app"]]
        + [work[f"app_{p}"]["peak_mb"] for p in ("reads", "cohort", "export")]
        + [built["import_peak_mb"]]
    )
    base_memory = max(
        [w[1] for w in windows["bare"]] + [work[f"baseline_{p}"]["peak_mb"] for p in ("reads", "cohort", "export")]
    )
    return [
        Measure(
            "import",
            "import (rows a second)",
            "rows/s",
            built["import_rows_per_s"],
            built["baseline_rows_per_s"],
            higher_is_better=True,
        ),
        latency("search_ms", "search per keystroke", SEARCH_P95_MS),
        latency(  # the baseline's records were opened in turn with the app's, in the app's process
            "record_ms",
            "open a person record (its view sealed onto the audit chain)",
            RECORD_P95_MS,
            baseline=app_reads["baseline_record_ms"],
        ),
        latency("record_ms", "the same, next to the baseline's reads alone", baseline=base_reads["record_read_ms"]),
        latency("week_ms", "appointments: a week, one service"),
        latency("overdue_ms", "overdue list, one service"),
        seconds("cohort", "cohort_json_s", "cohort JSON: a year of DToA", COHORT_JSON_S),
        seconds("cohort", "cohort_pdf_s", "cohort PDF: a year of DToA (figures + PDF)"),
        seconds("export", "export_s", "export: that year's DToA as CSV"),
        Measure(
            "window",
            "time to a usable window: the sign-in window (the database opens behind it)",
            "s",
            median([w[0][0] for w in windows["app"]]),
            median([w[0][0] for w in windows["bare"]]),
        ),
        Measure(
            "signed_in",
            "the main window, signing in as soon as the sign-in window shows",
            "s",
            median([w[0][1] for w in windows["app"]]),
            median([w[0][0] for w in windows["bare"]]),
        ),
        Measure(
            "memory",
            "peak memory of the work (largest process, the import's included)",
            "MB",
            app_memory,
            base_memory,
            target=f"under {MAX_MEMORY_MB:.0f} MB",
            met=app_memory < MAX_MEMORY_MB,
        ),
    ]


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _figure(value: float, unit: str, spread: float | None = None) -> str:
    if unit == "rows/s":
        return f"{value:,.0f}"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "ms":
        return _ms(value) + (f" / {_ms(spread)}" if spread is not None else "") + " ms"
    return f"{value:,.3f} s" if value < 10 else f"{value:,.1f} s"


def _load(load: list[float] | None) -> str:
    """The machine's load average (1 minute) before and after: other work running at the same time."""
    return f"load average {load[0]:.1f} → {load[1]:.1f}" if load else "load average not recorded"


def size_table(size: dict[str, Any]) -> list[str]:
    c = size["counts"]
    built = size["build"]
    lines = [
        f"### {size['people']:,} people",
        "",
        f"{c['people']:,} people, {c['cases']:,} cases, {c['events']:,} events "
        f"({c['events'] / c['people']:.1f} events a person); generated in {built['generate_s']:,.0f} s, imported in "
        f"{built['import_s']:,.0f} s ({built['batch']:,} people at a time: "
        f"{built['first_batch_rows_per_s']:,.0f} rows/s in the first batch, {built['last_batch_rows_per_s']:,.0f} "
        f"in the last; peak memory of the import {built['import_peak_mb']:,.0f} MB; {_load(built.get('load_average'))} "
        f"while building, {_load(size.get('load'))} while measuring). Latencies are median / 95th percentile.",
        "",
        "| measure | app | baseline | app ÷ baseline (at most 3x) | own target at 500,000 people | met |",
        "|---|---|---|---|---|---|",
    ]
    for m in measures(size):
        overhead = f"{m.overhead:.1f}x" if m.overhead <= MAX_OVERHEAD else f"**{m.overhead:.1f}x**"
        met = "" if m.met is None else "yes" if m.met else "**no**"
        app = _figure(m.app, m.unit, m.app_p95)
        base = _figure(m.baseline, m.unit, m.baseline_p95)
        lines.append(f"| {m.name} | {app} | {base} | {overhead} | {m.target or '—'} | {met or '—'} |")
    work = size["work"]
    parts = ", ".join(f"{p} {work['app_' + p]['peak_mb']:,.0f}" for p in ("reads", "cohort", "export"))
    base_parts = ", ".join(f"{p} {work['baseline_' + p]['peak_mb']:,.0f}" for p in ("reads", "cohort", "export"))
    window_mb = max(w[1] for w in size["windows"]["app"])
    bare_mb = max(w[1] for w in size["windows"]["bare"])
    reads = work["app_reads"]
    lines += [
        "",
        f"Peak memory (MB) by process: app {parts}, window {window_mb:,.0f}; baseline {base_parts}, bare window "
        f"{bare_mb:,.0f}. The worklists listed {reads['week_rows']:,} appointments in the week and "
        f"{reads['overdue_rows']:,} overdue; the cohort held {work['app_cohort']['cohort_cases']:,} cases, the export "
        f"{work['app_export']['export_events']:,} events.",
        "",
    ]
    return lines


def _cost(m: Measure) -> float:
    """What a measure costs, so that higher is worse: seconds a row for import, else the figure itself."""
    return 1 / m.app if m.higher_is_better else m.app


def growth_table(sizes: list[dict[str, Any]]) -> list[str]:
    if len(sizes) < 2:
        return []
    pairs = list(pairwise(sizes))
    head = " | ".join(f"{a['people'] // 1000:,}k → {b['people'] // 1000:,}k" for a, b in pairs)
    lines = [
        "### How the cost grew",
        "",
        "Each cost at the larger size divided by the same cost at the smaller (the import: its time a row, times the",
        "growth of the rows). Linear growth is the growth of the people: no cost should grow faster.",
        "",
        f"| measure | {head} |",
        "|---|" + "---|" * len(pairs),
    ]
    ideal = " | ".join(f"{b['people'] / a['people']:.0f}x" for a, b in pairs)
    lines.append(f"| people (linear) | {ideal} |")
    tables = [measures(s) for s in sizes]
    for index, first in enumerate(tables[0]):
        cells = []
        for (a, b), (ma, mb) in zip(pairs, pairwise(tables), strict=True):
            people = b["people"] / a["people"]
            rows = b["build"]["rows"] / a["build"]["rows"]
            grew = _cost(mb[index]) / _cost(ma[index]) * (rows if first.key == "import" else 1)
            cells.append(f"{grew:.2f}x" + ("" if grew <= people else " (**faster than linear**)"))
        name = "import (time for all the rows)" if first.key == "import" else first.name
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return [*lines, ""]


def machine() -> str:
    memory = ""
    try:
        total = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory = f", {int(total.split()[1]) / 1024 / 1024:.0f} GB of memory"
    except (OSError, StopIteration):
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,100000,500000", help="people, comma-separated")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/pathways-scale"))
    parser.add_argument("--batch", type=int, default=25_000, help="people imported at a time when building")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the cohort, the export and each window")
    parser.add_argument("--results", type=Path, help="markdown file of the results (default: results.md there)")
    args = parser.parse_args()
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    args.folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.setdefault(AUDIT_KEY_ENV, str(args.folder / "audit.key"))
    load_before = os.getloadavg()
    started = datetime.now()
    target = args.results or args.folder / "results.md"
    results: list[dict[str, Any]] = []
    for people in sizes:  # the results so far are written after each size, in case a larger one is stopped
        results.append(measure_size(people, args.folder, args.batch, args.repeat, env))
        load_after = os.getloadavg()
        lines = [
            f"Measured {started:%d %B %Y %H:%M} on {machine()}; load average {load_before[0]:.1f} before and "
            f"{load_after[0]:.1f} after (other work was running when it is above 0).",
            "",
        ]
        for size in results:
            lines += size_table(size)
        lines += growth_table(results)
        text = "\n".join(lines)
        target.write_text(text, encoding="utf-8")
        (args.folder / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print("\n" + text)
    print(f"\nwritten to {target}")


if __name__ == "__main__":
    main()
