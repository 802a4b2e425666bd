"""kill -9 an import at random points, again and again: each dataset is in the database whole or not at all, every
import the worker saw finish is there, and the file, its indexes and the audit chain stay sound.

A worker (tests/faults/children/jobs.import_datasets) writes dataset k as a folder of CSV files (PEOPLE people,
each with a four-event DToA case), imports it with pathways.interchange, and prints "begin k", "writing k" (the
import has checked everything and starts writing) and "done k" (the commit returned). It is killed with SIGKILL
while checking or while writing, at a random moment (seeded) measured from its own progress. SQLite only (see
test_kill_service_writes).
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from pathlib import Path
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Case, Event, Person, PersonWord
from pathways.definitions import load_definitions
from pathways.store import open_store
from tests.faults.children.jobs import EVENTS_PER_PERSON
from tests.faults.consistency import cases_consistent, chain_verifies, reading, sqlite_sound
from tests.faults.killing import Ended, ForkServer, Kill

KILLS = 60
PEOPLE = 50
SEED = 7012
DATASET = re.compile(r"D(\d+)[PC]\d+")


def test_killed_imports_are_all_or_nothing(tmp_path: Path, fork_server: ForkServer) -> None:
    path = tmp_path / "pathways.sqlite"
    url = f"sqlite:///{path}"
    open_store(url).engine.dispose()
    definitions = load_definitions()
    rng = random.Random(SEED)
    job = {"url": url, "folder": str(tmp_path / "datasets"), "people": PEOPLE}
    phases = Counter[str]()
    calibration = fork_server.run("import_datasets", {**job, "first": 0, "limit": 2}, kill=None)
    assert calibration.lines == ["begin 0", "writing 0", "done 0", "begin 1", "writing 1", "done 1"]
    took = _phase_times(calibration)  # how long each phase takes, as seen in every run so far
    begun: set[int] = {0, 1}  # the datasets the workers began, and those they saw committed
    done: set[int] = {0, 1}
    for _ in range(KILLS):
        first = max(begun) + 1
        later = 3 if rng.random() < 0.2 else 0  # now and then, kill it in its second import
        if rng.random() < 0.3:
            kill = Kill(later + 1, rng.uniform(0, median(took["checking"])))
        else:
            kill = Kill(later + 2, rng.uniform(0, median(took["writing"]) * 1.2))
        ended = fork_server.run("import_datasets", {**job, "first": first}, kill=kill)
        assert ended.killed, f"the import worker ended by itself:\n{ended.errors}"
        this_run = _record(ended, begun, done)
        for phase, times in _phase_times(ended).items():
            took[phase] += times
        sqlite_sound(path)
        with reading(url, definitions) as store, store.session_factory() as session:
            chain_verifies(session)
            case_ids = _whole_or_nothing(session, begun, done)
            phases[_phase(ended, max(this_run) in case_ids)] += 1
            cases_consistent(store, session, [i for k, ids in case_ids.items() if k in this_run for i in ids])
    with reading(url, definitions) as store, store.session_factory() as session:
        cases = cases_consistent(store, session)
    print(f"{KILLS} import kills by phase {dict(phases)}; {len(done)} imports acknowledged; {cases} cases checked")
    assert phases["writing, rolled back"] >= KILLS // 3, "too few kills landed while the import was writing"


def _phase_times(ended: Ended) -> dict[str, list[float]]:
    """How long the worker spent checking (from "begin" to "writing") and writing (from "writing" to "done"), for
    the lines whose time was seen (those up to the one the kill waited for)."""
    took: dict[str, list[float]] = {"checking": [], "writing": []}
    for (before, at), (after, then) in itertools.pairwise(zip(ended.lines, ended.seen, strict=False)):
        phase = {("begin", "writing"): "checking", ("writing", "done"): "writing"}.get(
            (before.split()[0], after.split()[0])
        )
        if phase is not None:
            took[phase].append(then - at)
    return took


def _phase(ended: Ended, kept: bool) -> str:
    """Where the worker was when it was killed, as far as its output and the database tell."""
    last = ended.lines[-1].split()[0]
    if last == "writing":
        return "writing, after the commit" if kept else "writing, rolled back"
    return {"begin": "checking", "done": "between imports"}[last]


def _record(ended: Ended, begun: set[int], done: set[int]) -> set[int]:
    this_run: set[int] = set()
    for line in ended.lines:
        what, k = line.split()
        this_run.add(int(k))
        (begun if what == "begin" else done if what == "done" else set()).add(int(k))
    return this_run


def _whole_or_nothing(session: Session, begun: set[int], done: set[int]) -> dict[int, list[int]]:
    """Each dataset begun is held whole (its people, their name index, cases, events, and one import entry in the
    audit log) or not at all; each one acknowledged is held whole. Returns the held cases' ids by dataset."""
    people = Counter(_dataset(ref) for ref in session.scalars(select(Person.person_ref)) if ref)
    indexed = Counter(
        _dataset(ref)
        for ref in session.scalars(select(Person.person_ref).join(PersonWord, PersonWord.person_id == Person.id))
        if ref
    )
    case_ids: dict[int, list[int]] = {}
    for case_id, ref in session.execute(select(Case.id, Case.case_ref)):
        case_ids.setdefault(_dataset(ref), []).append(case_id)
    events = Counter(
        _dataset(ref) for ref in session.scalars(select(Case.case_ref).join(Event, Event.case_id == Case.id))
    )
    held = {k for k in people}
    assert held <= begun, f"datasets held that no worker began: {sorted(held - begun)}"
    assert done <= held, f"acknowledged imports lost: {sorted(done - held)}"
    for k in held:
        counts = (people[k], len(case_ids.get(k, [])), events[k], bool(indexed[k]))
        assert counts == (PEOPLE, PEOPLE, PEOPLE * EVENTS_PER_PERSON, True), f"dataset {k} is partly held: {counts}"
    assert set(case_ids) == held == set(events), "cases or events held without their dataset's people"
    imports = session.scalar(
        select(func.count()).where(AuditEntry.action == "import_dataset", AuditEntry.outcome == "ok")
    )
    assert imports == len(held), f"{imports} imports in the audit log, {len(held)} datasets held"
    return case_ids


def _dataset(ref: str) -> int:
    found = DATASET.fullmatch(ref)
    assert found is not None, f"a reference no dataset makes: {ref}"
    return int(found.group(1))
