"""Starting the application: on a database that is already there, the sign-in window is on the screen before the
database is open (nothing but Qt is loaded first) and signs in once it is open; a damaged file, a database with no
users yet and giving up each end as the user expects."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from main import main
from pathways.actors import Role
from pathways.errors import PathwaysError
from pathways.progress import Progress
from pathways.services.accounts import create_first_administrator
from pathways.store import open_store
from ui.app import open_for_sign_in
from ui.main_window import MainWindow
from ui.opening import Background
from ui.sign_in import OPENING, SIGNING_IN_WHEN_OPEN, FirstRunDialog, OpenedDatabase, SignInDialog
from ui.start import WAITING_WHERE, start_window

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "tea in the custody suite at six"


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A database already there, with its administrator."""
    url = f"sqlite:///{tmp_path / 'pathways.sqlite'}"
    store = open_store(url)
    create_first_administrator(store, username="asha.admin", display_name="Asha Patel", password=PASSWORD)
    store.engine.dispose()
    return url


def _visible(kind: type[QWidget]) -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


Watch = Callable[[type[QWidget], Callable[[QWidget], object]], list[QWidget]]


@pytest.fixture
def when_shown() -> Iterator[Watch]:
    """`when_shown(kind, act)`: once a window of `kind` is on the screen (within 20 s), act on it; the windows acted
    on are listed in what it returns. Watching stops when the test ends."""
    stopped = [False]

    def watch(kind: type[QWidget], act: Callable[[QWidget], object]) -> list[QWidget]:
        seen: list[QWidget] = []
        tries = [0]

        def look() -> None:
            if stopped[0]:
                return
            shown = _visible(kind)
            if shown:
                seen.append(shown[0])
                act(shown[0])
            elif tries[0] < 2000:
                tries[0] += 1
                QTimer.singleShot(10, look)

        QTimer.singleShot(0, look)
        return seen

    yield watch
    stopped[0] = True


def _sign_in_as_admin(dialog: QWidget) -> None:
    assert isinstance(dialog, SignInDialog)
    dialog.username.setText("asha.admin")
    dialog.password.setText(PASSWORD)
    dialog._sign_in()


def test_the_sign_in_window_takes_the_user_name_while_the_database_opens(qtbot: QtBot, database: str) -> None:
    may_open = threading.Event()

    def slow_opening(progress: Progress) -> OpenedDatabase:
        progress("Preparing the worklists", 3, 10)
        assert may_open.wait(20)
        return open_for_sign_in(database, progress)

    dialog = SignInDialog(None, where=WAITING_WHERE, opening=Background(slow_opening))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "3 of 10" in dialog.status.text())
    assert dialog.status.text().startswith(OPENING) and not dialog.where.isVisible()
    assert dialog.progress.isVisible() and (dialog.progress.value(), dialog.progress.maximum()) == (3, 10)
    qtbot.keyClicks(dialog.username, "asha.admin")
    qtbot.keyClicks(dialog.password, PASSWORD)
    dialog._sign_in()  # before the database is open: remembered, not refused
    assert dialog.actor is None and dialog.status.text().startswith(SIGNING_IN_WHEN_OPEN) and dialog.isVisible()
    may_open.set()
    qtbot.waitUntil(lambda: dialog.actor is not None, timeout=20000)
    assert dialog.actor is not None and dialog.actor.role is Role.ADMINISTRATOR
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.status.isHidden() and dialog.progress.isHidden()  # (asked of each: the window itself is closed)
    assert not dialog.where.isHidden() and dialog.where.text() == f"Database: {database.removeprefix('sqlite:///')}"
    assert dialog.opened is not None and dialog.store is dialog.opened.store
    dialog.opened.store.engine.dispose()


def test_closing_the_sign_in_window_while_it_waits_for_the_database_signs_nobody_in(
    qtbot: QtBot, database: str
) -> None:
    may_open = threading.Event()

    def slow_opening(progress: Progress) -> OpenedDatabase:
        assert may_open.wait(20)
        return open_for_sign_in(database, progress)

    background = Background(slow_opening)
    dialog = SignInDialog(None, where=WAITING_WHERE, opening=background)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("asha.admin")
    dialog.password.setText(PASSWORD)
    dialog._sign_in()
    assert dialog.status.text().startswith(SIGNING_IN_WHEN_OPEN)
    dialog.reject()
    may_open.set()
    qtbot.waitUntil(lambda: background.done())
    qtbot.wait(200)  # (long enough for the window to have looked at the opening, had it still been looking)
    assert dialog.actor is None and dialog.result() == QDialog.DialogCode.Rejected
    background.result().store.engine.dispose()


def test_starting_on_a_database_already_there_signs_in_to_the_main_window(
    qtbot: QtBot, database: str, when_shown: Watch
) -> None:
    seen = when_shown(SignInDialog, _sign_in_as_admin)
    window = start_window(database)
    assert seen and isinstance(window, MainWindow)
    qtbot.addWidget(window)
    assert window.context.actor.username == "asha.admin"
    assert "asha.admin" in window.windowTitle() and "pathways.sqlite" in window.windowTitle()
    window.context.store.engine.dispose()


def test_a_damaged_file_closes_the_sign_in_window_with_the_reason_and_is_left_as_it_was(
    qtbot: QtBot, tmp_path: Path, when_shown: Watch
) -> None:
    damaged = tmp_path / "pathways.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + os.urandom(8000))
    before = hashlib.sha256(damaged.read_bytes()).hexdigest()
    seen = when_shown(SignInDialog, lambda _dialog: None)
    with pytest.raises(PathwaysError, match="damaged"):
        start_window(f"sqlite:///{damaged}")
    assert seen and not _visible(SignInDialog)
    assert hashlib.sha256(damaged.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pathways.sqlite"]


def test_a_database_with_no_users_yet_goes_on_to_the_first_run(qtbot: QtBot, tmp_path: Path, when_shown: Watch) -> None:
    url = f"sqlite:///{tmp_path / 'pathways.sqlite'}"
    open_store(url).engine.dispose()  # there, but its first administrator was never made
    welcomed = when_shown(FirstRunDialog, lambda dialog: dialog.close())
    assert start_window(url) is None
    assert welcomed


def test_a_new_database_opens_first_and_welcomes_without_a_sign_in_window(
    qtbot: QtBot, tmp_path: Path, when_shown: Watch
) -> None:
    new = tmp_path / "pathways.sqlite"
    signed = when_shown(SignInDialog, lambda dialog: dialog.close())
    welcomed = when_shown(FirstRunDialog, lambda dialog: dialog.close())
    assert start_window(f"sqlite:///{new}") is None
    assert welcomed and not signed and new.exists()


def test_giving_up_at_the_sign_in_window_starts_nothing(qtbot: QtBot, database: str, when_shown: Watch) -> None:
    seen = when_shown(SignInDialog, lambda dialog: dialog.close())
    assert start_window(database) is None
    assert seen


def test_starting_the_application_loads_no_database_layer_before_the_sign_in_window() -> None:
    layers = "{'db', 'sqlalchemy'}"
    probe = f"import sys, main, ui.start; print(sorted(m for m in sys.modules if m.partition('.')[0] in {layers}))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert loaded.stdout.strip() == "['db', 'db.locations']"  # which database, and where: no SQLAlchemy


def test_the_commands_are_still_read_by_main(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert "import" in out and "--database-url" in out and "--demo" in out


FIRST_WINDOW = """
import sys, threading
HEAVY = ("sqlalchemy", "ui.main_window")
loaded_on_screen_thread = {}

class Watch:  # notes which thread first loads each of the heavy layers
    def find_spec(self, name, path=None, target=None):
        if name in HEAVY and name not in loaded_on_screen_thread:
            loaded_on_screen_thread[name] = threading.current_thread() is threading.main_thread()
        return None

sys.meta_path.insert(0, Watch())
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui import sign_in
from ui.start import start_window
kind = getattr(sign_in, sys.argv[2])

def look():  # once the window is on the screen and the layers have loaded (wherever), close it
    shown = [w for w in app.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    if shown and len(loaded_on_screen_thread) == len(HEAVY) and all(m in sys.modules for m in HEAVY):
        print(shown[0].where.text() if kind is sign_in.SignInDialog else kind.__name__)
        shown[0].close()
    else:
        QTimer.singleShot(10, look)

QTimer.singleShot(0, look)
assert start_window(sys.argv[1]) is None
print(sorted(loaded_on_screen_thread.items()))
"""


def _first_window(url: str, kind: str, **env: str) -> list[str]:
    """Start on `url` in a fresh process; once a `kind` window is on the screen and the layers have loaded, close
    it: the database a sign-in window names, then which heavy layers loaded on the screen's thread."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_WINDOW, url, kind],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_a_first_start_loads_the_database_layer_and_the_screens_behind_the_busy_dialog(tmp_path: Path) -> None:
    """A new database opens before any window; what it needs loads on the opening's thread, not the screen's, so
    the busy dialog is on the screen while it does (and the screen is never frozen and blank)."""
    new = tmp_path / "pathways.sqlite"
    shown, loaded = _first_window(f"sqlite:///{new}", "FirstRunDialog")
    assert shown == "FirstRunDialog"
    assert loaded == "[('sqlalchemy', False), ('ui.main_window', False)]"
    assert new.exists()


def test_a_postgresql_role_per_user_start_shows_the_sign_in_window_before_the_database_layer() -> None:
    """With a database role per user there is nothing to open before the user signs in: the sign-in window is on
    the screen while the layers load on another thread behind it, and the password in the URL is not shown. (No
    server is needed: the window is closed without signing in.)"""
    url = "postgresql://pathways:secret@db.force.local:5432/pathways"
    shown, loaded = _first_window(url, "SignInDialog", PATHWAYS_POSTGRES_PER_USER="1")
    assert shown == "Database: postgresql://pathways:***@db.force.local:5432/pathways"
    assert loaded == "[('sqlalchemy', False), ('ui.main_window', False)]"
