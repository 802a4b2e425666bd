"""Services and sites a test's cases and accounts name, added to the administrator's list first, as an administrator
does (Administration → Services, Sites): a service recorded from the screens, and an account's site or service, must
be on the list (pathways.reference.listed_name), since a navigator or a treatment worker sees only the cases that
name their site or service as the list spells it. And a listed service's phone number, given as an administrator
gives it."""

from __future__ import annotations

import re

from pathways.actors import Actor, Role
from pathways.reference import ReferenceEntry, reference_list, set_reference_entry
from pathways.store import Store

ADMINISTRATOR = Actor("admin.lists", Role.ADMINISTRATOR, "office-pc-9")


def list_services(store: Store, *labels: str) -> None:
    """Add each service to the list of services (a code made from its name)."""
    _list(store, "services", labels)


def list_sites(store: Store, *labels: str) -> None:
    """Add each site to the list of sites, as for an account of a navigator who works there."""
    _list(store, "sites", labels)


def _list(store: Store, list_name: str, labels: tuple[str, ...]) -> None:
    for label in labels:
        code = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
        set_reference_entry(store, actor=ADMINISTRATOR, list_name=list_name, code=code, label=label, flag=False)


def give_phone(store: Store, label: str, phone: str | None, actor: Actor = ADMINISTRATOR) -> ReferenceEntry:
    """Give the listed service `label` a telephone number (None or blank: take it away), as `actor`."""
    service = next(e for e in reference_list(store, "services", include_inactive=True) if e.label == label)
    return set_reference_entry(
        store, actor=actor, list_name="services", code=service.code, label=label, flag=False, phone=phone
    )
