"""`main.py report cohort` in every format and `main.py report case`, run as a user runs them (a subprocess)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from pathways.definitions import load_definitions
from reports.cohort_tables import figure_tables
from reports.figures import FigureValue
from reports.publication import hidden_in_tables, publish_tables, published_figures
from tests.conftest import EXAMPLE
from tests.test_cli import EXPECTED, pathways

DTOA = ("--pathway", "dtoa", "--from", "2023-03-01", "--to", "2023-03-31")
DTOA_FIGURES: dict[str, FigureValue] = EXPECTED["dtoa 2023-03-01..2023-03-31"]
SMALL = {1, 2, 3, 4}


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The interchange example, imported once into a SQLite database (url, path)."""
    path = tmp_path_factory.mktemp("db") / "pathways.sqlite"
    url = f"sqlite:///{path}"
    pathways("import", str(EXAMPLE), url=url)
    yield url, path


def cohort(url: str, *args: str, check: bool = True) -> str:
    result = pathways("report", "cohort", *DTOA, *args, url=url, check=check)
    return result.stdout


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def funnel_values(path: Path) -> dict[str, object]:
    """Label → count of the funnel sheet of a cohort workbook."""
    values: dict[str, object] = {}
    for label, count in load_workbook(path)["funnel"].iter_rows(min_row=5, max_col=2, values_only=True):
        if label is None:  # the blank row under the table
            break
        values[str(label)] = count
    return values


def test_json_still_prints_when_no_output_is_given(example: tuple[str, Path]) -> None:
    url, _ = example
    answer = json.loads(cohort(url, "--format", "json"))
    assert answer["figures"] == DTOA_FIGURES
    assert "suppressed" not in answer
    assert answer["tables"][0]["key"] == "funnel"


def test_every_format_writes_a_file_holding_the_figures(example: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = example
    for form in ("json", "pdf", "csv", "xlsx"):
        out = cohort(url, "--format", form, "--output", str(tmp_path / f"cohort.{form}"))
        assert f"The cohort report ({form}) was written to {tmp_path / f'cohort.{form}'}." in out
    answer = json.loads((tmp_path / "cohort.json").read_text(encoding="utf-8"))
    assert answer["figures"] == DTOA_FIGURES and "suppressed" not in answer

    text = pdf_text(tmp_path / "cohort.pdf")
    assert "Drug Testing on Arrest: cohort report" in text
    assert "Not for publication" in text
    assert "66.7%" in text  # tested, of eligible: 2 of 3
    assert answer["data_version"] in text

    rows = {(r["table"], r["row"]): r for r in csv_rows(tmp_path / "cohort.csv")}
    about = {row: r["value"] for (table, row), r in rows.items() if table == "report"}
    assert about["Pathway"] == "Drug Testing on Arrest" and about["Copy"] == "Not for publication"
    assert (about["Cases starting from"], about["Cases starting to"]) == ("2023-03-01", "2023-03-31")
    assert about["Data version"] == answer["data_version"]
    assert rows[("funnel", "Cases")]["value"] == str(DTOA_FIGURES["cases"])
    assert rows[("funnel", "Tested")] == {
        "table": "funnel",
        "row": "Tested",
        "column": "Number",
        "value": "2",
        "percent": "66.7",
        "percent_of": "Eligible",
    }
    assert rows[("funnel", "Prosecuted")]["value"] == "2"
    assert {table for table, _row in rows} >= {"funnel", "by_site", "by_month"}

    book = load_workbook(tmp_path / "cohort.xlsx")
    assert book.sheetnames[0] == "funnel" and "by_site" in book.sheetnames
    funnel = funnel_values(tmp_path / "cohort.xlsx")
    expected = {"Cases": 3, "Eligible": 3, "Tested": 2, "Positive": 1, "Prosecuted": 2}
    assert {label: funnel[label] for label in expected} == expected
    sheet = book["funnel"]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert texts[0].startswith("Drug Testing on Arrest: cohort report") and "not for publication" in texts[0]
    assert f"data version {answer['data_version']}" in texts[-1]
    assert "1 March 2023 to 31 March 2023" in texts[-1]


def test_publication_hides_every_small_count_in_every_format(example: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = example
    printed = json.loads(cohort(url, "--format", "json", "--publication"))
    assert printed["suppressed"] is True
    for key, exact in DTOA_FIGURES.items():
        shown = printed["figures"][key]
        if isinstance(exact, int):  # the example's March cohort is tiny: every count is 0 or 1 to 4
            assert shown == ("*" if exact in SMALL else exact), key
        else:
            assert shown in ("*", None), key  # a share of a hidden count would give it away
    for table in printed["tables"]:
        for row in table["rows"]:
            assert not SMALL & {c for c in row["counts"] if isinstance(c, int)}, (table["key"], row)

    for form in ("pdf", "csv", "xlsx"):
        out = cohort(url, "--format", form, "--output", str(tmp_path / f"public.{form}"), "--publication")
        assert "Counts of 1 to 4 are shown as *." in out
    text = pdf_text(tmp_path / "public.pdf")
    assert "Not for publication" not in text and "66.7%" not in text

    rows = csv_rows(tmp_path / "public.csv")
    about = {r["row"]: r["value"] for r in rows if r["table"] == "report"}
    assert about["Copy"].startswith("For publication")
    counts = [r for r in rows if r["table"] != "report"]
    assert {r["value"] for r in counts} <= {"*", "0", ""}
    assert {r["percent"] for r in counts} <= {"*", ""}

    book = load_workbook(tmp_path / "public.xlsx")
    for sheet in book.worksheets:
        for line in sheet.iter_rows(min_row=5):
            for cell in line:
                assert not (isinstance(cell.value, int) and cell.value in SMALL), (sheet.title, cell.coordinate)
    funnel = funnel_values(tmp_path / "public.xlsx")
    assert funnel["Cases"] == "*" and funnel["Initial assessment missed"] == 0
    assert book["funnel"]["A1"].value == "Drug Testing on Arrest: cohort report"


def test_published_figures_hide_what_the_published_tables_hide() -> None:
    """A count the tables hide to protect another (a total row, parts of a whole) is hidden in the figures too."""
    definition = load_definitions()["dtoa"]
    figures: dict[str, FigureValue] = {
        **{key: 0 for key in DTOA_FIGURES},
        "cases": 40,
        "eligible": 30,
        "tested": 10,
        "tested_pct": 33.3,
        "tested_trigger": 8,
        "tested_inspector": 2,
        "positive": 10,
        "positive_pct": 100.0,
        "positive_both": 10,
    }
    published = publish_tables("dtoa", figure_tables(definition, figures))
    hidden = hidden_in_tables("dtoa", figures, published)
    assert hidden == {"tested_trigger", "tested_inspector"}  # 2 is small; 8 = 10 - 2 would give it away
    parts = {f.key: (f.spec["pct"][0], f.spec["pct"][1]) for f in definition.figures if "pct" in f.spec}
    shown = published_figures(figures, parts, hidden)
    assert shown["tested_trigger"] == shown["tested_inspector"] == "*"
    assert (shown["tested"], shown["tested_pct"], shown["cases"], shown["refused"]) == (10, 33.3, 40, 0)
    small = published_figures({"cases": 3, "eligible": 12, "tested": 3, "tested_pct": 25.0, "needs": {"a": 2}}, parts)
    assert small == {"cases": "*", "eligible": 12, "tested": "*", "tested_pct": "*", "needs": {"a": "*"}}


def test_file_formats_need_an_output_and_nothing_is_opened_without_one(tmp_path: Path) -> None:
    path = tmp_path / "never.sqlite"
    for form, words in (("pdf", "PDF"), ("csv", "CSV file"), ("xlsx", "workbook (.xlsx)")):
        result = pathways("report", "cohort", *DTOA, "--format", form, url=f"sqlite:///{path}", check=False)
        assert result.returncode == 2
        assert result.stderr.strip() == f"Give --output FILE: the {words} is written to a file, not printed."
    missing = tmp_path / "no such folder" / "cohort.pdf"
    result = pathways(
        "report", "cohort", *DTOA, "--format", "pdf", "--output", str(missing), url=f"sqlite:///{path}", check=False
    )
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert not path.exists()


def test_case_summary_for_the_court(example: tuple[str, Path], tmp_path: Path) -> None:
    url, path = example
    court = ("--purpose", "court", "--sharing-purpose", "prosecution")
    law = ("--lawful-basis", "dpa_2018_sch2_para2")  # Daniel Hughes has not agreed: the law allowing it is recorded
    out = pathways("report", "case", "--person", "E001", "--output", str(tmp_path / "x.pdf"), *court, *law, url=url)
    assert f"The case summary for the court was written to {tmp_path / 'x.pdf'}." in out.stdout
    text = pdf_text(tmp_path / "x.pdf")
    assert "HUGHES, Daniel" in text and "Case summary for the court" in text
    assert "EC1" in text and "Begum" not in text
    with sqlite3.connect(path) as db:
        (person_id,) = db.execute("SELECT id FROM people WHERE person_ref = 'E001'").fetchone()
        audit = db.execute(
            "SELECT record_type, record_id, detail FROM audit_log WHERE action = 'print_case_summary'"
        ).fetchall()
        shared = db.execute("SELECT record_id, detail FROM audit_log WHERE action = 'share_under_law'").fetchall()
        db.execute(  # he agrees to share with the treatment provider (as the consent dialog records it)
            "INSERT INTO consents (person_id, recipient, purpose, agreed, recorded_at, recorded_by) "
            "VALUES (?, 'treatment_provider', 'treatment', 1, '2026-11-29 12:00:00.000000', 'nav.smith')",
            (person_id,),
        )
    assert ("person", person_id, "for court, to court:prosecution") in audit
    assert (person_id, "court:prosecution under dpa_2018_sch2_para2") in shared
    pathways(
        "report",
        "case",
        "--person",
        f"id:{person_id}",
        "--output",
        str(tmp_path / "y.pdf"),
        "--purpose",
        "treatment",
        url=url,
    )
    assert "Case summary for the treatment service" in pdf_text(tmp_path / "y.pdf")
    assert "HUGHES, Daniel" in pdf_text(tmp_path / "y.pdf")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--person", "E999", "--purpose", "court", "--sharing-purpose", "prosecution"),
            "There is no person with the reference 'E999'.",
        ),
        (
            ("--person", "id:999", "--purpose", "court", "--sharing-purpose", "prosecution"),
            "There is no person with the record number 999.",
        ),
        (
            ("--person", "id:E001", "--purpose", "court", "--sharing-purpose", "prosecution"),
            "'id:E001' is not a record number",
        ),
        (("--person", "E001", "--purpose", "judge"), "There is no case summary for 'judge': give --purpose followed"),
        (
            (
                "--person",
                "E001",
            ),
            "Say who the case summary is for: --purpose followed by one of probation, court, ",
        ),
    ],
)
def test_case_summary_refusals_are_plain(
    example: tuple[str, Path], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    url, _ = example
    result = pathways("report", "case", *args, "--output", str(tmp_path / "x.pdf"), url=url, check=False)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_case_summary_needs_an_output(example: tuple[str, Path]) -> None:
    url, _ = example
    result = pathways("report", "case", "--person", "E001", "--purpose", "court", url=url, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == "Give --output FILE: the case summary is a PDF written to a file."


def test_case_summary_for_probation_holds_the_screenings(tmp_path: Path) -> None:
    """The headless command reads the person's screenings for a reader who gets them, as the Documents menu does."""
    from datetime import UTC, datetime

    from pathways.actors import Actor, Role
    from pathways.services.screening import screen_case
    from pathways.store import open_store
    from tests.pathways.test_instruments import pgsi_answers
    from tests.pathways.test_screening_service import SCREENED, _gambling_case

    path = tmp_path / "pathways.sqlite"
    url = f"sqlite:///{path}"
    pathways("import", str(EXAMPLE), url=url)
    store = open_store(url, clock=lambda: datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    navigator = Actor("nav.smith", Role.CUSTODY_NAVIGATOR, "custody-pc-1", site="Basingstoke")
    with sqlite3.connect(path) as db:
        (person_id,) = db.execute("SELECT id FROM people WHERE person_ref = 'E001'").fetchone()
    case_id = _gambling_case(store, navigator, person_id)
    screen_case(
        store, actor=navigator, case_id=case_id, instrument="pgsi", answers=pgsi_answers(2), occurred_at=SCREENED
    )
    store.engine.dispose()
    probation = (
        "--purpose",
        "probation",
        "--sharing-purpose",
        "supervision",
        "--lawful-basis",
        "sentencing_act_2020_sch9",
    )
    pathways("report", "case", "--person", "E001", "--output", str(tmp_path / "p.pdf"), *probation, url=url)
    text = " ".join(pdf_text(tmp_path / "p.pdf").split())
    assert "Screened with Problem Gambling Severity Index (PGSI), version 1" in text
    assert "PGSI score 2: low-risk gambling" in text
    with sqlite3.connect(path) as db:
        viewed = db.execute("SELECT record_id FROM audit_log WHERE action = 'view_screenings'").fetchall()
    assert viewed == [(person_id,)]


@pytest.mark.parametrize(
    ("command", "start", "end", "message"),
    [
        ("report", "2023-03-01", "9999-12-31", "31 December 9999 is outside the dates Pathways reports on"),
        ("report", "0001-01-01", "0001-01-02", "1 January 0001 is outside the dates Pathways reports on"),
        ("report", "2023-03-31", "2023-03-01", "The end of the period is before its start."),
        ("export", "2023-03-01", "9999-12-31", "31 December 9999 is outside the dates Pathways reports on"),
    ],
)
def test_a_period_at_the_calendars_ends_is_refused_in_words(
    example: tuple[str, Path], tmp_path: Path, command: str, start: str, end: str, message: str
) -> None:
    """The calendar's own first and last days crashed the report and the export (a month added past year 9999)."""
    url, _ = example
    period = ("--from", start, "--to", end)
    args: tuple[str, ...]
    if command == "report":
        args = ("report", "cohort", "--pathway", "dtoa", *period, "--format", "json")
    else:
        args = ("export", "--output", str(tmp_path / "out"), "--recipient", "own_records", *period)
    result = pathways(*args, url=url, check=False)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
