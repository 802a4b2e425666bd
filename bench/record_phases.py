"""Where the time of opening a person's record goes, phase by phase (bench/scale.py times only the whole).

    PATHWAYS_AUDIT_KEY_FILE=/tmp/pathways-scale/audit.key \\
        .venv/bin/python bench/record_phases.py --database /tmp/pathways-scale/people-100000.sqlite

Opens the records of 200 people a treatment worker may see (after 20 to warm up), as bench/scale_work.py does, and
prints the median milliseconds of the whole and of each phase of `person_record`: its one unit of work, and within
it the account and scope checks with the reads (and within those each case's summary), the audit entry and the
commit. Each phase is timed by wrapping the function `person_record` calls (this script's own process
only). Each view is written to the database's audit log, as in the app.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from db import uow  # noqa: E402
from pathways.actors import Actor, Role  # noqa: E402
from pathways.services import records  # noqa: E402
from pathways.store import open_store  # noqa: E402

SERVICE = "Inclusion Hampshire"
PHASES = {  # the names person_record calls, and what each is
    "reading": "the unit of work: check, read, audit the view, commit",
    "_read_record": "  the account and scope checks and the reads, with the summaries",
    "_summary": "    each case's summary (stage, eligibility, deadlines, timeline)",
    "write_audit": "  the audit entry sealed onto the chain",
}
COMMIT = "  the commit (flush and fsync)"


def timed(function: Callable[..., Any], taken: list[float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            taken.append((time.perf_counter() - started) * 1000)

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--records", type=int, default=200)
    args = parser.parse_args()
    connection = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
    ids = [
        row[0]
        for row in connection.execute(
            "SELECT DISTINCT c.person_id FROM cases c JOIN events e ON e.case_id = c.id WHERE e.service = ? "
            "ORDER BY c.person_id LIMIT ?",
            (SERVICE, args.records + 20),
        )
    ]
    connection.close()
    store = open_store(f"sqlite:///{args.database}")
    worker = Actor("bench.worker", Role.TREATMENT_WORKER, "bench", service=SERVICE)
    taken: dict[str, list[float]] = {name: [] for name in [*PHASES, "commit"]}
    for name in PHASES:
        setattr(records, name, timed(getattr(records, name), taken[name]))
    uow.UnitOfWork.commit = timed(uow.UnitOfWork.commit, taken["commit"])  # type: ignore[method-assign]
    for person_id in ids[:20]:
        records.person_record(store, actor=worker, person_id=person_id)
    for samples in taken.values():
        samples.clear()
    whole: list[float] = []
    for person_id in ids[20:]:
        started = time.perf_counter()
        records.person_record(store, actor=worker, person_id=person_id)
        whole.append((time.perf_counter() - started) * 1000)
    opened = len(whole)
    print(f"{opened} records opened at {args.database.name}; median ms (calls a record)")
    print(f"{'the whole of person_record':<66} {statistics.median(whole):6.2f}")
    for name, about in [*PHASES.items(), ("commit", COMMIT)]:
        samples = taken[name]
        print(f"{about:<66} {statistics.median(samples):6.2f} ({len(samples) / opened:.2f})")
    store.engine.dispose()


if __name__ == "__main__":
    main()
