"""Opening the database at start-up: the work runs on another thread; a busy dialog says what is happening when
it takes more than a moment; the result, or the error in the user's words, comes back to the caller."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import delete

from db.models import Case, CaseFigures, CohortCount, Person, Setting
from pathways.actors import command_line_actor
from pathways.demo_loader import is_demo_database
from pathways.figure_index import INDEX_SETTING, REBUILDING
from pathways.interchange.importer import import_dataset
from pathways.progress import Progress
from pathways.store import Store, StoreUnavailable, open_store
from tests.conftest import EXAMPLE
from ui.app import DEMO_PEOPLE, describe, open_demo
from ui.opening import BUSY_TEXT, DEMO_BUSY_TEXT, while_busy


def _busy_dialogs() -> list[QProgressDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]


def test_a_slow_opening_shows_the_busy_dialog_and_returns_the_database(qtbot: QtBot, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'upgraded.sqlite'}"
    store = open_store(url)
    import_dataset(store, actor=command_line_actor(), path=EXAMPLE)
    with store.unit_of_work() as uow:  # as after an upgrade: the index and the counts must be made again
        cases = uow.session.query(Case).count()
        uow.session.execute(delete(CaseFigures))
        uow.session.execute(delete(CohortCount))
        uow.session.execute(delete(Setting).where(Setting.key == INDEX_SETTING))
        uow.commit()
    store.engine.dispose()
    seen: list[str] = []
    reports: list[tuple[str, int, int]] = []
    may_finish = threading.Event()

    def look() -> None:  # on the screen's thread, while the opening waits
        seen.extend(dialog.labelText() for dialog in _busy_dialogs())
        may_finish.set()

    QTimer.singleShot(300, look)

    def opening(progress: Progress) -> Store:
        assert may_finish.wait(10), "the screen was not kept alive while opening"

        def reported(stage: str, done: int, total: int) -> None:
            reports.append((stage, done, total))
            progress(stage, done, total)

        return open_store(url, progress=reported)

    reopened = while_busy(opening, show_after_ms=100)
    try:
        assert seen == [BUSY_TEXT]
        assert _busy_dialogs() == []  # gone once the database is open
        with reopened.unit_of_work() as uow:  # the index was made again on opening
            assert uow.session.get(Setting, INDEX_SETTING) is not None
            assert uow.session.query(CaseFigures).count() > 0
        assert reports[0] == (REBUILDING, 0, cases) and reports[-1] == (REBUILDING, cases, cases)
    finally:
        reopened.engine.dispose()


def test_the_busy_dialog_counts_what_the_opening_has_done(qtbot: QtBot) -> None:
    seen: list[tuple[str, int, int]] = []
    may_finish = threading.Event()

    def look(tries: int) -> None:  # on the screen's thread, until the dialog shows the work's report
        seen[:] = [(dialog.labelText(), dialog.value(), dialog.maximum()) for dialog in _busy_dialogs()]
        if (not seen or seen[0][1] <= 0) and tries:
            QTimer.singleShot(50, lambda: look(tries - 1))
        else:
            may_finish.set()

    def opening(progress: Progress) -> str:
        progress("Preparing the figures for reports", 1800, 655_909)
        assert may_finish.wait(10), "the screen was not kept alive while opening"
        return "opened"

    QTimer.singleShot(0, lambda: look(100))
    assert while_busy(opening, show_after_ms=0) == "opened"
    assert seen == [(f"{BUSY_TEXT}\n\nPreparing the figures for reports: 1,800 of 655,909", 1800, 655_909)]


def test_a_quick_opening_shows_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    shown: list[int] = []
    QTimer.singleShot(0, lambda: shown.append(len(_busy_dialogs())))
    store = while_busy(lambda _progress: open_store(f"sqlite:///{tmp_path / 'new.sqlite'}"), show_after_ms=60_000)
    store.engine.dispose()
    assert shown in ([], [0]) and _busy_dialogs() == []


def test_a_file_that_cannot_be_opened_is_refused_in_words_and_left_as_it_was(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "not-a-database.sqlite"
    path.write_bytes(b"this is a letter, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreUnavailable) as refused:
        while_busy(lambda _progress: open_store(f"sqlite:///{path}"), show_after_ms=0)
    assert "could not be opened" in refused.value.message and "it was not changed" in refused.value.message
    assert path.read_bytes() == before
    assert _busy_dialogs() == []


def test_the_demo_database_is_filled_off_the_screens_thread_with_the_busy_dialog(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # the demo database goes in the user's data folder
    seen: list[str] = []

    def look(tries: int) -> None:  # runs only if the screen's thread is free while the demo database is filled
        seen.extend(dialog.labelText() for dialog in _busy_dialogs())
        if not seen and tries:
            QTimer.singleShot(50, lambda: look(tries - 1))

    QTimer.singleShot(0, lambda: look(200))
    store = open_demo()
    try:
        assert seen and seen[0] == DEMO_BUSY_TEXT
        assert _busy_dialogs() == []
        assert is_demo_database(store)
        with store.unit_of_work() as uow:
            assert uow.session.query(Person).count() == DEMO_PEOPLE
        assert str(tmp_path) in describe(store)
    finally:
        store.engine.dispose()
