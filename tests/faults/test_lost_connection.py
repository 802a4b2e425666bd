"""The connection to a shared PostgreSQL database lost while people work (the server restarted, the network
down): a save is refused in plain words and never half-written; a read, or work in the background, says what
happened instead of calling it a bug; and once the server answers again Pathways carries on by itself, without a
restart. The app reaches the real server through a line the test cuts and mends (tests/faults/line.py)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from db.connection_errors import connection_lost
from db.models import AuditEntry, Person
from pathways.actors import Actor
from pathways.errors import DatabaseUnreachable
from pathways.services.people import register_person
from pathways.services.records import person_record
from pathways.store import Store, StoreUnavailable, open_store
from reports.cohort import CohortQuestion, cohort_figures
from tests.conftest import Clock, postgres_or_skip
from tests.faults.line import Line
from tests.pg_server import scratch_database
from tests.sign_in_window import when_sign_in_shows
from ui.sign_in import SignInDialog

ADMIN_PASSWORD = "a long enough sentence to sign in with"
LOST_SAVE = (
    "The connection to the database server was lost, so your change may not have been saved. Check this "
    "computer's network connection, then reload the record to see whether the change is there before you try again."
)


@pytest.fixture
def server_url(postgres_admin_url: str | None) -> Iterator[str]:
    """A scratch database on the PostgreSQL server (a lost connection is a database server's)."""
    with scratch_database(postgres_or_skip(postgres_admin_url)) as url:
        yield url


@pytest.fixture
def line(server_url: str) -> Iterator[Line]:
    url = make_url(server_url)
    opened = Line((url.host or "127.0.0.1", url.port or 5432))
    yield opened
    opened.cut()


@pytest.fixture
def through_line(server_url: str, line: Line, clock: Clock) -> Iterator[Store]:
    """The store, connected to the server through the line (waiting 2 seconds for a silent server, not 10)."""
    url = make_url(server_url).set(host="127.0.0.1", port=line.port).update_query_dict({"connect_timeout": "2"})
    store = open_store(url.render_as_string(False), clock=clock)
    yield store
    store.engine.dispose()


@pytest.fixture
def direct(server_url: str, clock: Clock) -> Iterator[Store]:
    """The same database, connected directly: what the server holds, whatever the line does."""
    store = open_store(server_url, clock=clock)
    yield store
    store.engine.dispose()


def _register(store: Store, actor: Actor, surname: str) -> int:
    view = register_person(
        store, actor=actor, surname=surname, forenames="Sam", date_of_birth=date(1990, 5, 17), sex="M"
    )
    return view.id


def _held(store: Store) -> tuple[list[str], int]:
    with store.unit_of_work() as uow:
        surnames = list(uow.session.scalars(select(Person.surname).order_by(Person.id)))
        audited = uow.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "register_person")
        )
    return surnames, int(audited or 0)


def test_a_save_whose_connection_breaks_half_way_is_refused_in_plain_words_and_nothing_of_it_is_kept(
    through_line: Store, direct: Store, line: Line, navigator: Actor
) -> None:
    _register(through_line, navigator, "Before")

    def cut_at_the_insert(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith("INSERT INTO people"):
            line.cut()  # the person's row is on its way: the line goes before the server answers

    event.listen(through_line.engine, "before_cursor_execute", cut_at_the_insert)
    with pytest.raises(DatabaseUnreachable) as lost:
        _register(through_line, navigator, "During")
    event.remove(through_line.engine, "before_cursor_execute", cut_at_the_insert)
    assert lost.value.message == LOST_SAVE
    assert connection_lost(lost.value.__cause__)
    assert _held(direct) == (["Before"], 1)  # nothing of the lost save: no person, no name, no audit entry

    with pytest.raises(DatabaseUnreachable) as unreachable:  # still cut: the next save cannot even begin
        _register(through_line, navigator, "While cut")
    assert unreachable.value.message == (
        "The connection to the database server was lost, so nothing was done. Check this computer's network "
        "connection, then try again."
    )
    line.mend()
    _register(through_line, navigator, "After")  # the server answers again: no restart needed
    assert _held(direct) == (["Before", "After"], 2)


def test_opening_a_record_on_a_cut_line_says_so_on_the_page_and_works_once_the_line_is_mended(
    qtbot: QtBot, through_line: Store, line: Line, navigator: Actor
) -> None:
    from ui.context import AppContext
    from ui.person_page import PersonPage

    person = _register(through_line, navigator, "Reader")
    page = PersonPage(AppContext(through_line, navigator))
    qtbot.addWidget(page)
    line.cut()
    page.show_person(person)
    assert page.error.text() == (
        "The connection to the database server was lost, so what you asked for could not be shown. Check this "
        "computer's network connection, then try again."
    )
    line.mend()
    page.show_person(person)
    assert page.error.text() == "" and page.title.text() == "READER, Sam"


@pytest.mark.parametrize("raw", [False, True], ids=["a refusal that says so", "the database's own error"])
def test_a_lost_connection_no_screen_caught_is_told_as_what_it_is_not_as_a_bug(
    qtbot: QtBot, through_line: Store, line: Line, navigator: Actor, tmp_path: Path, raw: bool
) -> None:
    """The last-resort handler (ui/crash.py) says what happened and what to do, not "a problem it did not
    expect": a refusal's own words (opening a record: it could not be shown), or, for the database's own error,
    that what the user was doing was not finished. Its report still withholds every message."""
    from ui.crash import LOST_CONNECTION, CrashHandler

    person = _register(through_line, navigator, "Reader")
    line.cut()
    with pytest.raises(Exception) as lost:
        if raw:
            through_line.engine.connect()
        else:
            person_record(through_line, actor=navigator, person_id=person)
    assert connection_lost(lost.value) and isinstance(lost.value, DatabaseUnreachable) is not raw
    handler = CrashHandler(tmp_path / "log")
    try:
        handler.handle(type(lost.value), lost.value, lost.value.__traceback__)
        qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible(), timeout=5000)
        assert handler.dialog is not None
        assert handler.dialog.windowTitle() == "Pathways: the database could not be reached"
        assert handler.dialog.text() == (
            LOST_CONNECTION
            if raw
            else "The connection to the database server was lost, so what you asked for could not be shown. Check "
            "this computer's network connection, then try again."
        )
        details = handler.dialog.informativeText()
        assert "Pathways connects again by itself once the server answers" in details
        assert "did not expect" not in details
        assert "127.0.0.1" not in handler.reports[0].read_text(encoding="utf-8")  # (messages withheld)
    finally:
        if handler.dialog is not None:
            handler.dialog.close()


def test_a_server_gone_silent_in_the_middle_of_work_is_told_as_a_lost_connection(
    through_line: Store, line: Line, navigator: Actor
) -> None:
    """The network drops every packet (no refusal, no closed connection: nothing answers). The next piece of work
    finds its connection dead and cannot make another in the time allowed: it says so, and carries on once the
    server answers again."""
    _register(through_line, navigator, "Before")
    line.cut()
    silent = socket.create_server(("127.0.0.1", line.port))  # where the server was: takes connections, says nothing
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnreachable) as lost:
            _register(through_line, navigator, "While silent")
        assert time.monotonic() - started < 10
    finally:
        silent.close()
    assert lost.value.message == (
        "The connection to the database server was lost, so nothing was done. Check this computer's network "
        "connection, then try again."
    )
    line.mend()
    _register(through_line, navigator, "After")


def test_a_server_that_refuses_the_account_is_not_taken_for_a_lost_connection(server_url: str) -> None:
    """A wrong password: the server answered, so the words say it refused, and not to check the network."""
    wrong = make_url(server_url).set(password="not the password").render_as_string(False)
    with pytest.raises(StoreUnavailable) as refused:
        open_store(wrong)
    words = refused.value.message
    assert words.startswith("The database server at postgresql://") and "refused the connection (" in words
    assert "password authentication failed" in words and "not the password" not in words
    assert words.endswith("Check the database's address and account with your administrator. Nothing was changed.")
    assert "network" not in words
    assert not connection_lost(refused.value.__cause__)


def test_a_report_in_the_background_whose_line_is_cut_half_way_fails_in_plain_words(
    qtbot: QtBot, through_line: Store, line: Line, navigator: Actor, manager: Actor
) -> None:
    """A report runs on another thread (ui/operations.py); the line goes after it has begun reading."""
    from ui.operations import OperationRunner

    _register(through_line, navigator, "Background")
    question = CohortQuestion("dtoa", date(2026, 1, 1), date(2026, 12, 31))
    statements: list[str] = []

    def cut_once_reading(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)
        if "cohort_counts" in statement:
            line.cut()

    event.listen(through_line.engine, "before_cursor_execute", cut_once_reading)
    runner = OperationRunner()
    failures: list[str] = []
    runner.start(
        "report",
        lambda _progress: cohort_figures(through_line, actor=manager, question=question),
        finished=lambda _result: failures.append("finished"),
        failed=failures.append,
    )
    qtbot.waitUntil(lambda: bool(failures), timeout=30_000)
    event.remove(through_line.engine, "before_cursor_execute", cut_once_reading)
    assert any("cohort_counts" in s for s in statements)  # (it had begun: past the check of the manager's role)
    assert failures == [
        "The connection to the database server was lost, so it was not finished: nothing was half-saved. Check "
        "this computer's network connection, then try again."
    ]


def test_an_sqlite_error_is_never_taken_for_a_lost_connection(store: Store, tmp_path: Path) -> None:
    """(Both databases: on SQLite a refused statement is what it says, not a lost server.)"""
    with pytest.raises(Exception) as refused, store.unit_of_work() as uow:
        uow.session.execute(select(func.nonexistent_function()))
    assert not connection_lost(refused.value)
    if store.engine.dialect.name == "sqlite":  # a connection closed under SQLAlchemy: its dialect's "disconnect"
        with pytest.raises(DBAPIError) as closed, store.engine.connect() as connection:
            connection.connection.dbapi_connection.close()  # type: ignore[union-attr]
            connection.exec_driver_sql("SELECT 1")
        assert closed.value.connection_invalidated and not connection_lost(closed.value)


def _answer_message_box(press: str, then: Callable[[QMessageBox], None]) -> None:
    """Once a message box is on the screen: `then` (with the box), then press its button `press`."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    if not boxes:
        QTimer.singleShot(20, lambda: _answer_message_box(press, then))
        return
    then(boxes[0])
    next(b for b in boxes[0].buttons() if b.text() == press).click()


def test_the_start_offers_to_try_again_while_the_server_is_out_of_reach(
    qtbot: QtBot, server_url: str, line: Line
) -> None:
    """The usual start on a shared database whose server cannot be reached says so, and offers to try again; once
    the server answers, trying again opens the sign-in window and then the main window, with no restart."""
    from PySide6.QtCore import QTimer

    from pathways.services.accounts import create_first_administrator
    from ui.start import open_window

    direct = open_store(server_url)
    create_first_administrator(direct, username="admin.khan", display_name="A. Khan", password=ADMIN_PASSWORD)
    direct.engine.dispose()
    url = make_url(server_url).set(host="127.0.0.1", port=line.port).render_as_string(False)
    line.cut()
    told: list[str] = []

    def sign_in(dialog: SignInDialog) -> None:
        dialog.username.setText("admin.khan")
        dialog.password.setText(ADMIN_PASSWORD)
        dialog._sign_in()

    def mend_the_line(box: QMessageBox) -> None:
        told.append(box.text())
        line.mend()
        when_sign_in_shows(sign_in)  # (the start's next sign-in window)

    QTimer.singleShot(0, lambda: _answer_message_box("&Try again", mend_the_line))
    window = open_window(url)
    assert window is not None and window.context.actor.username == "admin.khan"
    qtbot.addWidget(window)
    window.context.store.engine.dispose()
    assert len(told) == 1 and told[0].startswith("Pathways could not connect to the database server at postgresql://")
    assert "Connection refused" in told[0] and told[0].endswith("Nothing was changed.")


def test_a_damaged_file_is_not_offered_again(qtbot: QtBot, tmp_path: Path) -> None:
    """(On either database: only a server may be out of reach for a moment.) The message, with OK alone."""
    from PySide6.QtCore import QTimer

    from ui.start import open_window

    damaged = tmp_path / "pathways.sqlite"
    damaged.write_bytes(b"not a database at all" * 100)
    buttons: list[list[str]] = []
    QTimer.singleShot(
        0, lambda: _answer_message_box("OK", lambda box: buttons.append([b.text() for b in box.buttons()]))
    )
    with pytest.raises(StoreUnavailable, match="could not be opened"):
        open_window(f"sqlite:///{damaged}")
    assert buttons == [["OK"]]
