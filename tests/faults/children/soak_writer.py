"""One scripted user for the soak (tests/faults/test_soak.py, bench/soak.py): a separate process, with its own
connection to the shared database, that for a given time does what a custody navigator or treatment worker does all
day on the shared people and cases: look a record up, then save on it with the version it was shown (a contact on a
DIVERT case, a further notice or a missed appointment on a DToA case, a correction of a person's details), mark
tasks done, register people and open their cases. Each acknowledged save is journalled (soak_journal.py). When a
save is refused because someone else changed the record ("changed by X at T, reload"), it reloads and saves again,
as a user would; when the database stayed too busy, it tries again in a moment.

Run as `python -m tests.faults.children.soak_writer URL SHARED_JSON FOLDER FIRST COUNT SECONDS`: COUNT writers, each a
separate process, numbered from FIRST; an even number is a custody navigator, an odd one a treatment worker. Writer N
journals to FOLDER/wN.jsonl, its standard error goes to FOLDER/wN.stderr and its exit status to FOLDER/wN.status:
0 after SECONDS of work; any unexpected error ends it with a traceback.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from pathways.actors import Actor, Role
from pathways.clock import now_utc
from pathways.definitions import PathwayDefinition, load_definitions
from pathways.errors import ConflictingChange, InvalidInput, StepNotAllowed
from pathways.services import dtoa
from pathways.services.concurrency import DatabaseBusy
from pathways.services.people import correct_person, get_person, register_person
from pathways.services.records import case_version, person_record
from pathways.services.results import EventRecorded
from pathways.services.steps import record_step, start_case
from pathways.services.tasks import complete_task, open_tasks
from pathways.store import Store, open_store
from tests.faults.children.soak_journal import Journal, ready_then_wait
from tests.faults.children.soak_seed import PLACE, SERVICE, SITE, Shared, read_shared

T = TypeVar("T")
THINKING = 0.05  # seconds, at most, between loading a record and saving on it: others save meanwhile
RELOADS = 50
LIFETIME = 300  # seconds after its work should have ended

_definitions: Mapping[
    str, PathwayDefinition
] = {}  # a save refused this many times running (others always first) fails the soak: a user would give up


def actor_for(number: int, *, gui: bool = False) -> Actor:
    who = "gui" if gui else "w"
    if number % 2 == 0:
        return Actor(f"nav.{who}{number}", Role.CUSTODY_NAVIGATOR, f"soak-{who}{number}", site=SITE)
    return Actor(f"tw.{who}{number}", Role.TREATMENT_WORKER, f"soak-{who}{number}", service=SERVICE)


def forenames_for(tag: str) -> str:
    """A forename made of letters only, different for every tag (names may not hold digits)."""
    digits = "".join(ch for ch in tag if ch.isdigit())
    return "Soak " + "".join(chr(ord("a") + int(d)) for d in digits).capitalize()


def just_now() -> datetime:
    """A moment a second ago: the services refuse events in the future."""
    return now_utc() - timedelta(seconds=1)


class Writer:
    def __init__(self, store: Store, shared: list[Shared], journal: Journal, number: int) -> None:
        self.store, self.shared, self.journal = store, shared, journal
        self.actor = actor_for(number)
        self.rng = random.Random(number * 7919 + int(time.time()))
        self.navigator = self.actor.role is Role.CUSTODY_NAVIGATOR
        self.registered = 0

    # --- as a user would: load, save with the version shown, reload when refused ----------------------------
    def _until_saved(self, load: Callable[[], int], save: Callable[[int], T]) -> tuple[T, float]:
        for _ in range(RELOADS):
            shown = load()
            time.sleep(self.rng.uniform(0.0, THINKING))  # a moment between seeing the record and saving
            started = time.perf_counter()
            try:
                return save(shown), started
            except ConflictingChange as exc:
                assert "while you were working on" in exc.message, exc.message
                self.journal.tally.stale += 1
            except DatabaseBusy:
                self.journal.tally.busy += 1
                time.sleep(self.rng.uniform(0.05, 0.3))
        raise AssertionError(f"{self.actor.username}: a save was refused {RELOADS} times running")

    def _case_shown(self, case: Shared, case_id: int) -> Callable[[], int]:
        """The case's version as a screen would show it: the whole person record (sometimes), or just the case."""

        def load() -> int:
            if self.rng.random() < 0.3:
                record = person_record(self.store, actor=self.actor, person_id=case.person)
                return next(c.version for c in record.cases if c.id == case_id)
            return case_version(self.store, actor=self.actor, case_id=case_id)

        return load

    def _event_saved(self, recorded: EventRecorded, started: float, tag: str) -> None:
        self.journal.saved(
            "event", started, case=recorded.case_id, event=recorded.event_id, version=recorded.case_version, tag=tag
        )

    # --- the things a user does ---------------------------------------------------------------------------------
    def contact(self) -> None:
        case = self.rng.choice(self.shared)
        tag = self.journal.tag()

        def save(version: int) -> EventRecorded:
            return record_step(
                self.store,
                actor=self.actor,
                case_id=case.divert,
                event="contacted",
                occurred_at=just_now(),
                values={"notes": tag},
                expected_version=version,
            )

        recorded, started = self._until_saved(self._case_shown(case, case.divert), save)
        self._event_saved(recorded, started, tag)

    def further_notice(self) -> None:
        case = self.rng.choice(self.shared)
        tag = self.journal.tag()

        def save(version: int) -> EventRecorded:
            at = just_now()
            return dtoa.reschedule_assessment(
                self.store,
                actor=self.actor,
                case_id=case.dtoa,
                kind="initial",
                due_at=at + timedelta(days=self.rng.randint(1, 20)),
                service=SERVICE,
                place=PLACE,
                occurred_at=at,
                reason=tag,
                expected_version=version,
            )

        recorded, started = self._until_saved(self._case_shown(case, case.dtoa), save)
        self._event_saved(recorded, started, tag)

    def missed(self) -> None:
        """A treatment worker records a missed initial assessment: a task to tell the police. Refused by the
        pathway when the appointment already has an attendance since its last notice (nothing is saved)."""
        case = self.rng.choice(self.shared)
        tag = self.journal.tag()

        def save(version: int) -> EventRecorded:
            return dtoa.record_attendance(
                self.store,
                actor=self.actor,
                case_id=case.dtoa,
                kind="initial",
                attended=False,
                occurred_at=just_now(),
                notes=tag,
                expected_version=version,
            )

        try:
            recorded, started = self._until_saved(self._case_shown(case, case.dtoa), save)
        except StepNotAllowed:
            self.journal.tally.refused += 1
            return
        self._event_saved(recorded, started, tag)

    def correct(self) -> None:
        case = self.rng.choice(self.shared)
        tag = self.journal.tag()
        forenames = forenames_for(tag)

        def load() -> int:
            return get_person(self.store, actor=self.actor, person_id=case.person).version

        def save(version: int) -> int:
            return correct_person(
                self.store,
                actor=self.actor,
                person_id=case.person,
                reason=tag,
                expected_version=version,
                forenames=forenames,
            ).version

        version, started = self._until_saved(load, save)
        self.journal.saved("correct", started, person=case.person, version=version, forenames=forenames, tag=tag)

    def mark_done(self) -> None:
        tasks = open_tasks(self.store, actor=self.actor)
        if not tasks:
            return
        task = self.rng.choice(tasks[:5])  # the top of the list, where everyone looks: people clash here
        tag = self.journal.tag()
        started = time.perf_counter()
        try:
            complete_task(self.store, actor=self.actor, task_id=task.id, note=tag)
        except InvalidInput as exc:
            assert "already marked done" in exc.message, exc.message
            self.journal.tally.refused += 1
            return
        except DatabaseBusy:
            self.journal.tally.busy += 1
            return
        self.journal.saved("task", started, task=task.id, tag=tag)

    def register(self) -> None:
        """A new person, and their first case: a navigator's arrest and test, a worker's DIVERT referral."""
        self.registered += 1
        tag = self.journal.tag()
        started = time.perf_counter()
        person = register_person(
            self.store,
            actor=self.actor,
            surname=f"New{self.actor.username.split('.')[1]}x{self.registered}",
            forenames="Soak",
            date_of_birth=date(1970, 1, 1) + timedelta(days=self.rng.randrange(12000)),
            sex="M",
        ).id
        self.journal.saved("person", started, person=person, tag=tag)
        at = now_utc() - timedelta(hours=1)
        if not self.navigator:
            tag = self.journal.tag()
            started = time.perf_counter()
            values = {"kind": "stop_and_search", "substances": "cannabis", "service": SERVICE, "notes": tag}
            opened = start_case(
                self.store,
                actor=self.actor,
                person_id=person,
                pathway="divert",
                event="referral",
                occurred_at=at,
                values=values,
            )
            self._event_saved(opened, started, tag)
            return
        tag = self.journal.tag()
        started = time.perf_counter()
        opened = dtoa.record_arrest(
            self.store, actor=self.actor, person_id=person, occurred_at=at, offence="theft_shop", notes=tag
        )
        self._event_saved(opened, started, tag)
        tag = self.journal.tag()
        started = time.perf_counter()
        tested = dtoa.record_test(
            self.store,
            actor=self.actor,
            case_id=opened.case_id,
            occurred_at=at + timedelta(minutes=30),
            result="positive",
            substances=["cocaine"],
            notes=tag,
            expected_version=opened.case_version,
        )
        self._event_saved(tested, started, tag)

    def look_up(self) -> None:
        """Open a record and read it (an audited view: a small write too)."""
        person_record(self.store, actor=self.actor, person_id=self.rng.choice(self.shared).person)

    def one_thing(self) -> None:
        if self.navigator:
            choices = [
                (self.contact, 30),
                (self.further_notice, 25),
                (self.correct, 15),
                (self.mark_done, 15),
                (self.register, 8),
                (self.look_up, 7),
            ]
        else:
            choices = [
                (self.contact, 25),
                (self.further_notice, 15),
                (self.missed, 20),
                (self.correct, 12),
                (self.mark_done, 15),
                (self.register, 6),
                (self.look_up, 7),
            ]
        actions, weights = zip(*choices, strict=True)
        try:
            self.rng.choices(actions, weights)[0]()
        except DatabaseBusy:  # while loading the record, or the save's retries ran out: nothing saved; try again
            self.journal.tally.busy += 1
            time.sleep(self.rng.uniform(0.05, 0.3))


def work(url: str, shared_file: Path, journal_file: Path, number: int, seconds: float) -> None:
    """One writer, from opening the database to its last save."""
    store = open_store(url, definitions=_definitions or None)
    ready_then_wait(journal_file)
    ends = time.monotonic() + seconds
    with Journal(journal_file, f"w{number}") as journal:
        journal.count_transient_errors(store.engine)
        writer = Writer(store, read_shared(shared_file), journal, number)
        while time.monotonic() < ends:
            writer.one_thing()
    store.engine.dispose()


def _forked(url: str, shared_file: Path, folder: Path, number: int, seconds: float) -> None:
    """In a forked child: its standard error to FOLDER/wN.stderr, its exit status to FOLDER/wN.status; never returns."""
    code = 1
    signal.alarm(int(seconds) + LIFETIME)  # a writer that never ends (its soak was itself killed) ends by itself
    try:
        errors = os.open(folder / f"w{number}.stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(errors, 2)
        os.close(errors)
        work(url, shared_file, folder / f"w{number}.jsonl", number, seconds)
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        (folder / f"w{number}.status").write_text(str(code), encoding="utf-8")
        os._exit(code)


def main(url: str, shared_file: str, folder: str, first: int, count: int, seconds: float) -> None:
    """Writers first .. first+count-1, each a process of its own forked from this one once Pathways is loaded (so
    ten writers do not each pay Python's start-up); every child opens its own connection after the fork."""
    global _definitions
    _definitions = load_definitions()  # read once, before the fork
    children = []
    for number in range(first, first + count):
        pid = os.fork()
        if pid == 0:
            _forked(url, Path(shared_file), Path(folder), number, seconds)
        children.append(pid)
    failed = 0
    for pid in children:
        _, status = os.waitpid(pid, 0)
        failed += os.waitstatus_to_exitcode(status) != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]))
