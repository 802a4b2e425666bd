"""Two administrators at once: a reference entry or a setting changed by one while the other's screen showed it.
The second save never silently undoes the first: a reference entry changed meanwhile is refused, naming who and
when; a setting the second administrator did not change is left as the first set it, and one they both changed is
refused. Adding an entry whose code is taken is refused at the service. On SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry
from pathways.actors import Actor, Role, command_line_actor
from pathways.errors import ConflictingChange, InvalidInput
from pathways.reference import ReferenceEntry, add_reference_entry, change_reference_entry, reference_list
from pathways.services.accounts import add_user
from pathways.services.settings import current_settings, idle_lock_minutes, save_settings, usual_instruments
from pathways.store import Store

ADMIN_A = Actor("admin.khan", Role.ADMINISTRATOR, "office-pc-4")
ADMIN_B = Actor("admin.two", Role.ADMINISTRATOR, "office-pc-5")
STEP = ("checkpoint", "screened")
CHANGED_BY_B = "was changed by Two Admin at 12:00 while you were working on"


@pytest.fixture
def admins(store: Store) -> Store:
    for actor, name in ((ADMIN_A, "A. Khan"), (ADMIN_B, "Two Admin")):
        add_user(
            store, actor=command_line_actor(), username=actor.username, display_name=name, role=actor.role,
            password="violet kettle harbour 42", must_change_password=False,
        )  # fmt: skip
    return store


def _offence(store: Store, code: str) -> ReferenceEntry:
    return next(e for e in reference_list(store, "offences", include_inactive=True) if e.code == code)


def _audited(store: Store, action: str) -> int:
    with store.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).where(AuditEntry.action == action)) or 0)


def test_a_label_change_from_a_stale_dialog_does_not_bring_a_retired_offence_back(admins: Store) -> None:
    store = admins
    shown = reference_list(store, "offences")[0]  # A opens the entry to put its label right
    change_reference_entry(  # B retires it meanwhile
        store, actor=ADMIN_B, list_name="offences", shown=shown, label=shown.label, flag=shown.flag, active=False
    )
    audited = _audited(store, "edit_reference")
    with pytest.raises(ConflictingChange) as refused:
        change_reference_entry(
            store, actor=ADMIN_A, list_name="offences", shown=shown, label=shown.label + " (amended)",
            flag=shown.flag, active=True,
        )  # fmt: skip
    assert refused.value.message == (
        f"“{shown.label}” {CHANGED_BY_B} it, so nothing was saved. Reload it to see the change, then try again."
    )
    assert _offence(store, shown.code) == ReferenceEntry(shown.code, shown.label, shown.flag, False)
    assert _audited(store, "edit_reference") == audited
    reloaded = _offence(store, shown.code)  # A reloads: the entry as B left it, and saves the label again
    saved = change_reference_entry(
        store, actor=ADMIN_A, list_name="offences", shown=reloaded, label=shown.label + " (amended)",
        flag=reloaded.flag, active=reloaded.active,
    )  # fmt: skip
    assert saved == _offence(store, shown.code) and saved.label.endswith("(amended)") and not saved.active


def test_adding_an_entry_whose_code_is_taken_is_refused_and_changes_nothing(admins: Store) -> None:
    store = admins
    held = reference_list(store, "offences")[0]
    audited = _audited(store, "edit_reference")
    for code in (held.code, held.code.upper()):
        with pytest.raises(InvalidInput) as refused:
            add_reference_entry(store, actor=ADMIN_A, list_name="offences", code=code, label="Else", flag=False)
        assert refused.value.message == (
            f"There is already an entry with the code {held.code} on the list of offences: “{held.label}”. "
            "Choose another code, or change that entry instead."
        )
    assert _offence(store, held.code) == held and _audited(store, "edit_reference") == audited
    added = add_reference_entry(store, actor=ADMIN_A, list_name="offences", code="theft_bike", label="Bike", flag=True)
    assert added == ReferenceEntry("theft_bike", "Bike", True, True)


def test_a_setting_left_alone_on_a_stale_tab_keeps_the_other_administrators_change(admins: Store) -> None:
    store = admins
    a_tab = current_settings(store)  # A opens the settings tab: idle lock 15, no criteria chosen
    save_settings(store, actor=ADMIN_B, idle_minutes=5, shown=current_settings(store))  # B: idle lock 5
    # A chose screening criteria; the idle lock is sent as A's tab shows it (15), not changed by A
    save_settings(
        store, actor=ADMIN_A, idle_minutes=a_tab.idle_minutes, criteria={STEP: "checkpoint-eligibility"}, shown=a_tab
    )
    assert idle_lock_minutes(store) == 5
    assert usual_instruments(store) == {STEP: "checkpoint-eligibility"}


def test_a_setting_both_changed_is_refused_and_nothing_of_the_save_is_kept(admins: Store) -> None:
    store = admins
    a_tab = current_settings(store)
    save_settings(store, actor=ADMIN_B, idle_minutes=5, shown=current_settings(store))
    audited = _audited(store, "edit_settings")
    with pytest.raises(ConflictingChange) as refused:
        save_settings(store, actor=ADMIN_A, idle_minutes=20, criteria={STEP: "checkpoint-eligibility"}, shown=a_tab)
    assert refused.value.message == (
        f"The idle lock {CHANGED_BY_B} the settings, so nothing was saved. Reload the settings to see the change, "
        "then try again."
    )
    assert idle_lock_minutes(store) == 5 and usual_instruments(store) == {}  # all or nothing
    assert _audited(store, "edit_settings") == audited
    save_settings(store, actor=ADMIN_A, idle_minutes=20, shown=current_settings(store))  # after reloading
    assert idle_lock_minutes(store) == 20


def test_a_setting_both_changed_to_the_same_value_is_no_conflict(admins: Store) -> None:
    store = admins
    a_tab = current_settings(store)
    save_settings(store, actor=ADMIN_B, idle_minutes=5, shown=current_settings(store))
    audited = _audited(store, "edit_settings")
    save_settings(store, actor=ADMIN_A, idle_minutes=5, criteria={STEP: "checkpoint-eligibility"}, shown=a_tab)
    assert idle_lock_minutes(store) == 5 and usual_instruments(store) == {STEP: "checkpoint-eligibility"}
    assert _audited(store, "edit_settings") == audited + 1  # the criterion only: the idle lock was 5 already


def test_a_criterion_changed_by_another_administrator_is_named_in_the_refusal(admins: Store) -> None:
    store = admins
    a_tab = current_settings(store)
    save_settings(store, actor=ADMIN_B, criteria={STEP: "checkpoint-eligibility"}, shown=current_settings(store))
    with pytest.raises(ConflictingChange) as refused:  # A chose the other set (None: the form last used is shown)
        save_settings(store, actor=ADMIN_A, criteria={STEP: "checkpoint-cymru-eligibility"}, shown=a_tab)
    assert refused.value.message.startswith(
        f"The screening criteria for {store.definition('checkpoint').name}, "
        f"{store.definition('checkpoint').event('screened').label} {CHANGED_BY_B} the settings"
    )
    assert usual_instruments(store) == {STEP: "checkpoint-eligibility"}
