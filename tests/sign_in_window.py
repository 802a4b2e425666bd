"""For tests of a start (ui/start.py), which shows its sign-in window modally and waits: act on that window as
soon as it is on the screen, from the event loop its wait runs. (`when_shows` does the same for any window the
start shows, e.g. the change of a password an administrator set, which comes after the sign-in window.) And a
database with accounts to sign in with."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ui.sign_in import SignInDialog

W = TypeVar("W", bound="QWidget")


def when_shows(kind: type[W], act: Callable[[W], object], tries: int = 3000) -> None:
    """Call `act` with the first visible top-level window of `kind` once there is one (looking every 10 ms, at most
    `tries` times: by default 30 s, as a loaded machine may take seconds to show it)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def look(left: int) -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
        if shown:
            act(shown[0])
        elif left:
            QTimer.singleShot(10, lambda: look(left - 1))

    QTimer.singleShot(0, lambda: look(tries))


def when_sign_in_shows(act: Callable[[SignInDialog], object], tries: int = 3000) -> None:
    """Call `act` with the sign-in window once it is visible (looking every 10 ms, at most `tries` times)."""
    from ui.sign_in import SignInDialog

    when_shows(SignInDialog, act, tries)


ADMIN_PASSWORD = "tea in the custody suite at six"


def database_with_navigator(folder: Path, password: str, *, must_change_password: bool) -> str:
    """A database file in `folder` (its URL), with its administrator asha.admin (ADMIN_PASSWORD), who has added the
    Basingstoke navigator nav.jones with `password` (temporary or not), for a start to sign in to."""
    from pathways.actors import Role
    from pathways.services import accounts
    from pathways.store import open_store

    url = f"sqlite:///{folder / 'pathways.sqlite'}"
    store = open_store(url)
    try:
        accounts.create_first_administrator(
            store, username="asha.admin", display_name="Asha Patel", password=ADMIN_PASSWORD
        )
        admin = accounts.sign_in(store, username="asha.admin", password=ADMIN_PASSWORD, workstation="office-pc")
        accounts.add_user(
            store, actor=admin, username="nav.jones", display_name="Jo Jones", role=Role.CUSTODY_NAVIGATOR,
            password=password, site="Basingstoke", must_change_password=must_change_password,
        )  # fmt: skip
    finally:
        store.engine.dispose()
    return url
