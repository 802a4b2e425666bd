"""Starting the desktop application. On the usual start (a database that is already there) the sign-in window
appears at once, with no more than Qt loaded: the database layer loads and the database opens on another thread
behind it, while the user types. With a PostgreSQL role per user the sign-in window appears at once too, and
connects as the typed user. A new database (the first run) and the demo open first, behind a busy dialog, and
then go on to the first-run or sign-in window (ui/app.py)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from db.locations import data_folder, local_file, per_user_roles, resolve_url, shown_url
from pathways.errors import PathwaysError
from pathways.progress import Progress
from ui.crash import install_crash_handler
from ui.opening import DEMO_BUSY_TEXT, NEW_DATABASE_BUSY_TEXT, Background, wait_for, while_busy
from ui.sign_in import OpenedDatabase, SignInDialog

if TYPE_CHECKING:
    from pathways.actors import Actor
    from pathways.store import Store
    from ui.main_window import MainWindow

WAITING_WHERE = ""  # the sign-in window shows no database line until the database is open
STARTING_TEXT = "Starting Pathways…"  # (only if Sign in is pressed before the database layer has loaded)
CONNECTING_TEXT = "Connecting to the database…"
PER_USER_HINT = "Sign in with your own Pathways user name and password: the database checks them too."


def run_app(database_url: str | None, *, demo: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Pathways")
    install_crash_handler(data_folder() / "log", app)  # the last resort: report, keep the forms' input, tell
    try:
        window = open_window(resolve_url(database_url), demo=demo)
    except PathwaysError:  # (told already: the database could not be opened, and nothing was changed)
        return 2
    if window is None:
        return 0
    window.show()
    code = app.exec()
    window.context.store.engine.dispose()
    return code


def open_window(url: str, *, demo: bool = False) -> MainWindow | None:
    """start_window, telling the user when the database cannot be opened (then raising it again); for a database
    server, which may only be out of reach for a moment, with the choice of trying again."""
    while True:
        try:
            return start_window(url, demo=demo)
        except PathwaysError as exc:
            if not _try_again(exc.message, server=local_file(url) is None):
                raise


def _try_again(message: str, *, server: bool) -> bool:
    box = QMessageBox(QMessageBox.Icon.Critical, "Pathways", message)
    again = box.addButton("&Try again", QMessageBox.ButtonRole.AcceptRole) if server else None
    box.addButton("&Close" if server else "OK", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return again is not None and box.clickedButton() is again


def start_window(url: str, *, demo: bool = False) -> MainWindow | None:
    """The signed-in window, or None when the user gave up. Raises PathwaysError when the database cannot open."""
    file = local_file(url)
    if demo or per_user_roles(url) or (file is not None and not file.exists()):
        return _open_first(url, demo=demo)
    background = Background(lambda progress: _open_for_sign_in(url, progress))
    dialog = SignInDialog(None, where=WAITING_WHERE, opening=background)
    outcome = dialog.exec()
    if dialog.failure is not None:
        raise dialog.failure
    opened = dialog.opened or wait_for(background)  # (closed while opening: let it finish, then close it)
    from ui import app as opening  # (loaded by now, on the opening's thread)

    if outcome == SignInDialog.FIRST_RUN:
        return opening.sign_in_window(opened.store)
    window = None
    if outcome == QDialog.DialogCode.Accepted and dialog.actor is not None:
        window = opening.window_for(opened, dialog.actor)  # (first their own password, when an administrator set it)
    if window is None:
        opened.store.engine.dispose()
    return window


def _open_first(url: str, *, demo: bool) -> MainWindow | None:
    """The demo and a new database open before any window; the database layer and the screens load on the
    opening's thread too, so the busy dialog shows while they do (on a slow computer the first start is not a
    blank screen for seconds). With a PostgreSQL role per user there is nothing to open before signing in."""
    if demo:
        store = while_busy(_open_demo, DEMO_BUSY_TEXT)
    elif per_user_roles(url):
        return _sign_in_per_user(url)
    else:
        store = while_busy(lambda progress: _open_new(url, progress), NEW_DATABASE_BUSY_TEXT)
    from ui import app as opening  # (loaded by now, on the opening's thread)

    return opening.sign_in_window(store)


def _sign_in_per_user(url: str) -> MainWindow | None:
    """PostgreSQL with a database role per user: the sign-in window at once, with no more than Qt loaded; the
    database layer and the screens load behind it while the user types, and Sign in connects as the typed user
    (pathways/postgres_sign_in.py)."""
    loading = Background(_load_per_user)
    where = shown_url(url)

    def connect(username: str, password: str) -> tuple[Store, Actor]:
        sign_in_as = wait_for(loading, STARTING_TEXT)
        workstation = socket.gethostname()
        signing_in = Background(
            lambda _progress: sign_in_as(url, username=username, password=password, workstation=workstation)
        )
        return wait_for(signing_in, CONNECTING_TEXT)  # (the screen alive while the server is slow to answer)

    while True:
        dialog = SignInDialog(None, where=where, hint=PER_USER_HINT, connect=connect)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        if not accepted or dialog.actor is None or dialog.store is None:
            if dialog.store is not None:
                dialog.store.engine.dispose()
            wait_for(loading, STARTING_TEXT)  # (closed while loading: let it finish, then close)
            return None
        from ui import app as opening  # (loaded by now, on the loading's thread)

        window = opening.per_user_window(dialog.store, dialog.actor, where, lambda: _sign_in_per_user(url))
        if window is not None:
            return window
        dialog.store.engine.dispose()  # signed out instead of choosing their own password: sign in again


def _load_per_user(_progress: Progress) -> Callable[..., tuple[Store, Actor]]:
    from pathways.postgres_sign_in import sign_in_as  # loaded on this thread, while the user types
    from ui import app  # noqa: F401  (the screens, needed once signed in: loaded here too)

    return sign_in_as


def _open_demo(progress: Progress) -> Store:
    from ui.app import opened_demo  # loaded on this thread, behind the busy dialog

    return opened_demo(progress)


def _open_new(url: str, progress: Progress) -> Store:
    from pathways.store import open_store  # loaded on this thread, behind the busy dialog
    from ui import app  # noqa: F401  (the screens, needed next: loaded here too)

    return open_store(url, progress=progress)


def _open_for_sign_in(url: str, progress: Progress) -> OpenedDatabase:
    from ui.app import open_for_sign_in  # loaded on this thread, while the sign-in window is on the screen

    return open_for_sign_in(url, progress)
