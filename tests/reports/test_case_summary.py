"""The case summary, built from real records (the interchange example imported into SQLite), read back from the PDF."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from db.models import Person
from pathways.actors import Actor, Role, command_line_actor
from pathways.interchange.importer import import_dataset
from pathways.services.corrections import correct_event, withdraw_event
from pathways.services.records import PersonRecord, person_record
from pathways.store import Store, open_store
from reports.case_summary import PURPOSES, case_summary_bytes, write_case_summary

EXAMPLE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "example"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
AS_OF = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
NAVIGATOR = Actor("nav.smith", Role.CUSTODY_NAVIGATOR, "custody-pc-1", site="Basingstoke")
# The example dataset spans three custody sites: its records are read as a manager granted the notes, who sees all.
READER = Actor("mgr.reader", Role.MANAGER, "office-pc-1", may_read_notes=True)


def example_store(folder: Path) -> tuple[Store, dict[str, int]]:
    """A fresh SQLite store holding the interchange example; the person ids by reference (E001...)."""
    store = open_store(f"sqlite:///{folder / 'x.sqlite'}", clock=lambda: NOW)
    report = import_dataset(store, actor=command_line_actor(), path=EXAMPLE)
    assert report.written, report.errors
    with store.session_factory() as session:
        ids = {p.person_ref or "": p.id for p in session.scalars(select(Person))}
    return store, ids


def record_of(store: Store, ids: dict[str, int], ref: str) -> PersonRecord:
    return person_record(store, actor=READER, person_id=ids[ref])


def pdf_text(source: Path | bytes) -> str:
    import io

    reader = PdfReader(source if isinstance(source, Path) else io.BytesIO(source))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, dict[str, int]]]:
    store, ids = example_store(tmp_path_factory.mktemp("summary"))
    yield store, ids
    store.engine.dispose()


def summary(example: tuple[Store, dict[str, int]], ref: str, purpose: str) -> str:
    store, ids = example
    return pdf_text(
        case_summary_bytes(record_of(store, ids, ref), purpose=purpose, prepared_by="J. Bloggs", as_of=AS_OF)
    )


def test_court_summary_of_hughes(example: tuple[Store, dict[str, int]], tmp_path: Path) -> None:
    store, ids = example
    target = tmp_path / "court.pdf"
    write_case_summary(target, record_of(store, ids, "E001"), purpose="court", prepared_by="J. Bloggs", as_of=AS_OF)
    text = pdf_text(target)
    assert "HUGHES, Daniel" in text and "14 June 1991" in text and "11/2233445K" in text
    assert "NHS number" not in text
    assert "Test result: positive" in text and "cocaine; opiates" in text
    assert "Initial assessment" in text and "Follow-up assessment" in text
    assert "Attended: Wed 8 Mar 2023, 10:05" in text
    assert "Failed to attend or remain: Wed 22 Mar 2023, 10:30" in text
    assert "Notice given" in text and "Sat 4 Mar 2023, 15:15" in text
    assert "Prosecuted" in text and "failing to attend or remain" in text
    assert "Theft from shop" in text and "eligible: aged 31" in text
    assert "Case summary for the court · HUGHES, Daniel · prepared 30 November 2026" in text
    assert "OFFICIAL-SENSITIVE" in text and "Page 1 of" in text
    assert PdfReader(target).metadata is not None


def test_every_page_is_marked(example: tuple[Store, dict[str, int]]) -> None:
    store, ids = example
    data = case_summary_bytes(record_of(store, ids, "E001"), purpose="probation", prepared_by="J", as_of=AS_OF)
    import io

    pages = PdfReader(io.BytesIO(data)).pages
    for page in pages:
        text = " ".join((page.extract_text() or "").split())
        assert "OFFICIAL-SENSITIVE" in text and "Case summary for the probation service · HUGHES, Daniel" in text


def test_treatment_summary_leaves_out_offence_notes_and_outcome(example: tuple[Store, dict[str, int]]) -> None:
    text = summary(example, "E001", "treatment")
    assert "Theft" not in text and "Offence:" not in text and "trigger" not in text
    assert "Prosecuted" not in text and "Stage" not in text
    assert "Drug Testing on Arrest" in text and "Inclusion Hampshire" in text
    assert "Referral" in text and "From Basingstoke" in text
    assert "NHS number not recorded" in text
    notes = summary(example, "E002", "treatment")
    assert "Inspector Ward" not in notes and "Common assault" not in notes


def test_court_leaves_out_notes_and_probation_keeps_them(example: tuple[Store, dict[str, int]]) -> None:
    assert "Inspector Ward authorised" not in summary(example, "E002", "court")
    assert "Inspector Ward authorised" in summary(example, "E002", "probation")


def test_checkpoint_contract_section(example: tuple[Store, dict[str, int]]) -> None:
    text = summary(example, "E004", "court")
    assert "Contract Signed 6 February 2023 Ends 6 June 2023" in text
    assert "1. Do not commit any further offence" in text
    assert "Attend and complete the drug education programme Met: 1 March 2023" in text
    assert "Complete unpaid voluntary work Not recorded as met" in text
    assert "Contract completed, 6 June 2023" in text
    assert "Needs assessed" not in text  # health needs are not the court's
    assert "Contract" not in summary(example, "E004", "treatment").replace("Contract end", "")


def test_details_are_named_in_their_steps_words(example: tuple[Store, dict[str, int]]) -> None:
    text = summary(example, "E004", "probation")
    assert "Needs: drugs; housing" in text and "Conditions: drugs" not in text
    assert "Result: eligible" in text and "Test result: eligible" not in text
    assert "Condition met: Attend and complete the drug education programme" in text


def test_corrections_are_shown_and_superseded_entries_left_out(tmp_path: Path) -> None:
    store, ids = example_store(tmp_path)
    record = record_of(store, ids, "E001")
    arrest = next(e for e in record.cases[0].timeline if e.name == "arrest")
    prosecuted = next(e for e in record.cases[0].timeline if e.name == "prosecuted")
    correct_event(store, actor=NAVIGATOR, event_id=arrest.event_id, reason="site misread", site="Aldershot")
    withdraw_event(store, actor=NAVIGATOR, event_id=prosecuted.event_id, reason="entered on the wrong case")
    text = pdf_text(
        case_summary_bytes(record_of(store, ids, "E001"), purpose="probation", prepared_by="J", as_of=AS_OF)
    )
    assert "Site: Aldershot" in text and "Corrected on 29 November 2026: site misread" in text
    assert "Site: Basingstoke Offence" not in text
    assert "Prosecuted" not in text and "1 entry was withdrawn as recorded in error and not shown." in text
    store.engine.dispose()


def test_a_note_longer_than_a_page_runs_on_to_the_next(tmp_path: Path) -> None:
    """A note may hold 10,000 characters: its row of the timeline is split across pages (a row taller than a page
    stopped the summary from being made at all)."""
    store, ids = example_store(tmp_path)
    arrest = next(e for e in record_of(store, ids, "E001").cases[0].timeline if e.name == "arrest")
    words = [f"word{n}" for n in range(1, 1_700)]
    note = " ".join(words)[:10_000].rsplit(" ", 1)[0]
    correct_event(
        store, actor=NAVIGATOR, event_id=arrest.event_id, reason="the custody record's notes added", notes=note
    )
    made = case_summary_bytes(record_of(store, ids, "E001"), purpose="probation", prepared_by="J", as_of=AS_OF)
    text = pdf_text(made)
    last = note.rsplit(" ", 1)[1]
    assert "word1 word2 word3" in text and f"{last} " in f"{text} " and len(PdfReader(io.BytesIO(made)).pages) >= 3
    store.engine.dispose()


def test_purposes_and_refusals(example: tuple[Store, dict[str, int]]) -> None:
    assert {"probation", "court", "treatment"} <= set(PURPOSES)
    assert "notes" not in PURPOSES["court"].fields and "offence" not in PURPOSES["treatment"].fields
    store, ids = example
    record = record_of(store, ids, "E001")
    with pytest.raises(ValueError, match="no case summary for 'press'"):
        case_summary_bytes(record, purpose="press", prepared_by="J", as_of=AS_OF)
    with pytest.raises(ValueError, match="zone"):
        case_summary_bytes(record, purpose="court", prepared_by="J", as_of=datetime(2026, 1, 1))


def test_screenings_with_their_answers_for_the_readers_who_need_them(tmp_path: Path) -> None:
    """Probation reads every screening as it stands (a withdrawn one left out; an override with its reason); the
    treatment service reads the gambling screening only; the court none. Through the Documents path's own reads:
    person_screenings, as the reader who prints."""
    from pathways.services.people import register_person
    from pathways.services.screening import person_screenings, screen_case
    from reports.case_summary import shows_screenings
    from tests.pathways.test_instruments import durham_answers, pgsi_answers
    from tests.pathways.test_screening_service import SCREENED, _checkpoint_case, _gambling_case

    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}", clock=lambda: NOW)
    person = register_person(
        store, actor=NAVIGATOR, surname="Okafor", forenames="Grace", date_of_birth=date(1992, 3, 10), sex="F"
    ).id
    checkpoint = _checkpoint_case(store, NAVIGATOR, person)
    first = screen_case(
        store,
        actor=NAVIGATOR,
        case_id=checkpoint,
        instrument="checkpoint-eligibility",
        answers=durham_answers(),
        occurred_at=SCREENED,
    )
    withdraw_event(store, actor=NAVIGATOR, event_id=first.event.event_id, reason="recorded on the wrong case")
    screen_case(
        store,
        actor=NAVIGATOR,
        case_id=checkpoint,
        instrument="checkpoint-eligibility",
        answers=durham_answers(lives_in_area="no"),
        occurred_at=SCREENED,
        override_reason="moved out of the area last week; the inspector agreed",
    )
    gambling = _gambling_case(store, NAVIGATOR, person)
    screen_case(
        store, actor=NAVIGATOR, case_id=gambling, instrument="pgsi", answers=pgsi_answers(5), occurred_at=SCREENED
    )
    record = person_record(store, actor=READER, person_id=person)
    screenings = person_screenings(store, actor=READER, person_id=person)
    store.engine.dispose()

    def printed(purpose: str) -> str:
        shown = screenings if shows_screenings(purpose) else []
        return pdf_text(case_summary_bytes(record, purpose=purpose, prepared_by="J", as_of=AS_OF, screenings=shown))

    probation = printed("probation")
    assert probation.count("Screened with Checkpoint eligibility (Durham), version 1") == 1  # (not the withdrawn)
    assert (
        "Decision eligible by override: moved out of the area last week; the inspector agreed; the rules said: not "
        "eligible: does not live in the Durham Constabulary force area" in probation
    )
    assert "Does the person live in the Durham Constabulary force area (County Durham and Darlington)? no" in probation
    assert "Screened with Problem Gambling Severity Index (PGSI), version 1" in probation
    assert "Decision PGSI score 5: moderate-risk gambling" in probation
    assert "have you bet more than you could really afford to lose? almost always (3)" in probation

    treatment = printed("treatment")
    assert "Screened with Problem Gambling Severity Index (PGSI), version 1" in treatment
    assert "Decision PGSI score 5: moderate-risk gambling" in treatment
    assert "Checkpoint eligibility" not in treatment and "Durham Constabulary" not in treatment
    assert "override" not in treatment

    pages = [
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(
            io.BytesIO(
                case_summary_bytes(record, purpose="probation", prepared_by="J", as_of=AS_OF, screenings=screenings)
            )
        ).pages
    ]
    running = "Case summary for the probation service OFFICIAL-SENSITIVE Case summary for the probation service · "
    bodies = [page.removeprefix(running + "OKAFOR, Grace · prepared 30 November 2026 ") for page in pages]
    assert bodies[0].startswith("Case summary for the probation service Name OKAFOR, Grace")
    assert sum(body.startswith("Checkpoint (deferred prosecution): case ") for body in bodies) == 1  # a page of its own

    court = printed("court")
    assert not shows_screenings("court")
    assert "Screening" not in court and "Screened with" not in court and "PGSI" not in court


def test_a_note_of_many_lines_is_laid_out_a_few_dozen_lines_to_a_row() -> None:
    """A note pasted with thousands of line breaks took ReportLab 10 to 23 seconds to split across pages as one
    row; laid out ROW_LINES lines to a row, in rows of its own, it takes well under a second, every line kept."""
    from reportlab.platypus import SimpleDocTemplate

    from reports.attendance import ROW_LINES, grid

    note = "\n".join(f"line {n}" for n in range(1, 5_001))
    table = grid(("When", "Event", "Details"), [["4 Mar 2023", "Arrest", note]], [100.0, 100.0, 250.0])
    assert len(table._cellvalues) == 1 + 5_000 // ROW_LINES  # the header, then the note's rows
    made = io.BytesIO()
    SimpleDocTemplate(made).build([table])
    text = pdf_text(made.getvalue())
    assert "line 1 line 2" in text and "line 5000" in text and text.count("Arrest") == 1
