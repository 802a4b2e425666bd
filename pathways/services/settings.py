"""Settings an administrator chooses for every workstation on the database: the idle lock, and the screening
criteria the force uses where more than one set is held (Checkpoint's: Durham's or North Wales's)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from db.models import Setting
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.errors import InvalidInput
from pathways.instruments import Instruments, shipped_instruments
from pathways.store import Store

IDLE_LOCK_SETTING = "idle_lock_minutes"
IDLE_LOCK_DEFAULT = 15
IDLE_LOCK_RANGE = (1, 240)
SETTING_KEY_LONGEST = 64  # db.models.Setting.key


def idle_lock_minutes(store: Store) -> int:
    """Minutes without input after which the window locks (15 unless an administrator chose otherwise)."""
    with store.unit_of_work() as uow:
        setting = uow.session.get(Setting, IDLE_LOCK_SETTING)
        return int(setting.value) if setting is not None else IDLE_LOCK_DEFAULT


def set_idle_lock_minutes(store: Store, *, actor: Actor, minutes: int) -> None:
    save_settings(store, actor=actor, idle_minutes=minutes)


def save_settings(
    store: Store,
    *,
    actor: Actor,
    idle_minutes: int | None = None,
    criteria: Mapping[tuple[str, str], str | None] | None = None,
    instruments: Instruments | None = None,
) -> None:
    """Keep the settings given (the idle lock; the instrument each (pathway, step) is screened with first, None for
    the one last used) in one transaction, and only after every one of them was checked: all or nothing."""
    authorise(store.session_factory, actor, "edit_settings", store.clock)
    changes: dict[str, str | None] = {}
    if idle_minutes is not None:
        low, high = IDLE_LOCK_RANGE
        if not low <= idle_minutes <= high:
            raise InvalidInput(f"The idle lock must be between {low} and {high} minutes (not {idle_minutes}).")
        changes[IDLE_LOCK_SETTING] = str(idle_minutes)
    for (pathway, event), code in (criteria or {}).items():
        changes[_checked_criteria_key(pathway, event, code, instruments or shipped_instruments())] = code
    with store.unit_of_work() as uow:
        for key, value in changes.items():
            _keep(uow.session, key, value)
            write_audit(uow.session, actor, "edit_settings", store.clock(), detail=f"{key}={value or '(last used)'}")
        uow.commit()


def _keep(session: Session, key: str, value: str | None) -> None:
    """Set a setting (None: remove it)."""
    setting = session.get(Setting, key)
    if value is None:
        if setting is not None:
            session.delete(setting)
    elif setting is None:
        session.add(Setting(key=key, value=value))
    else:
        setting.value = value


def _criteria_key(pathway: str, event: str) -> str:
    return f"screening_instrument:{pathway}:{event}"


def usual_instrument(session: Session, pathway: str, event: str) -> str | None:
    """The code of the instrument the force screens this step with, when an administrator chose one."""
    setting = session.get(Setting, _criteria_key(pathway, event))
    return None if setting is None else setting.value


def usual_instruments(store: Store) -> dict[tuple[str, str], str]:
    """Every step's chosen instrument, by (pathway, event)."""
    with store.unit_of_work() as uow:
        found = {step: usual_instrument(uow.session, *step) for step in shipped_instruments().steps()}
    return {step: code for step, code in found.items() if code is not None}


def set_usual_instrument(
    store: Store,
    *,
    actor: Actor,
    pathway: str,
    event: str,
    code: str | None,
    instruments: Instruments | None = None,
) -> None:
    """Choose the instrument a step is screened with first (None: the one last used, as before)."""
    save_settings(store, actor=actor, criteria={(pathway, event): code}, instruments=instruments)


def _checked_criteria_key(pathway: str, event: str, code: str | None, instruments: Instruments) -> str:
    """The setting's key for a step's instrument, once `code` is known to be one held for the step."""
    held = [i.code for i in instruments.for_step(pathway, event)]
    if code is not None and code not in held:
        offered = ", ".join(held) or "none"
        raise InvalidInput(f"'{code}' is not a screening instrument for this step (those held: {offered}).")
    key = _criteria_key(pathway, event)
    if len(key) > SETTING_KEY_LONGEST:  # (PostgreSQL would refuse it; SQLite would keep it)
        raise InvalidInput(f"The names of the pathway and step are too long to keep a setting for ({key}).")
    return key
