"""Does an import's cost grow with the database? One batch of new people imported into a copy of a built one.

    .venv/bin/python bench/import_growth.py --database /tmp/pathways-scale/people-500000.sqlite
                                            [--work /tmp/perf-work] [--people 25000] [--dry-run] [--profile PATH]

Copies the database (built by bench/scale.py; never changed) into the work folder, makes `people` new demo
people with their cases (another seed; their references start NEW- so that none is already held, and so each is
checked against the people held, as a real load would be), imports them with import_rows in one batch (every
check, the derived tables, one transaction), and prints one JSON object: rows, seconds, rows a second, the
possible duplicates warned about, the names not on the reference lists, and the peak memory. The copy is deleted
afterwards. With --dry-run, everything is checked and nothing written (what the checks alone cost). With --profile,
the import runs under cProfile and the statistics are written to PATH (read them with `python -m pstats PATH`).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import shutil
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_build import peak_memory_mb  # noqa: E402

from pathways.actors import command_line_actor  # noqa: E402
from pathways.audit_key import KEY_ENV  # noqa: E402
from pathways.demo import synthetic_batches  # noqa: E402
from pathways.interchange.importer import ImportReport, import_rows  # noqa: E402
from pathways.interchange.reader import Dataset  # noqa: E402
from pathways.store import open_store  # noqa: E402

SEED = 11  # not scale_build's 7: other people than those already held
PREFIX = "NEW-"


def new_people(people: int, today: date) -> Dataset:
    """`people` demo people and their events, with references no built database holds."""
    data = next(synthetic_batches(people, size=people, seed=SEED, today=today))
    for row in data.people:
        row["person_ref"] = PREFIX + row["person_ref"]
    for row in data.events:
        row["person_ref"] = PREFIX + row["person_ref"]
        row["case_ref"] = PREFIX + row["case_ref"]
    return Dataset.of_records(data.people, data.events)  # the rows as a file's are read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", type=Path, required=True, help="a database built by bench/scale.py")
    parser.add_argument("--work", type=Path, default=Path("/tmp/perf-work"), help="where the copy is made")
    parser.add_argument("--people", type=int, default=25_000)
    parser.add_argument("--profile", type=Path, help="write cProfile statistics of the import here")
    parser.add_argument(
        "--dry-run", action="store_true", help="check everything, write nothing: what the checks alone cost"
    )
    args = parser.parse_args()
    os.environ.setdefault(KEY_ENV, str(args.database.parent / "audit.key"))
    summary = json.loads(args.database.with_suffix(".json").read_text(encoding="utf-8"))
    dataset = new_people(args.people, date.fromisoformat(summary["today"]))
    args.work.mkdir(parents=True, exist_ok=True)
    copy = args.work / f"{args.database.stem}-{os.getpid()}.sqlite"
    shutil.copyfile(args.database, copy)
    try:
        store = open_store(f"sqlite:///{copy}")
        actor = command_line_actor()
        load_before = os.getloadavg()[0]
        profiler = cProfile.Profile() if args.profile else None
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        report: ImportReport = import_rows(store, actor=actor, dataset=dataset, dry_run=args.dry_run)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        store.engine.dispose()
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
    if report.errors or not (report.written or args.dry_run):
        problems = "; ".join(p.describe() for p in report.errors[:5])
        raise SystemExit(f"The import refused the new people ({len(report.errors)} problems): {problems}")
    rows = len(dataset.people) + len(dataset.events)
    result: dict[str, Any] = {
        "database": str(args.database),
        "held_people": summary["people"],
        "new_people": len(dataset.people),
        "rows": rows,
        "seconds": took,
        "rows_per_s": rows / took,
        "cpu_s": cpu,  # the import's own processor time: steadier than `seconds` when other work shares the machine
        "rows_per_cpu_s": rows / cpu,
        "possible_duplicates": len(report.warnings),
        "unlisted_names": report.unlisted_count,  # sites, services, offences not on the reference lists
        "peak_mb": peak_memory_mb(),
        "load_average": [load_before, os.getloadavg()[0]],
        "profiled": bool(args.profile),
        "dry_run": args.dry_run,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
