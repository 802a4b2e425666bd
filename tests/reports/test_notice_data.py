"""The notice of a required assessment as read from a case: it carries the phone number held for the service
the person was required to go to, and the PDF prints it (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader

from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.services import people
from pathways.store import Store
from reports.notice import write_notice
from reports.notice_data import assessment_notice
from tests.dtoa_case import assessment_required
from tests.listed_services import give_phone

ARREST = datetime(2026, 11, 27, 14, 20, tzinfo=LONDON)
DRAMA_NUMBER = "01632 960123"  # Ofcom's numbers for drama (01632 960000 to 960999) reach nobody


def _required_at(store: Store, navigator: Actor, service: str) -> int:
    """A positive DToA case whose initial assessment is required at `service`; returns the case id."""
    person = people.register_person(
        store, actor=navigator, surname="Hughes", forenames="Daniel", date_of_birth=date(1991, 6, 14), sex="M"
    )
    return assessment_required(
        store, navigator, person.id, arrested=ARREST, due=ARREST + timedelta(days=3), service=service
    )


def _printed(tmp_path: Path, store: Store, navigator: Actor, case_id: int) -> str:
    notice = assessment_notice(store, actor=navigator, case_id=case_id, kind="initial", given_by="PC 1234 Jane Smith")
    target = tmp_path / "notice.pdf"
    write_notice(target, notice)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(target).pages)


def test_the_notice_gives_the_number_held_for_the_service(
    store: Store, navigator: Actor, admin: Actor, tmp_path: Path
) -> None:
    give_phone(store, "Inclusion Hampshire", DRAMA_NUMBER, admin)
    case_id = _required_at(store, navigator, "Inclusion Hampshire")
    notice = assessment_notice(store, actor=navigator, case_id=case_id, kind="initial", given_by="PC 1234")
    assert (notice.service, notice.service_phone) == ("Inclusion Hampshire", DRAMA_NUMBER)
    assert f"Phone number for Inclusion Hampshire: {DRAMA_NUMBER}" in _printed(tmp_path, store, navigator, case_id)


def test_without_a_number_for_the_service_the_notice_leaves_a_line_to_write_it_on(
    store: Store, navigator: Actor, admin: Actor, tmp_path: Path
) -> None:
    give_phone(store, "Inclusion Hampshire", DRAMA_NUMBER, admin)  # another service's number is not given
    case_id = _required_at(store, navigator, "Society of St James")
    notice = assessment_notice(store, actor=navigator, case_id=case_id, kind="initial", given_by="PC 1234")
    assert notice.service_phone is None
    text = _printed(tmp_path, store, navigator, case_id)
    assert "Phone number for Society of St James: ______" in text
    assert DRAMA_NUMBER not in text


def test_a_number_given_after_the_requirement_is_on_the_next_print(
    store: Store, navigator: Actor, admin: Actor, tmp_path: Path
) -> None:
    case_id = _required_at(store, navigator, "Inclusion Hampshire")
    assert "Phone number for Inclusion Hampshire: ______" in _printed(tmp_path, store, navigator, case_id)
    give_phone(store, "Inclusion Hampshire", DRAMA_NUMBER, admin)
    assert f"Phone number for Inclusion Hampshire: {DRAMA_NUMBER}" in _printed(tmp_path, store, navigator, case_id)
