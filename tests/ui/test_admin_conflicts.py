"""Two administrators at once, on the screens: the reference-entry dialog and the settings tab refuse a save over a
colleague's change made while they were open, say who and when, take up the change where the user left a field
alone, keep what the user changed, and save that when Save is pressed again."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from pathways.actors import Actor, Role, command_line_actor
from pathways.reference import ReferenceEntry, change_reference_entry, reference_list
from pathways.services.accounts import add_user
from pathways.services.settings import current_settings, idle_lock_minutes, save_settings, usual_instruments
from ui import admin_dialogs, settings_tab
from ui.admin_dialogs import REFERENCE_LISTS, ReferenceEntryDialog
from ui.context import AppContext
from ui.settings_tab import SettingsTab

ADMIN_B = Actor("admin.two", Role.ADMINISTRATOR, "office-pc-5")
STEP = ("checkpoint", "screened")


def _colleague(context: AppContext) -> None:
    add_user(
        context.store, actor=command_line_actor(), username=ADMIN_B.username, display_name="Two Admin",
        role=Role.ADMINISTRATOR, password="violet kettle harbour 42", must_change_password=False,
    )  # fmt: skip


def _save(qtbot: QtBot, dialog: ReferenceEntryDialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _offence(context: AppContext, code: str) -> ReferenceEntry:
    return next(e for e in reference_list(context.store, "offences", include_inactive=True) if e.code == code)


def test_the_entry_dialog_refuses_over_a_colleagues_change_then_saves_both(
    qtbot: QtBot, admin_context: AppContext
) -> None:
    _colleague(admin_context)
    shown = reference_list(admin_context.store, "offences")[0]
    dialog = ReferenceEntryDialog(admin_context, REFERENCE_LISTS[0], shown)
    qtbot.addWidget(dialog)
    dialog.show()
    change_reference_entry(  # the colleague retires the offence while the dialog is open
        admin_context.store, actor=ADMIN_B, list_name="offences", shown=shown, label=shown.label, flag=shown.flag,
        active=False,
    )  # fmt: skip
    dialog.label.setText(shown.label + " (amended)")
    _save(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.error.text() == (
        f"“{shown.label}” was changed by Two Admin at 12:00 while you were working on it, so nothing was saved. "
        f"Reload it to see the change, then try again. {admin_dialogs.TAKEN_UP}"
    )
    assert dialog.label.text() == shown.label + " (amended)" and not dialog.active.isChecked()  # theirs taken up
    assert _offence(admin_context, shown.code).label == shown.label  # nothing of A's saved
    _save(qtbot, dialog)
    assert not dialog.isVisible() and dialog.saved is not None
    assert _offence(admin_context, shown.code) == ReferenceEntry(
        shown.code, shown.label + " (amended)", shown.flag, False
    )


def test_adding_an_entry_whose_code_is_taken_is_refused_in_the_dialog(qtbot: QtBot, admin_context: AppContext) -> None:
    held = reference_list(admin_context.store, "offences")[0]
    dialog = ReferenceEntryDialog(admin_context, REFERENCE_LISTS[0])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.code, held.code)
    qtbot.keyClicks(dialog.label, "Something else")
    _save(qtbot, dialog)
    assert dialog.isVisible() and dialog.error.text().startswith(
        f"There is already an entry with the code {held.code} on the list of offences: “{held.label}”."
    )
    assert _offence(admin_context, held.code) == held


def test_the_settings_tab_leaves_a_colleagues_setting_alone(qtbot: QtBot, admin_context: AppContext) -> None:
    _colleague(admin_context)
    tab = SettingsTab(admin_context)
    qtbot.addWidget(tab)
    save_settings(admin_context.store, actor=ADMIN_B, idle_minutes=5, shown=current_settings(admin_context.store))
    combo = tab.criteria[STEP]
    combo.setCurrentIndex(combo.findData("checkpoint-eligibility"))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.error.text() == ""
    assert idle_lock_minutes(admin_context.store) == 5  # the colleague's, not the 15 the tab showed
    assert usual_instruments(admin_context.store) == {STEP: "checkpoint-eligibility"}
    assert tab.idle_minutes.value() == 5 and tab.status.text().startswith("Saved: windows lock after 5 minutes")


def test_the_settings_tab_refuses_a_setting_both_changed_then_saves_it(qtbot: QtBot, admin_context: AppContext) -> None:
    _colleague(admin_context)
    tab = SettingsTab(admin_context)
    qtbot.addWidget(tab)
    save_settings(admin_context.store, actor=ADMIN_B, idle_minutes=5, shown=current_settings(admin_context.store))
    tab.idle_minutes.setValue(20)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.error.text() == (
        "The idle lock was changed by Two Admin at 12:00 while you were working on the settings, so nothing was "
        f"saved. Reload the settings to see the change, then try again. {settings_tab.TAKEN_UP}"
    )
    assert tab.idle_minutes.value() == 20 and idle_lock_minutes(admin_context.store) == 5
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.error.text() == "" and idle_lock_minutes(admin_context.store) == 20
