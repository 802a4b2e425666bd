"""The cohort report PDF, read back with pypdf; and the shared page template's atomic write.

Most tests use figures written out below (the worked example's); the tests at the end build the report from a
database: the worked example imported, and a 300-person demo database."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.platypus import Flowable, Paragraph

from pathways.actors import command_line_actor
from pathways.definitions import load_definitions
from pathways.demo_loader import fill_demo_database
from pathways.interchange.importer import import_dataset
from pathways.store import open_store
from reports.cohort import CohortAnswer, CohortQuestion, cohort_figures
from reports.cohort_pdf import DTOA_FUNNEL, cohort_pdf_bytes, write_cohort_pdf
from reports.cohort_tables import figure_tables
from reports.figures import FigureValue, percentage
from reports.groups import month_words
from reports.pdf_base import styles, write_pdf
from reports.publication import publish_tables
from reports.report_sections import count_text
from reports.tables import ReportRow
from tests.conftest import EXAMPLE

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


DATA_VERSION = "0123456789ab"


def answer(code: str, figures: dict[str, FigureValue], site: str | None = None) -> CohortAnswer:
    """An answer with the tables its figures give (no breakdowns: these need the cases)."""
    definition = load_definitions()[code]
    question = CohortQuestion(code, date(2023, 3, 1), date(2023, 3, 31), site)
    meanings = {f.key: f.meaning for f in definition.figures}
    tables = tuple(figure_tables(definition, figures))
    return CohortAnswer(question, definition.name, definition.version, AS_OF, figures, meanings, tables, DATA_VERSION)


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
def test_funnel_rows_follow_the_cover(dtoa_pages: list[str], row: str) -> None:
    assert row in dtoa_pages[1]


def test_funnel_percentages_agree_with_the_definitions_own(dtoa_pages: list[str]) -> None:
    assert f"Tested 2 {DTOA_FIGURES['tested_pct']:.1f}% of eligible" in dtoa_pages[1]
    assert f"Positive 1 {DTOA_FIGURES['positive_pct']:.1f}% of tested" in dtoa_pages[1]


def test_the_cover_states_the_question(dtoa_pages: list[str]) -> None:
    first = dtoa_pages[0]
    assert "Drug Testing on Arrest: cohort report" in first
    assert "Internal: not for publication" in first
    assert "Pathway Drug Testing on Arrest, definition version 1" in first
    assert "Period 1 March 2023 to 31 March 2023" in first
    assert "Site all sites" in first
    assert "Figures as of Tuesday 4 April 2023 at 00:30 (UK time)" in first
    assert "Figures count cases unless a line says otherwise." in first
    assert "except in People, which counts distinct people" in first
    assert f"Data version {DATA_VERSION}" in first
    assert "Cases 3" not in first  # the cover asks the question; the figures follow it


def test_every_page_is_marked_numbered_and_footed(dtoa_pages: list[str]) -> None:
    total = len(dtoa_pages)
    assert total > 1
    footer = f"Pathways · Drug Testing on Arrest 1 March 2023\N{EN DASH}31 March 2023 · data version {DATA_VERSION}"
    for number, text in enumerate(dtoa_pages, 1):
        assert "Not for publication" in text
        assert f"Page {number} of {total}" in text
        assert footer in text


def test_publication_copy_is_not_marked(tmp_path: Path) -> None:
    target = tmp_path / "cohort.pdf"
    write_cohort_pdf(target, answer("dtoa", DTOA_FIGURES), publication=True)
    pages = pages_of(target)
    assert all("Not for publication" not in text for text in pages)
    assert "For publication: small numbers suppressed" in pages[0]
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert all(f"data version {DATA_VERSION}" in text for text in pages)


def test_other_figures_and_every_meaning(dtoa_pages: list[str]) -> None:
    text = " ".join(dtoa_pages)
    assert "Other figures Figure Number People 3 Tests 2 Refused 1" in text
    assert "Trigger offence 1 Inspector's authority 1 Total 2" in text
    assert "Cocaine only 0 Opiates only 0 Cocaine and opiates 1 Total 1" in text
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
    funnel = pages_of(cohort_pdf_bytes(answer("dtoa", figures)))[1]
    assert "Tested 0 \N{EN DASH} of eligible" in funnel
    assert "Prosecuted for failing to attend 0 \N{EN DASH} of prosecuted" in funnel
    assert "There is no chart: every number in this table is 0 or hidden." in funnel


def test_percentages_round_half_up() -> None:
    figures = DTOA_FIGURES | {"tested": 16, "positive": 1, "eligible": 16}  # 6.25% → 6.3%
    funnel = pages_of(cohort_pdf_bytes(answer("dtoa", figures)))[1]
    assert "Positive 1 6.3% of tested" in funnel


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
    assert "Figures Figure Number % Of Cases 1 People 1 Screened 1" in text
    assert "Declined 0 0.0% of offered Signed 1 100.0% of offered Completed 1 100.0% of signed Reoffended 0" in text
    assert "Needs found Need Cases Alcohol 0 Drugs 1 Housing 1" in text
    assert "Completed (%) completed_pct Completed as a percentage of contracts signed." in text
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


# Reports built from a database: the worked example imported, and a 300-person demo database.

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
EXAMPLE_QUESTIONS = (
    CohortQuestion("dtoa", date(2023, 3, 1), date(2023, 3, 31)),
    CohortQuestion("checkpoint", date(2023, 1, 1), date(2023, 12, 31)),
    CohortQuestion("divert", date(2023, 3, 1), date(2023, 3, 31)),
)


@pytest.fixture(scope="module")
def example_answers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, CohortAnswer]]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('example') / 'p.sqlite'}", clock=lambda: NOW)
    try:
        assert import_dataset(store, actor=command_line_actor(), path=EXAMPLE).errors == []
        yield {q.pathway: cohort_figures(store, actor=command_line_actor(), question=q) for q in EXAMPLE_QUESTIONS}
    finally:
        store.engine.dispose()


@pytest.fixture(scope="module")
def demo_answer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CohortAnswer]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'p.sqlite'}", clock=lambda: NOW)
    try:
        fill_demo_database(store, actor=command_line_actor(), people=300)
        question = CohortQuestion("dtoa", date(2024, 1, 1), NOW.date())
        yield cohort_figures(store, actor=command_line_actor(), question=question)
    finally:
        store.engine.dispose()


@pytest.fixture(scope="module")
def demo_pages(demo_answer: CohortAnswer) -> list[str]:
    return pages_of(cohort_pdf_bytes(demo_answer))


@pytest.fixture(scope="module")
def demo_published_pages(demo_answer: CohortAnswer) -> list[str]:
    return pages_of(cohort_pdf_bytes(demo_answer, publication=True))


def funnel_lines(cohort: CohortAnswer) -> list[str]:
    """Each funnel row as the PDF's text gives it, from the answer's own figures."""
    lines = []
    for step in DTOA_FUNNEL:
        value = cohort.figures[step.key]
        assert isinstance(value, int)
        line = f"{step.label} {value:,}"
        if step.of:
            of_label = next(s.label for s in DTOA_FUNNEL if s.key == step.of).lower()
            whole = cohort.figures[step.of]
            assert isinstance(whole, int)
            share = percentage(value, whole)
            line += f" {chr(0x2013) if share is None else f'{share:.1f}%'} of {of_label}"
        lines.append(line)
    return lines


def row_text(row: ReportRow, label: Callable[[str], str] = str) -> str:
    return " ".join([label(row.label), *(count_text(count) for count in row.counts)])


def test_the_funnel_shows_the_answers_figures(
    example_answers: dict[str, CohortAnswer], demo_answer: CohortAnswer, demo_pages: list[str]
) -> None:
    example_page = pages_of(cohort_pdf_bytes(example_answers["dtoa"]))[1]
    for line in funnel_lines(example_answers["dtoa"]):
        assert line in example_page
    cases = demo_answer.figures["cases"]
    assert isinstance(cases, int) and cases > 100  # numbers in the hundreds (DToA: 40% of demo cases)
    for line in funnel_lines(demo_answer):
        assert line in demo_pages[1]
    assert "Each step as a bar, on one scale." in demo_pages[1]


def test_breakdowns_and_the_trend_are_printed(demo_answer: CohortAnswer, demo_pages: list[str]) -> None:
    text = " ".join(demo_pages)
    assert "Cases, Tested, Positive, by the month of each case's first event (UK time)." in text
    tables = {table.key: table for table in demo_answer.tables}
    for key in ("by_site", "by_month", "by_age", "by_sex"):
        for row in tables[key].rows:
            assert row_text(row, month_words if key == "by_month" else str) in text, (key, row.label)
    months = [row.label for row in tables["by_month"].rows[:-1]]
    assert months and all(month_words(m) != m and f"{m} " not in text for m in months)  # "Nov 2025", as the chart
    assert "Initial assessment" in text and "Required Attended Missed" in text  # one heading over three columns
    totals = " ".join(f"{demo_answer.figures[k]:,}" for k in ("cases", "eligible", "tested", "positive"))
    assert f"Total {totals}" in text


def test_ethnic_categories_are_printed_under_their_groups(demo_answer: CohortAnswer, demo_pages: list[str]) -> None:
    """Under "Asian or Asian British", "Indian": a group of two or more rows is printed once, above them, not on
    every row (where the long labels wrapped to four lines)."""
    page = next(p for p in demo_pages if "By ethnicity" in p)
    rows = {table.key: table for table in demo_answer.tables}["by_ethnicity"].rows
    groups = Counter(row.label.partition(" - ")[0] for row in rows if " - " in row.label)
    assert groups["Asian or Asian British"] >= 2 and groups["White"] >= 2
    for row in rows:
        group, _, category = row.label.partition(" - ")
        shown = category[:1].upper() + category[1:] if groups[group] >= 2 else row.label
        assert row_text(replace(row, label=shown), str) in page, row.label
    assert not any(f"{group} - " in page for group, rows_in_group in groups.items() if rows_in_group >= 2)
    assert "Asian or Asian British Indian" in page  # the heading, then its first row


def test_the_definitions_page_lists_every_meaning(
    example_answers: dict[str, CohortAnswer], demo_answer: CohortAnswer, demo_pages: list[str]
) -> None:
    texts = [(cohort, " ".join(pages_of(cohort_pdf_bytes(cohort)))) for cohort in example_answers.values()]
    for cohort, text in [*texts, (demo_answer, " ".join(demo_pages))]:
        definitions = text[text.index("What each figure counts") :]
        for key, meaning in cohort.meanings.items():
            assert f"{key} {meaning}" in definitions, key
        assert "The breakdowns' columns" in definitions


def test_every_page_has_the_data_version_and_the_marking(
    demo_answer: CohortAnswer, demo_pages: list[str], demo_published_pages: list[str]
) -> None:
    assert len(demo_answer.data_version) == 12
    for pages, internal in ((demo_pages, True), (demo_published_pages, False)):
        assert len(pages) > 4
        for number, text in enumerate(pages, 1):
            assert f"data version {demo_answer.data_version}" in text
            assert f"Page {number} of {len(pages)}" in text
            assert ("Not for publication" in text) == internal


def test_a_publication_copy_prints_only_published_counts(
    demo_answer: CohortAnswer, demo_published_pages: list[str]
) -> None:
    text = " ".join(demo_published_pages)
    published = {table.key: table for table in publish_tables("dtoa", demo_answer.tables)}
    for table in published.values():
        assert not [c for row in table.rows for c in row.counts if isinstance(c, int) and 1 <= c <= 4]
    hidden_rows = 0
    for key in ("by_site", "by_month", "by_age", "by_sex"):
        for row in published[key].rows:
            assert row_text(row, month_words if key == "by_month" else str) in text, (key, row.label)
            hidden_rows += "*" in row.counts
    assert hidden_rows > 0
    assert "How small numbers are protected" in text
    assert "Counts of 1 to 4 are shown as *." in text


def test_the_worked_example_published_hides_every_small_count(example_answers: dict[str, CohortAnswer]) -> None:
    pages = pages_of(cohort_pdf_bytes(example_answers["dtoa"], publication=True))
    funnel = pages[1]
    assert "Cases * Eligible * * of cases Tested * * of eligible Positive * * of tested" in funnel
    assert "Initial assessment missed 0 * of initial assessment required" in funnel
    assert "Cases 3" not in funnel and "Tested 2" not in funnel
    assert "There is no chart: every number in this table is 0 or hidden." in funnel
    text = " ".join(pages)
    assert "Basingstoke * * * * * * 0 0 *" in text
    assert "There is no chart: every monthly number is 0 or hidden." in text
    checkpoint = " ".join(pages_of(cohort_pdf_bytes(example_answers["checkpoint"], publication=True)))
    assert "Drugs * Housing *" in checkpoint
    assert "Drug education programme * *" in checkpoint


def test_progress_is_reported_by_stage(demo_answer: CohortAnswer, tmp_path: Path) -> None:
    stages: list[tuple[str, int, int]] = []
    write_cohort_pdf(tmp_path / "cohort.pdf", demo_answer, progress=lambda *stage: stages.append(stage))
    assert [done for _stage, done, _total in stages] == [0, 1, 2, 3]
    assert stages[-1] == ("Done", 3, 3)
    assert (tmp_path / "cohort.pdf").read_bytes().startswith(b"%PDF")


def test_the_same_answer_gives_the_same_report_text(demo_answer: CohortAnswer, demo_pages: list[str]) -> None:
    assert pages_of(cohort_pdf_bytes(demo_answer)) == demo_pages


def test_an_answer_without_tables_still_shows_its_funnel() -> None:
    bare = replace(answer("dtoa", DTOA_FIGURES), tables=(), data_version="")
    pages = pages_of(cohort_pdf_bytes(bare))
    assert "Tested 2 66.7% of eligible" in pages[1]
    assert "data version not recorded" in pages[0]
