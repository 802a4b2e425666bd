"""Printing documents from a person's record: the reader is chosen at print time, and it is audited (with who it was
for: the person agreed to share with the court, and the police are told of the missed assessment under the law that
requires it; ui/share_dialog.py asks for these, tests/ui/test_consent_dialogs.py tests it)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pypdf import PdfReader
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import AuditEntry, Person
from pathways.consent import SharingRequest
from pathways.services.consent import record_consent
from ui.context import AppContext
from ui.main_window import MainWindow


def _open(qtbot: QtBot, context: AppContext, name: str) -> MainWindow:
    window = MainWindow(context, "test database")
    qtbot.addWidget(window)
    window.find_page.search.setText(name)
    qtbot.waitUntil(lambda: window.find_page.model.rowCount() == 1, timeout=5000)
    window.find_page._open_first()
    return window


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_case_summary_for_the_court_and_the_police_summary(
    qtbot: QtBot, navigator_context: AppContext, tmp_path: Path
) -> None:
    window = _open(qtbot, navigator_context, "hughes")
    with navigator_context.store.unit_of_work() as uow:
        person_id = uow.session.scalar(select(Person.id).where(Person.person_ref == "E001"))
    assert person_id is not None
    court_purpose = ("court", "prosecution")
    record_consent(
        navigator_context.store, actor=navigator_context.actor, person_id=person_id, answers={court_purpose: True}
    )
    button = window.person_page.documents
    titles = [d.title for d in button.documents]
    assert "Case summary for the court…" in titles and "Failure-to-attend summary for the police…" in titles
    court = next(d for d in button.documents if d.key == "summary:court")
    assert button.save(court, tmp_path / "court.pdf", SharingRequest(*court_purpose))
    assert "HUGHES" in _text(tmp_path / "court.pdf").upper()
    police = next(d for d in button.documents if d.key == "failure_to_attend")
    assert button.save(police, tmp_path / "fta.pdf", SharingRequest("police", "prosecution", "drugs_act_2005_s12_s14"))
    assert "22 March 2023" in _text(tmp_path / "fta.pdf")
    contract = next(d for d in button.documents if d.key == "contract")
    assert not button.save(contract, tmp_path / "contract.pdf")
    assert window.person_page.error.text() == "That document is not for a Drug Testing on Arrest case."
    assert not (tmp_path / "contract.pdf").exists()
    with navigator_context.store.unit_of_work() as uow:
        printed = uow.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "print_document")).all()
    assert printed == ["summary:court to court:prosecution", "failure_to_attend to police:prosecution"]


def test_a_case_without_a_missed_assessment_has_no_police_summary(
    qtbot: QtBot, navigator_context: AppContext, tmp_path: Path
) -> None:
    durham = AppContext(navigator_context.store, replace(navigator_context.actor, site="Durham"))  # Mensah's site
    window = _open(qtbot, durham, "mensah")
    button = window.person_page.documents
    police = next(d for d in button.documents if d.key == "failure_to_attend")
    assert not button.save(police, tmp_path / "fta.pdf", SharingRequest("police", "prosecution"))
    assert "not for a Checkpoint" in window.person_page.error.text()
    contract = next(d for d in button.documents if d.key == "contract")
    assert button.save(contract, tmp_path / "contract.pdf")
    assert "Do not commit any further offence" in _text(tmp_path / "contract.pdf")


def test_the_probation_summary_from_the_record_holds_the_screening_and_its_answers(
    qtbot: QtBot, navigator_context: AppContext, tmp_path: Path
) -> None:
    """The Documents menu reads the person's screenings for a reader who gets them (the reading is audited), and
    not for one who does not."""
    from pathways.services.screening import screen_case
    from tests.pathways.test_instruments import pgsi_answers
    from tests.pathways.test_screening_service import SCREENED, _gambling_case

    store, actor = navigator_context.store, navigator_context.actor
    with store.unit_of_work() as uow:
        person_id = uow.session.scalar(select(Person.id).where(Person.person_ref == "E001"))
    assert person_id is not None
    gambling = _gambling_case(store, actor, person_id)
    screen_case(store, actor=actor, case_id=gambling, instrument="pgsi", answers=pgsi_answers(9), occurred_at=SCREENED)
    record_consent(store, actor=actor, person_id=person_id, answers={("probation", "supervision"): True})
    window = _open(qtbot, navigator_context, "hughes")
    button = window.person_page.documents
    probation = next(d for d in button.documents if d.key == "summary:probation")
    assert button.save(probation, tmp_path / "probation.pdf", SharingRequest("probation", "supervision"))
    text = " ".join(_text(tmp_path / "probation.pdf").split())
    assert "Screened with Problem Gambling Severity Index (PGSI), version 1" in text
    assert "PGSI score 9: problem gambling" in text and "almost always (3)" in text
    court = next(d for d in button.documents if d.key == "summary:court")
    record_consent(store, actor=actor, person_id=person_id, answers={("court", "prosecution"): True})
    assert button.save(court, tmp_path / "court.pdf", SharingRequest("court", "prosecution"))
    assert "PGSI" not in _text(tmp_path / "court.pdf")
    with store.unit_of_work() as uow:
        viewed = uow.session.scalars(select(AuditEntry.record_id).where(AuditEntry.action == "view_screenings")).all()
    assert viewed == [person_id]  # read once: for probation's summary, not the court's


def test_documents_name_the_user_by_their_full_name(
    qtbot: QtBot, navigator_context: AppContext, tmp_path: Path
) -> None:
    """The person's own copies (the written notice, the contract) and the summaries for others name the worker as
    a person reads a name, not by their user name."""
    named = AppContext(navigator_context.store, replace(navigator_context.actor, display_name="Jo Bloggs"))
    window = _open(qtbot, named, "hughes")
    button = window.person_page.documents
    notice = next(d for d in button.documents if d.key == "notice")
    assert button.save(notice, tmp_path / "notice.pdf")
    text = " ".join(_text(tmp_path / "notice.pdf").split())
    assert "Jo Bloggs" in text and named.actor.username not in text
    assert "WHERE Ask Inclusion Hampshire for the address" in text  # (imported: no place was recorded)
    assert "If that drug worker says the follow-up is not needed, you do not have to go." in text
    durham = AppContext(named.store, replace(named.actor, site="Durham"))  # Mensah's Checkpoint case
    window = _open(qtbot, durham, "mensah")
    contract = next(d for d in window.person_page.documents.documents if d.key == "contract")
    assert window.person_page.documents.save(contract, tmp_path / "contract.pdf")
    text = " ".join(_text(tmp_path / "contract.pdf").split())
    assert "Jo Bloggs" in text and named.actor.username not in text
