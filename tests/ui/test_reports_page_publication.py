"""The reports page with "For publication" ticked: the figures on screen are hidden as the publication copy hides
them, so nothing the copy protects is shown beside it."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from reports.cohort_pdf import report_tables
from reports.publication import published_json
from tests.ui.test_reports_page import _ask, _count, _page, _shown
from ui.context import AppContext
from ui.operations import OperationRunner
from ui.reports_page import PUBLICATION_CAPTION, figure_rows


def test_ticking_for_publication_hides_the_small_counts_on_screen(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner
) -> None:
    page = _page(qtbot, manager_context, runner)
    _ask(qtbot, page, "checkpoint", "01012023", "31122023")
    plain = _count(qtbot, page)
    assert plain["Needs: Drugs"] == "1" and plain["Completed (%)"] == "100.0%"
    assert PUBLICATION_CAPTION not in page.caption.text()

    page.publication.setChecked(True)  # after counting: the list follows the tick at once
    hidden = _shown(page)
    assert hidden.keys() == plain.keys()
    assert hidden["Needs: Drugs"] == "*" and hidden["Completed (%)"] == "*"
    for label, value in plain.items():  # a number 1 to 4 never shows; anything else shows as counted, or *
        if value.replace(",", "").isdigit() and 1 <= int(value.replace(",", "")) <= 4:
            assert hidden[label] == "*", label
        assert hidden[label] in (value, "*"), label
    assert PUBLICATION_CAPTION in page.caption.text()

    answer = page.answer
    assert answer is not None
    definition = manager_context.store.definition("checkpoint")
    copy = published_json(definition, answer, report_tables(answer, publication=True))["figures"]
    assert isinstance(copy, dict)
    rows = {row.figure: row.value for row in figure_rows(answer, definition, publication=True)}
    assert rows == hidden  # the screen shows what the publication copy's JSON gives
    assert sum(value == "*" for value in copy.values()) == sum(
        value == "*" for key, value in hidden.items() if ":" not in key
    )

    page.publication.setChecked(False)
    assert _shown(page) == plain and PUBLICATION_CAPTION not in page.caption.text()


def test_ticked_before_counting_the_figures_come_hidden(
    qtbot: QtBot, manager_context: AppContext, runner: OperationRunner
) -> None:
    page = _page(qtbot, manager_context, runner)
    page.publication.setChecked(True)
    _ask(qtbot, page, "dtoa", "01032023", "31032023")
    shown = _count(qtbot, page)
    assert shown["Tested"] == "*" and shown["Tested (%)"] == "*"  # 2 of 3 eligible
    assert not [v for v in shown.values() if v.isdigit() and 1 <= int(v) <= 4]
