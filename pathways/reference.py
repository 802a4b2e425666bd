"""Reference lists an administrator maintains: offences (and which are trigger offences), tested drugs,
sites (custody suites, courts, prisons, venues) and treatment services.

A new database is seeded from resources/reference; after that the lists live in the database and are
changed by an administrator when the law changes, with no code change.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from db.models import ReferenceItem
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.definitions import RESOURCES, PathwayDefinition, reference_lists, resolve_choices
from pathways.errors import InvalidInput
from pathways.store import Store

# Each list: its seed file, and the key that sets an entry's flag (sites and services leave it out: False).
SEED_FILES = {
    "offences": ("offences.toml", "trigger"),
    "drugs": ("drugs.toml", "tested"),
    "sites": ("sites.toml", "flag"),
    "services": ("services.toml", "flag"),
}
SEEDED_BY = "system:seed"
FLAGGED_LISTS = {"drugs"}  # lists whose entries count as choices only when flagged (drugs: tested for)


@dataclass(frozen=True)
class ReferenceEntry:
    code: str
    label: str
    flag: bool
    active: bool


def _seed_rows(list_name: str, folder: Path) -> tuple[int, list[dict[str, object]]]:
    filename, flag_key = SEED_FILES[list_name]
    with (folder / filename).open("rb") as handle:
        raw = tomllib.load(handle)
    rows = [
        {"code": str(i["code"]), "label": str(i["label"]), "flag": bool(i.get(flag_key, False))} for i in raw[list_name]
    ]
    return int(raw.get("version", 1)), rows


def seed_reference_data(store: Store, folder: Path = RESOURCES / "reference") -> None:
    """Load each reference list from its file into a database that does not hold it yet."""
    with store.unit_of_work() as uow:
        for list_name in SEED_FILES:
            held = uow.session.scalar(
                select(func.count()).select_from(ReferenceItem).where(ReferenceItem.list_name == list_name)
            )
            if held:
                continue
            version, rows = _seed_rows(list_name, folder)
            for row in rows:
                uow.session.add(
                    ReferenceItem(
                        list_name=list_name,
                        source_version=version,
                        active=True,
                        updated_at=store.clock(),
                        updated_by=SEEDED_BY,
                        **row,
                    )
                )
        uow.commit()


def reference_list(store: Store, list_name: str, *, include_inactive: bool = False) -> list[ReferenceEntry]:
    with store.unit_of_work() as uow:
        query = select(ReferenceItem).where(ReferenceItem.list_name == list_name)
        if not include_inactive:
            query = query.where(ReferenceItem.active.is_(True))
        items = uow.session.scalars(query.order_by(ReferenceItem.label)).all()
        return [ReferenceEntry(i.code, i.label, i.flag, i.active) for i in items]


def set_reference_entry(
    store: Store, *, actor: Actor, list_name: str, code: str, label: str, flag: bool, active: bool = True
) -> ReferenceEntry:
    """Add or change an entry (e.g. a new trigger offence). Entries are retired, never deleted."""
    authorise(store.session_factory, actor, "edit_reference", store.clock)
    if list_name not in SEED_FILES:
        raise InvalidInput(f"There is no reference list called '{list_name}'.")
    code, label = code.strip(), " ".join(label.split())
    if not code or not label:
        raise InvalidInput("Both a code and a label are needed.")
    with store.unit_of_work() as uow:
        item = uow.session.scalar(
            select(ReferenceItem).where(ReferenceItem.list_name == list_name, ReferenceItem.code == code)
        )
        if item is None:
            item = ReferenceItem(list_name=list_name, code=code, source_version=0)
            uow.session.add(item)
        item.label, item.flag, item.active = label, flag, active
        item.updated_at, item.updated_by = store.clock(), actor.username
        uow.session.flush()
        write_audit(uow.session, actor, "edit_reference", store.clock(), record_type="reference", record_id=item.id)
        uow.commit()
        return ReferenceEntry(item.code, item.label, item.flag, item.active)


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
