"""Settings an administrator chooses for every workstation on the database, such as the idle lock."""

from __future__ import annotations

from db.models import Setting
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.errors import InvalidInput
from pathways.store import Store

IDLE_LOCK_SETTING = "idle_lock_minutes"
IDLE_LOCK_DEFAULT = 15
IDLE_LOCK_RANGE = (1, 240)


def idle_lock_minutes(store: Store) -> int:
    """Minutes without input after which the window locks (15 unless an administrator chose otherwise)."""
    with store.unit_of_work() as uow:
        setting = uow.session.get(Setting, IDLE_LOCK_SETTING)
        return int(setting.value) if setting is not None else IDLE_LOCK_DEFAULT


def set_idle_lock_minutes(store: Store, *, actor: Actor, minutes: int) -> None:
    authorise(store.session_factory, actor, "edit_settings", store.clock)
    low, high = IDLE_LOCK_RANGE
    if not low <= minutes <= high:
        raise InvalidInput(f"The idle lock must be between {low} and {high} minutes (not {minutes}).")
    with store.unit_of_work() as uow:
        setting = uow.session.get(Setting, IDLE_LOCK_SETTING)
        if setting is None:
            uow.session.add(Setting(key=IDLE_LOCK_SETTING, value=str(minutes)))
        else:
            setting.value = str(minutes)
        write_audit(uow.session, actor, "edit_settings", store.clock(), detail=f"{IDLE_LOCK_SETTING}={minutes}")
        uow.commit()
