"""The manager's reports page: count the worked example's figures, preview, print, save and export them."""

from __future__ import annotations

import csv
import io
import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QComboBox, QDateEdit, QWidget
from pytestqt.qtbot import QtBot

from reports.cohort import cohort_figures
from reports.cohort_pdf import FUNNELS
from reports.figures import FigureValue
from tests.conftest import EXAMPLE
from ui import reports_page
from ui.context import AppContext
from ui.operations import OperationRunner
from ui.reports_page import ReportsPage, figure_label, suggested_name, value_text

WAIT = 10000


def _page(qtbot: QtBot, context: AppContext, runner: OperationRunner) -> ReportsPage:
    page = ReportsPage(context, runner)
    qtbot.addWidget(page)
    page.resize(1200, 760)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=5000)
    return page


def _type_date(qtbot: QtBot, edit: QDateEdit, digits: str) -> None:
    """Type a date as a user does after tabbing into the field: day, month and year digits (31032023)."""
    edit.setFocus()
    edit.setSelectedSection(QDateEdit.Section.DaySection)
    qtbot.keyClicks(edit, digits)


def _ask(qtbot: QtBot, page: ReportsPage, pathway: str, start: str, end: str) -> None:
    page.pathway.setFocus()
    page.pathway.setCurrentIndex(page.pathway.findData(pathway))
    _type_date(qtbot, page.start, start)
    _type_date(qtbot, page.end, end)


def _count(qtbot: QtBot, page: ReportsPage) -> dict[str, str]:
    qtbot.mouseClick(page.count_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and page.count_button.isEnabled(), timeout=WAIT)
    return _shown(page)


def _shown(page: ReportsPage) -> dict[str, str]:
    model = page.model
    return {model.index(row, 0).data(): model.index(row, 1).data() for row in range(model.rowCount())}


def _expected(key: str) -> dict[str, FigureValue]:
    figures: dict[str, FigureValue] = json.loads((EXAMPLE / "expected.json").read_text(encoding="utf-8"))[key]
    return figures


def test_defaults_to_the_last_full_month(qtbot: QtBot, manager_context: AppContext, runner: OperationRunner) -> None:
    page = _page(qtbot, manager_context, runner)  # the test clock says 29 November 2026
    assert (page.start.date(), page.end.date()) == (QDate(2026, 10, 1), QDate(2026, 10, 31))
    assert page.start.displayFormat() == "dd/MM/yyyy" and page.start.calendarPopup()
    assert not page.preview_button.isEnabled() and not page.csv_button.isEnabled()


def test_count_shows_the_worked_example_figures(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner
) -> None:
    page = _page(qtbot, manager_context, runner)
    _ask(qtbot, page, "dtoa", "01032023", "31032023")
    assert page.start.date() == QDate(2023, 3, 1) and page.end.date() == QDate(2023, 3, 31)
    shown = _count(qtbot, page)
    assert shown["Tested"] == "2"
    assert shown["Tested (%)"] == "66.7%"
    assert shown["Positive (%)"] == "50.0%"
    assert shown["Initial assessment missed (%)"] == "0.0%"
    expected = _expected("dtoa 2023-03-01..2023-03-31")
    assert shown == {figure_label(key, FUNNELS["dtoa"]): value_text(value) for key, value in expected.items()}
    meanings = [page.model.index(row, 2).data() for row in range(page.model.rowCount())]
    assert all(meanings)
    assert "Drug Testing on Arrest" in page.caption.text() and "1 Mar 2023 to 31 Mar 2023" in page.caption.text()
    assert page.preview_button.isEnabled() and page.save_button.isEnabled()


def test_counts_by_value_are_flattened(qtbot: QtBot, manager_context: AppContext, runner: OperationRunner) -> None:
    page = _page(qtbot, manager_context, runner)
    _ask(qtbot, page, "checkpoint", "01012023", "31122023")
    shown = _count(qtbot, page)
    assert shown["Needs: Drugs"] == "1" and shown["Needs: Housing"] == "1"  # in words, not codes
    assert shown["Completed (%)"] == "100.0%"


def test_an_empty_share_shows_a_dash(qtbot: QtBot, manager_context: AppContext, runner: OperationRunner) -> None:
    page = _page(qtbot, manager_context, runner)  # October 2026: nobody
    page.pathway.setCurrentIndex(page.pathway.findData("dtoa"))
    shown = _count(qtbot, page)
    assert shown["Cases"] == "0" and shown["Tested (%)"] == "\N{EN DASH}"


def test_to_before_from_is_refused(qtbot: QtBot, manager_context: AppContext, runner: OperationRunner) -> None:
    page = _page(qtbot, manager_context, runner)
    _ask(qtbot, page, "dtoa", "31032023", "01032023")
    qtbot.mouseClick(page.count_button, Qt.MouseButton.LeftButton)
    assert page.error.text() == "The To date (1 Mar 2023) is before the From date (31 Mar 2023)."
    assert page.count_button.isEnabled() and not page.busy.isVisible()
    assert page.model.rowCount() == 0 and page.end.hasFocus()


def test_cancel_while_counting(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    real = cohort_figures

    def slow(*args: object, **kwargs: object) -> object:
        gate.wait(WAIT / 1000)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reports_page, "cohort_figures", slow)
    page = _page(qtbot, manager_context, runner)
    qtbot.mouseClick(page.count_button, Qt.MouseButton.LeftButton)
    assert page.busy.isVisible() and page.cancel_button.isEnabled() and not page.count_button.isEnabled()
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(lambda: page.status.text() == "Cancelled.", timeout=WAIT)
    assert page.model.rowCount() == 0 and page.count_button.isEnabled() and not page.busy.isVisible()


def test_preview_print_save_and_csv(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    page = _page(qtbot, manager_context, runner)
    _ask(qtbot, page, "dtoa", "01032023", "31032023")
    _count(qtbot, page)
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    document = page.pdf_document
    qtbot.waitUntil(lambda: document.status() == QPdfDocument.Status.Ready, timeout=WAIT)
    assert document.pageCount() >= 1
    assert page.preview_pane.currentWidget() is page.pdf_view and page.pdf_view.document() is document
    assert "Not for publication" in document.getAllText(0).text()

    printed = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    page.print_to(printer)
    assert len(PdfReader(printed).pages) == document.pageCount()

    qtbot.mouseClick(page.publication, Qt.MouseButton.LeftButton)
    assert page.publication.isChecked()
    saved = tmp_path / "cohort.pdf"
    page.save_pdf_to(saved)
    qtbot.waitUntil(lambda: page.status.text() == f"Saved to {saved}.", timeout=WAIT)
    text = "\n".join(p.extract_text() for p in PdfReader(saved).pages)
    assert "Drug Testing on Arrest" in text and "Tested" in text
    assert "For publication: small numbers suppressed" in text and "Not for publication" not in text
    assert "66.7%" not in text  # 2 of 3: both counts are small, so the share is hidden too

    exported = tmp_path / "figures.csv"
    page.save_csv_to(exported)  # a copy for publication, as the PDF: its small counts hidden too
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    about = {r["row"]: r["value"] for r in rows if r["table"] == "report"}
    assert about["Pathway"] == "Drug Testing on Arrest" and about["Copy"].startswith("For publication")
    assert about["Site"] == "All sites" and about["Cases starting from"] == "2023-03-01"
    funnel = {r["row"]: r for r in rows if r["table"] == "funnel"}
    assert (funnel["Tested"]["value"], funnel["Tested"]["percent"]) == ("*", "*")
    assert {r["table"] for r in rows} >= {"funnel", "by_site", "by_month"}  # the breakdowns too
    qtbot.mouseClick(page.publication, Qt.MouseButton.LeftButton)  # not for publication: the counts as counted
    page.save_csv_to(exported)
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    funnel = {r["row"]: r for r in rows if r["table"] == "funnel"}
    assert (funnel["Tested"]["value"], funnel["Tested"]["percent"]) == ("2", "66.7")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def _has_focus(page: ReportsPage, widget: QWidget) -> bool:
    focused = page.focusWidget()
    return focused is widget or (isinstance(widget, QComboBox) and focused is widget.lineEdit())


def test_keyboard_order_and_labels(qtbot: QtBot, manager_context: AppContext, runner: OperationRunner) -> None:
    page = _page(qtbot, manager_context, runner)
    page.pathway.setFocus()
    dates = [page.start] * 3 + [page.end] * 3  # Tab moves through day, month and year first
    for expected in [*dates, page.site, page.publication, page.count_button]:
        focused = page.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        assert _has_focus(page, expected), (expected, page.focusWidget())
    for widget in (page.pathway, page.start, page.end, page.site, page.table):
        assert widget.accessibleName()
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert _has_focus(page, page.end)
    qtbot.keyClick(page, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert _has_focus(page, page.site)


def test_changing_the_question_takes_the_old_figures_away(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner
) -> None:
    """Figures counted for one question are never shown, saved or printed under another's words."""
    page = _page(qtbot, manager_context, runner)
    _ask(qtbot, page, "checkpoint", "01012023", "31122023")
    _count(qtbot, page)
    assert page.save_button.isEnabled()
    page.pathway.setCurrentIndex(page.pathway.findData("dtoa"))
    assert page.model.rowCount() == 0 and page.answer is None and page.caption.text() == ""
    assert not page.save_button.isEnabled() and not page.csv_button.isEnabled() and not page.print_button.isEnabled()
    assert page.status.text() == "The question has changed: Count again."
    _count(qtbot, page)
    _type_date(qtbot, page.end, "30062023")
    assert page.model.rowCount() == 0 and not page.preview_button.isEnabled()


def test_the_sites_are_offered_and_a_mistyped_one_is_questioned(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner
) -> None:
    page = _page(qtbot, manager_context, runner)
    sites = [page.site.itemText(i) for i in range(page.site.count())]
    assert sites[0] == "All sites" and "Basingstoke" in sites
    _ask(qtbot, page, "dtoa", "01032023", "31032023")
    page.site.setCurrentText("Basingstok")
    _count(qtbot, page)
    assert page.status.text().endswith("No case in this period at “Basingstok”: is the site's name right?")
    page.site.setCurrentText("Basingstoke")
    shown = _count(qtbot, page)
    assert shown["Cases"] == "3" and "No case" not in page.status.text()


def test_a_count_under_way_is_not_shown_once_the_question_changed(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner
) -> None:
    page = _page(qtbot, manager_context, runner)
    _ask(qtbot, page, "checkpoint", "01012023", "31122023")
    page.count()
    page.pathway.setCurrentIndex(page.pathway.findData("dtoa"))  # before the answer can have been shown
    qtbot.waitUntil(lambda: page.count_button.isEnabled() and not page.busy.isVisible(), timeout=WAIT)
    qtbot.wait(100)
    assert page.answer is None and page.model.rowCount() == 0 and not page.save_button.isEnabled()
    assert page.status.text() in ("Cancelled.", "The question has changed: Count again.")


def test_a_saved_report_is_offered_a_name_saying_what_it_is(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner
) -> None:
    page = _page(qtbot, manager_context, runner)
    _ask(qtbot, page, "dtoa", "01032023", "31032023")
    _count(qtbot, page)
    assert page.answer is not None
    named = suggested_name(page.answer, publication=False, suffix="csv")
    assert named == "cohort-dtoa-all-sites-2023-03-01-to-2023-03-31.csv"
    at_site = replace(page.answer, question=replace(page.answer.question, site="Newport (IoW)"))
    named = suggested_name(at_site, publication=True, suffix="pdf")
    assert named == "cohort-dtoa-newport-iow-2023-03-01-to-2023-03-31-for-publication.pdf"
