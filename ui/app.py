"""Starting the desktop application: open the database, sign in (or set up a new one), show the window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlalchemy.engine import make_url

from db.engine import data_folder, per_user_roles, resolve_url
from pathways.actors import command_line_actor
from pathways.demo_loader import ensure_demo_users, fill_demo_database, is_demo_database
from pathways.errors import PathwaysError
from pathways.postgres_sign_in import open_store_as
from pathways.progress import Progress
from pathways.services.accounts import needs_first_administrator
from pathways.store import Store, StoreUnavailable, open_store
from ui.context import AppContext
from ui.crash import install_crash_handler
from ui.main_window import MainWindow
from ui.opening import while_busy
from ui.sign_in import FirstRunDialog, SignInDialog

DEMO_PEOPLE = 400


def demo_url() -> str:
    return f"sqlite:///{data_folder() / 'pathways-demo.sqlite'}"


def describe(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=True).removeprefix("sqlite:///")


DEMO_BUSY_TEXT = (
    "Opening the demo database…\n\nThe first time, it is filled with synthetic people (none of them real), which "
    "takes a moment."
)


def open_demo() -> Store:
    """The separate demo database, filled with synthetic people the first time (off the screen's thread, with a
    busy dialog when it takes more than a moment)."""

    def opened_and_filled(progress: Progress) -> Store:
        store = open_store(demo_url(), progress=progress)
        if not is_demo_database(store):
            fill_demo_database(store, actor=command_line_actor(), people=DEMO_PEOPLE)
        return store

    store = while_busy(opened_and_filled, DEMO_BUSY_TEXT)
    ensure_demo_users(store)
    return store


def sign_in_window(store: Store) -> MainWindow | None:
    """Sign in to `store` (first run: make its administrator or switch to the demo) and build the window."""
    where = describe(store)
    if needs_first_administrator(store):
        first = FirstRunDialog(store, where=where)
        outcome = first.exec()
        if outcome == FirstRunDialog.DEMO:
            store.engine.dispose()
            store = open_demo()
            where = describe(store)
        elif outcome != QDialog.DialogCode.Accepted:
            return None
    demo = is_demo_database(store)
    hint = ensure_demo_users(store) if demo else ""
    dialog = SignInDialog(store, where=where + (" (DEMO DATA)" if demo else ""), hint=hint)
    if not dialog.exec() or dialog.actor is None:
        return None
    return MainWindow(AppContext(store, dialog.actor, demo=demo), where)


def per_user_sign_in_window(url: str) -> MainWindow | None:
    """PostgreSQL with a database role per user: connect as the typed user, then sign in (pathways/postgres_sign_in)."""
    where = make_url(url).render_as_string(hide_password=True)
    dialog = SignInDialog(
        None,
        where=where,
        hint="Sign in with your own Pathways user name and password: the database checks them too.",
        connect=lambda username, password: open_store_as(url, username=username, password=password),
    )
    if not dialog.exec() or dialog.actor is None or dialog.store is None:
        if dialog.store is not None:
            dialog.store.engine.dispose()
        return None
    return MainWindow(AppContext(dialog.store, dialog.actor, demo=False), where)


def run_app(database_url: str | None, *, demo: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Pathways")
    install_crash_handler(data_folder() / "log", app)  # the last resort: report, keep the forms' input, tell
    try:
        url = resolve_url(database_url)
        if not demo and per_user_roles(url):
            window = per_user_sign_in_window(url)
        else:
            store = open_demo() if demo else while_busy(lambda progress: open_store(url, progress=progress))
            window = sign_in_window(store)
    except (StoreUnavailable, PathwaysError) as exc:
        QMessageBox.critical(None, "Pathways", exc.message)
        return 2
    if window is None:
        return 0
    window.show()
    code = app.exec()
    window.context.store.engine.dispose()
    return code
