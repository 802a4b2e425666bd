"""The measured work of the force-scale benchmark, done by the app or by the thinnest baseline (bench/scale.py).

    .venv/bin/python bench/scale_work.py --side app|baseline --part reads|cohort|export --database PATH

Each run is a process of its own, so its peak memory is that of the work alone; it prints one JSON object:
timings (milliseconds for each sample, or seconds) and the peak resident memory. Both sides do the same work on
the same database with the same samples:
- reads: search as you type (every prefix of 40 surnames: the ids with the first screenful of 40 rows), opening
  200 person records, a week of appointments for one service, the overdue list of that service; the app's reads
  also open the 200 records the baseline's way, in turn with its own (paired_ms), as timings taken in two
  processes minutes apart drift by more than the difference measured;
- cohort: the DToA cohort of one calendar year as JSON, and as a PDF (figures and layout);
- export: that cohort's people and events written as CSV files.
The app side calls the services a screen or command calls (with their checks of the user's role and scope and,
for a person's record, the audit of the view). The baseline side is hand-written SQL through sqlite3: the same
word-index search within the worker's scope (the words that begin as typed, then those that sound alike) and
the first screenful's rows; for a record, the worker's account and the person with their scope, then their
cases in scope, the events and the corrections of their details, in a transaction that seals the view onto the
audit chain (the bare reads are also timed, as record_read_ms); one query for each worklist within the worker's
scope; a few GROUP BY counts for the cohort (and a one-page ReportLab canvas for its PDF); a plain SELECT written with
csv.writer for the export.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pathways.identity import soundex  # noqa: E402  (the same sound code as the app's word index)

SERVICE = "Inclusion Hampshire"  # the treatment worker's service whose worklists are read
WORKER = "bench.worker"  # the treatment worker's user name
COHORT_PATHWAY = "dtoa"
SURNAMES = 40
RECORDS = 200
WEEK_REPEAT = 20
OVERDUE_REPEAT = 5
LONDON = ZoneInfo("Europe/London")
SQLITE_MOMENT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy keeps a (UTC) datetime in SQLite
Samples = list[float]
T = TypeVar("T")


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def samples_ms(action: Callable[[], object], repeat: int) -> Samples:
    taken = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        taken.append((time.perf_counter() - started) * 1000)
    return taken


def each_ms(action: Callable[[T], object], items: Sequence[T]) -> Samples:
    """Milliseconds taken by `action` on each item."""
    taken = []
    for item in items:
        started = time.perf_counter()
        action(item)
        taken.append((time.perf_counter() - started) * 1000)
    return taken


def paired_ms(
    first: Callable[[T], object], second: Callable[[T], object], items: Sequence[T]
) -> tuple[Samples, Samples]:
    """Milliseconds taken by `first` and by `second` on each item, the two in turn (which goes first alternates), so
    that both meet the same state of the machine and of its disk."""
    taken: tuple[Samples, Samples] = ([], [])
    for index, item in enumerate(items):
        pair = ((0, first), (1, second)) if index % 2 == 0 else ((1, second), (0, first))
        for side, action in pair:
            started = time.perf_counter()
            action(item)
            taken[side].append((time.perf_counter() - started) * 1000)
    return taken


def typed_prefixes(database: Path) -> tuple[list[str], list[int]]:
    """What is typed (each prefix of 40 surnames, from 2 letters to the name and a space) and 200 people's ids.

    Drawn the same way on both sides, from the database itself, so both do the same searches and open the same
    records. The records are of people the treatment worker may see (a case referred to their service), as a
    worker opens only those (pathways/scope.py).
    """
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        surnames = sorted(row[0] for row in connection.execute("SELECT DISTINCT surname FROM people"))
        theirs = [
            row[0]
            for row in connection.execute(
                "SELECT DISTINCT c.person_id FROM cases c JOIN events e ON e.case_id = c.id WHERE e.service = ? "
                "ORDER BY c.person_id",
                (SERVICE,),
            )
        ]
    finally:
        connection.close()
    rng = random.Random(3)
    names = [f"{s} " for s in rng.sample(surnames, min(SURNAMES, len(surnames)))]
    typed = [name[:end] for name in names for end in range(2, len(name) + 1)]
    return typed, rng.sample(theirs, min(RECORDS, len(theirs)))


def cohort_year(today: date) -> tuple[date, date]:
    """The last whole calendar year before the database was built (the data cover the two years before)."""
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


# --- The app ---------------------------------------------------------------------------------------------


def app_reads(database: Path) -> dict[str, Any]:
    from pathways.actors import Actor, Role
    from pathways.clock import local_date
    from pathways.services.records import person_record
    from pathways.services.search import FIRST_ROWS, find_people
    from pathways.services.worklists import appointments_between, overdue_requirements
    from pathways.store import open_store

    typed, ids = typed_prefixes(database)
    store = open_store(f"sqlite:///{database}")
    worker = Actor(WORKER, Role.TREATMENT_WORKER, "bench", service=SERVICE)
    today = local_date(store.clock())

    def keystroke(text: str) -> None:
        find_people(store, actor=worker, text=text, rows=FIRST_ROWS)

    def week() -> object:
        last = today + timedelta(days=6)
        return appointments_between(store, actor=worker, first_day=today, last_day=last, service=SERVICE)

    def overdue() -> object:
        return overdue_requirements(store, actor=worker, service=SERVICE)

    result = {
        "search_ms": each_ms(keystroke, typed),
        "week_ms": samples_ms(week, WEEK_REPEAT),
        "overdue_ms": samples_ms(overdue, OVERDUE_REPEAT),
        "week_rows": len(
            appointments_between(
                store, actor=worker, first_day=today, last_day=today + timedelta(days=6), service=SERVICE
            )
        ),
        "overdue_rows": len(overdue_requirements(store, actor=worker, service=SERVICE)),
    }
    with audited_record_opener(database) as baseline_record:  # the two in turn: see paired_ms
        result["record_ms"], result["baseline_record_ms"] = paired_ms(
            lambda i: person_record(store, actor=worker, person_id=i), baseline_record, ids
        )
    store.engine.dispose()
    return result


def app_cohort(database: Path, today: date, repeat: int) -> dict[str, Any]:
    from pathways.actors import Actor, Role
    from pathways.store import open_store
    from reports.cohort import CohortQuestion, cohort_figures
    from reports.cohort_pdf import write_cohort_pdf

    store = open_store(f"sqlite:///{database}")
    manager = Actor("bench.manager", Role.MANAGER, "bench")
    question = CohortQuestion(COHORT_PATHWAY, *cohort_year(today))
    json_s: Samples = []
    pdf_s: Samples = []
    cases = 0
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            started = time.perf_counter()
            answer = cohort_figures(store, actor=manager, question=question)
            json.dumps(answer.as_json(), ensure_ascii=False)
            json_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            answer = cohort_figures(store, actor=manager, question=question)
            write_cohort_pdf(Path(folder) / "cohort.pdf", answer)
            pdf_s.append(time.perf_counter() - started)
            figure = answer.figures["cases"]
            cases = figure if isinstance(figure, int) else 0
    store.engine.dispose()
    return {"cohort_json_s": json_s, "cohort_pdf_s": pdf_s, "cohort_cases": cases}


def app_export(database: Path, today: date, repeat: int) -> dict[str, Any]:
    from pathways.actors import Actor, Role
    from pathways.consent import SharingRequest
    from pathways.interchange.exporter import ExportFilter, export_dataset
    from pathways.store import open_store

    store = open_store(f"sqlite:///{database}")
    manager = Actor("bench.manager", Role.MANAGER, "bench")
    start, end = cohort_year(today)
    selection = ExportFilter(pathway=COHORT_PATHWAY, start=start, end=end)
    taken: Samples = []
    events = 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            result = export_dataset(
                store,
                actor=manager,
                folder=Path(folder),
                selection=selection,
                sharing=SharingRequest("own_records", "record_keeping"),
            )
            taken.append(time.perf_counter() - started)
            events = result.events
    store.engine.dispose()
    return {"export_s": taken, "export_events": events}


# --- The baseline: sqlite3 and hand-written SQL ----------------------------------------------------------


def _connect(database: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{database}?mode=ro", uri=True)


def _stored(day: date) -> str:
    """The start of a local day as SQLite holds a moment (UTC text)."""
    moment = datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)
    return moment.strftime(SQLITE_MOMENT)


def _sounds(word: str) -> bool:
    """Whether the search also finds names that sound like `word` (SOUNDS_FROM of pathways/services/search.py)."""
    return len(word) >= 4 and bool(soundex(word))


# The treatment worker's scope (pathways/scope.py): a case they opened or with an event of their service; a case
# of the person's in scope, or no case and the person registered by them. Its parameters: SCOPE_PARAMETERS.
CASE_IN_SCOPE = "(c.opened_by = ? OR EXISTS (SELECT 1 FROM events e WHERE e.case_id = c.id AND e.service = ?))"
PERSON_IN_SCOPE = (
    f"(EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id AND {CASE_IN_SCOPE}) "
    "OR NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id) AND p.created_by = ?)"
)
IN_SCOPE = f" AND {PERSON_IN_SCOPE}"
SCOPE_PARAMETERS = (WORKER, SERVICE, WORKER)


def _begins(word: str) -> tuple[str, str]:
    """The range of the word index holding the words that begin with `word`."""
    return word, word[:-1] + chr(ord(word[-1]) + 1)


def baseline_reads(database: Path) -> dict[str, Any]:
    typed, ids = typed_prefixes(database)
    connection = _connect(database)
    today = datetime.now(LONDON).date()

    def keystroke(text: str) -> None:
        """The app's search by hand (pathways/services/search.py): the longest word typed read through the word
        index in order (the words beginning with it, then, from 4 letters and while fewer than 200 are found,
        those that sound like it), each other word checked against the person's own words (begins with it or,
        from 4 letters, sounds like it), the person in the worker's scope (a case with an event naming their
        service); then the first screenful's rows, each with the latest case in the worker's scope."""
        words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
        if not words:
            return
        driver = max(words, key=len)
        others = list(words)
        others.remove(driver)
        other = "".join(
            " AND EXISTS (SELECT 1 FROM person_words o WHERE o.person_id = p.id AND "
            + ("(o.word >= ? AND o.word < ? OR o.sound = ?))" if _sounds(w) else "o.word >= ? AND o.word < ?)")
            for w in others
        )
        other_bounds = [bound for w in others for bound in (*_begins(w), *([soundex(w)] if _sounds(w) else []))]
        found: dict[int, None] = {}
        for (person_id,) in connection.execute(
            "SELECT w.person_id FROM person_words w JOIN people p ON p.id = w.person_id "
            f"WHERE w.word >= ? AND w.word < ?{other}{IN_SCOPE} ORDER BY w.word LIMIT 200",
            (*_begins(driver), *other_bounds, *SCOPE_PARAMETERS),
        ):
            found.setdefault(person_id)
        if _sounds(driver) and len(found) < 200:
            for (person_id,) in connection.execute(
                "SELECT w.person_id FROM person_words w JOIN people p ON p.id = w.person_id "
                f"WHERE w.sound = ? AND NOT (w.word >= ? AND w.word < ?){other}{IN_SCOPE} LIMIT ?",
                (soundex(driver), *_begins(driver), *other_bounds, *SCOPE_PARAMETERS, 200 - len(found)),
            ):
                found.setdefault(person_id)
        first = list(found)[:40]  # FIRST_ROWS of pathways/services/search.py
        marks = ", ".join("?" * len(first))
        connection.execute(
            "SELECT p.id, p.surname, p.forenames, p.date_of_birth, p.pnc_id, p.postcode, c.case_ref, c.pathway, "
            "c.stage FROM people p LEFT JOIN (SELECT c.person_id, max(c.id) AS case_id FROM cases c "
            f"WHERE c.person_id IN ({marks}) AND {CASE_IN_SCOPE} GROUP BY c.person_id) latest "
            f"ON latest.person_id = p.id LEFT JOIN cases c ON c.id = latest.case_id WHERE p.id IN ({marks})",
            (*first, WORKER, SERVICE, *first),
        ).fetchall()

    def deadlines(start: str | None, end: str) -> int:
        since = "AND d.due_at >= ? " if start else ""
        return len(
            connection.execute(
                "SELECT d.*, c.case_ref FROM open_deadlines d JOIN cases c ON c.id = d.case_id "
                f"WHERE d.service = ? AND d.due_at < ? {since}AND {CASE_IN_SCOPE} ORDER BY d.due_at, c.case_ref",
                (SERVICE, end, *((start,) if start else ()), WORKER, SERVICE),
            ).fetchall()
        )

    week_start, week_end = _stored(today), _stored(today + timedelta(days=7))
    now = datetime.now(UTC).strftime(SQLITE_MOMENT)
    result = {
        "search_ms": each_ms(keystroke, typed),
        "record_read_ms": each_ms(lambda i: _read_record(connection, i), ids),
        "week_ms": samples_ms(lambda: deadlines(week_start, week_end), WEEK_REPEAT),
        "overdue_ms": samples_ms(lambda: deadlines(None, now), OVERDUE_REPEAT),
        "week_rows": deadlines(week_start, week_end),
        "overdue_rows": deadlines(None, now),
    }
    connection.close()
    return result


def _read_record(connection: sqlite3.Connection, person_id: int) -> None:
    """What the app reads to show a record: the worker's account (still active? may read notes?), the person and
    whether they are in the worker's scope, their cases in that scope, the cases' events and the corrections of
    the person's details."""
    connection.execute("SELECT active, may_read_notes FROM users WHERE username = ?", (WORKER,)).fetchone()
    connection.execute(
        f"SELECT p.*, {PERSON_IN_SCOPE} FROM people p WHERE p.id = ?", (*SCOPE_PARAMETERS, person_id)
    ).fetchone()
    cases = connection.execute(
        f"SELECT * FROM cases c WHERE c.person_id = ? AND {CASE_IN_SCOPE} ORDER BY c.first_event_at DESC",
        (person_id, WORKER, SERVICE),
    ).fetchall()
    marks = ", ".join("?" * len(cases))
    connection.execute(
        f"SELECT * FROM events WHERE case_id IN ({marks}) ORDER BY case_id, seq", [c[0] for c in cases]
    ).fetchall()
    connection.execute("SELECT * FROM person_changes WHERE person_id = ? ORDER BY changed_at", (person_id,)).fetchall()


@contextmanager
def audited_record_opener(database: Path) -> Iterator[Callable[[int], None]]:
    """The baseline's opening of a record as the app does it: the same reads, in a transaction that also seals the
    view onto the audit chain (pathways/audit_chain.py: the end of the chain read under the write lock, the entry's
    HMAC, the entry and the new end written) and commits it with the app's settings (WAL, synchronous FULL)."""
    from pathways.audit_chain import HEAD_SETTING, ChainHead, mac_of
    from pathways.audit_key import read_key

    key = read_key()
    if key is None:
        raise SystemExit("no audit key: set PATHWAYS_AUDIT_KEY_FILE to the key of the database")
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA busy_timeout=30000")

    def record(person_id: int) -> None:
        connection.execute("BEGIN IMMEDIATE")
        _read_record(connection, person_id)
        value, last_seq = connection.execute(
            "SELECT value, (SELECT max(seq) FROM audit_log) FROM settings WHERE key = ?", (HEAD_SETTING,)
        ).fetchone()
        head = ChainHead.parse(value)
        if head is None or not head.sealed_by(key) or (last_seq is not None and last_seq > head.seq):
            raise SystemExit("the audit chain's end does not match the key")
        at, seq = datetime.now(UTC), head.seq + 1
        entry = (WORKER, "treatment_worker", "bench", "view_person", "ok", "person", person_id, None)
        mac = mac_of(
            key,
            seq=seq,
            at=at,
            actor=WORKER,
            role="treatment_worker",
            workstation="bench",
            action="view_person",
            outcome="ok",
            record_type="person",
            record_id=person_id,
            detail=None,
            prev_mac=head.mac,
        )
        connection.execute(
            "INSERT INTO audit_log (at, actor, role, workstation, action, outcome, record_type, record_id, detail, "
            "seq, prev_mac, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (at.replace(tzinfo=None).strftime(SQLITE_MOMENT), *entry, seq, head.mac, mac),
        )
        new_head = ChainHead.sealed(key, seq, mac).to_json()
        connection.execute("UPDATE settings SET value = ? WHERE key = ?", (new_head, HEAD_SETTING))
        connection.execute("COMMIT")

    try:
        yield record
    finally:
        connection.close()


def _baseline_counts(connection: sqlite3.Connection, today: date) -> dict[str, Any]:
    """The cohort counted by hand: cases and people, cases and events by step and result, by month and site."""
    start, end = cohort_year(today)
    cohort = "c.pathway = ? AND c.first_event_at >= ? AND c.first_event_at < ?"
    bounds = (COHORT_PATHWAY, _stored(start), _stored(end + timedelta(days=1)))
    cases, people = connection.execute(
        f"SELECT count(*), count(DISTINCT c.person_id) FROM cases c WHERE {cohort}", bounds
    ).fetchone()
    steps = connection.execute(
        "SELECT e.name, coalesce(e.result, ''), count(DISTINCT e.case_id), count(*) FROM events e "
        f"JOIN cases c ON c.id = e.case_id WHERE {cohort} GROUP BY e.name, e.result",
        bounds,
    ).fetchall()
    months = connection.execute(
        f"SELECT substr(c.first_event_at, 1, 7), count(*) FROM cases c WHERE {cohort} GROUP BY 1", bounds
    ).fetchall()
    sites = connection.execute(
        f"SELECT coalesce(c.first_site, ''), count(*) FROM cases c WHERE {cohort} GROUP BY 1", bounds
    ).fetchall()
    return {
        "cases": cases,
        "people": people,
        "steps": [list(row) for row in steps],
        "months": [list(row) for row in months],
        "sites": [list(row) for row in sites],
    }


def baseline_cohort(database: Path, today: date, repeat: int) -> dict[str, Any]:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    connection = _connect(database)
    json_s: Samples = []
    pdf_s: Samples = []
    cases = 0
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            started = time.perf_counter()
            json.dumps(_baseline_counts(connection, today))
            json_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            counts = _baseline_counts(connection, today)
            page = canvas.Canvas(str(Path(folder) / "cohort.pdf"), pagesize=A4)
            lines = [f"Cases {counts['cases']}, people {counts['people']}"]
            lines += [" ".join(str(v) for v in row) for row in counts["steps"] + counts["months"] + counts["sites"]]
            for n, line in enumerate(lines[:60]):
                page.drawString(40, 800 - 12 * n, line)
            page.save()
            pdf_s.append(time.perf_counter() - started)
            cases = counts["cases"]
    connection.close()
    return {"cohort_json_s": json_s, "cohort_pdf_s": pdf_s, "cohort_cases": cases}


def _rows(cursor: sqlite3.Cursor) -> Iterator[tuple[Any, ...]]:
    while chunk := cursor.fetchmany(10_000):
        yield from chunk


def baseline_export(database: Path, today: date, repeat: int) -> dict[str, Any]:
    connection = _connect(database)
    start, end = cohort_year(today)
    bounds = (COHORT_PATHWAY, _stored(start), _stored(end + timedelta(days=1)))
    cohort = "c.pathway = ? AND c.first_event_at >= ? AND c.first_event_at < ?"
    taken: Samples = []
    events = 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            with (Path(folder) / "people.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["person_ref", "surname", "forenames", "date_of_birth", "sex", "ethnicity"])
                writer.writerows(
                    _rows(
                        connection.execute(
                            "SELECT p.person_ref, p.surname, p.forenames, p.date_of_birth, p.sex, p.ethnicity "
                            f"FROM people p WHERE p.id IN (SELECT c.person_id FROM cases c WHERE {cohort}) "
                            "ORDER BY p.person_ref",
                            bounds,
                        )
                    )
                )
            with (Path(folder) / "events.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                columns = "site, service, offence, basis, result, substances, kind, due_at, reason, conditions, notes"
                writer.writerow(["person_ref", "case_ref", "pathway", "event", "occurred_at", *columns.split(", ")])
                cursor = connection.execute(
                    "SELECT p.person_ref, c.case_ref, c.pathway, e.name, e.occurred_at, "
                    + ", ".join(f"e.{name}" for name in columns.split(", "))
                    + f" FROM events e JOIN cases c ON c.id = e.case_id JOIN people p ON p.id = c.person_id "
                    f"WHERE {cohort} ORDER BY c.id, e.seq",
                    bounds,
                )
                events = 0
                for row in _rows(cursor):
                    writer.writerow(row)
                    events += 1
            taken.append(time.perf_counter() - started)
    connection.close()
    return {"export_s": taken, "export_events": events}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--side", choices=("app", "baseline"), required=True)
    parser.add_argument("--part", choices=("reads", "cohort", "export"), required=True)
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--today", type=date.fromisoformat, required=True, help="the day the database was built")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.part == "reads":
        result = app_reads(args.database) if args.side == "app" else baseline_reads(args.database)
    elif args.part == "cohort":
        work = app_cohort if args.side == "app" else baseline_cohort
        result = work(args.database, args.today, args.repeat)
    else:
        work = app_export if args.side == "app" else baseline_export
        result = work(args.database, args.today, args.repeat)
    result["peak_mb"] = peak_memory_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
