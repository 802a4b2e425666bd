"""Opening the database for the desktop application, signing in (or setting up a new database) and making the
window. ui/start.py starts the application and loads this module, with the database layer, when it is needed:
for the usual start, on the thread that opens the database behind the sign-in window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from db.locations import data_folder
from pathways.actors import Actor, command_line_actor
from pathways.demo_loader import ensure_demo_users, fill_demo_database, is_demo_database
from pathways.progress import Progress
from pathways.services.accounts import needs_first_administrator
from pathways.store import Store, open_store
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.opening import DEMO_BUSY_TEXT, while_busy
from ui.sign_in import FirstRunDialog, OpenedDatabase, SignInDialog

DEMO_PEOPLE = 400


def demo_url() -> str:
    return f"sqlite:///{data_folder() / 'pathways-demo.sqlite'}"


def describe(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=True).removeprefix("sqlite:///")


def open_demo() -> Store:
    """The separate demo database, filled with synthetic people the first time (off the screen's thread, with a
    busy dialog when it takes more than a moment)."""
    return while_busy(opened_demo, DEMO_BUSY_TEXT)


def opened_demo(progress: Progress) -> Store:
    """The demo database opened, filled the first time, with its users (on the opening's thread)."""
    store = open_store(demo_url(), progress=progress)
    if not is_demo_database(store):
        fill_demo_database(store, actor=command_line_actor(), people=DEMO_PEOPLE)
    ensure_demo_users(store)
    return store


def about(store: Store) -> OpenedDatabase:
    """What the sign-in window shows of an open database, and whether it has no users yet."""
    first_run = needs_first_administrator(store)
    demo = not first_run and is_demo_database(store)
    return OpenedDatabase(store, describe(store), demo, ensure_demo_users(store) if demo else "", first_run)


def open_for_sign_in(url: str, progress: Progress) -> OpenedDatabase:
    """Open the database behind the sign-in window (on the opening's thread)."""
    return about(open_store(url, progress=progress))


def own_password_chosen(store: Store, actor: Actor) -> Actor | None:
    """The signed-in actor, ready to work. Signed in with a password an administrator set (a reset, a new account),
    they first choose their own (ui/password_dialog.py, required): None when they sign out there instead."""
    if not actor.must_change_password:
        return actor
    from ui.password_dialog import ChangePasswordDialog  # (loaded when first needed)

    dialog = ChangePasswordDialog(AppContext(store, actor), required=True)
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.changed:
        return None
    return replace(actor, must_change_password=False)


def window_for(opened: OpenedDatabase, actor: Actor) -> MainWindow | None:
    """The main window of the signed-in actor, once they have their own password (own_password_chosen); signed out
    there, they are back at the sign-in window. None when they give up."""
    ready = own_password_chosen(opened.store, actor)
    if ready is None:
        return signed_in_again(opened)
    return main_window(AppContext(opened.store, ready, demo=opened.demo), opened.where, lambda: signed_in_again(opened))


def signed_in_again(opened: OpenedDatabase) -> MainWindow | None:
    """The sign-in window again (after signing out), and the main window of whoever signs in; None when it is
    closed instead."""
    dialog = SignInDialog(opened.store, where=opened.shown_where, hint=opened.hint)
    if not dialog.exec() or dialog.actor is None:
        return None
    return window_for(opened, dialog.actor)


def main_window(context: AppContext, where: str, next_window: Callable[[], MainWindow | None]) -> MainWindow:
    """The main window, with File → Change my password… and Sign out. Signing out closes it (asking first, as
    closing does, when marks are not saved) and gives the computer to the next user: `next_window` (the sign-in
    window, then their main window), or Pathways ends when there is none."""
    window: MainWindow

    def sign_out() -> None:
        application = QApplication.instance()
        assert isinstance(application, QApplication)
        quits = application.quitOnLastWindowClosed()
        application.setQuitOnLastWindowClosed(False)  # (no window is open between the two)
        if not window.close():
            application.setQuitOnLastWindowClosed(quits)
            return  # they chose to stay
        close_every_window()  # a form left open (the idle lock covers forms; it does not close them) goes too
        window.deleteLater()

        def next_user() -> None:
            try:
                following = next_window()
                if following is None:
                    application.quit()
                else:
                    following.show()
            finally:
                application.setQuitOnLastWindowClosed(quits)

        QTimer.singleShot(0, next_user)  # once the closed forms' own event loops have ended

    window = MainWindow(context, where, on_sign_out=sign_out)
    return window


def close_every_window() -> None:
    """Close whatever the signed-out user left on the screen (a form, a wizard, a message), so that the next user
    at the computer finds none of it, and none of it saves as them: a dialog is rejected, as Cancel would."""
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        if isinstance(top, QDialog):
            top.reject()
        else:
            top.close()


def sign_in_window(store: Store) -> MainWindow | None:
    """Sign in to `store` (first run: make its administrator or switch to the demo) and build the window."""
    if needs_first_administrator(store):
        first = FirstRunDialog(store, where=describe(store))
        outcome = first.exec()
        if outcome == FirstRunDialog.DEMO:
            store.engine.dispose()
            store = open_demo()
        elif outcome != QDialog.DialogCode.Accepted:
            return None
    opened = about(store)
    dialog = SignInDialog(store, where=opened.shown_where, hint=opened.hint)
    if not dialog.exec() or dialog.actor is None:
        return None
    return window_for(opened, dialog.actor)


def per_user_window(
    store: Store, actor: Actor, where: str, next_window: Callable[[], MainWindow | None]
) -> MainWindow | None:
    """The main window of a user signed in on their own PostgreSQL role (ui/start.py signs them in), once they have
    their own password (own_password_chosen). None when they sign out instead: ui/start.py signs in again. Signing
    out of the window ends its connections, then gives `next_window` (ui/start.py's sign-in, on the next user's
    own role)."""
    ready = own_password_chosen(store, actor)
    if ready is None:
        return None

    def after_sign_out() -> MainWindow | None:
        store.engine.dispose()  # (the connections were the signed-out user's own role's)
        return next_window()

    return main_window(AppContext(store, ready, demo=False), where, after_sign_out)
