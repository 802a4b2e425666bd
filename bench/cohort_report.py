"""Benchmark of the cohort report at force scale: a year of a whole force's DToA cases.

    .venv/bin/python bench/cohort_report.py [--cases 20000] [--events 200000] [--database PATH] [--repeat 3]

Builds (once; kept in /tmp and reused) a SQLite database holding one calendar year (2025) of Drug Testing on
Arrest: about 20,000 cases and 200,000 events. Then times, on the cohort of that year: the cohort figures and
tables (`cohort_figures`, as `report cohort --format json` runs it, with the JSON text), the PDF
(`write_cohort_pdf`), the CSV and the .xlsx (reports/table_export.py), the same again for publication
(disclosure control), and the whole command `main.py report cohort --format pdf` in a fresh process.
Target: the PDF under 3 s (figures and layout, what a manager waits for). The figures are read from what the
database keeps added up (pathways/figure_index.py, pathways/cohort_counts.py), so opening a database built before
those existed works out every case's part once (the "opened in" time printed first).

How the data is made. `pathways.demo.synthetic_dataset(people, today=2026-01-01, years=1)` gives the year's
people and cases (DToA only: pathways=("dtoa",); people chosen for about 20,000 cases, at 1.3 cases a person), but
only about 4 events a case, because most real DToA cases are short (arrest, test, close). To reach the events a
force's year holds (about 10 a case, counting rearranged appointments and repeat samples), this script adds
events to the generated cases, all of them allowed by the DToA rules (resources/pathways/dtoa.toml), so the
import checks and accepts every one:
- a rearranged appointment: in a case with an initial assessment required, up to 2 further `assessment_required`
  (kind initial, same service and due time, reason "rearranged ...") a few seconds after the first requirement,
  before any attendance: the rules allow a further notice until the assessment is attended;
- repeat samples: in a tested case, further `test` events with result `no_sample` a few seconds after the first
  test, so before anything that followed it (the next event is at least 10 minutes later); the rules allow more
  than one test on an eligible arrest, and `no_sample` counts in no figure;
spread over the cases so that the total is about --events. Cases whose arrest made no test lawful take no more
events (any test would break the rules). The cohort figures are therefore those of the generated cases, apart
from the padded events themselves; the padding makes the work of loading and counting events that of a full year.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pathways.actors import command_line_actor  # noqa: E402
from pathways.demo import synthetic_dataset  # noqa: E402
from pathways.interchange.importer import import_rows  # noqa: E402
from pathways.interchange.reader import Dataset  # noqa: E402
from pathways.store import Store, open_store  # noqa: E402
from reports.cohort import CohortAnswer, CohortQuestion, cohort_figures  # noqa: E402
from reports.cohort_pdf import write_cohort_pdf  # noqa: E402
from reports.disclosure import publish  # noqa: E402
from reports.table_export import write_tables_csv, write_tables_xlsx  # noqa: E402

TODAY = date(2026, 1, 1)  # the generator's "today": cases start in the year before it, 2025
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
CASES_PER_PERSON = 1.31  # the generator's mean (pathways.demo.CASES_PER_PERSON)
PDF_TARGET_S = 3.0
RESCHEDULES = 2
Events = list[dict[str, str]]


def _seconds_later(stamp: str, seconds: int) -> str:
    return (datetime.fromisoformat(stamp) + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def _insert_after(rows: Events, index: int, extra: Events) -> None:
    rows[index + 1 : index + 1] = extra


def _reschedules(rows: Events, cutoff: datetime) -> None:
    """Up to RESCHEDULES rearranged initial appointments, seconds after the first initial requirement."""
    first = next(
        (i for i, r in enumerate(rows) if r["event"] == "assessment_required" and r["kind"] == "initial"), None
    )
    if first is None:
        return
    # the follow-up is required at the same minute, just after: keep it there, and add ours after both
    anchor = max(i for i, r in enumerate(rows) if r["occurred_at"] == rows[first]["occurred_at"])
    extra = []
    for n in range(1, RESCHEDULES + 1):
        at = _seconds_later(rows[first]["occurred_at"], n)
        if datetime.fromisoformat(at) >= cutoff:
            break
        extra.append({**rows[first], "occurred_at": at, "reason": "rearranged at the service's request", "notes": ""})
    _insert_after(rows, anchor, extra)


def _repeat_samples(rows: Events, count: int, cutoff: datetime) -> int:
    """`count` (at most 59) no-sample tests, seconds after the first test; how many were added."""
    first = next((i for i, r in enumerate(rows) if r["event"] == "test"), None)
    if first is None or count <= 0:
        return 0
    extra = []
    for n in range(1, min(count, 59) + 1):
        at = _seconds_later(rows[first]["occurred_at"], n)
        if datetime.fromisoformat(at) >= cutoff:
            break
        extra.append({**rows[first], "occurred_at": at, "result": "no_sample", "substances": "", "notes": ""})
    _insert_after(rows, first, extra)
    return len(extra)


def pad_events(events: Events, target: int, seed: int) -> Events:
    """The generated events with rearranged appointments and repeat samples added, to about `target` in all."""
    cutoff = datetime.combine(TODAY, datetime.min.time())
    cases: dict[str, Events] = defaultdict(list)
    for row in events:  # the generator writes each case's rows together, in time order
        cases[row["case_ref"]].append(row)
    for rows in cases.values():
        _reschedules(rows, cutoff)
    total = sum(len(rows) for rows in cases.values())
    tested = [rows for rows in cases.values() if any(r["event"] == "test" for r in rows)]
    share = max(0, target - total) / max(1, len(tested))
    rng = random.Random(seed)
    for rows in tested:
        _repeat_samples(rows, int(share) + (rng.random() < share - int(share)), cutoff)
    return [row for rows in cases.values() for row in rows]


def build(path: Path, cases: int, events: int) -> tuple[Store, str]:
    """The database at `path`, made first if it is not there (into a temporary file, renamed when complete)."""
    if path.exists():
        started = time.perf_counter()
        store = open_store(f"sqlite:///{path}")  # the first time after an upgrade, this fills the case-figures index
        took = time.perf_counter() - started
        return store, f"database {path} already built (delete it to build again); opened in {took:.1f} s"
    started = time.perf_counter()
    data = synthetic_dataset(round(cases / CASES_PER_PERSON), seed=11, today=TODAY, years=1, pathways=("dtoa",))
    padded = pad_events(data.events, events, seed=11)
    made = time.perf_counter() - started
    dataset = Dataset.of_records(data.people, padded)
    partial = path.with_name(path.name + ".building")
    partial.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{partial}")
    started = time.perf_counter()
    report = import_rows(store, actor=command_line_actor(), dataset=dataset)
    took = time.perf_counter() - started
    store.engine.dispose()
    if not report.written:
        raise SystemExit("The generated data was refused: " + "; ".join(p.describe() for p in report.errors[:3]))
    partial.rename(path)
    rows = len(data.people) + len(padded)
    note = (
        f"generated and padded in {made:.1f} s; imported {len(data.people):,} people, {report.cases_added:,} cases, "
        f"{len(padded):,} events in {took:.1f} s ({rows / took:,.0f} rows/s)"
    )
    return open_store(f"sqlite:///{path}"), note


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and worst of `repeat` runs, in seconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), max(samples)


def cli_seconds(database: Path, output: Path) -> float:
    """`main.py report cohort --format pdf` in a fresh process: start-up, figures and PDF, as a user runs it."""
    start, end = YEAR
    command = [sys.executable, str(ROOT / "main.py"), "--database-url", f"sqlite:///{database}", "report", "cohort"]
    command += ["--pathway", "dtoa", "--from", str(start), "--to", str(end), "--format", "pdf", "--output", str(output)]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=20_000, help="about how many cases the year holds")
    parser.add_argument("--events", type=int, default=200_000, help="about how many events in all")
    parser.add_argument("--database", type=Path, default=Path("/tmp/pathways-cohort-bench.sqlite"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    store, built = build(args.database, args.cases, args.events)
    print(built)
    with store.engine.connect() as connection:
        counts = [
            connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in ("people", "cases", "events")
        ]
    print(f"database: {counts[0]:,} people, {counts[1]:,} cases, {counts[2]:,} events")
    actor = command_line_actor()
    question = CohortQuestion("dtoa", *YEAR)
    answers: list[CohortAnswer] = []

    def figures() -> None:
        answer = cohort_figures(store, actor=actor, question=question)
        json.dumps(answer.as_json(), ensure_ascii=False)
        answers.append(answer)

    figures_s = timed(figures, args.repeat)
    answer = answers[-1]
    f = answer.figures
    print(
        f"cohort {YEAR[0]} to {YEAR[1]}: {f['cases']:,} cases, {f['tests']:,} completed tests; data version "
        f"{answer.data_version}; {len(answer.tables)} tables"
    )
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        pdf_s = timed(lambda: write_cohort_pdf(out / "cohort.pdf", answer), args.repeat)
        pdf_pub_s = timed(lambda: write_cohort_pdf(out / "public.pdf", answer, publication=True), args.repeat)
        publish_s = timed(lambda: [publish(table) for table in answer.tables], args.repeat)
        csv_s = timed(lambda: write_tables_csv(out / "cohort.csv", answer.tables), args.repeat)
        xlsx_s = timed(
            lambda: write_tables_xlsx(out / "cohort.xlsx", answer.tables, title="DToA cohort", footer="bench"),
            args.repeat,
        )
        cli_s = statistics.median(cli_seconds(args.database, out / "cli.pdf") for _ in range(args.repeat))
        sizes = {name: (out / name).stat().st_size for name in ("cohort.pdf", "cohort.csv", "cohort.xlsx")}
    total = figures_s[0] + pdf_s[0]
    rows = [
        ("cohort figures + tables + JSON (cohort_figures)", figures_s, ""),
        ("PDF layout and write (write_cohort_pdf)", pdf_s, f"{sizes['cohort.pdf'] / 1024:,.0f} KiB"),
        ("PDF for publication (publication=True)", pdf_pub_s, ""),
        ("disclosure control of every table (publish)", publish_s, ""),
        ("CSV (write_tables_csv)", csv_s, f"{sizes['cohort.csv'] / 1024:,.0f} KiB"),
        ("XLSX (write_tables_xlsx)", xlsx_s, f"{sizes['cohort.xlsx'] / 1024:,.0f} KiB"),
    ]
    print(f"\n{'step (seconds: median / worst of ' + str(args.repeat) + ')':52} {'time':>15}   note")
    for name, (median, worst), note in rows:
        print(f"{name:52} {median:7.3f} / {worst:5.3f}   {note}")
    verdict = "met" if total < PDF_TARGET_S else "NOT met"
    print(f"{'PDF report: figures + PDF':52} {total:7.3f}           target: PDF under 3 s: {verdict}")
    print(f"{'main.py report cohort --format pdf (fresh process)':52} {cli_s:7.3f}           (median)")
    store.engine.dispose()


if __name__ == "__main__":
    main()
