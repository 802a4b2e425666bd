"""Reference lists: seeded sites and services, an administrator adding and retiring entries, and a treatment
service's telephone number."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete

from db.models import ReferenceItem
from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.definitions import RESOURCES
from pathways.errors import InvalidInput, NotPermitted
from pathways.reference import (
    ReferenceEntry,
    offence_label,
    reference_list,
    seed_reference_data,
    service_phone,
    set_reference_entry,
)
from pathways.services import dtoa, people
from pathways.services.accounts import add_user
from pathways.store import Store
from tests.listed_services import give_phone

MOTOR_PART = "Theft of a motor vehicle part"
HAMPSHIRE = "Inclusion Hampshire"
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


# A service's telephone number. Test numbers are Ofcom's, set aside for drama (01632 960000 to 960999).
DRAMA_NUMBER = "01632 960123"


def _service(store: Store, code: str) -> ReferenceEntry:
    return next(e for e in reference_list(store, "services", include_inactive=True) if e.code == code)


def test_the_seeded_services_have_no_phone_number(store: Store) -> None:
    """No number is guessed for a real service: an administrator enters each one."""
    assert [e.phone for e in reference_list(store, "services", include_inactive=True)] == [None, None, None]
    assert service_phone(store, "Inclusion Hampshire") is None


def test_an_administrator_gives_a_service_its_phone_number(store: Store, admin: Actor) -> None:
    saved = give_phone(store, HAMPSHIRE, "  01632   960123 ", admin)
    assert saved == ReferenceEntry("inclusion_hampshire", "Inclusion Hampshire", False, True, DRAMA_NUMBER)
    assert _service(store, "inclusion_hampshire") == saved
    assert service_phone(store, "Inclusion Hampshire") == DRAMA_NUMBER  # events name a service by its label
    assert service_phone(store, "inclusion_hampshire") == DRAMA_NUMBER
    assert service_phone(store, "Society of St James") is None
    assert service_phone(store, "A service nobody added") is None


def test_a_phone_number_left_blank_takes_it_away(store: Store, admin: Actor) -> None:
    give_phone(store, HAMPSHIRE, "+44 (0)1632 960-123", admin)
    assert service_phone(store, "Inclusion Hampshire") == "+44 (0)1632 960-123"
    assert give_phone(store, HAMPSHIRE, "   ", admin).phone is None
    assert service_phone(store, "Inclusion Hampshire") is None


def test_the_active_service_gives_the_number_when_a_retired_one_shares_its_name(store: Store, admin: Actor) -> None:
    """A contract moved: the old entry is retired with its old number, and a new one added under the same name."""
    label = "Inclusion Hampshire"
    set_reference_entry(
        store,
        actor=admin,
        list_name="services",
        code="inclusion_hampshire",
        label=label,
        flag=False,
        active=False,
        phone="01632 960999",
    )
    set_reference_entry(
        store, actor=admin, list_name="services", code="inclusion_2027", label=label, flag=False, phone=DRAMA_NUMBER
    )
    assert service_phone(store, label) == DRAMA_NUMBER
    assert service_phone(store, "inclusion_hampshire") == "01632 960999"  # by its code, the retired entry


@pytest.mark.parametrize(
    ("phone", "problem"),
    [
        ("01632 96O123", "A phone number may hold only digits, spaces, +, brackets and hyphens, e.g. 01632 960123."),
        ("01632 960123 ext 4", "A phone number may hold only digits, spaces, +, brackets and hyphens"),
        ("01632/960123", "A phone number may hold only digits, spaces, +, brackets and hyphens"),
        ("01632 960123\x00", "The phone number contains control characters"),
        ("0044+1632 960123", "A + can only start a phone number, e.g. +44 1632 960123."),
        ("960123", "A phone number has 9 to 15 digits, with its area code (e.g. 01632 960123); this one has 6."),
        ("0163 2960 1239 6012 3", "A phone number has 9 to 15 digits"),
        ("0 1 6 3 2 - 9 6 0 - 1 2 3 - ( ) ( ) ( ) ( )", "The phone number is longer than 40 characters."),
    ],
)
def test_a_phone_number_that_cannot_be_right_is_refused_and_nothing_written(
    store: Store, admin: Actor, phone: str, problem: str
) -> None:
    give_phone(store, HAMPSHIRE, DRAMA_NUMBER, admin)
    with pytest.raises(InvalidInput) as refused:
        set_reference_entry(
            store,
            actor=admin,
            list_name="services",
            code="inclusion_hampshire",
            label="Renamed",
            flag=False,
            phone=phone,
        )
    assert refused.value.message.startswith(problem)
    assert _service(store, "inclusion_hampshire") == ReferenceEntry(
        "inclusion_hampshire", "Inclusion Hampshire", False, True, DRAMA_NUMBER
    )


def test_only_a_service_takes_a_phone_number(store: Store, admin: Actor) -> None:
    with pytest.raises(InvalidInput, match="Only treatment services have a phone number; an entry of the sites"):
        set_reference_entry(
            store, actor=admin, list_name="sites", code="andover", label="Andover", flag=False, phone=DRAMA_NUMBER
        )
    assert "andover" not in {e.code for e in reference_list(store, "sites", include_inactive=True)}
    blank = set_reference_entry(store, actor=admin, list_name="sites", code="andover", label="Andover", flag=False)
    assert blank == ReferenceEntry("andover", "Andover", False, True, None)


def test_a_navigator_cannot_give_a_service_a_phone_number(store: Store, navigator: Actor) -> None:
    with pytest.raises(NotPermitted, match="cannot edit reference lists"):
        give_phone(store, HAMPSHIRE, DRAMA_NUMBER, navigator)
    assert service_phone(store, "Inclusion Hampshire") is None


def _reseed_services(store: Store, folder: Path, services_toml: str) -> None:
    """Seed the services again, from `services_toml` in `folder`, as a new database would be."""
    for name in ("offences.toml", "drugs.toml", "sites.toml"):
        shutil.copy(RESOURCES / "reference" / name, folder / name)
    (folder / "services.toml").write_text(services_toml, encoding="utf-8")
    with store.unit_of_work() as uow:
        uow.session.execute(delete(ReferenceItem).where(ReferenceItem.list_name == "services"))
        uow.commit()
    seed_reference_data(store, folder)


def test_a_seed_file_may_give_a_services_phone_number(store: Store, tmp_path: Path) -> None:
    _reseed_services(
        store,
        tmp_path,
        f'version = 2\n[[services]]\ncode = "free"\nlabel = "FREE"\nphone = "{DRAMA_NUMBER}"\n'
        '[[services]]\ncode = "none"\nlabel = "No number"\n',
    )
    assert [(e.label, e.phone) for e in reference_list(store, "services")] == [
        ("FREE", DRAMA_NUMBER),
        ("No number", None),
    ]


def test_a_seed_file_with_a_wrong_phone_number_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="A phone number has 9 to 15 digits"):
        _reseed_services(store, tmp_path, 'version = 2\n[[services]]\ncode = "free"\nlabel = "FREE"\nphone = "123"\n')
    assert reference_list(store, "services") == []  # the seeding wrote nothing


def _label(store: Store, list_name: str, code: str) -> str:
    return next(e.label for e in reference_list(store, list_name, include_inactive=True) if e.code == code)


def test_a_site_recorded_on_cases_cannot_be_renamed_but_can_be_retired(
    store: Store, admin: Actor, navigator: Actor
) -> None:
    person = people.register_person(
        store, actor=navigator, surname="Okafor", forenames="Ade", date_of_birth=date(1990, 1, 2), sex="M"
    )
    arrested = datetime(2026, 11, 28, 9, 0, tzinfo=LONDON)
    dtoa.record_arrest(store, actor=navigator, person_id=person.id, occurred_at=arrested, offence="theft_shop")
    assert navigator.site == "Basingstoke"
    with pytest.raises(InvalidInput) as refused:
        set_reference_entry(
            store, actor=admin, list_name="sites", code="basingstoke", label="Basingstoke custody", flag=False
        )
    assert refused.value.message == (
        "“Basingstoke” is recorded on cases, which would no longer be found under it if it were renamed. "
        "Retire “Basingstoke” and add “Basingstoke custody” as a new entry instead."
    )
    assert _label(store, "sites", "basingstoke") == "Basingstoke"  # nothing changed
    set_reference_entry(  # retired under its own name: allowed, and its cases keep it
        store, actor=admin, list_name="sites", code="basingstoke", label="Basingstoke", flag=False, active=False
    )
    assert "Basingstoke" not in [e.label for e in reference_list(store, "sites")]


def test_a_service_named_on_an_account_cannot_be_renamed_and_one_used_nowhere_can(store: Store, admin: Actor) -> None:
    add_user(
        store, actor=admin, username="w.cgl", display_name="Wren Cole", role=Role.TREATMENT_WORKER,
        password="pale-otter-harbour-9", service="CGL Portsmouth",
    )  # fmt: skip
    with pytest.raises(InvalidInput, match=r"^“CGL Portsmouth” is recorded on user accounts, which"):
        set_reference_entry(
            store, actor=admin, list_name="services", code="cgl_portsmouth", label="CGL Portsmouth & IoW", flag=False
        )
    assert _label(store, "services", "cgl_portsmouth") == "CGL Portsmouth"
    set_reference_entry(  # its phone number may still change: the label stays
        store, actor=admin, list_name="services", code="cgl_portsmouth", label="CGL Portsmouth", flag=False,
        phone="01632 960123",
    )  # fmt: skip
    renamed = set_reference_entry(  # a spelling put right before anything records it
        store, actor=admin, list_name="services", code="society_of_st_james", label="Society of Saint James", flag=False
    )
    assert renamed.label == _label(store, "services", "society_of_st_james") == "Society of Saint James"


@pytest.mark.parametrize("code", ["Theft Shop", "theft-shop", "_theft", "THEFT", "theft shop", "vol£"])
def test_a_new_code_out_of_form_is_refused_and_nothing_written(store: Store, admin: Actor, code: str) -> None:
    before = reference_list(store, "offences", include_inactive=True)
    with pytest.raises(InvalidInput, match=r"a code is lower-case letters, digits and _ only, with no spaces"):
        set_reference_entry(store, actor=admin, list_name="offences", code=code, label="Theft from a shop", flag=True)
    assert reference_list(store, "offences", include_inactive=True) == before
