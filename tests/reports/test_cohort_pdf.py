"""The cohort report PDF, read back with pypdf; and the shared page template's atomic write."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.platypus import Flowable, Paragraph

from pathways.definitions import load_definitions
from reports.cohort import CohortAnswer, CohortQuestion
from reports.cohort_pdf import DTOA_FUNNEL, cohort_pdf_bytes, write_cohort_pdf
from reports.figures import FigureValue
from reports.pdf_base import styles, write_pdf

DTOA_FIGURES: dict[str, FigureValue] = {
    "cases": 3,
    "people": 3,
    "eligible": 3,
    "tested": 2,
    "tested_pct": 66.7,
    "tested_trigger": 1,
    "tested_inspector": 1,
    "tests": 2,
    "refused": 1,
    "positive": 1,
    "positive_pct": 50.0,
    "positive_cocaine_only": 0,
    "positive_opiates_only": 0,
    "positive_both": 1,
    "initial_required": 1,
    "initial_attended": 1,
    "initial_missed": 0,
    "initial_missed_pct": 0.0,
    "follow_up_required": 1,
    "follow_up_attended": 0,
    "follow_up_missed": 1,
    "treatment_started": 0,
    "prosecuted": 2,
    "prosecuted_failed_to_attend": 1,
}
CHECKPOINT_FIGURES: dict[str, FigureValue] = {
    "cases": 1,
    "people": 1,
    "screened": 1,
    "eligible": 1,
    "ineligible": 0,
    "offered": 1,
    "declined": 0,
    "signed": 1,
    "completed": 1,
    "completed_pct": 100.0,
    "reoffended": 0,
    "reoffended_pct": 0.0,
    "non_compliant": 0,
    "active": 0,
    "prosecuted": 0,
    "needs": {"drugs": 1, "housing": 1},
}
# 23:30 UTC on 3 April 2023 is 00:30 BST on Tuesday 4 April.
AS_OF = datetime(2023, 4, 3, 23, 30, tzinfo=UTC)


def answer(code: str, figures: dict[str, FigureValue], site: str | None = None) -> CohortAnswer:
    definition = load_definitions()[code]
    question = CohortQuestion(code, date(2023, 3, 1), date(2023, 3, 31), site)
    meanings = {f.key: f.meaning for f in definition.figures}
    return CohortAnswer(question, definition.name, definition.version, AS_OF, figures, meanings)


def pages_of(source: Path | bytes) -> list[str]:
    reader = PdfReader(source if isinstance(source, Path) else io.BytesIO(source))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


@pytest.fixture
def dtoa_pages(tmp_path: Path) -> list[str]:
    target = tmp_path / "cohort.pdf"
    write_cohort_pdf(target, answer("dtoa", DTOA_FIGURES))
    return pages_of(target)


@pytest.mark.parametrize(
    "row",
    [
        "Cases 3 Eligible 3 100.0% of cases",
        "Tested 2 66.7% of eligible",
        "Positive 1 50.0% of tested",
        "Initial assessment required 1 100.0% of positive",
        "Initial assessment attended 1 100.0% of initial assessment required",
        "Initial assessment missed 0 0.0% of initial assessment required",
        "Follow-up assessment required 1 100.0% of initial assessment required",
        "Follow-up assessment attended 0 0.0% of follow-up assessment required",
        "Follow-up assessment missed 1 100.0% of follow-up assessment required",
        "Treatment started 0 0.0% of initial assessment attended",
        "Prosecuted 2 66.7% of cases",
        "Prosecuted for failing to attend 1 50.0% of prosecuted",
    ],
)
def test_funnel_rows_on_page_one(dtoa_pages: list[str], row: str) -> None:
    assert row in dtoa_pages[0]


def test_funnel_percentages_agree_with_the_definitions_own(dtoa_pages: list[str]) -> None:
    assert f"Tested 2 {DTOA_FIGURES['tested_pct']:.1f}% of eligible" in dtoa_pages[0]
    assert f"Positive 1 {DTOA_FIGURES['positive_pct']:.1f}% of tested" in dtoa_pages[0]


def test_page_one_states_the_question(dtoa_pages: list[str]) -> None:
    first = dtoa_pages[0]
    assert "Drug Testing on Arrest: cohort report" in first
    assert "Period 1 March 2023 to 31 March 2023" in first
    assert "Site all sites" in first
    assert "Figures as of Tuesday 4 April 2023 at 00:30 (UK time)" in first
    assert "Figures count cases unless a line says otherwise." in first


def test_every_page_is_marked_numbered_and_footed(dtoa_pages: list[str]) -> None:
    total = len(dtoa_pages)
    assert total > 1
    footer = "Pathways · Drug Testing on Arrest 1 March 2023\N{EN DASH}31 March 2023 · as of 4 April 2023 00:30"
    for number, text in enumerate(dtoa_pages, 1):
        assert "Not for publication" in text
        assert f"Page {number} of {total}" in text
        assert footer in text


def test_publication_copy_is_not_marked(tmp_path: Path) -> None:
    target = tmp_path / "cohort.pdf"
    write_cohort_pdf(target, answer("dtoa", DTOA_FIGURES), publication=True)
    pages = pages_of(target)
    assert all("Not for publication" not in text for text in pages)
    assert f"Page 1 of {len(pages)}" in pages[0]


def test_other_figures_and_every_meaning(dtoa_pages: list[str]) -> None:
    text = " ".join(dtoa_pages)
    assert "People 3 Distinct people among those cases." in text
    assert "Tests 2 Tests that gave a positive or negative result" in text
    definitions = text[text.index("What each figure counts") :]
    for figure in load_definitions()["dtoa"].figures:
        assert figure.key in definitions
        assert figure.meaning in definitions


def test_metadata(tmp_path: Path) -> None:
    target = tmp_path / "cohort.pdf"
    write_cohort_pdf(target, answer("dtoa", DTOA_FIGURES))
    metadata = PdfReader(target).metadata
    assert metadata is not None
    assert metadata.title == "Drug Testing on Arrest: cohort report"
    assert metadata.author == "Pathways"


def test_a_zero_denominator_gives_a_dash() -> None:
    figures: dict[str, FigureValue] = {key: 0 for key, value in DTOA_FIGURES.items() if isinstance(value, int)}
    first = pages_of(cohort_pdf_bytes(answer("dtoa", figures)))[0]
    assert "Tested 0 \N{EN DASH} of eligible" in first
    assert "Prosecuted for failing to attend 0 \N{EN DASH} of prosecuted" in first


def test_percentages_round_half_up() -> None:
    figures = DTOA_FIGURES | {"tested": 16, "positive": 1, "eligible": 16}  # 6.25% → 6.3%
    first = pages_of(cohort_pdf_bytes(answer("dtoa", figures)))[0]
    assert "Positive 1 6.3% of tested" in first


def test_a_named_site_is_shown(tmp_path: Path) -> None:
    first = pages_of(cohort_pdf_bytes(answer("dtoa", DTOA_FIGURES, site="Basingstoke custody")))[0]
    assert "Site Basingstoke custody" in first


def test_a_pathway_without_a_funnel_lists_its_figures(tmp_path: Path) -> None:
    cohort = replace(
        answer("checkpoint", CHECKPOINT_FIGURES),
        question=CohortQuestion("checkpoint", date(2023, 1, 1), date(2023, 12, 31)),
    )
    pages = pages_of(cohort_pdf_bytes(cohort))
    text = " ".join(pages)
    assert "From arrest to outcome" not in text
    assert "Checkpoint (deferred prosecution): cohort report" in pages[0]
    assert "Period 1 January 2023 to 31 December 2023" in pages[0]
    assert "Signed 1 Cases with a contract signed." in text
    assert "Completed (%) 100.0% Completed as a percentage of contracts signed." in text
    assert "Needs drugs 1 housing 1 For each need" in text
    assert all("Not for publication" in page for page in pages)


def test_the_funnel_only_names_dtoa_figures() -> None:
    keys = {f.key for f in load_definitions()["dtoa"].figures}
    assert {step.key for step in DTOA_FUNNEL} <= keys
    assert {step.of for step in DTOA_FUNNEL if step.of} <= keys


class Boom(Flowable):  # type: ignore[misc]
    """A flowable that fails while the page is laid out."""

    def wrap(self, *_args: Any) -> tuple[float, float]:
        raise RuntimeError("layout failed")


def story() -> list[Flowable]:
    return [Paragraph("Before the failure", styles().body), Boom()]


def test_a_failing_story_leaves_an_earlier_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "cohort.pdf"
    target.write_bytes(b"earlier report")
    with pytest.raises(RuntimeError, match="layout failed"):
        write_pdf(target, story(), title="t", footer="f")
    assert target.read_bytes() == b"earlier report"
    assert [p.name for p in tmp_path.iterdir()] == ["cohort.pdf"]


def test_a_failing_story_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        write_pdf(tmp_path / "cohort.pdf", story(), title="t", footer="f")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_raises_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_cohort_pdf(tmp_path / "missing" / "cohort.pdf", answer("dtoa", DTOA_FIGURES))
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rename_removes_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "cohort.pdf"
    target.mkdir()  # a folder where the file should go: the final rename fails
    with pytest.raises(OSError):
        write_cohort_pdf(target, answer("dtoa", DTOA_FIGURES))
    assert [p.name for p in tmp_path.iterdir()] == ["cohort.pdf"]
    assert list(target.iterdir()) == []
