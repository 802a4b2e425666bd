"""Saves on a shared SQLite file while a colleague's Pathways commits at the same moment, and imports overtaken by
someone else's change.

On SQLite (write-ahead log), a transaction that has read and then writes fails at once with "database is locked"
(SQLITE_BUSY_SNAPSHOT) when another connection committed in between: waiting does not help, its snapshot is out of
date. Every service that reads and then writes (an audit entry at least) opens its unit of work for writing, taking
the write lock from BEGIN IMMEDIATE. Here a second connection to the same file (a plain sqlite3 connection that does
not wait for the lock) tries to commit at the very moment the service first writes: it must find the lock taken,
and the service must succeed. With the old units of work it committed, and the service failed with the raw error.

An import is checked in a transaction of its own and written in another, which first makes sure nothing it was
checked against changed; when something did, the user is told in plain words and nothing is imported (on SQLite and
on PostgreSQL; the old code failed with "database is locked", or a duplicate key).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, func, insert, select, text
from sqlalchemy.engine import Connection

from db.engine import make_engine
from db.models import AuditEntry, Case, Event, Person, ReferenceItem
from pathways import cli, reference
from pathways.actors import Actor, Role, command_line_actor
from pathways.consent import SharingRequest
from pathways.errors import ConflictingChange, NotPermitted
from pathways.interchange.importer import IMPORT_OVERTAKEN, ImportReport, import_dataset
from pathways.services import accounts, contracts, documents, screening, settings
from pathways.services.steps import record_step
from pathways.store import Store, open_store
from tests.conftest import EXAMPLE, Clock

PASSWORD = "violet kettle harbour 42"
ADMIN = Actor("admin.khan", Role.ADMINISTRATOR, "office-pc-4")
MANAGER = Actor("mgr.patel", Role.MANAGER, "office-pc-3")
CRANSTOUN = Actor("tw.cran", Role.TREATMENT_WORKER, "clinic-pc-7", service="Cranstoun")
OWN_RECORDS = SharingRequest("own_records", "record_keeping")


class Nudge:
    """A colleague's commit, made on the shared file at the moment the service's transaction first writes. It does
    not wait for the write lock: `outcome` is "locked" when the service held it already, "committed" when the
    service's transaction was still only reading (and so now reads a database that has moved on)."""

    def __init__(self, store: Store, path: str) -> None:
        self.path, self.armed, self.outcome = path, False, ""
        with sqlite3.connect(path) as setup:
            setup.execute("CREATE TABLE IF NOT EXISTS colleague_commits (n INTEGER)")
        event.listen(store.engine, "before_cursor_execute", self._before)

    def _before(self, _conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if not self.armed or not statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            return
        self.armed = False
        other = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO colleague_commits (n) VALUES (1)")
            other.execute("COMMIT")
            self.outcome = "committed"
        except sqlite3.OperationalError as error:
            assert "locked" in str(error), error
            self.outcome = "locked"
        finally:
            other.close()


@dataclass
class Shared:
    store: Store
    nudge: Nudge
    user_ids: dict[str, int]
    folder: Path


@pytest.fixture
def shared(tmp_path: Path, clock: Clock) -> Iterator[Shared]:
    """A shared SQLite file holding the worked example and a few accounts."""
    path = tmp_path / "shared.sqlite"
    store = open_store(f"sqlite:///{path}", clock=clock)
    assert import_dataset(store, actor=command_line_actor(), path=EXAMPLE).written
    ids = {}
    for username, role, site, service in (
        ("admin.khan", Role.ADMINISTRATOR, None, None),
        ("mgr.patel", Role.MANAGER, None, None),
        ("nav.smith", Role.CUSTODY_NAVIGATOR, "Basingstoke", None),
    ):
        ids[username] = accounts.add_user(
            store, actor=command_line_actor(), username=username, display_name=username.title(), role=role,
            password=PASSWORD, site=site, service=service, must_change_password=False,
        ).id  # fmt: skip
    yield Shared(store, Nudge(store, str(path)), ids, tmp_path)
    store.engine.dispose()


def _case_id(store: Store, case_ref: str) -> int:
    with store.unit_of_work() as uow:
        found = uow.session.scalar(select(Case.id).where(Case.case_ref == case_ref))
        assert found is not None
        return found


def _count(store: Store, model: type[Any]) -> int:
    with store.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _one_person_dataset(folder: Path) -> Path:
    """A dataset of one new person with one closed DToA case."""
    folder.mkdir()
    people = (EXAMPLE / "people.csv").read_text().splitlines()
    events = (EXAMPLE / "events.csv").read_text().splitlines()
    (folder / "people.csv").write_text(
        "\n".join([people[0], *(p.replace("E002", "E902") for p in people if p.startswith("E002,"))]) + "\n"
    )
    rows = [e.replace("E002,EC2", "E902,EC902") for e in events if e.startswith("E002,EC2,")]
    (folder / "events.csv").write_text("\n".join([events[0], *rows]) + "\n")
    return folder


def _sign_in_refused(shared: Shared) -> None:
    with pytest.raises(accounts.SignInFailed):
        accounts.sign_in(shared.store, username="nav.smith", password="not the password", workstation="pc-9")


def _saves(shared: Shared) -> dict[str, Callable[[], object]]:
    """Every service reported to fail on a shared file, each as a call that should succeed (or be refused on
    purpose, with its audit entry committed)."""
    store, ids = shared.store, shared.user_ids
    checkpoint = _case_id(store, "EC4")
    with store.unit_of_work() as uow:
        person = int(uow.session.scalar(select(Person.id).where(Person.person_ref == "E001")) or 0)
        far = int(uow.session.scalar(select(Person.id).where(Person.person_ref == "E004")) or 0)  # Durham's
    entry = next(e for e in reference.reference_list(store, "offences") if e.flag)
    nav = Actor("nav.smith", Role.CUSTODY_NAVIGATOR, "pc-9", site="Basingstoke")
    return {
        "sign_in": lambda: accounts.sign_in(store, username="nav.smith", password=PASSWORD, workstation="pc-9"),
        "sign_in refused": lambda: _sign_in_refused(shared),
        "add_user": lambda: accounts.add_user(
            store, actor=ADMIN, username="mgr.new", display_name="M New", role=Role.MANAGER, password=PASSWORD
        ),
        "reset_password": lambda: accounts.reset_password(
            store, actor=ADMIN, user_id=ids["nav.smith"], new_password="another long password 77"
        ),
        "set_active": lambda: accounts.set_active(store, actor=ADMIN, user_id=ids["nav.smith"], active=False),
        "set_may_read_notes": lambda: accounts.set_may_read_notes(
            store, actor=ADMIN, user_id=ids["mgr.patel"], granted=True
        ),
        "set_workplace": lambda: accounts.set_workplace(
            store, actor=ADMIN, user_id=ids["nav.smith"], place="Portsmouth"
        ),
        "change_own_password": lambda: accounts.change_own_password(
            store, actor=nav, old_password=PASSWORD, new_password="another long password 77"
        ),
        "save_settings": lambda: settings.save_settings(store, actor=ADMIN, idle_minutes=5),
        "save_settings shown": lambda: settings.save_settings(
            store, actor=ADMIN, idle_minutes=5, shown=settings.current_settings(store)
        ),
        "set_reference_entry": lambda: reference.set_reference_entry(
            store, actor=ADMIN, list_name="offences", code=entry.code, label=entry.label, flag=False
        ),
        "add_reference_entry": lambda: reference.add_reference_entry(
            store, actor=ADMIN, list_name="offences", code="theft_vehicle_part", label="Theft of a part", flag=True
        ),
        "change_reference_entry": lambda: reference.change_reference_entry(
            store, actor=ADMIN, list_name="offences", shown=entry, label=entry.label, flag=False
        ),
        "contract_progress": lambda: contracts.contract_progress(store, actor=MANAGER, case_id=checkpoint),
        "case_screenings": lambda: screening.case_screenings(store, actor=MANAGER, case_id=checkpoint),
        "person_screenings": lambda: screening.person_screenings(store, actor=MANAGER, person_id=person),
        "note_document": lambda: documents.note_document(
            store, actor=MANAGER, person_id=person, document="summary", sharing=OWN_RECORDS
        ),
        "import_dataset": lambda: _imported(store, _one_person_dataset(shared.folder / "one")),
        "a role's refusal": lambda: _refused(lambda: accounts.list_users(store, actor=nav)),
        "a refusal out of scope": lambda: _refused(
            lambda: screening.person_screenings(store, actor=nav, person_id=far)
        ),
    }


def _refused(work: Callable[[], object]) -> None:
    """A refusal, its audit entry written (a read of the chain's end, then the entry) in a transaction of its own."""
    with pytest.raises(NotPermitted):
        work()


def _imported(store: Store, folder: Path) -> None:
    report = import_dataset(store, actor=ADMIN, path=folder)
    assert report.written, report.errors


SAVES = [
    "sign_in",
    "sign_in refused",
    "add_user",
    "reset_password",
    "set_active",
    "set_may_read_notes",
    "set_workplace",
    "change_own_password",
    "save_settings",
    "save_settings shown",
    "set_reference_entry",
    "add_reference_entry",
    "change_reference_entry",
    "contract_progress",
    "case_screenings",
    "person_screenings",
    "note_document",
    "import_dataset",
    "a role's refusal",
    "a refusal out of scope",
]


@pytest.mark.parametrize("name", SAVES)
def test_a_colleagues_commit_at_the_moment_of_writing_does_not_fail_the_save(shared: Shared, name: str) -> None:
    save = _saves(shared)[name]
    audited = _count(shared.store, AuditEntry)
    shared.nudge.armed = True
    save()  # the old code: sqlite3.OperationalError "database is locked" (SQLITE_BUSY_SNAPSHOT)
    assert shared.nudge.outcome == "locked", "the service wrote without holding the write lock from its start"
    assert _count(shared.store, AuditEntry) == audited + 1  # its audit entry (and its change) committed


def test_sign_ins_while_two_colleagues_open_records(shared: Shared, tmp_path: Path) -> None:
    """The reviewer's case, in threads: two colleagues each opening a record over and over (each view an audited
    write) on their own engines while someone signs in 15 times. Every sign-in succeeds."""
    from pathways.services.records import person_record

    url = shared.store.engine.url.render_as_string(hide_password=False)
    with shared.store.unit_of_work() as uow:
        person = int(uow.session.scalar(select(Person.id).where(Person.person_ref == "E001")) or 0)
    stop = threading.Event()
    failures: list[BaseException] = []

    def colleague() -> None:
        store = open_store(url)
        try:
            while not stop.is_set():
                person_record(store, actor=MANAGER, person_id=person)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            store.engine.dispose()

    threads = [threading.Thread(target=colleague) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(15):
            accounts.sign_in(shared.store, username="nav.smith", password=PASSWORD, workstation="pc-9")
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert not failures


# --- imports overtaken by someone else's change (both databases) ----------------------------------------------------


def _partial_example(folder: Path) -> Path:
    """The worked example less EC5's completion (recorded in the app in the tests below)."""
    folder.mkdir()
    shutil.copy(EXAMPLE / "people.csv", folder / "people.csv")
    rows = (EXAMPLE / "events.csv").read_text().splitlines(keepends=True)
    (folder / "events.csv").write_text("".join(r for r in rows if not r.startswith("E005,EC5,divert,completed")))
    return folder


def _counts(store: Store) -> tuple[int, int, int, int]:
    return (_count(store, Person), _count(store, Case), _count(store, Event), _count(store, AuditEntry))


def _at_writing(act: Callable[[], None]) -> Callable[[str, int, int], None]:
    """A progress callback that does `act` once the checks are done, before the import writes."""

    def step(stage: str, _done: int, _total: int) -> None:
        if stage == "Writing":
            act()

    return step


def test_a_step_recorded_on_a_case_while_the_import_was_checked_refuses_the_import(
    store: Store, tmp_path: Path
) -> None:
    assert import_dataset(store, actor=ADMIN, path=_partial_example(tmp_path / "partial")).written
    case_id = _case_id(store, "EC5")

    def colleague_records_the_completion() -> None:
        at = datetime(2023, 4, 5, 12, 0, tzinfo=UTC)
        record_step(store, actor=CRANSTOUN, case_id=case_id, event="completed", occurred_at=at, values={})

    before = _counts(store)
    with pytest.raises(ConflictingChange) as refused:  # the old code: "database is locked", or a duplicate key
        import_dataset(store, actor=ADMIN, path=EXAMPLE, progress=_at_writing(colleague_records_the_completion))
    assert refused.value.message == IMPORT_OVERTAKEN
    people, cases, events, audited = before
    assert _counts(store) == (people, cases, events + 1, audited + 1)  # the colleague's step, and nothing imported
    with store.unit_of_work() as uow:
        names = uow.session.scalars(select(Event.recorded_by).where(Event.case_id == case_id, Event.seq == 5)).all()
    assert names == ["tw.cran"]
    # Run again, it is checked against the case as it now is: its own completion (a day alone) would be a second one.
    again = import_dataset(store, actor=ADMIN, path=EXAMPLE)
    assert not again.written and [p.message[:9] for p in again.errors] == ["case EC5:"]


def test_the_same_dataset_imported_by_two_at_once(store: Store) -> None:
    def colleague_imports_it() -> None:
        assert import_dataset(store, actor=command_line_actor(), path=EXAMPLE).written

    with pytest.raises(ConflictingChange) as refused:
        import_dataset(store, actor=ADMIN, path=EXAMPLE, progress=_at_writing(colleague_imports_it))
    assert refused.value.message == IMPORT_OVERTAKEN
    assert _count(store, Person) == 5  # the colleague's import alone
    with store.unit_of_work() as uow:
        imports = uow.session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "import_dataset")).all()
    assert imports == [command_line_actor().username]


def test_a_person_added_while_the_import_begins_to_write(store: Store, tmp_path: Path) -> None:
    """Someone adds one of the dataset's people (not yet committed) just as the import begins to write: on
    PostgreSQL the import's insert waits for them, then meets the duplicate key; on SQLite it waits for the write
    lock, then finds the person held. Either way the user is told, and nothing is imported."""
    url = store.engine.url.render_as_string(hide_password=False)
    engine = make_engine(url)
    people = (EXAMPLE / "people.csv").open(newline="")
    first = next(csv.DictReader(people))
    people.close()
    commit_later: list[threading.Timer] = []

    def colleague_adds_a_person() -> None:
        connection = engine.connect()
        if engine.dialect.name == "sqlite":
            connection.execute(text("SELECT 1"))  # (the engine's BEGIN; the insert below takes the write lock)
        connection.execute(
            insert(Person).values(
                person_ref=first["person_ref"], surname=first["surname"], forenames=first["forenames"],
                search_name="x", date_of_birth=date.fromisoformat(first["date_of_birth"]), sex=first["sex"],
                ethnicity=first["ethnicity"], created_at=datetime(2026, 11, 29, tzinfo=UTC), created_by="other",
                version=1,
            )
        )  # fmt: skip

        def commit() -> None:
            connection.commit()
            connection.close()

        commit_later.append(threading.Timer(0.5, commit))
        commit_later[0].start()

    try:
        with pytest.raises(ConflictingChange) as refused:
            import_dataset(store, actor=ADMIN, path=EXAMPLE, progress=_at_writing(colleague_adds_a_person))
        assert refused.value.message == IMPORT_OVERTAKEN
        assert _count(store, Person) == 1 and _count(store, Case) == 0
    finally:
        for timer in commit_later:
            timer.join()
        engine.dispose()


def test_the_command_line_says_so_without_a_traceback(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`main.py import` prints the refusal in plain words and exits with 2 (pathways/cli.run_command). The command's
    own import is run, with a colleague's step recorded when its checks are done (the progress callback)."""
    assert import_dataset(store, actor=ADMIN, path=_partial_example(tmp_path / "partial")).written
    case_id = _case_id(store, "EC5")
    url = store.engine.url.render_as_string(hide_password=False)

    def colleague_records_the_completion() -> None:
        at = datetime(2023, 4, 5, 12, 0, tzinfo=UTC)
        record_step(store, actor=CRANSTOUN, case_id=case_id, event="completed", occurred_at=at, values={})

    def with_colleague(*args: Any, **kwargs: Any) -> ImportReport:
        return import_dataset(*args, **kwargs, progress=_at_writing(colleague_records_the_completion))

    monkeypatch.setattr(cli, "import_dataset", with_colleague)
    before = _count(store, Person), _count(store, Event)
    code = cli.run_command(argparse.Namespace(command="import", database_url=url, path=EXAMPLE, dry_run=False))
    out, err = capsys.readouterr()
    assert code == 2 and err.strip() == IMPORT_OVERTAKEN and "Traceback" not in out + err
    assert (_count(store, Person), _count(store, Event)) == (before[0], before[1] + 1)  # the colleague's step only


def test_seeding_a_missing_list_at_start_takes_the_write_lock(shared: Shared) -> None:
    """A list missing (a new database, a new pathway's retention period) is seeded as a workstation opens the file:
    in a transaction that writes from its start, so a colleague's commit in between cannot fail the start."""
    store = shared.store
    with store.unit_of_work() as uow:
        uow.session.execute(delete(ReferenceItem).where(ReferenceItem.list_name == "services"))
        uow.commit()
    shared.nudge.armed = True
    reference.seed_reference_data(store)
    assert shared.nudge.outcome == "locked"
    assert reference.reference_list(store, "services")
    shared.nudge.armed = True
    reference.seed_reference_data(store)  # nothing missing now: nothing written, no lock taken
    assert shared.nudge.armed and shared.nudge.outcome == "locked"
    shared.nudge.armed = False


def test_a_sign_in_checks_the_password_before_it_takes_the_write_lock(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hash takes about 40 ms on purpose: checked while holding the write lock, every sign-in (an unknown user
    name's too) made everyone's saves wait. The write lock is taken only for the audit entry, after the hash."""
    from pathways import passwords

    locked = False
    hashed_while_locked: list[bool] = []

    def began(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        nonlocal locked
        locked = locked or statement.startswith("BEGIN IMMEDIATE")

    def ended(_conn: object) -> None:
        nonlocal locked
        locked = False

    class Watched:  # the real hasher, noting whether the write lock was held when a password was checked
        def __init__(self, real: Any) -> None:
            self.real = real

        def verify(self, stored: str, password: str) -> bool:
            hashed_while_locked.append(locked)
            return bool(self.real.verify(stored, password))

    event.listen(shared.store.engine, "before_cursor_execute", began)
    event.listen(shared.store.engine, "commit", ended)
    event.listen(shared.store.engine, "rollback", ended)
    monkeypatch.setattr(passwords, "HASHER", Watched(passwords.HASHER))
    accounts.sign_in(shared.store, username="nav.smith", password=PASSWORD, workstation="pc-9")
    _sign_in_refused(shared)
    with pytest.raises(accounts.SignInFailed):
        accounts.sign_in(shared.store, username="no.such.user", password=PASSWORD, workstation="pc-9")
    assert hashed_while_locked == [False, False, False]
