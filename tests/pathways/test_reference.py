"""Reference lists: seeded sites and services, and an administrator adding and retiring entries."""

from __future__ import annotations

import pytest

from pathways.actors import Actor
from pathways.errors import NotPermitted
from pathways.reference import ReferenceEntry, offence_label, reference_list, set_reference_entry
from pathways.store import Store

MOTOR_PART = "Theft of a motor vehicle part"
CUSTODY_SUITES = ["Aldershot", "Basingstoke", "Newport (IoW)", "Portsmouth", "Southampton Central"]


def test_sites_and_services_are_seeded_without_a_flag(store: Store) -> None:
    sites = reference_list(store, "sites")
    services = reference_list(store, "services")
    assert [e.label for e in sites] == CUSTODY_SUITES
    assert [e.label for e in services] == ["CGL Portsmouth", "Inclusion Hampshire", "Society of St James"]
    assert not any(entry.flag for entry in sites + services)
    assert all(entry.active for entry in sites + services)


def test_an_administrator_adds_a_trigger_offence(store: Store, admin: Actor) -> None:
    added = set_reference_entry(
        store, actor=admin, list_name="offences", code="theft_vehicle_part", label=MOTOR_PART, flag=True
    )
    assert added == ReferenceEntry("theft_vehicle_part", MOTOR_PART, True, True)
    assert added in reference_list(store, "offences")
    assert offence_label(store, "theft_vehicle_part") == (MOTOR_PART, True)


def test_a_navigator_cannot_edit_reference_lists(store: Store, navigator: Actor) -> None:
    with pytest.raises(NotPermitted, match="cannot edit reference lists"):
        set_reference_entry(store, actor=navigator, list_name="offences", code="x", label=MOTOR_PART, flag=True)
    assert MOTOR_PART not in {e.label for e in reference_list(store, "offences", include_inactive=True)}


def test_a_retired_offence_is_kept_but_not_offered(store: Store, admin: Actor) -> None:
    robbery = next(e for e in reference_list(store, "offences") if e.code == "robbery")
    set_reference_entry(
        store, actor=admin, list_name="offences", code="robbery", label=robbery.label, flag=True, active=False
    )
    assert "robbery" not in {e.code for e in reference_list(store, "offences")}
    kept = [e for e in reference_list(store, "offences", include_inactive=True) if e.code == "robbery"]
    assert kept == [ReferenceEntry("robbery", robbery.label, True, False)]
