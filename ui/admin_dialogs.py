"""The administrator's dialogs: add a user, reset a password, add or edit a reference-list entry.

Each dialog calls one service when Save is pressed; a refusal is shown in the dialog, which stays open with
everything typed still in it. A reference entry changed by someone else while its dialog was open is refused
(change_reference_entry): the dialog then takes up their change in the fields the user left alone, keeps what the
user changed, and saving again saves that."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pathways.actors import Role
from pathways.errors import ConflictingChange, PathwaysError
from pathways.passwords import password_problem
from pathways.reference import (
    PHONE_EXAMPLE,
    PHONE_LISTS,
    RECORDED_BY_LABEL,
    ReferenceEntry,
    add_reference_entry,
    change_reference_entry,
    reference_list,
)
from pathways.services.accounts import UserView, add_user, reset_password
from ui.context import AppContext
from ui.operations import OperationRunner, Progress
from ui.widgets import ERROR_STYLE, buddy_label, error_label

ROLE_LABELS = {
    Role.CUSTODY_NAVIGATOR: "Custody navigator",
    Role.TREATMENT_WORKER: "Treatment worker",
    Role.MANAGER: "Manager",
    Role.ADMINISTRATOR: "Administrator",
}
CHOOSE = "Choose…"
ROLE_MISSING = "Choose the user's role: it decides what they may do in Pathways."
SITE_MISSING = "Choose the custody site this navigator works at: they will see that site's cases."
SERVICE_MISSING = "Choose the treatment service this worker works for: they will see the cases referred to it."
PASSWORD_OK = "That password will do."
NEW_USER_TEMPORARY = (
    "The password you give is temporary: they must choose a new one of their own when they first sign in."
)
RESET_TEMPORARY = "The new password is temporary: {name} must choose one of their own when they next sign in."
RESET_OWN = "This is your own account: the new password is yours to keep."
PASSWORDS_DIFFER = "The two passwords are not the same."
TAKEN_UP = "The entry now shows their change, with yours kept: check it, then save again."
PHONE_HINT = (
    "The number a person rings if they cannot go to their assessment: it is printed on their notice. "
    "Left blank, the notice leaves a line to write it on."
)


@dataclass(frozen=True)
class ReferenceListInfo:
    """How one reference list is shown: its tab, what one entry is called, and what its flag means (if any)."""

    list_name: str
    tab_text: str
    singular: str
    flag_text: str | None = None
    flag_default: bool = False  # for a new entry
    note: str = ""

    @property
    def has_phone(self) -> bool:
        """Whether its entries carry a telephone number (the treatment services: printed on the notice)."""
        return self.list_name in PHONE_LISTS


REFERENCE_LISTS = (
    ReferenceListInfo("offences", "&Offences", "offence", "Trigger offence"),
    ReferenceListInfo("drugs", "Drug&s", "drug", "Tested for", flag_default=True),  # a drug is added to test for it
    ReferenceListInfo(
        "sites",
        "Si&tes",
        "site",
        note="Accounts and events keep the name they were given: to rename a site in use, retire it and add one.",
    ),
    ReferenceListInfo(
        "services",
        "Ser&vices",
        "treatment service",
        note="Accounts and events keep the name they were given: to rename a service in use, retire it and add one.",
    ),
)


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _save_cancel(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    buttons.rejected.connect(dialog.reject)
    return buttons


class PasswordPair(QWidget):
    """A new password typed twice, with a hint that says at once whether the policy accepts it."""

    def __init__(self, username: str = "", *, new: bool = False) -> None:
        super().__init__()
        self.username = username
        self._labels = ("&New password:", "Repea&t new password:") if new else ("&Password:", "Repea&t password:")
        self.password, self.repeat = QLineEdit(), QLineEdit()
        for field in (self.password, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.textChanged.connect(self.update_hint)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Password check")
        self.update_hint()

    def add_rows(self, form: QFormLayout) -> None:
        form.addRow(buddy_label(self._labels[0], self.password), self.password)
        form.addRow(buddy_label(self._labels[1], self.repeat), self.repeat)
        form.addRow("", self.hint)

    def set_username(self, username: str) -> None:
        self.username = username
        self.update_hint()

    def _problem(self, *, saving: bool = False) -> str | None:
        """What the policy makes of the password, or that the two differ (while typing, once the second is begun)."""
        typed, again = self.password.text(), self.repeat.text()
        problem = password_problem(typed, username=self.username) if typed else None
        if problem is None and (again or saving) and again != typed:
            problem = PASSWORDS_DIFFER
        return problem

    def stops_saving(self) -> bool:
        """Whether what is typed will not do: the hint says why, in red (Save says it nowhere else), and the keyboard
        goes to the password to change. (Nothing typed at all is left to the service to say.)"""
        problem = self._problem(saving=True) if self.password.text() else None
        if problem is None:
            return False
        self._show(problem)
        self.password.setFocus()
        self.password.selectAll()
        return True

    def update_hint(self) -> None:
        self._show(self._problem())

    def _show(self, problem: str | None) -> None:
        """Say what the policy makes of the password, or whether the two match; problems in red."""
        typed, again = self.password.text(), self.repeat.text()
        self.hint.setStyleSheet(ERROR_STYLE if problem else "")
        if problem:
            self.hint.setText(problem)
        elif not typed:
            self.hint.setText("At least 12 characters; a few unrelated words make a good password.")
        else:
            self.hint.setText(PASSWORD_OK if again else "That password will do; type it again to be sure.")


class AddUserDialog(QDialog):
    """Add a user who signs in with a password. On success `added` is the new account.

    The role, and a navigator's site or a worker's service, start unchosen ("Choose…") and must be chosen: a
    first entry taken by default would give the user the wrong place's cases."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a user")
        self.setMinimumWidth(460)
        self._context = context
        self.added: UserView | None = None
        self.username, self.full_name = QLineEdit(), QLineEdit()
        self.role = QComboBox()
        self.role.setPlaceholderText(CHOOSE)
        for role, label in ROLE_LABELS.items():
            self.role.addItem(label, role.value)
        self.role.setCurrentIndex(-1)
        self.site = self._place_combo("sites")
        self.service = self._place_combo("services")
        self.reads_notes = QCheckBox("May read free-text &notes (managers only)")
        self.passwords = PasswordPair()
        self.error = error_label()
        self.buttons = _save_cancel(self)
        self._layout()
        self.username.textChanged.connect(self.passwords.set_username)
        self.role.currentIndexChanged.connect(self._role_changed)
        self.buttons.accepted.connect(self._save)
        self._role_changed()

    def _place_combo(self, list_name: str) -> QComboBox:
        combo = QComboBox()
        for entry in reference_list(self._context.store, list_name):
            combo.addItem(entry.label, entry.label)  # accounts and events record a place by its label
        combo.setCurrentIndex(-1)
        return combo

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow(buddy_label("&User name:", self.username), self.username)
        form.addRow(buddy_label("&Full name:", self.full_name), self.full_name)
        form.addRow(buddy_label("&Role:", self.role), self.role)
        form.addRow(buddy_label("&Site:", self.site), self.site)
        form.addRow(buddy_label("Ser&vice:", self.service), self.service)
        form.addRow("", self.reads_notes)
        self.passwords.add_rows(form)
        form.addRow("", _hint(NEW_USER_TEMPORARY))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def chosen_role(self) -> Role | None:
        """The role chosen; None while it is still "Choose…"."""
        return Role(str(self.role.currentData())) if self.role.currentIndex() >= 0 else None

    def _role_changed(self) -> None:
        role = self.chosen_role()
        places = (
            (self.site, role is Role.CUSTODY_NAVIGATOR, "Only for custody navigators"),
            (self.service, role is Role.TREATMENT_WORKER, "Only for treatment workers"),
        )
        for combo, needed, only_for in places:
            combo.setEnabled(needed)
            combo.setPlaceholderText(CHOOSE if needed else only_for)
            if not needed:
                combo.setCurrentIndex(-1)  # shows the placeholder: nothing is recorded
        self.reads_notes.setEnabled(role is Role.MANAGER)
        if role is not Role.MANAGER:
            self.reads_notes.setChecked(False)

    def _missing(self) -> tuple[str, QComboBox] | None:
        """What must still be chosen (said in words, and the control to choose it in); None when nothing."""
        role = self.chosen_role()
        if role is None:
            return ROLE_MISSING, self.role
        if role is Role.CUSTODY_NAVIGATOR and self.site.currentIndex() < 0:
            return SITE_MISSING, self.site
        if role is Role.TREATMENT_WORKER and self.service.currentIndex() < 0:
            return SERVICE_MISSING, self.service
        return None

    def _save(self) -> None:
        self.error.clear()
        missing = self._missing()
        if missing is not None:
            self.error.setText(missing[0])
            missing[1].setFocus()
            return
        if self.passwords.stops_saving():
            return
        role = self.chosen_role()
        assert role is not None  # (checked above)
        try:
            self.added = add_user(
                self._context.store,
                actor=self._context.actor,
                username=self.username.text(),
                display_name=self.full_name.text(),
                role=role,
                password=self.passwords.password.text(),
                site=self.site.currentData() if role is Role.CUSTODY_NAVIGATOR else None,
                service=self.service.currentData() if role is Role.TREATMENT_WORKER else None,
                may_read_notes=role is Role.MANAGER and self.reads_notes.isChecked(),
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self._context.notify("users")
        self.accept()


class ResetPasswordDialog(QDialog):
    """Give an existing user a new password, e.g. when they have forgotten theirs: a temporary one, which they
    replace with their own when they next sign in (the dialog says so)."""

    def __init__(self, context: AppContext, user: UserView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Reset the password of {user.display_name}")
        self.setMinimumWidth(420)
        self._context, self._user = context, user
        self.passwords = PasswordPair(user.username, new=True)
        self.error = error_label()
        self.buttons = _save_cancel(self)
        form = QFormLayout()
        form.addRow("User:", QLabel(f"{user.display_name} ({user.username})"))
        self.passwords.add_rows(form)
        own = user.username.lower() == context.actor.username.lower()
        self.note = _hint(RESET_OWN if own else RESET_TEMPORARY.format(name=user.display_name))
        form.addRow("", self.note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._save)

    def _save(self) -> None:
        self.error.clear()
        if self.passwords.stops_saving():
            return
        try:
            reset_password(
                self._context.store,
                actor=self._context.actor,
                user_id=self._user.id,
                new_password=self.passwords.password.text(),
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self._context.notify("users")
        self.accept()


class ReferenceEntryDialog(QDialog):
    """Add an entry to a reference list, or change one (its code stays: records refer to it)."""

    def __init__(
        self,
        context: AppContext,
        info: ReferenceListInfo,
        entry: ReferenceEntry | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        verb = "Change" if entry else "Add"
        self.setWindowTitle(f"{verb} a {info.singular}")
        self.setMinimumWidth(460)
        self._context, self._info, self._entry = context, info, entry
        self.saved: ReferenceEntry | None = None
        self._checking = False  # a rename's check is running
        self._runner = OperationRunner(self)
        self.checking = QLabel(
            f"Checking that no case, account or programme records “{entry.label if entry else ''}”: on a large "
            "database this takes a few seconds…"
        )
        self.checking.setWordWrap(True)
        self.checking.hide()
        self.code = QLineEdit(entry.code if entry else "")
        self.code.setReadOnly(entry is not None)  # past records refer to the code
        self.code.setStyleSheet("QLineEdit:read-only { background: palette(window); }")
        self.label = QLineEdit(entry.label if entry else "")
        self.flag = QCheckBox(f"&{info.flag_text}" if info.flag_text else "")
        self.flag.setChecked(entry.flag if entry else info.flag_default)
        self.active = QCheckBox("&Active (offered in lists)")
        self.active.setChecked(entry.active if entry else True)
        self.phone = QLineEdit((entry.phone or "") if entry else "")
        self.phone.setPlaceholderText(f"e.g. {PHONE_EXAMPLE}")
        self.error = error_label()
        self.buttons = _save_cancel(self)
        self._layout()
        self.buttons.accepted.connect(self._save)
        (self.label if entry else self.code).setFocus()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow(buddy_label("&Code:", self.code), self.code)
        form.addRow(buddy_label("&Label:", self.label), self.label)
        if self._info.flag_text:
            form.addRow("", self.flag)
        if self._info.has_phone:
            form.addRow(buddy_label("&Phone number:", self.phone), self.phone)
            form.addRow("", _hint(PHONE_HINT))
        form.addRow("", self.active)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if self._info.note:
            note = QLabel(self._info.note)
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self.checking)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _save(self) -> None:
        if self._checking:
            return
        store, actor, info, shown = self._context.store, self._context.actor, self._info, self._entry
        flag = self.flag.isChecked() if info.flag_text else False
        phone = self.phone.text() if info.has_phone else None
        code, label, active = self.code.text(), self.label.text(), self.active.isChecked()

        def save(_progress: Progress | None = None) -> ReferenceEntry:
            if shown is None:  # (refused when the code is taken: adding never changes an entry)
                return add_reference_entry(
                    store,
                    actor=actor,
                    list_name=info.list_name,
                    code=code,
                    label=label,
                    flag=flag,
                    active=active,
                    phone=phone,
                )
            return change_reference_entry(  # (refused when someone else changed the entry since it was shown)
                store, actor=actor, list_name=info.list_name, shown=shown, label=label, flag=flag, active=active,
                phone=phone,
            )  # fmt: skip

        if not self._renaming(label):
            try:
                self._saved(save())
            except ConflictingChange as exc:
                self._refused(exc.message)
            except PathwaysError as exc:
                self.error.setText(exc.message)
            return
        # A site or service is renamed only when no case, account or programme records it, and finding that out
        # reads every event's site or service: seconds on a force's database, so not on the screen's thread.
        self._set_checking(True)
        self._runner.start("save", save, finished=self._saved, failed=self._refused)

    def _renaming(self, label: str) -> bool:
        """Whether Save would rename a site or service (what events and accounts record by its label)."""
        entry = self._entry
        return (
            entry is not None
            and self._info.list_name in RECORDED_BY_LABEL
            and " ".join(label.split()) not in ("", entry.label)
        )

    def _set_checking(self, checking: bool) -> None:
        self._checking = checking
        self.error.clear()
        self.checking.setVisible(checking)
        for control in (self.label, self.flag, self.active, self.phone, self.buttons):
            control.setEnabled(not checking)

    def _refused(self, message: str) -> None:
        self._set_checking(False)
        taken_up = self._take_up_change()
        self.error.setText(f"{message} {TAKEN_UP}" if taken_up else message)
        self.label.setFocus()

    def _take_up_change(self) -> bool:
        """When someone else changed the entry since the dialog showed it: show their change in each field the user
        left as it was shown, keep the user's own changes, and go on from the entry as it now is (so Save saves
        what the dialog shows). Whether there was such a change."""
        shown = self._entry
        if shown is None:
            return False
        held = reference_list(self._context.store, self._info.list_name, include_inactive=True)
        now = next((e for e in held if e.code == shown.code), None)
        if now is None or now == shown:
            return False
        if self.label.text() == shown.label:
            self.label.setText(now.label)
        if self.flag.isChecked() == shown.flag:
            self.flag.setChecked(now.flag)
        if self.active.isChecked() == shown.active:
            self.active.setChecked(now.active)
        if self.phone.text() == (shown.phone or ""):
            self.phone.setText(now.phone or "")
        self._entry = now
        return True

    def _saved(self, entry: ReferenceEntry) -> None:
        self._set_checking(False)
        self.saved = entry
        self._context.notify("reference")
        self.accept()

    def reject(self) -> None:
        """Escape or Cancel do nothing while a rename is being checked: it may already be saved."""
        if not self._checking:
            super().reject()
