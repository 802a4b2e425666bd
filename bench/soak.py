"""Many users at once, for minutes: ten scripted navigators and treatment workers and two desktop sessions (separate
processes) on the same few people and cases, then proof that no acknowledged save was lost or silently overwritten
(tests/faults/soak.py; tests/faults/test_soak.py runs the same for under a minute in CI).

    .venv/bin/python bench/soak.py [--minutes 5] [--postgres postgresql://USER:PASSWORD@HOST/postgres] [--keep DIR]

Runs on a new SQLite file, then (with --postgres, a URL of a user who may create databases) on a scratch database
made for the run and dropped afterwards. Prints a table: saves acknowledged, per second, stale-version refusals
("changed by X at T, reload"), transient errors the services met (serialisation failures, deadlocks, "database is
locked": retried, unless the save had already waited 5 s), times a user was told the database was busy (and tried
again), refusals by the pathway's rules, p95 save latency, and lost updates (must be 0), then any problem found.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pathways.audit_key import KEY_ENV  # noqa: E402
from tests.faults.soak import Figures, check_soak, run_soak  # noqa: E402
from tests.pg_server import scratch_database  # noqa: E402

COLUMNS = (
    ("backend", 10),
    ("minutes", 7),
    ("saves", 7),
    ("per s", 6),
    ("stale", 6),
    ("transient", 9),
    ("busy", 5),
    ("rules", 5),
    ("p95 ms", 7),
    ("lost", 5),
    ("checks", 7),
)


def soak(name: str, url: str, folder: Path, seconds: float) -> tuple[str, float, Figures]:
    print(f"{name}: seeding and starting 12 processes, then {seconds / 60:.1f} minutes of work…", flush=True)
    ran = run_soak(url, folder, seconds)
    figures = check_soak(ran)
    print(f"{name}: {figures.line()} (started in {ran.preparing:.0f} s)", flush=True)
    return name, seconds, figures


def row(name: str, seconds: float, f: Figures) -> str:
    values = (
        name,
        f"{seconds / 60:.1f}",
        str(f.writes),
        f"{f.per_second:.1f}",
        str(f.stale),
        str(f.transient),
        str(f.busy),
        str(f.refused),
        f"{f.p95_ms:.0f}",
        str(f.lost),
        "pass" if not f.problems else "FAIL",
    )
    return "  ".join(v.rjust(w) for v, (_, w) in zip(values, COLUMNS, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--postgres", help="a PostgreSQL URL of a user who may create databases")
    parser.add_argument("--keep", type=Path, help="keep the journals and the SQLite file in this folder")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="pathways-soak-"))
    os.environ.setdefault(KEY_ENV, str(folder / "audit.key"))  # the audit chain's key, away from the user's own
    seconds = args.minutes * 60
    results = []
    if not args.skip_sqlite:
        results.append(soak("sqlite", f"sqlite:///{folder / 'sqlite' / 'pathways.sqlite'}", folder / "sqlite", seconds))
    if args.postgres:
        with scratch_database(args.postgres) as url:
            results.append(soak("postgresql", url, folder / "postgresql", seconds))
    print()
    print("  ".join(name.rjust(width) for name, width in COLUMNS))
    for name, took, figures in results:
        print(row(name, took, figures))
    for name, _, figures in results:
        for problem in figures.problems:
            print(f"{name}: {problem[:2000]}")
    print(f"\n(journals in {folder}; {time.strftime('%Y-%m-%d %H:%M')})")
    sys.exit(1 if any(f.problems or f.lost for _, _, f in results) else 0)


if __name__ == "__main__":
    main()
