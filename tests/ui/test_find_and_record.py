"""Finding a person by typing, opening their record, and adding an event, as a user would."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import Event
from tests.conftest import Clock
from ui.add_event_dialog import AddEventDialog
from ui.context import AppContext
from ui.main_window import MainWindow


def _window(qtbot: QtBot, context: AppContext) -> MainWindow:
    window = MainWindow(context, "test database")
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    return window


def test_search_as_you_type_and_open_with_enter(qtbot: QtBot, navigator_context: AppContext) -> None:
    window = _window(qtbot, navigator_context)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.find_page.search.hasFocus()
    qtbot.keyClicks(window.find_page.search, "hughs")  # misspelt
    qtbot.waitUntil(lambda: window.find_page.model.rowCount() == 1, timeout=5000)
    assert window.find_page.status.text() == "1 person found."
    assert window.find_page.model.index(0, 0).data() == "HUGHES, Daniel"
    latest = window.find_page.model.index(0, 4)  # the pathway by its name, as on the record; whole as a tooltip
    assert " · Drug Testing on Arrest · " in latest.data() and latest.data(Qt.ItemDataRole.ToolTipRole) == latest.data()
    qtbot.keyClick(window.find_page.search, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.person_page
    assert window.person_page.title.text() == "HUGHES, Daniel"
    timeline = window.person_page.timeline_model
    events = [timeline.index(r, 1).data() for r in range(timeline.rowCount())]
    assert events[:2] == ["Arrest", "Drug test"] and events[-1] == "Prosecuted"
    assert "Theft from shop (Theft Act 1968 s.1) is a trigger offence" in window.person_page.eligibility.text()


def test_add_event_offers_only_allowed_steps_and_saves(
    qtbot: QtBot, navigator_context: AppContext, clock: Clock
) -> None:
    clock.at = datetime(2023, 3, 13, 12, 0, tzinfo=UTC)
    window = _window(qtbot, navigator_context)
    window.find_page.search.setText("begum")
    qtbot.waitUntil(lambda: window.find_page.model.rowCount() == 1, timeout=5000)
    window.find_page._open_first()
    case = window.person_page.current_case()
    assert case is not None and case.case_ref == "EC2" and case.stage == "Closed"
    dialog = AddEventDialog(navigator_context, case.id, case.pathway, window)
    qtbot.addWidget(dialog)
    labels = [dialog.steps.item(i).text() for i in range(dialog.steps.count())]
    assert all(label.endswith("— not now") for label in labels)  # a closed case takes nothing more
    dialog.steps.setCurrentRow(0)
    assert dialog.reason.text().startswith("Not now: This case was closed on 10 Mar 2023")
    window.find_page.search.setText("nowak")
    qtbot.waitUntil(lambda: window.find_page.model.index(0, 0).data() == "NOWAK, Piotr", timeout=5000)
    window.find_page._open_first()
    nowak = window.person_page.current_case()
    assert nowak is not None
    dialog = AddEventDialog(navigator_context, nowak.id, nowak.pathway, window)
    qtbot.addWidget(dialog)
    allowed = [
        dialog.steps.item(i).text()
        for i in range(dialog.steps.count())
        if not dialog.steps.item(i).text().endswith("not now")
    ]
    assert "Drug test" in allowed and "Assessment attended (initial)" not in allowed
    dialog.steps.setCurrentRow(allowed.index("Drug test"))
    form = dialog.form()
    assert form is not None
    result = form._combos["result"]
    result.setCurrentIndex(result.findData("negative"))
    dialog._save()
    assert dialog.error.text() == ""
    assert dialog.result() == dialog.DialogCode.Accepted
    with navigator_context.store.unit_of_work() as uow:
        tests = uow.session.scalars(select(Event).where(Event.case_id == nowak.id, Event.name == "test")).all()
        assert [t.result for t in tests] == ["refused", "negative"]


def test_correct_and_withdraw_from_the_record(qtbot: QtBot, navigator_context: AppContext, clock: Clock) -> None:
    from ui.correct_dialog import CorrectEventDialog

    clock.at = datetime(2023, 3, 13, 12, 0, tzinfo=UTC)
    window = _window(qtbot, navigator_context)
    window.find_page.search.setText("nowak")
    qtbot.waitUntil(lambda: window.find_page.model.rowCount() == 1, timeout=5000)
    window.find_page._open_first()
    page = window.person_page
    page.timeline.selectRow(1)  # the refused test
    entry = page.current_entry()
    assert entry is not None and entry.label == "Drug test"
    dialog = CorrectEventDialog(navigator_context, entry, window)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.notes, "second sample attempted")
    dialog.save()
    assert "needs a reason" in dialog.error.text()
    qtbot.keyClicks(dialog.reason, "notes left out at the time")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    qtbot.waitUntil(lambda: page.timeline_model.rowCount() == 4, timeout=5000)
    notes = [page.timeline_model.index(r, 4).data() for r in range(page.timeline_model.rowCount())]
    assert "Correction: notes left out at the time" in notes and "Replaced by a correction" in notes


def test_the_timeline_rows_fit_their_text_once_the_window_is_wider(qtbot: QtBot, navigator_context: AppContext) -> None:
    """A record opened in a narrow window wraps its details; widened, each row that fits on a line is one line;
    narrowed again, they wrap again."""
    window = _window(qtbot, navigator_context)
    window.resize(700, 700)
    window.find_page.search.setText("hughes")
    qtbot.waitUntil(lambda: window.find_page.model.rowCount() == 1, timeout=5000)
    window.find_page._open_first()
    timeline = window.person_page.timeline
    line = timeline.fontMetrics().lineSpacing()

    def tallest() -> int:
        return max(timeline.rowHeight(r) for r in range(timeline.model().rowCount()))

    qtbot.waitUntil(lambda: tallest() > 2 * line)  # the details wrap at this width
    window.resize(1900, 700)
    qtbot.waitUntil(lambda: timeline.horizontalHeader().sectionSize(2) > 1000)
    qtbot.waitUntil(lambda: tallest() < 2 * line, timeout=2000)  # each fits on one line now
    window.resize(700, 700)
    qtbot.waitUntil(lambda: tallest() > 2 * line, timeout=2000)  # and wrap again when it is narrower
