"""The administration page, as an administrator would use it: accounts, and the reference lists."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from pathways.actors import Role
from pathways.reference import ReferenceEntry, reference_list
from pathways.services.accounts import SignInFailed, UserView, add_user, list_users, sign_in
from pathways.services.settings import usual_instruments
from tests.ui.questions import when_modal
from ui.admin_dialogs import (
    CHOOSE,
    NEW_USER_TEMPORARY,
    ROLE_MISSING,
    SERVICE_MISSING,
    SITE_MISSING,
    AddUserDialog,
    ReferenceEntryDialog,
    ResetPasswordDialog,
)
from ui.admin_page import ADDED, RESET_DONE, AdminPage, ReferenceTab, UsersTab
from ui.context import AppContext
from ui.workplace_dialog import WorkplaceDialog

GOOD = "violet kettle harbour"
MOTOR_PART = "Theft of a motor vehicle part"


def _page(qtbot: QtBot, context: AppContext) -> AdminPage:
    page = AdminPage(context)
    qtbot.addWidget(page)
    page.resize(900, 520)
    page.show()
    qtbot.waitExposed(page)
    return page


def _save(qtbot: QtBot, buttons: QDialogButtonBox) -> None:
    qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)


def _user_dialog(qtbot: QtBot, context: AppContext, password: str) -> AddUserDialog:
    dialog = AddUserDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "tw.okafor")
    qtbot.keyClicks(dialog.full_name, "Ada Okafor")
    dialog.role.setCurrentIndex(dialog.role.findText("Treatment worker"))
    dialog.service.setCurrentIndex(dialog.service.findText("Society of St James"))
    qtbot.keyClicks(dialog.passwords.password, password)
    qtbot.keyClicks(dialog.passwords.repeat, password)
    return dialog


def test_add_a_treatment_worker_who_can_then_sign_in(qtbot: QtBot, admin_context: AppContext) -> None:
    dialog = _user_dialog(qtbot, admin_context, GOOD)
    assert dialog.service.isEnabled() and not dialog.site.isEnabled()
    assert dialog.passwords.hint.text() == "That password will do."
    _save(qtbot, dialog.buttons)
    assert dialog.error.text() == ""
    assert dialog.result() == dialog.DialogCode.Accepted
    actor = sign_in(admin_context.store, username="tw.okafor", password=GOOD, workstation="clinic-pc")
    assert actor.role is Role.TREATMENT_WORKER
    assert (actor.site, actor.service) == (None, "Society of St James")


def test_a_too_short_password_is_refused_and_nothing_is_stored(qtbot: QtBot, admin_context: AppContext) -> None:
    dialog = _user_dialog(qtbot, admin_context, "short")
    policy = "Choose a password of at least 12 characters."
    assert dialog.passwords.hint.text() == policy  # said while typing
    _save(qtbot, dialog.buttons)
    assert (dialog.passwords.hint.text(), dialog.error.text()) == (policy, "")  # said once, by the password
    assert dialog.focusWidget() is dialog.passwords.password
    assert dialog.isVisible() and dialog.result() != dialog.DialogCode.Accepted
    assert (dialog.username.text(), dialog.full_name.text()) == ("tw.okafor", "Ada Okafor")  # nothing lost
    assert dialog.service.currentText() == "Society of St James"
    assert "tw.okafor" not in {u.username for u in list_users(admin_context.store, actor=admin_context.actor)}


def test_role_and_place_start_unchosen_and_must_be_chosen(qtbot: QtBot, admin_context: AppContext) -> None:
    """Nothing is taken by default: a navigator saved on the first site would see that site's cases."""
    dialog = AddUserDialog(admin_context)
    qtbot.addWidget(dialog)
    dialog.show()
    combos = (dialog.role, dialog.site, dialog.service)
    assert [(c.currentIndex(), c.currentText()) for c in combos] == [(-1, "")] * 3
    assert dialog.role.placeholderText() == CHOOSE and not dialog.site.isEnabled() and not dialog.service.isEnabled()
    qtbot.keyClicks(dialog.username, "nav.patel")
    qtbot.keyClicks(dialog.full_name, "Priya Patel")
    qtbot.keyClicks(dialog.passwords.password, GOOD)
    qtbot.keyClicks(dialog.passwords.repeat, GOOD)
    said = []
    _save(qtbot, dialog.buttons)
    said.append(dialog.error.text())
    dialog.role.setCurrentIndex(dialog.role.findText("Custody navigator"))
    assert dialog.site.isEnabled() and dialog.site.currentIndex() == -1 and dialog.site.placeholderText() == CHOOSE
    _save(qtbot, dialog.buttons)
    said.append(dialog.error.text())
    assert dialog.focusWidget() is dialog.site  # taken to what is missing
    dialog.role.setCurrentIndex(dialog.role.findText("Treatment worker"))
    assert dialog.site.currentIndex() == -1 and not dialog.site.isEnabled() and dialog.service.currentIndex() == -1
    _save(qtbot, dialog.buttons)
    said.append(dialog.error.text())
    assert said == [ROLE_MISSING, SITE_MISSING, SERVICE_MISSING]
    assert dialog.isVisible() and "nav.patel" not in {
        u.username for u in list_users(admin_context.store, actor=admin_context.actor)
    }
    dialog.role.setCurrentIndex(dialog.role.findText("Custody navigator"))
    dialog.site.setCurrentIndex(dialog.site.findText("Portsmouth"))
    _save(qtbot, dialog.buttons)
    assert dialog.error.text() == "" and dialog.result() == dialog.DialogCode.Accepted
    actor = sign_in(admin_context.store, username="nav.patel", password=GOOD, workstation="custody-pc")
    assert (actor.role, actor.site) == (Role.CUSTODY_NAVIGATOR, "Portsmouth")


def test_disable_a_user_and_they_cannot_sign_in(qtbot: QtBot, admin_context: AppContext) -> None:
    store = admin_context.store
    user = _chris_lee(admin_context)
    page = _page(qtbot, admin_context)
    tab = page.users
    tab.table.selectRow(tab.model.find(lambda u: u.id == user.id))
    assert tab.toggle_button.text() == "&Disable"
    when_modal(_click_yes)
    qtbot.mouseClick(tab.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.model.index(tab.table.currentIndex().row(), 5).data() == "No", timeout=5000)
    assert tab.toggle_button.text() == "&Enable"
    with pytest.raises(SignInFailed):
        sign_in(store, username="nav.lee", password=GOOD, workstation="custody-pc")


def _click_yes(box: QWidget) -> None:
    assert isinstance(box, QMessageBox), box
    assert "Chris Lee" in box.text()
    button = box.button(QMessageBox.StandardButton.Yes)
    assert button is not None
    button.click()


def test_add_a_trigger_offence_and_edit_it_with_enter(qtbot: QtBot, admin_context: AppContext) -> None:
    page = _page(qtbot, admin_context)
    offences = page.lists["offences"]
    page.tabs.setCurrentWidget(offences)

    def add_motor_part(dialog: QWidget) -> None:
        assert isinstance(dialog, ReferenceEntryDialog), dialog
        qtbot.keyClicks(dialog.code, "theft_vehicle_part")
        qtbot.keyClicks(dialog.label, MOTOR_PART)
        assert not dialog.flag.isChecked() and dialog.active.isChecked()
        qtbot.keyClick(dialog.flag, Qt.Key.Key_Space)
        _save(qtbot, dialog.buttons)

    when_modal(add_motor_part)
    qtbot.mouseClick(offences.add_button, Qt.MouseButton.LeftButton)
    added = ReferenceEntry("theft_vehicle_part", MOTOR_PART, True, True)
    assert added in reference_list(admin_context.store, "offences")
    qtbot.waitUntil(lambda: offences.selected() == added, timeout=5000)
    seen: list[tuple[bool, str]] = []

    def look_and_cancel(dialog: QWidget) -> None:
        assert isinstance(dialog, ReferenceEntryDialog), dialog
        seen.append((dialog.code.isReadOnly(), dialog.label.text()))
        dialog.reject()

    when_modal(look_and_cancel)
    offences.table.setFocus()
    qtbot.keyClick(offences.table, Qt.Key.Key_Return)
    assert seen == [(True, MOTOR_PART)]


def test_every_control_is_named_and_reached_by_tab(qtbot: QtBot, admin_context: AppContext) -> None:
    page = _page(qtbot, admin_context)
    users = page.users
    assert _tab_chain(users.table, 4) == [users.table, users.add_button, users.reset_button, users.toggle_button]
    dialog = AddUserDialog(admin_context, page)
    qtbot.addWidget(dialog)
    controls: list[QWidget] = []
    for kind in (QAbstractButton, QLineEdit, QComboBox, QTableView):
        controls += [c for c in page.findChildren(kind) + dialog.findChildren(kind) if c.isVisibleTo(c.window())]
    assert controls and not [c for c in controls if not c.accessibleName() and not _text(c)]


def _tab_chain(start: QWidget, length: int) -> list[QWidget]:
    """The controls Tab visits from `start`, skipping those that take no focus or are hidden."""
    chain: list[QWidget] = [start]
    widget: QWidget | None = start
    while widget is not None and len(chain) < length:
        widget = widget.nextInFocusChain()
        if widget is not None and widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible():
            chain.append(widget)
    return chain


def _text(control: QWidget) -> str:
    """A button's own text names it to a screen reader."""
    return control.text().replace("&", "") if isinstance(control, QAbstractButton) else ""


def test_the_forces_screening_criteria_are_chosen_in_settings(qtbot: QtBot, admin_context: AppContext) -> None:
    page = _page(qtbot, admin_context)
    page.tabs.setCurrentWidget(page.settings)
    combo = page.settings.criteria[("checkpoint", "screened")]
    assert combo.currentData() is None and combo.accessibleName().startswith("Screening criteria: Checkpoint")
    combo.setCurrentIndex(combo.findData("checkpoint-eligibility"))
    qtbot.mouseClick(page.settings.save_button, Qt.MouseButton.LeftButton)
    assert page.settings.error.text() == ""
    assert "Checkpoint (deferred prosecution) screening opens on Checkpoint eligibility" in page.settings.status.text()
    assert usual_instruments(admin_context.store) == {("checkpoint", "screened"): "checkpoint-eligibility"}
    reopened = _page(qtbot, admin_context)
    again = reopened.settings.criteria[("checkpoint", "screened")]
    assert again.currentData() == "checkpoint-eligibility"  # read back from the database
    assert again.itemData(0) is None and again.count() == 3  # "the form last used" can be chosen again


def test_the_settings_status_goes_once_a_setting_changes(qtbot: QtBot, admin_context: AppContext) -> None:
    page = _page(qtbot, admin_context)
    settings = page.settings
    page.tabs.setCurrentWidget(settings)
    settings.idle_minutes.setValue(239)
    qtbot.mouseClick(settings.save_button, Qt.MouseButton.LeftButton)
    assert settings.status.text().startswith("Saved: windows lock after 239 minutes without use")
    settings.idle_minutes.setFocus()
    qtbot.keyClick(settings.idle_minutes, Qt.Key.Key_Up)  # 240, not saved
    assert settings.idle_minutes.value() == 240 and settings.status.text() == ""
    qtbot.mouseClick(settings.save_button, Qt.MouseButton.LeftButton)
    assert "240 minutes" in settings.status.text()
    combo = settings.criteria[("checkpoint", "screened")]
    combo.setCurrentIndex(combo.findData("checkpoint-eligibility"))
    assert settings.status.text() == ""


DRAMA_NUMBER = "01632 960123"  # Ofcom's numbers for drama (01632 960000 to 960999) reach nobody


def _headers(tab: ReferenceTab) -> list[str]:
    model = tab.model
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def _shown(tab: ReferenceTab, label: str, header: str) -> str:
    row = tab.model.find(lambda e: e.label == label)
    return str(tab.model.index(row, _headers(tab).index(header)).data())


def _letters_of(dialog: QWidget) -> dict[str, int]:
    """How many of the dialog's labels and buttons use each Alt letter."""
    texts = [w.text() for w in dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton)]
    letters = [m.group(1).lower() for text in texts if (m := re.search(r"&([^&\s])", text))]
    return dict(Counter(letters))


def _edit_service(qtbot: QtBot, tab: ReferenceTab, label: str, act: Callable[[ReferenceEntryDialog], None]) -> None:
    """Select the service, press Edit, and act on its dialog as an administrator would."""
    tab.table.selectRow(tab.model.find(lambda e: e.label == label))

    def on_dialog(dialog: QWidget) -> None:
        assert isinstance(dialog, ReferenceEntryDialog), dialog
        act(dialog)

    when_modal(on_dialog)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)


def test_a_services_phone_number_is_entered_shown_and_taken_away(qtbot: QtBot, admin_context: AppContext) -> None:
    page = _page(qtbot, admin_context)
    services = page.lists["services"]
    page.tabs.setCurrentWidget(services)
    assert _headers(services) == ["Code", "Label", "Phone number", "Active"]
    assert _shown(services, "Inclusion Hampshire", "Phone number") == ""
    problems: list[str] = []

    def enter_number(dialog: ReferenceEntryDialog) -> None:
        assert dialog.phone.isVisible() and dialog.phone.text() == ""
        assert dialog.phone.accessibleName() == "Phone number"
        assert _letters_of(dialog) == {"c": 1, "l": 1, "p": 1, "a": 1}  # Alt+P reaches it, and nothing else
        assert next(label for label in dialog.findChildren(QLabel) if "&P" in label.text()).buddy() is dialog.phone
        qtbot.keyClicks(dialog.phone, "960123")
        _save(qtbot, dialog.buttons)  # no area code: refused, the dialog stays open with what was typed
        problems.append(dialog.error.text())
        assert dialog.isVisible() and dialog.phone.text() == "960123"
        dialog.phone.clear()
        qtbot.keyClicks(dialog.phone, DRAMA_NUMBER)
        _save(qtbot, dialog.buttons)

    _edit_service(qtbot, services, "Inclusion Hampshire", enter_number)
    assert problems == ["A phone number has 9 to 15 digits, with its area code (e.g. 01632 960123); this one has 6."]
    held = next(e for e in reference_list(admin_context.store, "services") if e.label == "Inclusion Hampshire")
    assert held.phone == DRAMA_NUMBER
    qtbot.waitUntil(lambda: _shown(services, "Inclusion Hampshire", "Phone number") == DRAMA_NUMBER, timeout=5000)
    seen: list[str] = []

    def take_it_away(dialog: ReferenceEntryDialog) -> None:
        seen.append(dialog.phone.text())
        dialog.phone.clear()
        _save(qtbot, dialog.buttons)

    _edit_service(qtbot, services, "Inclusion Hampshire", take_it_away)
    assert seen == [DRAMA_NUMBER]
    qtbot.waitUntil(lambda: _shown(services, "Inclusion Hampshire", "Phone number") == "", timeout=5000)
    assert all(e.phone is None for e in reference_list(admin_context.store, "services"))


def _rename_dialog(qtbot: QtBot, context: AppContext, page: AdminPage, label: str) -> ReferenceEntryDialog:
    tab = page.lists["services"]
    entry = next(e for e in reference_list(context.store, "services") if e.label == label)
    dialog = ReferenceEntryDialog(context, tab.info, entry, page)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_rename_is_checked_off_the_screens_thread_and_cannot_be_abandoned_half_way(
    qtbot: QtBot, admin_context: AppContext
) -> None:
    page = _page(qtbot, admin_context)
    dialog = _rename_dialog(qtbot, admin_context, page, "Society of St James")
    dialog.label.clear()
    qtbot.keyClicks(dialog.label, "Society of Saint James")
    _save(qtbot, dialog.buttons)
    # The check's answer comes through the event loop, so until the test returns to it the dialog is checking.
    assert dialog.checking.isVisible() and "“Society of St James”" in dialog.checking.text()
    assert not dialog.buttons.isEnabled() and not dialog.label.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # too late to cancel: the rename may already be saved
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.saved is not None
    assert dialog.saved.label == "Society of Saint James"
    assert "Society of Saint James" in [e.label for e in reference_list(admin_context.store, "services")]


def test_a_rename_refused_after_its_check_leaves_the_dialog_open_to_put_right(
    qtbot: QtBot, admin_context: AppContext
) -> None:
    page = _page(qtbot, admin_context)
    add_user(  # a worker at CGL Portsmouth
        admin_context.store, actor=admin_context.actor, username="w.cole", display_name="Wren Cole",
        role=Role.TREATMENT_WORKER, password=GOOD, service="CGL Portsmouth",
    )  # fmt: skip
    dialog = _rename_dialog(qtbot, admin_context, page, "CGL Portsmouth")
    dialog.label.clear()
    qtbot.keyClicks(dialog.label, "CGL Portsmouth & IoW")
    _save(qtbot, dialog.buttons)
    assert dialog.checking.isVisible()
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=10000)
    assert dialog.error.text().startswith("“CGL Portsmouth” is recorded on user accounts, which would no longer")
    assert dialog.isVisible() and not dialog.checking.isVisible()
    assert dialog.buttons.isEnabled() and dialog.label.text() == "CGL Portsmouth & IoW"
    assert "CGL Portsmouth" in [e.label for e in reference_list(admin_context.store, "services")]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # and now it closes as any dialog does
    assert not dialog.isVisible()


def test_only_services_are_asked_for_a_phone_number(qtbot: QtBot, admin_context: AppContext) -> None:
    page = _page(qtbot, admin_context)
    for name in ("offences", "drugs", "sites"):
        tab = page.lists[name]
        assert "Phone number" not in _headers(tab), name
        dialog = ReferenceEntryDialog(admin_context, tab.info, tab.selected(), page)
        qtbot.addWidget(dialog)
        dialog.show()
        assert not dialog.phone.isVisible(), name
        assert "printed on their notice" not in " ".join(label.text() for label in dialog.findChildren(QLabel))
    services = ReferenceEntryDialog(admin_context, page.lists["services"].info, None, page)
    qtbot.addWidget(services)
    services.show()
    assert services.phone.isVisible() and services.phone.placeholderText() == "e.g. 01632 960123"
    hint = " ".join(label.text() for label in services.findChildren(QLabel))
    assert "printed on their notice" in hint and "leaves a line to write it on" in hint


def _chris_lee(context: AppContext) -> UserView:
    """A custody navigator at Portsmouth, as if they had chosen their own password since being added."""
    return add_user(
        context.store,
        actor=context.actor,
        username="nav.lee",
        display_name="Chris Lee",
        role=Role.CUSTODY_NAVIGATOR,
        password=GOOD,
        site="Portsmouth",
        must_change_password=False,
    )


def _column(tab: UsersTab, user_id: int, header: str) -> str:
    model = tab.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    return str(model.index(model.find(lambda u: u.id == user_id), headers.index(header)).data() or "")


def test_a_reset_password_is_temporary_and_the_administrator_is_told_so(
    qtbot: QtBot, admin_context: AppContext
) -> None:
    store = admin_context.store
    user = _chris_lee(admin_context)
    page = _page(qtbot, admin_context)
    tab = page.users
    assert _column(tab, user.id, "Password") == ""
    tab.table.selectRow(tab.model.find(lambda u: u.id == user.id))
    said: list[str] = []
    new_password = "marmalade tractor seventeen"

    def reset(dialog: QWidget) -> None:
        assert isinstance(dialog, ResetPasswordDialog), dialog
        said.append(dialog.note.text())
        qtbot.keyClicks(dialog.passwords.password, new_password)
        qtbot.keyClicks(dialog.passwords.repeat, new_password)
        _save(qtbot, dialog.buttons)

    when_modal(reset)
    qtbot.mouseClick(tab.reset_button, Qt.MouseButton.LeftButton)

    assert said == ["The new password is temporary: Chris Lee must choose one of their own when they next sign in."]
    assert tab.done.text() == (
        "The password of Chris Lee (nav.lee) was reset. It is temporary: they will choose a new one of their own "
        "when they next sign in."
    )
    assert tab.done.text() == RESET_DONE.format(name="Chris Lee", username="nav.lee")
    qtbot.waitUntil(lambda: _column(tab, user.id, "Password") == "Temporary", timeout=5000)
    actor = sign_in(store, username="nav.lee", password=new_password, workstation="custody-pc")
    assert actor.must_change_password
    when_modal(_click_yes)
    qtbot.mouseClick(tab.toggle_button, Qt.MouseButton.LeftButton)  # another change: the line says no more
    assert tab.done.text() == ""


def test_a_user_added_in_the_app_gets_a_temporary_password_and_the_administrator_is_told_so(
    qtbot: QtBot, admin_context: AppContext
) -> None:
    page = _page(qtbot, admin_context)
    tab = page.users
    hints: list[str] = []

    def add(dialog: QWidget) -> None:
        assert isinstance(dialog, AddUserDialog), dialog
        hints.extend(label.text() for label in dialog.findChildren(QLabel) if label.text() == NEW_USER_TEMPORARY)
        qtbot.keyClicks(dialog.username, "tw.okafor")
        qtbot.keyClicks(dialog.full_name, "Ada Okafor")
        dialog.role.setCurrentIndex(dialog.role.findText("Treatment worker"))
        dialog.service.setCurrentIndex(dialog.service.findText("Society of St James"))
        qtbot.keyClicks(dialog.passwords.password, GOOD)
        qtbot.keyClicks(dialog.passwords.repeat, GOOD)
        _save(qtbot, dialog.buttons)

    when_modal(add)
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)

    assert hints == [NEW_USER_TEMPORARY]
    assert tab.done.text() == ADDED.format(name="Ada Okafor", username="tw.okafor")
    added = tab.selected()
    assert added is not None and added.username == "tw.okafor" and added.must_change_password
    assert _column(tab, added.id, "Password") == "Temporary"
    assert sign_in(
        admin_context.store, username="tw.okafor", password=GOOD, workstation="clinic-pc"
    ).must_change_password


def test_a_navigator_moved_to_another_site_sees_its_cases_from_their_next_sign_in(
    qtbot: QtBot, admin_context: AppContext
) -> None:
    store = admin_context.store
    user = _chris_lee(admin_context)
    manager = add_user(
        store, actor=admin_context.actor, username="mgr.amos", display_name="Amos", role=Role.MANAGER, password=GOOD
    )
    page = _page(qtbot, admin_context)
    tab = page.users
    tab.table.selectRow(tab.model.find(lambda u: u.id == manager.id))
    assert not tab.workplace_button.isEnabled()  # a manager has no site or service
    tab.table.selectRow(tab.model.find(lambda u: u.id == user.id))
    assert tab.workplace_button.isEnabled()
    refusals: list[str] = []

    def move(dialog: QWidget) -> None:
        assert isinstance(dialog, WorkplaceDialog), dialog
        dialog.place.setEditText("Aldersht")  # a typo: not on the list, so nothing is changed
        _save(qtbot, dialog.buttons)
        refusals.append(dialog.error.text())
        dialog.place.setCurrentIndex(dialog.place.findText("Aldershot"))
        _save(qtbot, dialog.buttons)

    when_modal(move)
    qtbot.mouseClick(tab.workplace_button, Qt.MouseButton.LeftButton)
    assert refusals == [
        "“Aldersht” is not on the list of sites. Choose one from the list, or add it to the list first "
        "(Administration → Sites)."
    ]
    assert tab.done.text() == (
        "Chris Lee now works at Aldershot. If they are signed in now, Pathways does nothing more for them until they "
        "sign in again, and then shows the cases of their new place."
    )
    qtbot.waitUntil(lambda: _column(tab, user.id, "Site") == "Aldershot", timeout=5000)
    assert sign_in(store, username="nav.lee", password=GOOD, workstation="custody-pc").site == "Aldershot"
