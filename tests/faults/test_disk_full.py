"""A full disk during a save, an import and the exports (the interchange CSV files, a cohort report as a PDF):
a clear message, the database as it was, and no half-written file where a finished one is expected.

The disk is a real small filesystem, a tmpfs mounted for each test and filled up with a filler file (root may
mount one, and CI runs as root). Where mounting is impossible (not root, or a container without the right to
mount), the same tests run instead with each writing process's file-size limit (RLIMIT_FSIZE) set to the room the
disk would have left: a write past it fails with EFBIG, as a write to a full disk fails with ENOSPC. Set
PATHWAYS_FAULTS_NO_MOUNT=1 to run them that way by choice.

The database's own connection to its write-ahead log is kept open by the test throughout (as a running Pathways
keeps it), so the log and its index need no new room to be opened.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from pathways.actors import Actor
from pathways.clock import now_utc
from pathways.consent import SharingRequest
from pathways.definitions import load_definitions
from pathways.interchange.exporter import ExportFilter, export_dataset
from pathways.interchange.importer import import_dataset
from pathways.services.people import register_person
from pathways.services.steps import start_case
from pathways.store import open_store
from tests.conftest import EXAMPLE
from tests.faults.children.jobs import write_dataset
from tests.faults.consistency import cases_consistent, chain_verifies, contents, reading, sqlite_sound

ROOT = Path(__file__).resolve().parents[2]
NO_MOUNT = "PATHWAYS_FAULTS_NO_MOUNT"
SIZE = "16m"
FULL = "The disk is full (or could not be written to), so "
FREE_SOME = "Free some space on the disk, or ask your IT support to, then try again."
WAIT = 60.0  # seconds for a child's answer


class SmallDisk:
    """A folder on a small filesystem that the test fills up and frees again; or, where no filesystem can be
    mounted, a plain folder and a file-size limit on the processes that write (see the module's description)."""

    def __init__(self, folder: Path, unmountable: str | None) -> None:
        self.folder = folder
        self.unmountable = unmountable  # why no tmpfs could be mounted; None when one is
        self.filler = folder / "filler"
        self.room: int | None = None  # the room left while full; None while not full

    @property
    def how(self) -> str:
        return "a full tmpfs" if self.unmountable is None else f"RLIMIT_FSIZE (no tmpfs: {self.unmountable})"

    def fill(self, leave: int = 0) -> None:
        """Leave only `leave` bytes of room (with the fallback: let no file grow past `leave` bytes)."""
        self.room = leave
        if self.unmountable is not None:
            return
        self.filler.unlink(missing_ok=True)
        with self.filler.open("wb", buffering=0) as handle:
            for chunk in (1 << 20, 4096):
                try:
                    while True:
                        handle.write(b"\0" * chunk)
                except OSError as exc:
                    assert exc.errno == 28, exc  # ENOSPC: the disk is full
        os.truncate(self.filler, max(self.filler.stat().st_size - leave, 0))

    def free(self) -> None:
        self.room = None
        self.filler.unlink(missing_ok=True)

    def limit(self, pid: int) -> None:
        """Make a running process feel the disk as it now is (with the fallback; nothing to do on a tmpfs)."""
        if self.unmountable is not None:
            _soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            resource.prlimit(
                pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY if self.room is None else self.room, hard)
            )

    def preexec(self) -> None:
        """In a child about to start: a write past the limit is refused with EFBIG (as Python itself arranges),
        not punished with SIGXFSZ; and the limit, when the disk is full."""
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        self.limit(os.getpid())


def _mount(folder: Path) -> str | None:
    if os.environ.get(NO_MOUNT):
        return f"{NO_MOUNT} is set"
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError as exc:
        return f"mount could not be run: {exc}"
    return None if done.returncode == 0 else (done.stderr.strip() or f"mount exit {done.returncode}")


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    folder = tmp_path / "disk"
    folder.mkdir()
    small = SmallDisk(folder, _mount(folder))
    print(f"disk full simulated with {small.how}")
    yield small
    if small.unmountable is None:
        subprocess.run(["umount", "--lazy", str(folder)], check=True, timeout=30)


@pytest.fixture
def holder(disk: SmallDisk) -> Iterator[sqlite3.Connection]:
    """The database's own connection, open throughout (see the module's description)."""
    store = open_store(f"sqlite:///{disk.folder / 'pathways.sqlite'}")
    store.engine.dispose()
    connection = sqlite3.connect(disk.folder / "pathways.sqlite")
    connection.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the log and its index
    yield connection
    connection.close()


def _sound(path: Path) -> None:
    sqlite_sound(path)
    with reading(f"sqlite:///{path}", load_definitions()) as store, store.session_factory() as session:
        chain_verifies(session)
        cases_consistent(store, session)


def _pathways(disk: SmallDisk, *args: str) -> subprocess.CompletedProcess[str]:
    url = f"sqlite:///{disk.folder / 'pathways.sqlite'}"
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--database-url", url, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        preexec_fn=disk.preexec,
    )


def _refused(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith(FULL) and "Traceback" not in result.stderr, result.stderr


def _answer(child: subprocess.Popen[str]) -> str:
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], WAIT)
    assert ready, "the saving program did not answer"
    return child.stdout.readline().strip()


def _ask(child: subprocess.Popen[str], request: str) -> str:
    assert child.stdin is not None
    child.stdin.write(request + "\n")
    child.stdin.flush()
    return _answer(child)


def test_a_save_on_a_full_disk_is_refused_in_plain_words_and_changes_nothing(
    disk: SmallDisk, holder: sqlite3.Connection, navigator: Actor
) -> None:
    path = disk.folder / "pathways.sqlite"
    store = open_store(f"sqlite:///{path}")
    person = register_person(
        store, actor=navigator, surname="Full", forenames="Disk", date_of_birth=date(1980, 1, 1), sex="M"
    )
    arrest = {"offence": "Theft from shop (Theft Act 1968 s.1)", "basis": "trigger", "site": "Basingstoke"}
    at = now_utc() - timedelta(days=3)
    case_id = start_case(
        store, actor=navigator, person_id=person.id, pathway="dtoa", event="arrest", occurred_at=at, values=arrest
    ).case_id
    store.engine.dispose()
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.children.save_when_told", f"sqlite:///{path}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=disk.preexec,
    )
    try:
        assert _answer(child) == "ready"
        before = contents(path)
        disk.fill()
        disk.limit(child.pid)
        for request in ("register Fuller", f"test {case_id}"):
            answer = _ask(child, request)
            assert answer.startswith(f"refused {FULL}nothing was saved. Free some space"), answer
        assert contents(path) == before
        _sound(path)
        disk.free()
        disk.limit(child.pid)
        saved = [_ask(child, request) for request in ("register Fuller", f"test {case_id}")]
        assert all(answer.startswith("saved ") for answer in saved), saved
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=WAIT)
    after = contents(path)
    assert len(after["people"]) == len(before["people"]) + 1 and len(after["events"]) == len(before["events"]) + 1
    _sound(path)


def test_an_import_onto_a_full_disk_writes_nothing(disk: SmallDisk, holder: sqlite3.Connection, tmp_path: Path) -> None:
    path = disk.folder / "pathways.sqlite"
    write_dataset(tmp_path / "dataset", 1, 300)
    before = contents(path)
    disk.fill()
    result = _pathways(disk, "import", str(tmp_path / "dataset"))
    _refused(result)
    assert "Imported" not in result.stdout
    disk.free()
    assert contents(path) == before
    _sound(path)


def _room_in_the_log(holder: sqlite3.Connection, commits: int = 120) -> None:
    """Grow the write-ahead log by some hundreds of kilobytes, then checkpoint it, so that the next writes reuse that
    room from its start: a report's audit entry can then be saved on the full disk, and it is the report's own file
    that meets the full disk (as it would in a Pathways that has been running for a while)."""
    (kept,) = holder.execute("PRAGMA user_version").fetchone()
    for number in range(commits):  # each commit writes the database's first page again: a page more in the log
        holder.execute(f"PRAGMA user_version = {kept if number == commits - 1 else number + 1}")
    busy, frames, done = holder.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and frames == done >= commits


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _without_audit(contents: dict[str, list[str]]) -> dict[str, list[str]]:
    return {table: rows for table, rows in contents.items() if table not in ("audit_log", "settings")}


def test_exports_onto_a_full_disk_leave_no_half_written_file(
    disk: SmallDisk, holder: sqlite3.Connection, admin: Actor, tmp_path: Path
) -> None:
    """The interchange export (people.csv and events.csv) and a cohort report as a PDF, written where earlier ones
    are: the earlier files stay whole (never half-overwritten, never a new people.csv beside an old events.csv)."""
    path = disk.folder / "pathways.sqlite"
    store = open_store(f"sqlite:///{path}")
    import_dataset(store, actor=admin, path=EXAMPLE)
    write_dataset(tmp_path / "dataset", 1, 300)
    import_dataset(store, actor=admin, path=tmp_path / "dataset")
    out = disk.folder / "out"
    own = SharingRequest("own_records", "record_keeping")
    export_dataset(
        store, actor=admin, folder=out, selection=ExportFilter(pathway="divert"), sharing=own
    )  # an earlier one
    store.engine.dispose()
    (out / "cohort.pdf").write_bytes(b"%PDF-1.4 the report printed last month")
    earlier = _files(out)
    _room_in_the_log(holder)
    before = contents(path)

    disk.fill(leave=48 * 1024)  # room for the new people.csv (about 12 kB), not for events.csv (about 135 kB)
    _refused(_pathways(disk, "export", "--output", str(out), "--recipient", "own_records"))
    assert _files(out) == earlier  # the earlier pair, whole and matching; no temporary file left behind
    assert contents(path) == before  # not even the export's audit entry

    disk.fill(leave=40 * 1024)  # room for the report's audit entry, not for the PDF (about 55 kB)
    cohort = ["report", "cohort", "--pathway", "dtoa", "--from", "2023-01-01", "--to", "2023-12-31"]
    _refused(_pathways(disk, *cohort, "--format", "pdf", "--output", str(out / "cohort.pdf")))
    assert _files(out) == earlier  # last month's report untouched
    after = contents(path)
    assert _without_audit(after) == _without_audit(before)
    new = after["audit_log"][len(before["audit_log"]) :]
    assert len(new) == 1 and "'report_cohort'" in new[0]  # the figures were worked out and shown: that is audited
    _sound(path)

    disk.free()
    assert _pathways(disk, *cohort, "--format", "pdf", "--output", str(out / "cohort.pdf")).returncode == 0
    assert "Drug Testing on Arrest" in PdfReader(out / "cohort.pdf").pages[0].extract_text()


def test_work_on_a_background_thread_that_meets_a_full_disk_says_so(disk: SmallDisk, qtbot: QtBot) -> None:
    """What the screens run in the background (imports, exports, PDFs: ui/operations.py) reports a full disk in
    the same words, with nothing left half-written."""
    if disk.unmountable is not None:
        pytest.skip(f"this needs a full disk under the test's own process, and no tmpfs could be mounted: {disk.how}")
    from PySide6.QtCore import QObject

    from reports.pdf_base import write_atomically
    from ui.operations import OperationRunner

    owner = QObject()
    runner = OperationRunner(owner)
    disk.fill()
    failed: list[str] = []
    runner.start(
        "save",
        lambda _progress: write_atomically(disk.folder / "report.pdf", b"%PDF-1.4 " * 20_000),
        finished=print,
        failed=failed.append,
    )
    qtbot.waitUntil(lambda: bool(failed), timeout=int(WAIT * 1000))
    assert failed == [f"{FULL}it was not finished: nothing was half-saved. {FREE_SOME}"]
    assert sorted(disk.folder.iterdir()) == [disk.filler]


def test_starting_on_a_full_disk_says_the_disk_is_full(disk: SmallDisk) -> None:
    """A new database cannot be made on a full disk: the message says why, in words; with room again, it starts."""
    disk.fill()
    result = _pathways(disk, "migrate")
    disk.free()
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "could not be opened because the disk is full" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    again = _pathways(disk, "migrate")
    assert again.returncode == 0, (again.stdout, again.stderr)
    sqlite_sound(disk.folder / "pathways.sqlite")
