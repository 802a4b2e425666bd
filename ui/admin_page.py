"""Administration: user accounts, and the reference lists (offences, drugs, sites, treatment services).

Both kinds of list stay short (tens of users, tens of entries), so each tab reads its whole list when it is
built and again when the context says "users" or "reference" changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pathways.actors import Role
from pathways.errors import PathwaysError
from pathways.reference import ReferenceEntry, reference_list
from pathways.services.accounts import MOVED_FROM_NEXT_SIGN_IN, UserView, list_users, set_active, set_may_read_notes
from ui.admin_dialogs import (
    REFERENCE_LISTS,
    ROLE_LABELS,
    AddUserDialog,
    ReferenceEntryDialog,
    ReferenceListInfo,
    ResetPasswordDialog,
)
from ui.context import AppContext
from ui.lazy_model import Column
from ui.retention_page import RecordsTab
from ui.rows_model import RowsModel
from ui.settings_tab import SettingsTab
from ui.widgets import button_row, error_label, rows_table
from ui.workplace_dialog import WorkplaceDialog

Row = TypeVar("Row")
MENU_BAR_LETTERS = frozenset("fgh")  # the main window's File, Go and Help menus (ui/main_window.py)
Index = QModelIndex | QPersistentModelIndex


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def dimmed_when(retired: Callable[[Any], bool]) -> Callable[[Any, int], QColor | None]:
    """Grey text for rows that are retired or disabled."""
    grey = QPalette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    return lambda row, _column: grey if retired(row) else None


USER_COLUMNS: list[Column[UserView]] = [
    Column("User name", lambda u: u.username),
    Column("Full name", lambda u: u.display_name),
    Column("Role", lambda u: ROLE_LABELS[u.role]),
    Column("Site", lambda u: u.site),
    Column("Service", lambda u: u.service),
    Column("Active", lambda u: _yes_no(u.active)),
    Column("Reads notes", lambda u: _yes_no(u.may_read_notes) if u.role is Role.MANAGER else ""),
    Column("Password", lambda u: "Temporary" if u.must_change_password else ""),  # set by an administrator
]
RESET_DONE = (
    "The password of {name} ({username}) was reset. It is temporary: they will choose a new one of their own "
    "when they next sign in."
)
OWN_RESET_DONE = "Your password was changed."
MOVED = "{name} now works {at} {place}. {then}"
ADDED = (
    "{name} ({username}) was added. Their password is temporary: they will choose a new one of their own when "
    "they first sign in."
)


class UsersTab(QWidget):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.model: RowsModel[UserView] = RowsModel(USER_COLUMNS, colour=dimmed_when(lambda u: not u.active))
        self.table = rows_table(self.model, "User accounts", stretch=1)
        self.add_button = QPushButton("&Add user…")
        self.reset_button = QPushButton("&Reset password…")
        self.toggle_button = QPushButton("&Disable")
        self.notes_button = QPushButton("Grant &notes")  # a manager's reading of free-text notes
        self.workplace_button = QPushButton("&Move to another site or service…")  # a navigator or a worker moves
        self.done = QLabel()  # what the last change did, in words
        self.done.setWordWrap(True)
        self.error = error_label()
        layout = QVBoxLayout(self)
        heading = QLabel("Accounts: the &people who sign in to Pathways. Accounts are disabled, never deleted.")
        heading.setBuddy(self.table)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        buttons = (self.add_button, self.reset_button, self.toggle_button, self.notes_button, self.workplace_button)
        layout.addLayout(button_row(*buttons))
        layout.addWidget(self.done)
        layout.addWidget(self.error)
        self.add_button.clicked.connect(self.add_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.toggle_button.clicked.connect(self.toggle_active)
        self.notes_button.clicked.connect(self.toggle_notes)
        self.workplace_button.clicked.connect(self.change_workplace)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.refresh()

    def selected(self) -> UserView | None:
        return self.model.row_at(self.table.currentIndex().row())

    def refresh(self, select_id: int | None = None) -> None:
        current = self.selected()
        wanted = select_id if select_id is not None else (current.id if current else None)
        try:
            self.model.set_rows(list_users(self._context.store, actor=self._context.actor))
        except PathwaysError as exc:
            self.error.setText(exc.message)
        self.table.selectRow(max(self.model.find(lambda u: u.id == wanted), 0))
        self._update_buttons()

    def _update_buttons(self) -> None:
        user = self.selected()
        self.reset_button.setEnabled(user is not None)
        self.toggle_button.setEnabled(user is not None)
        text = "&Enable" if user is not None and not user.active else "&Disable"
        self.toggle_button.setText(text)
        self.toggle_button.setAccessibleName(text.replace("&", ""))
        self.notes_button.setEnabled(user is not None and user.role is Role.MANAGER)
        notes = "Withdraw &notes" if user is not None and user.may_read_notes else "Grant &notes"
        self.notes_button.setText(notes)
        self.notes_button.setAccessibleName(notes.replace("&", ""))
        self.workplace_button.setEnabled(
            user is not None and user.role in (Role.CUSTODY_NAVIGATOR, Role.TREATMENT_WORKER)
        )

    def add_user(self) -> None:
        self.done.clear()
        dialog = AddUserDialog(self._context, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.added is not None:
            self.error.clear()
            self.refresh(dialog.added.id)
            added = dialog.added
            self.done.setText(ADDED.format(name=added.display_name, username=added.username))

    def reset_password(self) -> None:
        self.done.clear()
        user = self.selected()
        if user is not None and ResetPasswordDialog(self._context, user, self).exec() == QDialog.DialogCode.Accepted:
            self.error.clear()
            own = user.username.lower() == self._context.actor.username.lower()
            said = OWN_RESET_DONE if own else RESET_DONE.format(name=user.display_name, username=user.username)
            self.done.setText(said)

    def toggle_active(self) -> None:
        self.done.clear()
        user = self.selected()
        if user is None:
            return
        verb = "Enable" if not user.active else "Disable"
        consequence = "They will be able to sign in again." if not user.active else "They will not be able to sign in."
        answer = QMessageBox.question(
            self, f"{verb} account", f"{verb} the account of {user.display_name} ({user.username})? {consequence}"
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            set_active(self._context.store, actor=self._context.actor, user_id=user.id, active=not user.active)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.error.clear()
        self._context.notify("users")

    def toggle_notes(self) -> None:
        """Grant the selected manager reading free-text notes, or withdraw it."""
        self.done.clear()
        user = self.selected()
        if user is None:
            return
        try:
            set_may_read_notes(
                self._context.store, actor=self._context.actor, user_id=user.id, granted=not user.may_read_notes
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.error.clear()
        self._context.notify("users")

    def change_workplace(self) -> None:
        """Move the selected navigator to another site, or worker to another service."""
        self.done.clear()
        user = self.selected()
        if user is None:
            return
        dialog = WorkplaceDialog(self._context, user, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.moved is not None:
            self.error.clear()
            moved = dialog.moved
            self.done.setText(
                MOVED.format(
                    name=moved.display_name,
                    at="at" if moved.site else "for",
                    place=moved.site or moved.service,
                    then=MOVED_FROM_NEXT_SIGN_IN,
                )
            )


class ReferenceTab(QWidget):
    """One reference list. Retired entries stay in the table (greyed) so that they can be brought back."""

    def __init__(self, context: AppContext, info: ReferenceListInfo) -> None:
        super().__init__()
        self._context, self.info = context, info
        columns: list[Column[ReferenceEntry]] = [
            Column("Code", lambda e: e.code),
            Column("Label", lambda e: e.label),
        ]
        if info.flag_text:
            columns.append(Column(info.flag_text, lambda e: _yes_no(e.flag)))
        if info.has_phone:
            columns.append(Column("Phone number", lambda e: e.phone or ""))
        columns.append(Column("Active", lambda e: _yes_no(e.active)))
        self.model: RowsModel[ReferenceEntry] = RowsModel(columns, colour=dimmed_when(lambda e: not e.active))
        title = info.tab_text.replace("&", "")
        self.table = rows_table(self.model, title, stretch=1)
        self.add_button = QPushButton("&Add…")
        self.edit_button = QPushButton("&Edit…")
        self.error = error_label()
        layout = QVBoxLayout(self)
        heading = QLabel(f"E&ntries. Retired entries are kept for past records but no longer offered. {info.note}")
        heading.setWordWrap(True)
        heading.setBuddy(self.table)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(button_row(self.add_button, self.edit_button))
        self.add_button.setAccessibleName(f"Add a {info.singular}")
        self.edit_button.setAccessibleName(f"Edit the selected {info.singular}")
        layout.addWidget(self.error)
        self.add_button.clicked.connect(self.add_entry)
        self.edit_button.clicked.connect(self.edit_entry)
        self.table.activated.connect(lambda _index: self.edit_entry())  # Enter or double-click
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.refresh()

    def selected(self) -> ReferenceEntry | None:
        return self.model.row_at(self.table.currentIndex().row())

    def refresh(self, select_code: str | None = None) -> None:
        current = self.selected()
        wanted = select_code if select_code is not None else (current.code if current else None)
        try:
            self.model.set_rows(reference_list(self._context.store, self.info.list_name, include_inactive=True))
        except PathwaysError as exc:
            self.error.setText(exc.message)
        self.table.selectRow(max(self.model.find(lambda e: e.code == wanted), 0))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.edit_button.setEnabled(self.selected() is not None)

    def add_entry(self) -> None:
        self._open(None)

    def edit_entry(self) -> None:
        entry = self.selected()
        if entry is not None:
            self._open(entry)

    def _open(self, entry: ReferenceEntry | None) -> None:
        dialog = ReferenceEntryDialog(self._context, self.info, entry, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self.refresh(dialog.saved.code)


class AdminPage(QWidget):
    """The administrator's page: a tab for user accounts and one for each reference list."""

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Administration")
        self.users = UsersTab(context)
        self.lists = {info.list_name: ReferenceTab(context, info) for info in REFERENCE_LISTS}
        # The tabs' Alt letters work from every tab, as the menu bar's do: no control of a tab may take them.
        texts = ["&Users", *(info.tab_text for info in REFERENCE_LISTS), "Sett&ings", "Re&cords"]
        taken = {text[text.index("&") + 1].lower() for text in texts} | MENU_BAR_LETTERS
        self.settings = SettingsTab(context, taken=taken)
        self.records = RecordsTab(context)
        for tab, text in zip([self.users, *self.lists.values(), self.settings, self.records], texts, strict=True):
            self.tabs.addTab(tab, text)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        context.changed.connect(self._on_changed)

    def _on_changed(self, topic: str) -> None:
        if topic == "users":
            self.users.refresh()
        elif topic == "reference":
            for tab in self.lists.values():
                tab.refresh()
