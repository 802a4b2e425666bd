"""The soak (tests/faults/test_soak.py, bench/soak.py): many users at once on one database for a while, then proof
that no acknowledged save was lost and none silently overwrote another.

`run_soak` seeds shared people and cases, starts the scripted writers (children/soak_writer.py) and the desktop
sessions (children/soak_gui.py) as separate processes, each with its own connection, and waits for them to end.
`check_soak` reads their journals (children/soak_journal.py) against the database and returns the figures and every
problem found: an acknowledged save missing or holding someone else's data, a case or person whose saves do not
follow one from another (versions, event numbers, the chain of corrections), a task marked done twice, a save in the
database that nobody was told of, and the fault tests' usual checks (SQLite's own, audit chain, case summaries).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.engine import sqlite_path
from db.models import AuditEntry, Event, Person, PersonChange, Task
from pathways.definitions import load_definitions
from pathways.store import open_store
from tests.faults.children.soak_journal import read_journal
from tests.faults.children.soak_seed import Shared, seed, write_shared
from tests.faults.consistency import cases_consistent, chain_verifies, reading, saves_whole, sqlite_sound

ROOT = Path(__file__).resolve().parents[2]
SHARED_PEOPLE = 12  # few enough that the users keep meeting on the same records
SEEDED_EVENTS = {"divert": 1, "dtoa": 3}  # per shared person: the referral; the arrest, test and requirement
STARTING = 180.0  # seconds all the processes may take to start (a busy machine starts twelve Pythons slowly)
ENDING = 120.0  # seconds after the soak's time is up that a process may take to finish its last save and quit


@dataclass(frozen=True)
class Process:
    name: str
    returncode: int
    stderr: str
    journal: list[dict[str, Any]]


@dataclass
class Soak:
    """What ran: the shared records, and how each process ended with what it journalled."""

    url: str
    seconds: float
    shared: list[Shared]
    processes: list[Process]
    preparing: float  # seconds to seed the shared records and start every process, before the soak began


@dataclass
class Figures:
    writes: int = 0
    per_second: float = 0.0
    stale: int = 0
    busy: int = 0
    refused: int = 0
    transient: int = 0  # every transient error the services met; retried, unless they gave up (then also `busy`)
    p95_ms: float = 0.0
    lost: int = 0  # acknowledged saves not in the database as acknowledged
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.writes} saves acknowledged ({self.per_second:.1f}/s), {self.stale} stale-version refusals "
            f"(reloaded and saved again), {self.transient} transient database errors met (lock timeouts, "
            f"serialisation failures, deadlocks), {self.busy} times told the database was busy (tried again), "
            f"{self.refused} refused by the rules, p95 save {self.p95_ms:.0f} ms, {self.lost} lost"
        )


def run_soak(url: str, folder: Path, seconds: float, *, writers: int = 10, desks: int = 2) -> Soak:
    """Seed the shared records and start `writers` scripted users and `desks` desktop sessions; once all are ready,
    let them work for `seconds`, all at once; wait for them to end."""
    folder.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    store = open_store(url)  # the tables made, before anyone else opens the database
    shared_file = folder / "shared.json"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(folder / "xdg"),  # the desktop sessions' drafts and logs, away from the tester's own
    }

    def start(module: str, args: list[str], errors: Path) -> subprocess.Popen[bytes]:
        with errors.open("wb") as stderr:  # the child has its own copy of the file
            command = [sys.executable, "-m", f"tests.faults.children.{module}", url, str(shared_file), *args]
            return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)

    launched = [start("soak_writer", [str(folder), "0", str(writers), str(seconds)], folder / "writers.stderr")]
    for n in range(desks):
        args = [str(folder / f"g{n}.jsonl"), str(n), str(seconds)]
        launched.append(start("soak_gui", args, folder / f"g{n}.stderr"))
    try:  # while they start (they read the shared records only once the soak begins)
        shared = seed(store, SHARED_PEOPLE)
    finally:
        store.engine.dispose()
    write_shared(shared_file, shared)
    names = [f"w{n}" for n in range(writers)] + [f"g{n}" for n in range(desks)]
    _begin(folder, [folder / f"{name}.jsonl" for name in names], launched)
    preparing = time.monotonic() - began
    give_up = time.monotonic() + seconds + ENDING
    codes = {}
    for process, name in zip(launched, ["writers", *names[writers:]], strict=True):
        try:
            codes[name] = process.wait(timeout=max(1.0, give_up - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            codes[name] = process.wait()
    ended = []
    for name in names:
        journal, errors, status = (folder / f"{name}{suffix}" for suffix in (".jsonl", ".stderr", ".status"))
        code = codes[name] if name in codes else int(status.read_text()) if status.exists() else -1
        text = errors.read_text(encoding="utf-8", errors="replace") if errors.exists() else ""
        ended.append(Process(name, code, text, read_journal(journal) if journal.exists() else []))
    if codes["writers"] != 0 and all(p.returncode == 0 for p in ended):
        text = (folder / "writers.stderr").read_text(encoding="utf-8", errors="replace")
        ended.append(Process("writers", codes["writers"], text, []))
    return Soak(url, seconds, shared, ended, preparing)


def _begin(folder: Path, journals: list[Path], processes: list[subprocess.Popen[bytes]]) -> None:
    """Once every process has started and opened the database (or one has already failed), tell them all to go."""
    give_up = time.monotonic() + STARTING
    while not all(j.with_suffix(".ready").exists() for j in journals):
        if time.monotonic() > give_up or any(p.poll() is not None for p in processes):
            break  # the processes that are ready start; the check reports the others
        time.sleep(0.05)
    (folder / "go").touch()


def check_soak(soak: Soak) -> Figures:
    """The figures of the soak and every problem found (none means nothing was lost or silently overwritten)."""
    figures = Figures()
    saves: list[tuple[str, dict[str, Any]]] = []
    latencies: list[float] = []
    for process in soak.processes:
        if process.returncode != 0 or "Traceback" in process.stderr:
            figures.problems.append(f"{process.name} ended with status {process.returncode}: {process.stderr[-2000:]}")
        saves += [(process.name, line) for line in process.journal if line["op"] != "tally"]
        tallies = [line for line in process.journal if line["op"] == "tally"]
        if len(tallies) != 1:
            figures.problems.append(f"{process.name} did not finish its journal")
            continue
        for name in ("writes", "stale", "busy", "refused", "transient"):
            setattr(figures, name, getattr(figures, name) + tallies[0][name])
        latencies += tallies[0]["latencies_ms"]
    figures.per_second = figures.writes / soak.seconds
    latencies.sort()
    figures.p95_ms = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else 0.0
    with reading(soak.url, load_definitions()) as store, store.unit_of_work() as uow:
        session = uow.session
        figures.lost = _events_kept(session, soak.shared, saves, figures.problems)
        figures.lost += _people_kept(session, soak.shared, saves, figures.problems)
        figures.lost += _tasks_kept(session, saves, figures.problems)
        for check in (saves_whole, chain_verifies, lambda s: cases_consistent(store, s)):
            try:
                check(session)
            except AssertionError as exc:
                figures.problems.append(f"{getattr(check, '__name__', 'cases_consistent')}: {exc}")
    path = sqlite_path(soak.url)
    if path is not None:
        try:
            sqlite_sound(path)
        except AssertionError as exc:
            figures.problems.append(f"SQLite's own checks: {exc}")
    return figures


def _events_kept(
    session: Session, shared: list[Shared], saves: list[tuple[str, dict[str, Any]]], out: list[str]
) -> int:
    """Every acknowledged event is held, on its case, with its writer's words, numbered as the version it was
    acknowledged with says; no two saves on a case were given the same version; and each case holds exactly the
    seeded events and the acknowledged ones, nothing more."""
    events = [line for _, line in saves if line["op"] == "event"]
    held = {
        row.id: row
        for offset in range(0, len(events), 500)
        for row in session.execute(
            select(Event.id, Event.case_id, Event.seq, Event.notes, Event.reason).where(
                Event.id.in_([e["event"] for e in events[offset : offset + 500]])
            )
        )
    }
    lost = 0
    for line in events:
        row = held.get(line["event"])
        words = (row.notes, row.reason) if row is not None else ()
        if row is None or row.case_id != line["case"] or not any(w and w.endswith(line["tag"]) for w in words):
            lost += 1
            out.append(f"acknowledged event lost or overwritten: {line} -> {row}")
        elif row.seq != line["version"] - 1:  # opened at version 1; each event moves it on by one
            out.append(f"event {row.id} is number {row.seq} but was acknowledged at case version {line['version']}")
    by_case: dict[int, Counter[int]] = defaultdict(Counter)
    for line in events:
        by_case[line["case"]][line["version"]] += 1
    for case_id, versions in by_case.items():
        twice = sorted(v for v, n in versions.items() if n > 1)
        if twice:
            out.append(f"case {case_id}: two saves acknowledged at the same version {twice}")
    seeded = Counter(
        {s.divert: SEEDED_EVENTS["divert"] for s in shared} | {s.dtoa: SEEDED_EVENTS["dtoa"] for s in shared}
    )
    expected = seeded + Counter(line["case"] for line in events)
    counted = Counter({c: n for c, n in session.execute(select(Event.case_id, func.count()).group_by(Event.case_id))})
    if counted != expected:
        differ = {c: (counted[c], expected[c]) for c in set(counted) | set(expected) if counted[c] != expected[c]}
        out.append(f"events held / acknowledged differ on cases: {differ}")
    return lost


def _people_kept(
    session: Session, shared: list[Shared], saves: list[tuple[str, dict[str, Any]]], out: list[str]
) -> int:
    """Every registered person is held; every correction is in the list of changes and the audit log; and each
    person's corrections follow one from another (each change's old value is the one before's new value)."""
    lost = 0
    registered = {line["person"] for _, line in saves if line["op"] == "person"}
    held = set(session.scalars(select(Person.id)))
    if not registered <= held:
        lost += len(registered - held)
        out.append(f"acknowledged people lost: {sorted(registered - held)}")
    if len(held) != len(shared) + len(registered):
        out.append(f"{len(held)} people held, but {len(shared)} seeded and {len(registered)} registered")
    corrections: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for _, line in saves:
        if line["op"] == "correct":
            corrections[line["person"]].append(line)
    for person_id, lines in corrections.items():
        person = session.get(Person, person_id)
        assert person is not None
        changes = list(
            session.scalars(
                select(PersonChange)
                .where(PersonChange.person_id == person_id, PersonChange.field == "forenames")
                .order_by(PersonChange.id)
            )
        )
        reasons = {c.reason: c for c in changes}
        for line in lines:
            change = reasons.get(line["tag"])
            if change is None or change.new_value != line["forenames"]:
                lost += 1
                out.append(f"acknowledged correction lost: {line}")
        versions = Counter(line["version"] for line in lines)
        if any(n > 1 for n in versions.values()):
            out.append(f"person {person_id}: two corrections acknowledged at the same version")
        chain = ["Soak"] + [c.new_value for c in changes]
        if [c.old_value for c in changes] != chain[:-1] or person.forenames != chain[-1]:
            out.append(f"person {person_id}: a correction was made on top of details it had not seen: {chain}")
        if person.version != 1 + len(lines) or len(changes) != len(lines):
            out.append(
                f"person {person_id}: version {person.version}, {len(changes)} changes, {len(lines)} acknowledged"
            )
        audited = session.scalar(
            select(func.count()).where(
                AuditEntry.action == "correct_person",
                AuditEntry.outcome == "ok",
                AuditEntry.record_type == "person",
                AuditEntry.record_id == person_id,
            )
        )
        if audited != len(lines):
            out.append(f"person {person_id}: {audited} corrections in the audit log, {len(lines)} acknowledged")
    return lost


def _tasks_kept(session: Session, saves: list[tuple[str, dict[str, Any]]], out: list[str]) -> int:
    """Each task marked done was marked done once, with the note of the one user who was told it was saved."""
    lost = 0
    done = [line for _, line in saves if line["op"] == "task"]
    twice = [k for k, n in Counter(line["task"] for line in done).items() if n > 1]
    if twice:
        out.append(f"tasks two users were both told they had marked done: {twice}")
    notes = {row.id: row.done_note for row in session.execute(select(Task.id, Task.done_note))}
    for line in done:
        if notes.get(line["task"]) != line["tag"]:
            lost += 1
            out.append(f"task {line['task']} holds the note {notes.get(line['task'])!r}, not {line['tag']!r}")
    held_done = {k for k, note in notes.items() if note is not None}
    if held_done != {line["task"] for line in done}:
        out.append(f"tasks marked done that nobody was told of: {sorted(held_done - {d['task'] for d in done})}")
    audited = Counter(
        session.scalars(
            select(AuditEntry.record_id).where(AuditEntry.action == "complete_task", AuditEntry.outcome == "ok")
        )
    )
    if audited != Counter(line["task"] for line in done):
        out.append("tasks marked done and the audit log disagree")
    return lost
