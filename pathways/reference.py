"""Reference lists an administrator maintains: offences (and which are trigger offences), tested drugs,
sites (custody suites, courts, prisons, venues) and treatment services (each with the telephone number a person
rings, printed on the notice of a required assessment); and how long each pathway's records are kept (list
"retention", seeded from the defaults in pathways/retention.py rather than from a file).

A new database is seeded from resources/reference; after that the lists live in the database and are
changed by an administrator when the law changes, with no code change. The screens add an entry with
add_reference_entry (refused when the code is taken) and change one with change_reference_entry, passing the entry
as they showed it: a colleague's change made meanwhile is never silently undone, the save is refused saying who
changed it and when.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Event, Programme, ReferenceItem, User
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.definitions import RESOURCES, PathwayDefinition, reference_lists, resolve_choices
from pathways.errors import ConflictingChange, InvalidInput, NotFound
from pathways.identity import fold
from pathways.retention import LIST_NAME as RETENTION_LIST
from pathways.retention import RetentionPeriod, default_period, parse_years
from pathways.services.concurrency import saving, when_changed, who_changed
from pathways.store import Store
from pathways.text_limits import longest_text, text_problem

# Each list: its seed file, and the key that sets an entry's flag (sites and services leave it out: False).
SEED_FILES = {
    "offences": ("offences.toml", "trigger"),
    "drugs": ("drugs.toml", "tested"),
    "sites": ("sites.toml", "flag"),
    "services": ("services.toml", "flag"),
}
SEEDED_BY = "system:seed"
FLAGGED_LISTS = {"drugs"}  # lists whose entries count as choices only when flagged (drugs: tested for)
PHONE_LISTS = {"services"}  # lists whose entries may carry a telephone number (the notice prints a service's)
PHONE_CHARACTERS = re.compile(r"[0-9 +()-]+")
PHONE_DIGITS = (9, 15)  # a UK number in full has 10 or 11 (a few areas 9); an international one at most 15
PHONE_EXAMPLE = "01632 960123"


@dataclass(frozen=True)
class ReferenceEntry:
    code: str
    label: str
    flag: bool
    active: bool
    phone: str | None = None  # services only: the number a person rings, printed on the notice


def _seed_rows(list_name: str, folder: Path) -> tuple[int, list[dict[str, object]]]:
    filename, flag_key = SEED_FILES[list_name]
    with (folder / filename).open("rb") as handle:
        raw = tomllib.load(handle)
    return int(raw.get("version", 1)), [_seed_row(list_name, flag_key, item) for item in raw[list_name]]


def _seed_row(list_name: str, flag_key: str, item: dict[str, object]) -> dict[str, object]:
    """One entry of a seed file; a service may give its phone number (`phone`), checked as if typed."""
    return {
        "code": str(item["code"]),
        "label": str(item["label"]),
        "flag": bool(item.get(flag_key, False)),
        "phone": checked_phone(list_name, str(item.get("phone", ""))),
    }


def seed_reference_data(store: Store, folder: Path = RESOURCES / "reference") -> None:
    """Load each reference list from its file into a database that does not hold it yet, and give each pathway
    without a retention period the default one. Looked at first without writing (the usual start: nothing to do);
    when something is missing, it is added in a transaction that writes from its start, again if busy, so that a
    colleague's save at the same moment on a shared file cannot fail the start."""
    with store.unit_of_work() as uow:
        if not any(_missing(store, uow.session)):
            return

    def seed() -> None:
        with store.unit_of_work().for_writing() as uow:
            lists, periods = _missing(store, uow.session)
            _add_seeds(store, uow.session, folder, lists, periods)
            uow.commit()

    saving(seed)


def _missing(store: Store, session: Session) -> tuple[list[str], list[str]]:
    """The reference lists the database holds nothing of, and the pathways that have no retention period yet (a
    new database: all of them; a pathway added later: its own)."""
    lists = [
        name
        for name in SEED_FILES
        if not session.scalar(select(func.count()).select_from(ReferenceItem).where(ReferenceItem.list_name == name))
    ]
    held = set(session.scalars(select(ReferenceItem.code).where(ReferenceItem.list_name == RETENTION_LIST)))
    return lists, sorted(set(store.definitions) - held)


def _add_seeds(store: Store, session: Session, folder: Path, lists: list[str], periods: list[str]) -> None:
    def seeded(**values: object) -> ReferenceItem:
        return ReferenceItem(active=True, updated_at=store.clock(), updated_by=SEEDED_BY, **values)

    for list_name in lists:
        version, rows = _seed_rows(list_name, folder)
        session.add_all(seeded(list_name=list_name, source_version=version, **row) for row in rows)
    for code in periods:
        period = default_period(code)
        session.add(
            seeded(list_name=RETENTION_LIST, code=code, label=str(period.years), flag=period.until_25, source_version=1)
        )


def retention_periods(store: Store) -> dict[str, RetentionPeriod]:
    """Each pathway's retention period as the reference data holds it now (a label that is not a whole
    number of years in range gives the default period, so a bad entry never shortens how long records are kept)."""
    periods: dict[str, RetentionPeriod] = {}
    for entry in reference_list(store, RETENTION_LIST):
        years = parse_years(entry.label)
        periods[entry.code] = (
            default_period(entry.code) if years is None else RetentionPeriod(entry.code, years, entry.flag)
        )
    return periods


def reference_list(store: Store, list_name: str, *, include_inactive: bool = False) -> list[ReferenceEntry]:
    with store.unit_of_work() as uow:
        query = select(ReferenceItem).where(ReferenceItem.list_name == list_name)
        if not include_inactive:
            query = query.where(ReferenceItem.active.is_(True))
        items = uow.session.scalars(query.order_by(ReferenceItem.label)).all()
        return [_entry(i) for i in items]


def _entry(item: ReferenceItem) -> ReferenceEntry:
    return ReferenceEntry(item.code, item.label, item.flag, item.active, item.phone)


def phone_problem(phone: str) -> str | None:
    """Why `phone` cannot be kept as a service's telephone number, in plain words, or None when it can."""
    too_long = text_problem(phone, "phone number", longest_text(ReferenceItem.__table__.c.phone))
    if too_long:
        return too_long
    if not PHONE_CHARACTERS.fullmatch(phone):
        return f"A phone number may hold only digits, spaces, +, brackets and hyphens, e.g. {PHONE_EXAMPLE}."
    if "+" in phone[1:]:
        return "A + can only start a phone number, e.g. +44 1632 960123."
    fewest, most = PHONE_DIGITS
    digits = sum(character.isdigit() for character in phone)
    if not fewest <= digits <= most:
        return (
            f"A phone number has {fewest} to {most} digits, with its area code (e.g. {PHONE_EXAMPLE}); "
            f"this one has {digits}."
        )
    return None


def checked_phone(list_name: str, phone: str | None) -> str | None:
    """The telephone number to keep for an entry of `list_name` (spaces tidied; None when left blank), or
    InvalidInput saying why it cannot be kept."""
    number = " ".join((phone or "").split()) or None
    if number is None:
        return None
    if list_name not in PHONE_LISTS:
        raise InvalidInput(f"Only treatment services have a phone number; an entry of the {list_name} list cannot.")
    problem = phone_problem(number)
    if problem:
        raise InvalidInput(problem)
    return number


def add_reference_entry(
    store: Store,
    *,
    actor: Actor,
    list_name: str,
    code: str,
    label: str,
    flag: bool,
    active: bool = True,
    phone: str | None = None,
) -> ReferenceEntry:
    """Add an entry (e.g. a new trigger offence); refused, with nothing changed, when the list already has an entry
    with that code (whatever its capitals): change that entry instead."""
    return _save_entry(store, actor, list_name, code, label, flag, active, phone, "add", None)


def change_reference_entry(
    store: Store,
    *,
    actor: Actor,
    list_name: str,
    shown: ReferenceEntry,
    label: str,
    flag: bool,
    active: bool = True,
    phone: str | None = None,
) -> ReferenceEntry:
    """Change the entry a screen showed (`shown`, as it showed it; its code stays), all of it: a service's phone
    number left blank (None) is taken away. Refused with ConflictingChange, naming who and when, and nothing
    changed, when someone else changed the entry after it was shown."""
    return _save_entry(store, actor, list_name, shown.code, label, flag, active, phone, "change", shown)


def set_reference_entry(
    store: Store,
    *,
    actor: Actor,
    list_name: str,
    code: str,
    label: str,
    flag: bool,
    active: bool = True,
    phone: str | None = None,
) -> ReferenceEntry:
    """Add or change an entry, all of it, whatever it holds now: for a script that knows the list as it wants it.
    (The screens use add_reference_entry and change_reference_entry, which never overwrite a colleague's change.)
    A service's phone number left blank (None) is taken away. Entries are retired, never deleted."""
    return _save_entry(store, actor, list_name, code, label, flag, active, phone, "set", None)


def _save_entry(
    store: Store,
    actor: Actor,
    list_name: str,
    code: str,
    label: str,
    flag: bool,
    active: bool,
    phone: str | None,
    mode: Literal["add", "change", "set"],
    shown: ReferenceEntry | None,
) -> ReferenceEntry:
    authorise(store.session_factory, actor, "edit_reference", store.clock)
    if list_name not in SEED_FILES:
        raise InvalidInput(f"There is no reference list called '{list_name}'.")
    code, label = code.strip(), " ".join(label.split())
    if not code or not label:
        raise InvalidInput("Both a code and a label are needed.")
    refused = text_problem(code, "code", 120) or text_problem(label, "label", 400)
    if refused:
        raise InvalidInput(refused)
    phone = checked_phone(list_name, phone)

    def save() -> ReferenceEntry:
        with store.unit_of_work().for_writing() as uow:
            session = uow.session
            item = session.scalar(
                select(ReferenceItem)
                .where(ReferenceItem.list_name == list_name, ReferenceItem.code == code)
                .with_for_update()  # (PostgreSQL: two administrators' changes to it are made one after the other)
            )
            if mode == "add":
                _refuse_code_taken(session, list_name, code)
            if mode == "change" and item is None:
                raise NotFound(f"The entry {code} is not on the list of {list_name}.")
            if shown is not None and item is not None and _entry(item) != shown:
                raise ConflictingChange(_entry_changed_message(store, session, item))
            if item is None:
                _refuse_code_out_of_form(code)
                item = ReferenceItem(list_name=list_name, code=code, source_version=0)
                session.add(item)
            elif item.label != label:
                _refuse_renaming_in_use(session, list_name, item.label, label)
            item.label, item.flag, item.active, item.phone = label, flag, active, phone
            item.updated_at, item.updated_by = store.clock(), actor.username
            session.flush()
            write_audit(session, actor, "edit_reference", store.clock(), record_type="reference", record_id=item.id)
            uow.commit()
            return _entry(item)

    try:
        return saving(save)
    except IntegrityError:  # (PostgreSQL) another administrator added the same code a moment ago: see theirs
        return saving(save)


def _refuse_code_taken(session: Session, list_name: str, code: str) -> None:
    """Adding never changes an entry that already has the code (in any capitals)."""
    taken = session.scalars(
        select(ReferenceItem).where(
            ReferenceItem.list_name == list_name, func.lower(ReferenceItem.code) == code.lower()
        )
    ).first()
    if taken is not None:
        raise InvalidInput(
            f"There is already an entry with the code {taken.code} on the list of {list_name}: “{taken.label}”. "
            "Choose another code, or change that entry instead."
        )


def _entry_changed_message(store: Store, session: Session, item: ReferenceItem) -> str:
    who, when = who_changed(session, item.updated_by), when_changed(item.updated_at, store.clock())
    return (
        f"“{item.label}” was changed by {who}{when} while you were working on it, so nothing was saved. Reload it "
        "to see the change, then try again."
    )


CODE_FORM = re.compile(r"[a-z0-9][a-z0-9_]*")


def _refuse_code_out_of_form(code: str) -> None:
    """A new entry's code is written in import files and exports and never changes: lower-case letters, digits
    and underscores, as the starting lists' codes are."""
    if not CODE_FORM.fullmatch(code):
        raise InvalidInput(
            f"The code “{code}” cannot be used: a code is lower-case letters, digits and _ only, with no spaces "
            "(e.g. theft_shop). The label is what people read."
        )


RECORDED_BY_LABEL = {"sites": "site", "services": "service"}  # the lists whose labels events and accounts record


def _refuse_renaming_in_use(session: Session, list_name: str, old: str, new: str) -> None:
    """Events, accounts and programmes record a site or a service by its label, and worklists, a worker's cases and
    reports find them by it: renaming one in use would take its cases out of all three. It is retired instead."""
    column = RECORDED_BY_LABEL.get(list_name)
    if column is None:  # offences and drugs are recorded by their codes
        return
    holders = (("cases", Event), ("user accounts", User), ("group programmes", Programme))
    used = [words for words, model in holders if session.scalar(_first_using(model, column, old)) is not None]
    if used:
        where = " and ".join(used)
        raise InvalidInput(
            f"“{old}” is recorded on {where}, which would no longer be found under it if it were renamed. "
            f"Retire “{old}” and add “{new}” as a new entry instead."
        )


def _first_using(model: type[Event] | type[User] | type[Programme], column: str, label: str) -> Select[int]:
    return select(model.id).where(getattr(model, column) == label).limit(1)


def service_phone(store: Store, service: str) -> str | None:
    """The telephone number held for the treatment service named `service`, or None when none is held."""
    with store.unit_of_work() as uow:
        return phone_of_service(uow.session, service)


def phone_of_service(session: Session, service: str) -> str | None:
    """As service_phone, in a session already open. Events and accounts record a service by its label (its code
    is accepted too); should a retired entry share the label, the active one's number is the one given."""
    wanted = service.strip().casefold()
    items = session.scalars(
        select(ReferenceItem).where(ReferenceItem.list_name == "services").order_by(ReferenceItem.id)
    ).all()
    named = [i for i in items if wanted in (i.code.casefold(), i.label.casefold())]
    named.sort(key=lambda i: not i.active)  # the active entry first
    return named[0].phone if named else None


def listed_label(typed: str, entries: Iterable[ReferenceEntry]) -> str | None:
    """The label of the entry `typed` names, by its label or its code whatever the capitals, spaces and punctuation
    (pathways.identity.fold: "inclusion  hampshire" is "Inclusion Hampshire"), or None when it names none."""
    wanted = fold(typed)
    return next((e.label for e in entries if wanted and wanted in (fold(e.code), fold(e.label))), None)


def not_listed(typed: str, list_name: str, retired: bool = False, administrator: bool = False) -> str:
    """Why a typed site or service is refused, in the user's words (`administrator`: the reader keeps the lists)."""
    words = list_name  # ("sites", "services")
    where = f"Administration → {words.capitalize()}"
    if retired:
        then = f"make it active again first ({where})" if administrator else "ask an administrator"
        return f"“{typed}” has been retired from the list of {words}. Choose a current one from the list, or {then}."
    then = f"add it to the list first ({where})" if administrator else "ask an administrator to add it"
    return f"“{typed}” is not on the list of {words}. Choose one from the list, or {then}."


def listed_service(session: Session, service: str | None) -> str | None:
    """The treatment service a screen gave (typed or chosen), as the administrator's list names it; None when none
    was given; InvalidInput, in the user's words, when it is not a current entry of the list. A worker sees the
    cases whose events name their service exactly (pathways/scope.py), so "Inclusion Hants" would hide a case
    from Inclusion Hampshire. An import keeps any text (interchange v1): only the screens' services check this."""
    return listed_name(session, "services", service)


def listed_name(session: Session, list_name: str, typed: str | None, administrator: bool = False) -> str | None:
    """A site or service (`list_name`) as the administrator's list names it, as listed_service says (`administrator`:
    the refusal is worded for the one who keeps the lists, as for an account's site or service)."""
    column = RECORDED_BY_LABEL[list_name]
    text = " ".join((typed or "").split())
    if not text:
        return None
    problem = text_problem(text, column, longest_text(Event.__table__.c[column]))
    if problem:
        raise InvalidInput(problem)
    items = session.scalars(select(ReferenceItem).where(ReferenceItem.list_name == list_name)).all()
    entries = [_entry(i) for i in items]
    found = listed_label(text, [e for e in entries if e.active])
    if found is None:
        retired = listed_label(text, entries) is not None
        raise InvalidInput(not_listed(text, list_name, retired, administrator))
    return found


def with_listed_service(store: Store, values: Mapping[str, str | None]) -> dict[str, str | None]:
    """`values` with their service checked against the list and written as the list names it (listed_service)."""
    checked = dict(values)
    if "service" in checked:
        with store.unit_of_work() as uow:
            checked["service"] = listed_service(uow.session, checked["service"])
    return checked


def live_definition(store: Store, code: str) -> PathwayDefinition:
    """A pathway definition with its "@list" choices filled from the reference lists as they stand now
    (e.g. the drugs a test can find, which an administrator extends when the law changes)."""
    definition = store.definition(code)
    names = reference_lists(definition)
    if not names:
        return definition
    lists = {
        name: tuple(e.code for e in reference_list(store, name) if e.flag or name not in FLAGGED_LISTS)
        for name in names
    }
    return resolve_choices(definition, lists)


def offence_label(store: Store, code_or_text: str) -> tuple[str, bool | None]:
    """The label of an offence given by code or label, and whether it is a trigger offence (None: unknown)."""
    wanted = code_or_text.strip().lower()
    for entry in reference_list(store, "offences", include_inactive=True):
        if wanted in (entry.code.lower(), entry.label.lower()):
            return entry.label, entry.flag
    return code_or_text.strip(), None
