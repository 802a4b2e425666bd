"""The work a killed child does: it loops until it is killed, and prints one line to standard output for each
commit, flushed, only after the commit has returned. A line printed is therefore a promise the database must keep.

    P <person id>                      register_person committed
    E <case id> <event id>             start_case or record_step committed
    begin <k> / writing <k> / done <k> import of dataset k started / reached its writing stage / committed
    migrated <from> <to>               the tables were brought up to date
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from db.engine import make_engine
from db.migrate import upgrade
from pathways.actors import Actor, Role
from pathways.clock import LONDON, local_date, now_utc
from pathways.definitions import PathwayDefinition, load_definitions
from pathways.errors import PathwaysError
from pathways.interchange.importer import import_dataset
from pathways.services.people import register_person
from pathways.services.steps import record_step, start_case
from pathways.store import Store, open_store

NAVIGATOR = Actor("nav.kill", Role.CUSTODY_NAVIGATOR, "kill-test-1", site="Basingstoke")
WORKER = Actor("tw.kill", Role.TREATMENT_WORKER, "kill-test-2", service="Inclusion Hampshire")
ADMIN = Actor("admin.kill", Role.ADMINISTRATOR, "kill-test-3")
OFFENCE = "Theft from shop (Theft Act 1968 s.1)"
SERVICE = "Inclusion Hampshire"
PLACE = "12 Church St, Basingstoke"  # (a required assessment from a screen says where)
ENDINGS = ("attended", "missed", "open", "closed")
EVENTS_PER_PERSON = 4  # in an imported dataset: arrest, test, assessment required, and attended or not

_definitions: Mapping[str, PathwayDefinition] = {}


def preload(scratch: Path) -> None:
    """Load what every job needs once, in the fork server, so that a forked worker starts writing within
    milliseconds: the pathway definitions, and every module and mapping the jobs use (by doing each job once on a
    scratch database, whose engine is then closed: the server holds no connection when it forks)."""
    global _definitions
    _definitions = load_definitions()
    store = _store(f"sqlite:///{scratch / 'warm-up.sqlite'}")
    try:
        person = register_person(
            store, actor=NAVIGATOR, surname="Warm", forenames="Up", date_of_birth=date(1990, 1, 1), sex="M"
        )
        for ending in ENDINGS:
            _dtoa_case(store, random.Random(0), person.id, ending=ending, quiet=True)
        write_dataset(scratch / "warm-up", 0, 5)
        import_dataset(store, actor=ADMIN, path=scratch / "warm-up")
    finally:
        store.engine.dispose()


def _store(url: str) -> Store:
    return open_store(url, definitions=_definitions or None)


def _ack(line: str) -> None:
    print(line, flush=True)


def write_cases(url: str, seed: int) -> None:
    """Register people and take each through a DToA case, one service call (one commit) at a time, for ever."""
    store = _store(url)
    rng = random.Random(seed)
    n = 0
    while True:
        n += 1
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(12000))
        person = register_person(
            store, actor=NAVIGATOR, surname=f"Kill{seed}x{n}", forenames="Test", date_of_birth=born, sex="F"
        )
        _ack(f"P {person.id}")
        _dtoa_case(store, rng, person.id)


def _dtoa_case(
    store: Store, rng: random.Random, person_id: int, *, ending: str | None = None, quiet: bool = False
) -> None:
    start = (now_utc() - timedelta(days=90)).astimezone(LONDON).replace(hour=9, minute=0, second=0, microsecond=0)
    at = start + timedelta(minutes=rng.randrange(60 * 24 * 30))  # in the past, as the services require
    opened = start_case(
        store,
        actor=NAVIGATOR,
        person_id=person_id,
        pathway="dtoa",
        event="arrest",
        occurred_at=at,
        values={"offence": OFFENCE, "basis": "trigger", "site": "Basingstoke"},
    )
    if not quiet:
        _ack(f"E {opened.case_id} {opened.event_id}")
    steps: list[tuple[Actor, str, dict[str, str | None], timedelta | None]] = [
        (NAVIGATOR, "test", {"result": "positive", "substances": "cocaine"}, None),
        (NAVIGATOR, "assessment_required", {"kind": "initial", "service": SERVICE, "place": PLACE}, timedelta(days=3)),
    ]
    ending = ending or rng.choice(ENDINGS)
    if ending in ("attended", "missed"):
        steps.append((WORKER, f"assessment_{ending}", {"kind": "initial", "service": SERVICE}, None))
    elif ending == "closed":
        steps.append((NAVIGATOR, "closed", {"reason": "moved out of area"}, None))
    for number, (actor, event, values, due_in) in enumerate(steps, 1):
        occurred = at + timedelta(hours=number)
        done = record_step(
            store,
            actor=actor,
            case_id=opened.case_id,
            event=event,
            occurred_at=occurred,
            values=values,
            due_at=occurred + due_in if due_in else None,
        )
        if not quiet:
            _ack(f"E {done.case_id} {done.event_id}")


def write_dataset(folder: Path, k: int, people: int) -> None:
    """Dataset k: `people` people, each with a DToA case of EVENTS_PER_PERSON events; refs D{k}P{n} and D{k}C{n}."""
    folder.mkdir(parents=True, exist_ok=True)
    born = date(1950, 1, 1) + timedelta(days=k)
    people_rows = ["person_ref,surname,forenames,date_of_birth,sex"]
    event_rows = [
        "person_ref,case_ref,pathway,event,occurred_at,site,service,offence,basis,result,substances,kind,due_at"
    ]
    for n in range(people):
        ref, case = f"D{k}P{n}", f"D{k}C{n}"
        people_rows.append(f"{ref},Import{k}x{n},Test,{born + timedelta(days=n * 7)},M")
        day = local_date(now_utc()) - timedelta(days=150 - n % 90)
        event_rows += [
            f"{ref},{case},dtoa,arrest,{day}T10:00,Basingstoke,,{OFFENCE},trigger,,,,",
            f"{ref},{case},dtoa,test,{day}T11:00,Basingstoke,,,,positive,cocaine,,",
            f"{ref},{case},dtoa,assessment_required,{day}T11:30,Basingstoke,{SERVICE},,,,,initial,{day}T11:45",
        ]
        ended = "attended" if n % 2 else "missed"
        event_rows.append(f"{ref},{case},dtoa,assessment_{ended},{day}T12:00,,{SERVICE},,,,,initial,")
    (folder / "people.csv").write_text("\n".join(people_rows) + "\n", encoding="utf-8")
    (folder / "events.csv").write_text("\n".join(event_rows) + "\n", encoding="utf-8")


def import_datasets(url: str, folder: str, first: int, people: int, limit: int | None = None) -> None:
    """Import datasets first, first+1, ... (each written as a folder of CSV files, then imported whole)."""
    store = _store(url)
    k = first
    while limit is None or k < first + limit:
        where = Path(folder) / f"dataset-{k}"
        write_dataset(where, k, people)
        _ack(f"begin {k}")
        report = import_dataset(store, actor=ADMIN, path=where, progress=_writing_reporter(k))
        if not report.written:
            raise PathwaysError(f"dataset {k} was refused: {report.errors[:3]}")
        _ack(f"done {k}")
        k += 1


def _writing_reporter(k: int) -> Callable[[str, int, int], None]:
    def progress(stage: str, done: int, total: int) -> None:
        if stage == "Writing":
            _ack(f"writing {k}")

    return progress


def migrate(url: str) -> None:
    """Bring the database's tables up to date (after the automatic backup), as Pathways does when it starts."""
    engine = make_engine(url)
    result = upgrade(engine)
    engine.dispose()
    _ack(f"migrated {result.from_revision} {result.to_revision}")


JOBS: dict[str, Callable[..., Any]] = {
    "write_cases": write_cases,
    "import_datasets": import_datasets,
    "migrate": migrate,
}
