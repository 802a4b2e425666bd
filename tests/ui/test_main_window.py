"""What each role sees in the window, and that every page's controls have names for screen readers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui.context import AppContext
from ui.main_window import MainWindow


def _pages(qtbot: QtBot, context: AppContext) -> tuple[MainWindow, list[str]]:
    window = MainWindow(context, "test database")
    qtbot.addWidget(window)
    return window, [action.text().replace("&", "") for action in window.toolbar.actions()]


def test_each_role_gets_its_pages(
    qtbot: QtBot,
    navigator_context: AppContext,
    worker_context: AppContext,
    manager_context: AppContext,
    admin_context: AppContext,
) -> None:
    assert _pages(qtbot, navigator_context)[1] == ["Find a person", "New arrest", "Appointments", "Contracts"]
    assert _pages(qtbot, worker_context)[1] == ["Find a person", "Appointments", "Group programmes"]
    assert _pages(qtbot, manager_context)[1] == ["Find a person", "Reports", "Appointments", "Contracts"]
    window, pages = _pages(qtbot, admin_context)
    assert pages == ["Find a person", "Reports", "Administration", "Group programmes"]
    file_menu = [a.text().replace("&", "") for a in window.file_menu.actions() if a.text()]
    assert file_menu[:2] == ["Import a dataset…", "Export cases…"]


def _unnamed(page: QWidget) -> list[str]:
    """Input controls a screen reader could not name: no accessible name, no text of their own."""
    missing = []
    for widget in page.findChildren(QWidget):
        if (isinstance(widget, QAbstractButton) and widget.text()) or isinstance(widget, QHeaderView):
            continue
        is_input = isinstance(widget, QLineEdit | QComboBox | QAbstractItemView) and widget.isVisibleTo(page)
        inner = isinstance(widget.parent(), QComboBox | QAbstractSpinBox)  # named by the control it is part of
        if is_input and not inner and not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()}")
    return missing


def test_input_controls_are_named_for_screen_readers(qtbot: QtBot, admin_context: AppContext) -> None:
    window, _pages_shown = _pages(qtbot, admin_context)
    window.show()
    for page in (window.find_page, window.person_page, window.reports_page, window.admin_page):
        window.pages.setCurrentWidget(page)
        assert _unnamed(page) == [], type(page).__name__


def test_ctrl_q_quits_on_every_platform(qtbot: QtBot, worker_context: AppContext) -> None:
    """The guide says Ctrl+Q quits: Qt's standard Quit key is Ctrl+Q on Linux desktops and Cmd+Q on a Mac, but
    nothing at all on Windows (and offscreen), so the key is given as itself."""
    window = MainWindow(worker_context, "test database")
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    quit_action = next(a for a in window.file_menu.actions() if a.text() == "&Quit")
    assert quit_action.shortcut() == QKeySequence("Ctrl+Q")
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
