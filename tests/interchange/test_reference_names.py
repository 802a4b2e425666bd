"""Sites, services and offences not on the reference lists: imported as written, and each warned about once, with
how many rows use it, the first of them, and the listed name it is probably meant to be."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from db.models import Case, Event
from pathways.actors import Actor
from pathways.interchange.importer import ImportReport, import_rows
from pathways.interchange.reader import Dataset
from pathways.interchange.reference_names import MOST_NAMES, UnlistedName
from pathways.reference import set_reference_entry
from pathways.store import Store
from tests.conftest import EXAMPLE
from tests.interchange.test_import import _counts

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = ("person_ref", "surname", "forenames", "date_of_birth", "sex")
BORN = date(1950, 1, 1)  # the first person's birthday; the next are 400 days apart (none a possible duplicate)


def _dataset(*cases: tuple[str, str, str], result: str = "eligible") -> Dataset:
    """One person and one Checkpoint case for each (site, service, offence): an arrest (site, offence), a
    screening (site; `result`) and an offer (site, service). Case i's rows are 2 + 3i, 3 + 3i and 4 + 3i."""
    people, events = [], []
    for n, (site, service, offence) in enumerate(cases):
        ref, case = f"P{n}", f"C{n}"
        people.append(
            dict(zip(PEOPLE, (ref, f"Surname{n}", "Alex", str(BORN + timedelta(days=400 * n)), "X"), strict=True))
        )
        day = f"2026-01-{n % 28 + 1:02d}"
        base = {"person_ref": ref, "case_ref": case, "pathway": "checkpoint", "site": site}
        events.append({**base, "event": "arrest", "occurred_at": f"{day}T10:00", "offence": offence})
        events.append({**base, "event": "screened", "occurred_at": f"{day}T11:00", "result": result})
        events.append({**base, "event": "offered", "occurred_at": f"{day}T12:00", "service": service})
    return Dataset.of_records(people, events)


def _found(report: ImportReport) -> list[tuple[str, str, int, tuple[int, ...], str | None, bool]]:
    return [(u.column, u.name, u.rows, u.first_rows, u.suggestion, u.only_spelling) for u in report.unlisted]


MIXED = _dataset(
    ("Basingstoke", "Inclusion Hampshire", "theft_shop"),  # all listed (the offence by its code)
    ("Basingstoke", "Inclusion Hants", "Theft from shop (Theft Act 1968 s.1)"),
    ("BASINGSTOKE", "Inclusion Hampshire", "Burglary (Theft Act 1968 s.9)"),
    ("Durham", "Inclusion Hants", "common ASSAULT"),  # an offence's label in other capitals: listed, as in the app
    ("Southampton", "cgl_portsmouth", "Shoplifting"),
    ("Basingstoke", "Inclusion Hants", "Theft from shop"),
)


def test_names_not_on_the_lists_are_imported_as_written_and_warned_about(store: Store, admin: Actor) -> None:
    report = import_rows(store, actor=admin, dataset=MIXED)
    assert report.errors == [] and report.written and report.warnings == []
    assert (report.people_added, report.cases_added, report.events_added) == (6, 6, 18)
    assert _found(report) == [
        ("site", "BASINGSTOKE", 3, (8, 9, 10), "Basingstoke", True),
        ("site", "Durham", 3, (11, 12, 13), None, False),
        ("site", "Southampton", 3, (14, 15, 16), "Southampton Central", False),
        ("service", "Inclusion Hants", 3, (7, 13, 19), "Inclusion Hampshire", False),
        ("service", "cgl_portsmouth", 1, (16,), "CGL Portsmouth", True),  # a code: events record the label
        ("offence", "Shoplifting", 1, (14,), None, False),
        ("offence", "Theft from shop", 1, (17,), "Theft from shop (Theft Act 1968 s.1)", False),
    ]
    assert report.unlisted_count == 7
    hants = report.unlisted_warnings[3]
    assert (hants.table, hants.row, hants.column, hants.value) == ("events", 7, "service", "Inclusion Hants")
    assert hants.message == (
        "not on the services list: did you mean “Inclusion Hampshire”? 3 rows (rows 7, 13, 19). Kept as written, "
        "but a treatment worker sees a case only when it names their service as the list spells it."
    )
    assert report.unlisted_warnings[0].message.startswith(
        "not on the sites list: did you mean “Basingstoke” (the same but for capitals, spaces or punctuation)? "
        "3 rows (rows 8, 9, 10). Kept as written, but site reports"
    )
    assert report.unlisted_warnings[1].message.startswith("not on the sites list: 3 rows (rows 11, 12, 13). Kept")
    assert report.unlisted_warnings[5].message == "not on the offences list: 1 row (row 14). Kept as written."
    with store.unit_of_work() as uow:  # taken exactly as the file gives them
        services = Counter(uow.session.scalars(select(Event.service).where(Event.service.is_not(None))))
        sites = Counter(uow.session.scalars(select(Case.first_site)))
        offences = set(uow.session.scalars(select(Event.offence).where(Event.offence.is_not(None))))
    assert services == {"Inclusion Hants": 3, "Inclusion Hampshire": 2, "cgl_portsmouth": 1}
    assert sites == {"Basingstoke": 3, "BASINGSTOKE": 1, "Durham": 1, "Southampton": 1}
    assert {"theft_shop", "common ASSAULT", "Shoplifting", "Theft from shop"} < offences


def test_a_dry_run_and_a_refused_dataset_warn_too_and_write_nothing(store: Store, admin: Actor) -> None:
    dry = import_rows(store, actor=admin, dataset=MIXED, dry_run=True)
    assert dry.accepted and not dry.written and len(dry.unlisted) == 7
    broken = _dataset(("Durham", "Inclusion Hampshire", "Common assault"), result="maybe")  # not a result
    refused = import_rows(store, actor=admin, dataset=broken)
    assert not refused.accepted and [e.row for e in refused.errors] == [3]
    assert _found(refused) == [("site", "Durham", 3, (2, 3, 4), None, False)]
    assert _counts(store) == (0, 0, 0)


def test_no_warning_for_listed_names_nor_retired_ones(store: Store, admin: Actor) -> None:
    set_reference_entry(store, actor=admin, list_name="sites", code="winchester", label="Winchester", flag=False)
    set_reference_entry(
        store, actor=admin, list_name="sites", code="winchester", label="Winchester", flag=False, active=False
    )
    dataset = _dataset(
        ("Basingstoke", "Inclusion Hampshire", "theft_shop"),
        ("Winchester", "Society of St James", "BURGLARY"),  # a retired site (history); an offence's code in capitals
        ("Newport (IoW)", "CGL Portsmouth", "Common assault"),
        ("Aldershot", "", ""),
    )
    report = import_rows(store, actor=admin, dataset=dataset)
    assert report.written and report.unlisted == [] and report.unlisted_warnings == []


def test_a_near_miss_of_a_retired_entry_says_so(store: Store, admin: Actor) -> None:
    set_reference_entry(
        store, actor=admin, list_name="sites", code="winchester", label="Winchester", flag=False, active=False
    )
    report = import_rows(store, actor=admin, dataset=_dataset(("Winchestr", "", "")))
    [winchestr] = report.unlisted
    assert (winchestr.suggestion, winchestr.retired) == ("Winchester", True)
    assert "did you mean “Winchester” (a retired entry)? 3 rows (rows 2, 3, 4)." in winchestr.problem().message


def test_what_counts_as_a_close_name(store: Store, admin: Actor) -> None:
    sites = ("Basingstoke Magistrates' Court", "Newport", "Southampton Centrl", "newport-iow", "Winchester")
    report = import_rows(store, actor=admin, dataset=_dataset(*((site, "", "") for site in sites)), dry_run=True)
    assert {u.name: (u.suggestion, u.only_spelling) for u in report.unlisted} == {
        "Basingstoke Magistrates' Court": (None, False),  # another place in the same town
        "Newport": ("Newport (IoW)", False),  # a listed name cut short
        "Southampton Centrl": ("Southampton Central", False),  # a near spelling
        "newport-iow": ("Newport (IoW)", True),
        "Winchester": (None, False),
    }


def test_many_rows_and_many_names(store: Store, admin: Actor) -> None:
    """The first five rows are named; past the most used names, the rest are counted in one warning."""
    many = [("Basingstok", "", f"Offence {n:03d}") for n in range(MOST_NAMES + 5)]
    report = import_rows(store, actor=admin, dataset=_dataset(*many), dry_run=True)
    site = report.unlisted[0]
    assert (site.name, site.rows, site.first_rows, site.suggestion) == (
        "Basingstok",
        165,
        (2, 3, 4, 5, 6),
        "Basingstoke",
    )
    assert site.problem().message.startswith(
        "not on the sites list: did you mean “Basingstoke”? 165 rows (first rows 2, 3, 4, 5, 6)."
    )
    offences = report.unlisted[1:]
    assert len(offences) == MOST_NAMES + 1 and report.unlisted_count == 1 + MOST_NAMES + 5
    assert [u.name for u in offences[:2]] == ["Offence 000", "Offence 001"]  # one row each: in the file's order
    rest = offences[-1]
    assert rest == UnlistedName("offence", "", 5, (152, 155, 158, 161, 164), more_names=5)
    assert rest.problem().message == (
        f"5 more names not on the offences list, in 5 rows (rows 152, 155, 158, 161, 164): only the {MOST_NAMES} "
        "most used are listed one by one. Kept as written."
    )


def _pathways(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATHWAYS_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )


def test_the_command_line_lists_the_names_and_still_imports(tmp_path: Path) -> None:
    """The worked example names two sites and two services that are not on the starting lists."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    dry = _pathways("import", str(EXAMPLE), "--dry-run", url=url)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[:2] == [
        "Sites, services and offences not on the reference lists, kept as written (4):",
        "  table\trow\tcolumn\tvalue\tproblem",
    ]
    assert lines[2].startswith("  events\t15\tsite\tDurham\tnot on the sites list: 3 rows (rows 15, 16, 17). Kept")
    assert lines[5].startswith("  events\t22\tservice\tCranstoun\tnot on the services list: 5 rows (rows 22, 23, ")
    assert lines[-1] == "The dataset would be taken (dry run: nothing was written)."
    done = _pathways("import", str(EXAMPLE), url=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(lines[0]) and done.stdout.count("\tnot on the ") == 4
    assert done.stdout.endswith("Imported: 5 people, 5 cases, 25 events added.\n")
