"""Reference lists an administrator maintains: offences (and which are trigger offences), tested drugs,
sites (custody suites, courts, prisons, venues) and treatment services; and how long each pathway's records are
kept (list "retention", seeded from the defaults in pathways/retention.py rather than from a file).

A new database is seeded from resources/reference; after that the lists live in the database and are
changed by an administrator when the law changes, with no code change.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import ReferenceItem
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.definitions import RESOURCES, PathwayDefinition, reference_lists, resolve_choices
from pathways.errors import InvalidInput
from pathways.retention import LIST_NAME as RETENTION_LIST
from pathways.retention import RetentionPeriod, default_period, parse_years
from pathways.store import Store
from pathways.text_limits import text_problem

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
        _seed_retention_periods(store, uow.session)
        uow.commit()


def _seed_retention_periods(store: Store, session: Session) -> None:
    """Give every pathway that has no retention period yet the default one (pathways.retention): a new
    database gets them all, and a pathway added later gets its own the next time the database is opened."""
    held = set(session.scalars(select(ReferenceItem.code).where(ReferenceItem.list_name == RETENTION_LIST)))
    for code in sorted(set(store.definitions) - held):
        period = default_period(code)
        session.add(
            ReferenceItem(
                list_name=RETENTION_LIST,
                code=code,
                label=str(period.years),
                flag=period.until_25,
                active=True,
                source_version=1,
                updated_at=store.clock(),
                updated_by=SEEDED_BY,
            )
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
    refused = text_problem(code, "code", 120) or text_problem(label, "label", 400)
    if refused:
        raise InvalidInput(refused)
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
