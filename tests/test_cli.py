"""The headless commands, run as a user would run them: `python main.py ...` in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from db.backup import backup_sqlite
from tests.conftest import EXAMPLE

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = json.loads((EXAMPLE / "expected.json").read_text())


def pathways(*args: str, url: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATHWAYS_DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}: {result.stdout}\n{result.stderr}")
    return result


def test_import_report_export_round_trip(database_url: str, tmp_path: Path) -> None:
    assert "Imported: 5 people, 5 cases, 25 events added." in pathways("import", str(EXAMPLE), url=database_url).stdout
    for key, expected in EXPECTED.items():
        pathway, period = key.split(" ")
        start, end = period.split("..")
        out = pathways(
            "report", "cohort", "--pathway", pathway, "--from", start, "--to", end, "--format", "json", url=database_url
        ).stdout
        answer = json.loads(out)
        assert answer["figures"] == expected
        assert (answer["pathway"], answer["from"], answer["to"]) == (pathway, start, end)
    pathways("export", "--output", str(tmp_path / "out"), "--recipient", "own_records", url=database_url)
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    pathways("import", str(tmp_path / "out"), url=empty)
    dtoa = pathways(
        "--database-url",
        empty,
        "report",
        "cohort",
        "--pathway",
        "dtoa",
        "--from",
        "2023-03-01",
        "--to",
        "2023-03-31",
        url="sqlite:///unused-because-option-wins.sqlite",
    ).stdout
    assert json.loads(dtoa)["figures"] == EXPECTED["dtoa 2023-03-01..2023-03-31"]


def test_refused_import_exits_non_zero_and_lists_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "people.csv").write_text("person_ref,surname,forenames,date_of_birth,sex\nP1,Doe,Jo,1990-02-31,F\n")
    (folder / "events.csv").write_text("person_ref,case_ref,pathway,event,occurred_at\n")
    result = pathways("import", str(folder), url=url, check=False)
    assert result.returncode == 1
    assert "The dataset was refused and nothing was written. Errors (1):" in result.stdout
    assert "people\t2\tdate_of_birth\t1990-02-31\tthe date is not a real date" in result.stdout
    dry = pathways("import", str(EXAMPLE), "--dry-run", url=url)
    assert "would be taken (dry run: nothing was written)" in dry.stdout
    report = pathways("report", "cohort", "--pathway", "dtoa", "--from", "2023-01-01", "--to", "2023-12-31", url=url)
    assert json.loads(report.stdout)["figures"]["cases"] == 0


def test_bad_arguments_get_plain_messages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    wrong_date = pathways(
        "report", "cohort", "--pathway", "dtoa", "--from", "2023-13-01", "--to", "2023-12-31", url=url, check=False
    )
    assert wrong_date.returncode == 2 and "'2023-13-01' is not a date written YYYY-MM-DD" in wrong_date.stderr
    unknown = pathways(
        "report", "cohort", "--pathway", "dtao", "--from", "2023-01-01", "--to", "2023-12-31", url=url, check=False
    )
    assert unknown.returncode == 2 and "There is no pathway called 'dtao'" in unknown.stderr
    letter = tmp_path / "letter.sqlite"
    letter.write_text("Dear Sir, " * 500)
    foreign = pathways(
        "export", "--output", str(tmp_path / "x"), "--recipient", "own_records", url=f"sqlite:///{letter}", check=False
    )
    assert foreign.returncode == 2 and "could not be opened" in foreign.stderr
    assert letter.read_text() == "Dear Sir, " * 500


def test_backup_command_makes_a_sound_copy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    pathways("import", str(EXAMPLE), url=url)
    pathways("backup", "--output", str(tmp_path / "copy.sqlite"), url=url)
    with sqlite3.connect(tmp_path / "copy.sqlite") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM events").fetchone() == (25,)
        actors = {r[0] for r in copy.execute("SELECT actor FROM audit_log WHERE action = 'import_dataset'")}
    assert actors == {f"os:{os.environ.get('USER') or __import__('getpass').getuser()}"}


def _large_dataset(folder: Path, people: int) -> None:
    folder.mkdir()
    born = date(1940, 1, 1)
    with (folder / "people.csv").open("w") as handle:
        handle.write("person_ref,surname,forenames,date_of_birth,sex\n")
        for n in range(people):  # distinct birthdays, so no one looks like a duplicate of anyone
            handle.write(f"K{n},Surname{n},Forename,{born + timedelta(days=n)},M\n")
    with (folder / "events.csv").open("w") as handle:
        handle.write("person_ref,case_ref,pathway,event,occurred_at,offence,basis,result,substances,reason\n")
        for n in range(people):
            handle.write(f"K{n},KC{n},dtoa,arrest,2024-02-01T10:00,Theft,trigger,,,\n")
            handle.write(f"K{n},KC{n},dtoa,test,2024-02-01T11:00,,,negative,,\n")
            handle.write(f"K{n},KC{n},dtoa,closed,2024-02-01T12:00,,,,,negative test\n")


@pytest.mark.slow
def test_a_killed_import_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    """Kill -9 an import at points across its run: the database holds all of it or none of it, and stays sound."""
    path, scratch = tmp_path / "p.sqlite", tmp_path / "scratch.sqlite"
    url = f"sqlite:///{path}"
    pathways("import", str(EXAMPLE), url=url)
    _large_dataset(tmp_path / "big", 12000)
    started = time.monotonic()  # how long a whole import takes on this machine, measured on a copy
    backup_sqlite(path, scratch)
    pathways("import", str(tmp_path / "big"), url=f"sqlite:///{scratch}")
    duration = time.monotonic() - started
    killed_mid_import = 0
    for fraction in (0.3, 0.45, 0.6, 0.7, 0.8, 0.9):
        env = {**os.environ, "PATHWAYS_DATABASE_URL": url}
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "import", str(tmp_path / "big")],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(duration * fraction)
        if process.poll() is None:
            killed_mid_import += 1
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
            counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("people", "cases", "events")]
        if counts != [5, 5, 25]:
            assert counts == [12005, 12005, 36025], f"a partial import survived a kill at {fraction:.0%} of its run"
            break
    assert killed_mid_import >= 2  # the rest may have finished first on a fast machine: all-or-nothing still holds
