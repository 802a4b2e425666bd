"""A database server that cannot be reached: one that refuses the connection, and one that takes it and never
answers (a hung server, or a network that drops the packets). The app gives up within a time limit with a message
in the user's words, instead of a window frozen for as long as libpq would wait (for ever, without a limit); on the
per-user start the sign-in window stays alive meanwhile. The servers here are real sockets on this machine: no
PostgreSQL is needed."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from itertools import pairwise

import pytest
from pytestqt.qtbot import QtBot

from db.engine import CONNECT_TIMEOUT_S, KEEPALIVES, server_connect_args
from pathways.postgres_sign_in import open_store_as
from pathways.store import StoreUnavailable, open_store
from tests.sign_in_window import when_sign_in_shows

UNREACHABLE = "Pathways could not connect to the database server at"
WHAT_TO_DO = "ask your administrator whether the database server is running. Nothing was changed."


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port where connections are taken (by the operating system) and never answered."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


@pytest.fixture
def closed_port() -> int:
    """A port where nothing listens: the connection is refused at once."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()
    return port


def test_a_server_connection_has_a_time_limit_and_keepalives_unless_the_address_sets_its_own() -> None:
    url = "postgresql+psycopg://pathways@db.force.local/pathways"
    assert server_connect_args(url) == {"connect_timeout": CONNECT_TIMEOUT_S, **KEEPALIVES}
    own = server_connect_args(url + "?connect_timeout=30&keepalives_idle=5")
    assert own == {name: value for name, value in KEEPALIVES.items() if name != "keepalives_idle"}


def test_a_refused_connection_says_the_server_could_not_be_reached_not_that_the_database_is_damaged(
    closed_port: int,
) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as refused:
        open_store(f"postgresql://pathways:secret@127.0.0.1:{closed_port}/pathways")
    words = refused.value.message
    assert words.startswith(f"{UNREACHABLE} postgresql://pathways:***@127.0.0.1:{closed_port}/pathways: ")
    assert "Connection refused" in words and words.endswith(WHAT_TO_DO)
    assert "secret" not in words and "damaged" not in words
    assert time.monotonic() - started < CONNECT_TIMEOUT_S


def test_a_server_that_never_answers_is_given_up_on_at_the_addresses_own_time_limit(silent_port: int) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as silent:
        open_store(f"postgresql://pathways@127.0.0.1:{silent_port}/pathways?connect_timeout=2")
    took = time.monotonic() - started
    assert "it did not answer within 2 seconds" in silent.value.message
    assert silent.value.message.startswith(UNREACHABLE) and silent.value.message.endswith(WHAT_TO_DO)
    assert 1.5 < took < 8


def test_signing_in_with_a_role_per_user_to_a_server_that_never_answers(silent_port: int) -> None:
    with pytest.raises(StoreUnavailable) as silent:
        open_store_as(
            f"postgresql://127.0.0.1:{silent_port}/pathways?connect_timeout=2", username="nav.a", password="pw"
        )
    assert "it did not answer within 2 seconds" in silent.value.message


def test_the_per_user_sign_in_window_stays_alive_while_a_silent_server_is_waited_for(
    qtbot: QtBot, silent_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sign in connects behind a busy window, with the sign-in window greyed out (nothing in it can be pressed
    twice, and Cancel waits); the screen is drawn meanwhile; after the default time limit the window says why, and
    can be used again."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QProgressDialog

    from ui.sign_in import SignInDialog
    from ui.start import CONNECTING_TEXT, start_window

    monkeypatch.setenv("PATHWAYS_POSTGRES_PER_USER", "1")
    ticks: list[float] = []  # while the connection is waited for: each time a timer ran
    busy: set[str] = set()  # the busy windows' words
    disabled: list[bool] = []  # whether the sign-in window was greyed out
    after: dict[str, object] = {}

    def look() -> None:
        ticks.append(time.monotonic())
        for shown in QApplication.topLevelWidgets():
            if isinstance(shown, QProgressDialog) and shown.isVisible():
                busy.add(shown.labelText())
            if isinstance(shown, SignInDialog) and shown.isVisible():
                disabled.append(not shown.isEnabled())
                shown.reject()  # (Cancel while connecting: held back until the connection gives up)

    def sign_in(dialog: SignInDialog) -> None:
        dialog.username.setText("nav.a")
        dialog.password.setText("a password typed")
        ticking = QTimer()
        ticking.timeout.connect(look)
        ticking.start(100)
        started = time.monotonic()
        dialog._sign_in()
        ticking.stop()
        after.update(
            took=time.monotonic() - started,
            error=dialog.error.text(),
            enabled=dialog.isEnabled(),
            visible=dialog.isVisible(),
            password=dialog.password.text(),
        )
        dialog.reject()

    when_sign_in_shows(sign_in)
    assert start_window(f"postgresql://127.0.0.1:{silent_port}/pathways") is None
    took = after["took"]
    assert isinstance(took, float) and CONNECT_TIMEOUT_S - 0.5 < took < CONNECT_TIMEOUT_S + 10
    assert len(ticks) > 20 and max(b - a for a, b in pairwise(ticks)) < 2  # never frozen for long
    assert disabled and all(disabled)
    assert busy == {CONNECTING_TEXT}
    assert after["visible"] is True  # (Cancel during the wait was held back)
    error = str(after["error"])
    assert error.startswith(UNREACHABLE) and f"it did not answer within {CONNECT_TIMEOUT_S} seconds" in error
    assert after["enabled"] is True and after["password"] == ""


def test_the_usual_start_closes_its_sign_in_window_and_says_why(qtbot: QtBot, silent_port: int) -> None:
    """The database opens behind the sign-in window; when its server never answers, the window closes and the
    start ends with the message (which run_app shows in a message box)."""
    from ui.start import start_window

    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as silent:
        start_window(f"postgresql://pathways@127.0.0.1:{silent_port}/pathways?connect_timeout=2")
    assert "it did not answer within 2 seconds" in silent.value.message
    assert time.monotonic() - started < 8
