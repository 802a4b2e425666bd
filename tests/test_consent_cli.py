"""Consent to share at the command line: `export` and `report case` say who the record is for, and are refused, with
nothing written, for people who have not agreed, unless --lawful-basis names a law that allows it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.test_cli import pathways


@pytest.fixture
def example(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    path = tmp_path / "pathways.sqlite"
    url = f"sqlite:///{path}"
    pathways("import", str(EXAMPLE), url=url)
    yield url, path


def _audit(path: Path, action: str, outcome: str = "ok") -> list[tuple[int | None, str | None]]:
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT record_id, detail FROM audit_log WHERE action = ? AND outcome = ? ORDER BY seq", (action, outcome)
        ).fetchall()


def test_an_export_names_who_it_is_for_or_is_the_services_own(example: tuple[str, Path], tmp_path: Path) -> None:
    url, path = example
    out = tmp_path / "out"
    result = pathways("export", "--output", str(out), "--recipient", "police", url=url, check=False)
    assert result.returncode == 2
    assert "Say what it is shared with the police for: --sharing-purpose prosecution, supervision." in result.stderr
    wrong = ("--recipient", "ndtms", "--lawful-basis", "drugs_act_2005_s12_s14")
    result = pathways("export", "--output", str(out), *wrong, url=url, check=False)
    assert result.returncode == 2 and "is not a law that allows sharing with NDTMS" in result.stderr
    assert not out.exists() and _audit(path, "export_dataset") == []
    own = pathways("export", "--output", str(tmp_path / "own"), url=url)  # the spec's command line, unchanged
    assert own.returncode == 0 and (tmp_path / "own" / "events.csv").exists()
    assert [detail for _, detail in _audit(path, "export_dataset")] == [
        "people 5, cases 5, events 25, to own_records:record_keeping"
    ]


def test_an_export_for_ndtms_is_refused_without_agreement_or_a_law(example: tuple[str, Path], tmp_path: Path) -> None:
    url, path = example
    out = tmp_path / "out"
    result = pathways("export", "--output", str(out), "--recipient", "ndtms", url=url, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "5 people in this export have not agreed to share with NDTMS for national monitoring (cases EC1, EC2, EC3, "
        "EC4, EC5). Record the law that allows it, ask them, or export fewer cases. Nothing was written. To record "
        "the law: --lawful-basis followed by one of court_order (An order of the court requiring the disclosure)."
    )
    assert not out.exists() and _audit(path, "export_dataset") == [] and _audit(path, "share_under_law") == []
    assert _audit(path, "export_dataset", "refused") == [(None, "not agreed to ndtms:monitoring; people 1, 2, 3, 4, 5")]

    done = pathways("export", "--output", str(out), "--recipient", "ndtms", "--lawful-basis", "court_order", url=url)
    assert "Exported 5 people, 5 cases and 25 events" in done.stdout
    assert [detail for _id, detail in _audit(path, "share_under_law")] == ["ndtms:monitoring under court_order"] * 5
    assert _audit(path, "export_dataset") == [(None, "people 5, cases 5, events 25, to ndtms:monitoring")]


def test_a_case_summary_for_the_court_is_refused_without_agreement(example: tuple[str, Path], tmp_path: Path) -> None:
    url, path = example
    pdf = tmp_path / "court.pdf"
    args = ("report", "case", "--person", "E002", "--output", str(pdf), "--purpose", "court")
    result = pathways(*args, url=url, check=False)
    assert result.returncode == 2
    assert "Say what it is shared with the court for: --sharing-purpose supervision, prosecution." in result.stderr
    result = pathways(*args, "--sharing-purpose", "supervision", url=url, check=False)
    assert result.returncode == 2 and not pdf.exists()
    assert result.stderr.startswith(
        "Ruksana Begum has not agreed to share with the court to supervise a court order or licence. Record the law "
        "that allows it, or ask them. Nothing was written. To record the law: --lawful-basis followed by one of "
        "sentencing_act_2020_sch9"
    )
    assert _audit(path, "print_case_summary") == [] and _audit(path, "view_person") == []
    assert [detail for _id, detail in _audit(path, "print_document", "refused")] == ["not agreed to court:supervision"]
    done = pathways(*args, "--sharing-purpose", "supervision", "--lawful-basis", "sentencing_act_2020_sch9", url=url)
    assert "was written to" in done.stdout and pdf.exists()
    (person_id, _detail), *_ = _audit(path, "print_case_summary")
    assert _audit(path, "share_under_law") == [(person_id, "court:supervision under sentencing_act_2020_sch9")]
