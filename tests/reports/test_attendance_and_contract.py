"""The attendance record, the failure-to-attend summary and the Checkpoint contract, from real records."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pathways.services.dtoa import reschedule_assessment
from pathways.store import Store
from reports.attendance import (
    MISSED,
    NONE_YET,
    appointments,
    write_attendance_record,
    write_failure_to_attend_summary,
)
from reports.contract import ContractTerms, condition_words, contract_bytes, contract_terms, write_contract
from tests.reports.test_case_summary import AS_OF, NAVIGATOR, example_store, pdf_text, record_of

Example = tuple[Store, dict[str, int]]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Example]:
    store, ids = example_store(tmp_path_factory.mktemp("attendance"))
    yield store, ids
    store.engine.dispose()


def case_id(example: Example, ref: str) -> int:
    store, ids = example
    return record_of(store, ids, ref).cases[0].id


def test_failure_to_attend_summary_names_the_missed_follow_up(example: Example, tmp_path: Path) -> None:
    store, ids = example
    target = tmp_path / "fta.pdf"
    record = record_of(store, ids, "E001")
    write_failure_to_attend_summary(target, record, case_id(example, "E001"), prepared_by="J. Bloggs", as_of=AS_OF)
    text = pdf_text(target)
    assert "Follow-up assessment missed" in text
    assert "Daniel Hughes failed to attend, or to remain for the whole of, the follow-up assessment" in text
    assert "due on Wednesday 22 March 2023 at 10:00 with Inclusion Hampshire" in text
    assert "Notice of it was given on 4 March 2023 at 15:15" in text
    assert "The failure was recorded on 22 March 2023 at 10:30" in text
    assert "Drugs Act 2005, section 14" in text and "section 12" not in text
    assert "EC1" in text and "11/2233445K" in text and "Theft from shop" in text
    assert "OFFICIAL-SENSITIVE" in text
    assert "£" not in text
    assert not re.search(r"\b(fine|prison|imprisonment|months?|weeks?|level \d)\b", text, re.IGNORECASE)


@pytest.mark.parametrize("ref", ["E002", "E004"])
def test_no_missed_assessment_is_refused(example: Example, tmp_path: Path, ref: str) -> None:
    store, ids = example
    target = tmp_path / "fta.pdf"
    with pytest.raises(ValueError, match=r"^This case has no missed required assessment\.$"):
        write_failure_to_attend_summary(
            target, record_of(store, ids, ref), case_id(example, ref), prepared_by="J", as_of=AS_OF
        )
    assert not target.exists()


def test_attendance_record(example: Example, tmp_path: Path) -> None:
    store, ids = example
    target = tmp_path / "attendance.pdf"
    write_attendance_record(
        target, record_of(store, ids, "E001"), case_id(example, "E001"), prepared_by="J", as_of=AS_OF
    )
    text = pdf_text(target)
    assert "Initial assessment Sat 4 Mar 2023, 15:15 Wed 8 Mar 2023, 10:00" in text  # (a table's short dates)
    assert "Attended: 8 March 2023 at 10:05" in text
    assert "Failed to attend or remain: 22 March 2023 at 10:30" in text
    assert "Inclusion Hampshire (place not recorded)" in text and "sections 9 and 10" in text  # (the example has none)


def test_further_notice_after_a_miss(tmp_path: Path) -> None:
    store, ids = example_store(tmp_path)
    case = record_of(store, ids, "E001").cases[0].id
    reschedule_assessment(
        store,
        actor=NAVIGATOR,
        case_id=case,
        kind="follow_up",
        due_at=datetime(2023, 3, 29, 14, 0, tzinfo=UTC),
        service="Inclusion Hampshire",
        place="Unit 4, 12 Station Road, Basingstoke",
        occurred_at=datetime(2023, 3, 23, 9, 0, tzinfo=UTC),
        reason="new appointment after the miss",
    )
    record = record_of(store, ids, "E001")
    found = appointments(record.cases[0])
    assert [(a.kind, a.further, a.outcome) for a in found] == [
        ("initial", False, "attended"),
        ("follow-up", False, MISSED),
        ("follow-up", True, NONE_YET),
    ]
    target = tmp_path / "attendance.pdf"
    write_attendance_record(target, record, case, prepared_by="J", as_of=AS_OF)
    text = pdf_text(target)
    assert "Follow-up assessment (further notice): new appointment after the miss" in text
    assert "Wed 29 Mar 2023, 15:00" in text and "Unit 4, 12 Station Road" in text
    assert "Follow-up assessment: None recorded yet." in text
    write_failure_to_attend_summary(target, record, case, prepared_by="J", as_of=AS_OF)
    assert "due on Wednesday 22 March 2023 at 10:00" in pdf_text(target)
    store.engine.dispose()


def test_contract_for_mensah(example: Example, tmp_path: Path) -> None:
    store, ids = example
    terms = contract_terms(record_of(store, ids, "E004"), case_id(example, "E004"), "Sam Navigator")
    assert terms.start == date(2023, 2, 6) and terms.end == date(2023, 6, 6)
    assert terms.person_name == "Kofi Mensah" and terms.offence == "Theft from shop (Theft Act 1968 s.1)"
    assert terms.conditions == ("no_reoffending", "drug_education_programme", "voluntary_work")
    target = tmp_path / "contract.pdf"
    write_contract(target, terms)
    text = pdf_text(target)
    conditions = text[text.index("Your conditions") :]
    assert conditions.index("1. Do not commit any further offence") < conditions.index(
        "2. Attend and complete the drug education programme"
    )
    assert "3. Complete unpaid voluntary work" in text
    assert "deferred for 4 months: from 6 February 2023 to 6 June 2023" in text
    assert "no further action" in text and "criminal record" in text and "outcome 22" in text
    assert "prosecution for this offence can go ahead" in text
    assert text.count("Signature") == 2 and text.count("Date ____") == 2 and "Navigator Sam Navigator" in text


def test_no_reoffending_is_always_first() -> None:
    terms = ContractTerms(
        "Kofi Mensah",
        date(1978, 11, 9),
        "EC4",
        "Theft",
        date(2023, 2, 6),
        date(2023, 6, 6),
        ("restorative_approach", "attend_anger_management", "no reoffending"),
        "Sam Navigator",
    )
    text = pdf_text(contract_bytes(terms))
    assert (
        "1. Do not commit any further offence 2. Take part in a restorative approach with the victim if they wish"
        in text
    )
    assert "3. Attend anger management" in text
    assert "1. Do not commit" in pdf_text(contract_bytes(replace(terms, conditions=("voluntary_work",))))
    assert condition_words("restorative_approach") == "Take part in a restorative approach with the victim if they wish"
    with pytest.raises(ValueError, match="end after it starts"):
        contract_bytes(replace(terms, end=terms.start))


def test_contract_needs_a_signed_contract(example: Example) -> None:
    store, ids = example
    with pytest.raises(ValueError, match="no Checkpoint contract"):
        contract_terms(record_of(store, ids, "E001"), case_id(example, "E001"), "Sam Navigator")
    with pytest.raises(ValueError, match="not on this person's record"):
        contract_terms(record_of(store, ids, "E001"), 99999, "Sam Navigator")
