"""The written notice of a required assessment, read back from the PDF it writes."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports.notice import AssessmentNotice, notice_pdf_bytes, write_notice
from reports.pdf_base import styles

# 23:30 UTC on Monday 2 June 2025 is 00:30 BST on Tuesday 3 June.
NOTICE = AssessmentNotice(
    person_name="Jordan O'Neill",
    date_of_birth=date(1990, 5, 17),
    case_ref="DTOA-2025-00042",
    kind="initial",
    due_at=datetime(2025, 6, 2, 23, 30, tzinfo=UTC),
    service="Cranstoun Hampshire",
    place="Unit 4, 12 Station Road, Basingstoke RG21 4AA",
    given_at=datetime(2025, 6, 1, 14, 5, tzinfo=UTC),
    given_by="PC 1234 Jane Smith",
)
DRAMA_NUMBER = "01632 960123"  # Ofcom's numbers for drama (01632 960000 to 960999) reach nobody
BLANK_PHONE_LINE = "Phone number for Cranstoun Hampshire: ______"


def read(path: Path) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(path)
    return reader, [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def written(tmp_path: Path, notice: AssessmentNotice) -> str:
    target = tmp_path / "notice.pdf"
    write_notice(target, notice)
    _, pages = read(target)
    return " ".join(pages)


def test_time_is_shown_on_the_london_clock(tmp_path: Path) -> None:
    text = written(tmp_path, NOTICE)
    assert "WHEN Tuesday 3 June 2025 at 00:30" in text
    assert "23:30" not in text
    assert "on Sunday 1 June 2025 at 15:05" in text


def test_winter_time_is_gmt(tmp_path: Path) -> None:
    text = written(tmp_path, replace(NOTICE, due_at=datetime(2025, 1, 14, 10, 0, tzinfo=UTC)))
    assert "WHEN Tuesday 14 January 2025 at 10:00" in text


def test_what_where_who_and_the_warning(tmp_path: Path) -> None:
    target = tmp_path / "notice.pdf"
    write_notice(target, NOTICE)
    reader, pages = read(target)
    text = " ".join(pages)
    assert len(pages) == 1
    assert "WHERE Unit 4, 12 Station Road, Basingstoke RG21 4AA" in text
    assert "WHO WITH Cranstoun Hampshire" in text
    assert "Jordan O'Neill" in text and "17 May 1990" in text and "DTOA-2025-00042" in text
    assert "initial assessment" in text and "section 9" in text
    assert "You must stay for the whole assessment." in text
    assert "you commit a criminal offence (Drugs Act 2005, sections 12 and 14)" in text
    assert "You may be prosecuted." in text
    assert "ring Cranstoun Hampshire before your appointment" in text
    assert "Signature" in text and "PC 1234 Jane Smith" in text
    assert "Case DTOA-2025-00042 · Notice of required assessment" in text
    assert "Page 1 of 1" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Notice of required assessment"
    assert reader.metadata.author == "Pathways"


def test_no_penalties_and_no_invented_phone_numbers(tmp_path: Path) -> None:
    """With no number held for the service, none is made up: the person is given a line to write it on."""
    assert NOTICE.service_phone is None
    text = written(tmp_path, NOTICE)
    assert "£" not in text
    assert not re.search(r"\b(fine|prison|imprisonment|months?|weeks?|level \d)\b", text, re.IGNORECASE)
    assert not re.search(r"\d{4,} ?\d{3,}", text.replace("DTOA-2025-00042", ""))
    assert not re.search(r"(\d[\s()+-]*){9}", text.replace("DTOA-2025-00042", ""))  # nothing like a number at all
    assert BLANK_PHONE_LINE in text


def test_the_services_phone_number_is_printed_when_one_is_held(tmp_path: Path) -> None:
    text = written(tmp_path, replace(NOTICE, service_phone=DRAMA_NUMBER))
    assert "ring Cranstoun Hampshire before your appointment and tell them why. Do not just stay away. " in text
    assert f"Phone number for Cranstoun Hampshire: {DRAMA_NUMBER}" in text
    assert BLANK_PHONE_LINE not in text
    assert text.count(DRAMA_NUMBER) == 1


def test_a_phone_number_prints_as_written(tmp_path: Path) -> None:
    text = written(tmp_path, replace(NOTICE, service="A&B Recovery", service_phone="+44 (0)1632 960-123"))
    assert "Phone number for A&B Recovery: +44 (0)1632 960-123" in text


def test_initial_notice_states_the_follow_up_time(tmp_path: Path) -> None:
    text = written(tmp_path, replace(NOTICE, follow_up_due_at=datetime(2025, 6, 16, 9, 0, tzinfo=UTC)))
    assert "You must also go to a follow-up assessment on Monday 16 June 2025 at 10:00." in text


def test_initial_notice_without_a_follow_up_time_says_one_may_be_given(tmp_path: Path) -> None:
    text = written(tmp_path, NOTICE)
    assert "may give you a time and place for a follow-up assessment" in text


def test_follow_up_notice(tmp_path: Path) -> None:
    text = written(tmp_path, replace(NOTICE, kind="follow_up"))
    assert "You must go to a follow-up drug assessment" in text
    assert "section 10" in text and "section 9" not in text
    assert "may give you a time and place" not in text


def test_further_notice_replaces_the_earlier_one(tmp_path: Path) -> None:
    assert "replaces the time and place you were given before" not in written(tmp_path, NOTICE)
    text = written(
        tmp_path, replace(NOTICE, further_notice=True, follow_up_due_at=datetime(2025, 6, 16, 9, 0, tzinfo=UTC))
    )
    assert "This is a further notice." in text
    assert "It replaces the time and place you were given before." in text


def test_names_print_as_written(tmp_path: Path) -> None:
    text = written(tmp_path, replace(NOTICE, person_name="Sam <Smith> & Co", service="A&B Recovery"))
    assert "Sam <Smith> & Co" in text
    assert "WHO WITH A&B Recovery" in text
    if styles().regular == "Helvetica":
        pytest.skip("no font with Latin Extended here; only Latin-1 names print as written")
    assert "Łukasz Wiśniewski" in written(tmp_path, replace(NOTICE, person_name="Łukasz Wiśniewski"))


@pytest.mark.parametrize(
    "bad",
    [
        replace(NOTICE, kind="other"),
        replace(NOTICE, due_at=datetime(2025, 6, 3, 0, 30)),
        replace(NOTICE, given_at=datetime(2025, 6, 1, 15, 5)),
        replace(NOTICE, kind="follow_up", follow_up_due_at=datetime(2025, 6, 16, 9, 0, tzinfo=UTC)),
    ],
)
def test_a_notice_that_cannot_be_right_is_refused_and_nothing_written(tmp_path: Path, bad: AssessmentNotice) -> None:
    with pytest.raises(ValueError):
        write_notice(tmp_path / "notice.pdf", bad)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_raises_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_notice(tmp_path / "missing" / "notice.pdf", NOTICE)
    assert list(tmp_path.iterdir()) == []


def test_preview_bytes_are_the_same_notice() -> None:
    data = notice_pdf_bytes(NOTICE)
    assert data.startswith(b"%PDF")
