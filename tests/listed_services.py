"""Services a test's cases name, added to the administrator's list first, as an administrator does (Administration →
Services): a service recorded from the screens must be on the list (pathways.reference.listed_service), since a
treatment worker sees only the cases that name their service as the list spells it."""

from __future__ import annotations

import re

from pathways.actors import Actor, Role
from pathways.reference import set_reference_entry
from pathways.store import Store

ADMINISTRATOR = Actor("admin.lists", Role.ADMINISTRATOR, "office-pc-9")


def list_services(store: Store, *labels: str) -> None:
    """Add each service to the list of services (a code made from its name)."""
    for label in labels:
        code = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
        set_reference_entry(store, actor=ADMINISTRATOR, list_name="services", code=code, label=label, flag=False)
