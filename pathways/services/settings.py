"""Settings an administrator chooses for every workstation on the database: the idle lock, and the screening
criteria the force uses where more than one set is held (Checkpoint's: Durham's or North Wales's).

A screen passes back the settings it showed (`current_settings`): its save then writes only the settings the user
changed there, and is refused, naming who changed it and when, for one a colleague changed in the meantime, so one
administrator's save never silently undoes another's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import AuditEntry, Setting
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.errors import ConflictingChange, InvalidInput
from pathways.instruments import Instruments, shipped_instruments
from pathways.services.concurrency import saving, when_changed, who_changed
from pathways.store import Store

IDLE_LOCK_SETTING = "idle_lock_minutes"
IDLE_LOCK_DEFAULT = 15
IDLE_LOCK_RANGE = (1, 240)
SETTING_KEY_LONGEST = 64  # db.models.Setting.key
CRITERIA_PREFIX = "screening_instrument"


@dataclass(frozen=True)
class CurrentSettings:
    """The settings as they stand (as a screen shows them): the idle lock in minutes, and each step's chosen
    screening instrument (steps without a choice, the form last used, are left out)."""

    idle_minutes: int
    criteria: Mapping[tuple[str, str], str]

    def value_of(self, key: str) -> str | None:
        """A setting's value as stored, by its key (the idle lock's default given as a value)."""
        if key == IDLE_LOCK_SETTING:
            return str(self.idle_minutes)
        _prefix, pathway, event = key.split(":", 2)
        return self.criteria.get((pathway, event))


def current_settings(store: Store) -> CurrentSettings:
    """The settings now, for a screen to show and to pass back when it saves (save_settings' `shown`)."""
    return CurrentSettings(idle_lock_minutes(store), usual_instruments(store))


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
    shown: CurrentSettings | None = None,
) -> None:
    """Keep the settings given (the idle lock; the instrument each (pathway, step) is screened with first, None for
    the one last used) in one transaction, and only after every one of them was checked: all or nothing.

    `shown`: the settings as the screen showed them (current_settings). A setting given as it was shown is left as
    it is now (the user did not change it); one the user changed is refused with ConflictingChange, and nothing is
    saved, when someone else changed it after it was shown. Without `shown` every setting given is written."""
    authorise(store.session_factory, actor, "edit_settings", store.clock)
    changes: dict[str, str | None] = {}
    if idle_minutes is not None:
        low, high = IDLE_LOCK_RANGE
        if not low <= idle_minutes <= high:
            raise InvalidInput(f"The idle lock must be between {low} and {high} minutes (not {idle_minutes}).")
        changes[IDLE_LOCK_SETTING] = str(idle_minutes)
    for (pathway, event), code in (criteria or {}).items():
        changes[_checked_criteria_key(pathway, event, code, instruments or shipped_instruments())] = code
    if shown is not None:  # only what the user changed on the screen
        changes = {key: value for key, value in changes.items() if value != shown.value_of(key)}
    if not changes:
        return

    def save() -> None:
        with store.unit_of_work().for_writing() as uow:
            for key, value in changes.items():
                setting = uow.session.get(Setting, key, with_for_update=True)  # (locked on PostgreSQL)
                now = _value(key, setting)
                if shown is not None and now == value:
                    continue  # a colleague chose the same meanwhile: nothing to change, nothing to refuse
                if shown is not None and now != shown.value_of(key):
                    raise ConflictingChange(_changed_message(store, uow.session, key))
                _keep(uow.session, key, setting, value)
                detail = f"{key}={value or '(last used)'}"
                write_audit(uow.session, actor, "edit_settings", store.clock(), detail=detail)
            uow.commit()

    try:
        saving(save)
    except IntegrityError:  # (PostgreSQL) another administrator added the same setting a moment ago: compare again
        saving(save)


def _value(key: str, setting: Setting | None) -> str | None:
    """A setting's value as a screen shows it: the idle lock's default when none is kept."""
    if setting is None:
        return str(IDLE_LOCK_DEFAULT) if key == IDLE_LOCK_SETTING else None
    return setting.value


def _changed_message(store: Store, session: Session, key: str) -> str:
    """ "The idle lock was changed by J. Smith at 14:32 while you were working on the settings, ..." from the audit
    log (an entry "key=value" of each change)."""
    latest = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action == "edit_settings",
            AuditEntry.outcome == "ok",
            AuditEntry.detail.startswith(f"{key}=", autoescape=True),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    ).first()
    at: datetime | None = latest.at if latest else None
    who, when = who_changed(session, latest.actor if latest else None), when_changed(at, store.clock())
    return (
        f"{_setting_words(store, key)} was changed by {who}{when} while you were working on the settings, so nothing "
        "was saved. Reload the settings to see the change, then try again."
    )


def _setting_words(store: Store, key: str) -> str:
    if key == IDLE_LOCK_SETTING:
        return "The idle lock"
    _prefix, pathway, event = key.split(":", 2)
    if pathway in store.definitions:
        definition = store.definition(pathway)
        if event in definition.events:
            return f"The screening criteria for {definition.name}, {definition.event(event).label}"
    return f"The screening criteria for {pathway}, {event}"


def _keep(session: Session, key: str, setting: Setting | None, value: str | None) -> None:
    """Set a setting (`setting`: as held now; None: remove it)."""
    if value is None:
        if setting is not None:
            session.delete(setting)
    elif setting is None:
        session.add(Setting(key=key, value=value))
    else:
        setting.value = value


def _criteria_key(pathway: str, event: str) -> str:
    return f"{CRITERIA_PREFIX}:{pathway}:{event}"


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
