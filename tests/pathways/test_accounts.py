"""User accounts: the first administrator, signing in, the password policy and account upkeep.

Every hash costs about 50 ms at the production Argon2 settings, so each test makes only the few it needs.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from db.models import AuditEntry, User
from pathways import passwords
from pathways.actors import Actor, Role, command_line_actor
from pathways.errors import InvalidInput, NotFound, NotPermitted
from pathways.reference import reference_list, set_reference_entry
from pathways.services import accounts, dtoa, people, records
from pathways.services.accounts import SIGN_IN_FAILED, SignInFailed, UserView
from pathways.store import Store

GOOD = "violet kettle harbour"
OTHER = "marmalade tractor seventeen"
OS = command_line_actor()


def _add_navigator(
    store: Store, username: str = "Nav.Smith", password: str = GOOD, *, temporary: bool = False
) -> UserView:
    """A navigator added by an administrator; unless `temporary`, one who may work at once (as if they had
    chosen their own password since)."""
    return accounts.add_user(
        store,
        actor=OS,
        username=username,
        display_name="Sam Smith",
        role=Role.CUSTODY_NAVIGATOR,
        password=password,
        site="Basingstoke",
        must_change_password=temporary,
    )


def _audit(store: Store, action: str) -> list[AuditEntry]:
    with store.unit_of_work() as uow:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(uow.session.scalars(query))


def _stored_hash(store: Store, user_id: int) -> str:
    with store.unit_of_work() as uow:
        user = uow.session.get(User, user_id)
        assert user is not None and user.password_hash is not None
        return user.password_hash


def test_first_administrator_is_made_once(store: Store) -> None:
    with store.unit_of_work() as uow:  # a command-line account has no password, so does not count
        uow.session.add(
            User(
                username="os:backup",
                display_name="Backup job",
                role="administrator",
                is_os_account=True,
                active=True,
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        uow.commit()
    assert accounts.needs_first_administrator(store)

    admin = accounts.create_first_administrator(
        store, username="Admin.Khan", display_name="Aisha Khan", password=GOOD, workstation="office-pc-4"
    )

    assert admin == UserView(admin.id, "admin.khan", "Aisha Khan", Role.ADMINISTRATOR, None, None, True)
    assert not accounts.needs_first_administrator(store)
    with pytest.raises(NotPermitted, match=re.escape("An administrator already exists; ask them to add you.")):
        accounts.create_first_administrator(store, username="someone", display_name="Some One", password=OTHER)
    [entry] = _audit(store, "create_first_administrator")
    assert (entry.actor, entry.role, entry.workstation) == ("admin.khan", "administrator", "office-pc-4")
    assert (entry.record_type, entry.record_id, entry.outcome) == ("user", admin.id, "ok")


def test_sign_in_returns_the_actor(store: Store) -> None:
    navigator = _add_navigator(store, temporary=True)

    actor = accounts.sign_in(store, username=" NAV.smith ", password=GOOD, workstation="custody-pc-1")

    assert actor == Actor(
        "nav.smith",
        Role.CUSTODY_NAVIGATOR,
        "custody-pc-1",
        site="Basingstoke",
        display_name="Sam Smith",
        must_change_password=True,  # the administrator chose the password
    )
    assert actor.name == "Sam Smith"  # (how documents name them)
    [added] = _audit(store, "add_user")
    assert added.actor == OS.username and added.record_id == navigator.id
    assert added.detail == "custody_navigator, password must be changed"
    [signed_in] = _audit(store, "sign_in")
    assert (signed_in.actor, signed_in.outcome, signed_in.record_id) == ("nav.smith", "ok", navigator.id)
    assert signed_in.detail == "password must be changed"


def test_failed_sign_ins_look_alike_and_are_audited(store: Store) -> None:
    navigator = _add_navigator(store)
    attempts = [("nav.smith", OTHER), ("nobody.here", GOOD)]
    messages = []
    for username, password in attempts:
        with pytest.raises(SignInFailed) as failed:
            accounts.sign_in(store, username=username, password=password, workstation="custody-pc-1")
        messages.append(failed.value.message)
    accounts.set_active(store, actor=OS, user_id=navigator.id, active=False)
    with pytest.raises(SignInFailed) as failed:
        accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="custody-pc-1")
    messages.append(failed.value.message)

    assert messages == [SIGN_IN_FAILED] * 3
    assert SIGN_IN_FAILED == "The user name or password is not right, or the account is disabled."
    entries = _audit(store, "sign_in")
    assert [(e.outcome, e.record_id) for e in entries] == [
        ("failed", navigator.id),
        ("failed", None),
        ("failed", navigator.id),
    ]
    assert {(e.actor, e.detail, e.workstation) for e in entries} == {("(not signed in)", None, "custody-pc-1")}


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short phrase", None),
        ("tiny tulip!", "Choose a password of at least 12 characters."),
        (("lemon tart " * 12)[:128], None),
        (("lemon tart " * 12)[:129], "Choose a password of at most 128 characters."),
        ("Password1234", "That password is too common; choose another."),
        ("Correct Horse Battery Staple", "That password is too common; choose another."),
        ("Summer2026!!", "That password is too common; choose another."),
        ("abcabcabcabcabc", "That password is too common; choose another."),
        ("my name is Nav.Smith ok", "A password must not contain your user name; choose another."),
        ("lemon sorbet: ünïcødé", None),
    ],
)
def test_password_policy(password: str, problem: str | None) -> None:
    assert passwords.password_problem(password, username="nav.smith") == problem


def test_the_decoy_hash_costs_as_much_as_a_real_one() -> None:
    assert not passwords.HASHER.check_needs_rehash(passwords.DECOY_HASH)


def test_weak_passwords_are_refused(store: Store) -> None:
    with pytest.raises(InvalidInput, match=re.escape("Choose a password of at least 12 characters.")):
        _add_navigator(store, password="too short")
    with pytest.raises(InvalidInput, match=re.escape("That password is too common; choose another.")):
        _add_navigator(store, password="qwertyuiop123")

    assert accounts.list_users(store, actor=OS) == []


def test_user_names_are_unique_whatever_the_case(store: Store) -> None:
    _add_navigator(store, username="Nav.Smith")

    with pytest.raises(InvalidInput, match=re.escape("There is already a user called nav.smith.")):
        _add_navigator(store, username="nav.SMITH", password=OTHER)
    assert [u.username for u in accounts.list_users(store, actor=OS)] == ["nav.smith"]


def test_navigators_need_a_site_and_workers_a_service(store: Store) -> None:
    with pytest.raises(InvalidInput, match="custody navigator needs the custody site"):
        accounts.add_user(
            store, actor=OS, username="nav", display_name="N", role=Role.CUSTODY_NAVIGATOR, password=GOOD, site=" "
        )
    with pytest.raises(InvalidInput, match="treatment worker needs the treatment service"):
        accounts.add_user(store, actor=OS, username="tw", display_name="T", role=Role.TREATMENT_WORKER, password=GOOD)


def test_an_accounts_site_and_service_must_be_on_the_lists_and_are_kept_as_they_spell_them(store: Store) -> None:
    """A navigator sees the cases at their site and a worker those naming their service, by the name exactly: an
    account naming one off the list ("Inclusion Hants") would see none of its cases, so it is refused."""

    def add(username: str, role: Role, *, site: str | None = None, service: str | None = None) -> UserView:
        return accounts.add_user(
            store, actor=OS, username=username, display_name="A", role=role, password=GOOD, site=site, service=service
        )

    with pytest.raises(InvalidInput) as refused:
        add("tw", Role.TREATMENT_WORKER, service="Inclusion Hants")
    assert refused.value.message == (
        "“Inclusion Hants” is not on the list of services. Choose one from the list, or add it to the list first "
        "(Administration → Services)."
    )
    with pytest.raises(InvalidInput, match=r"^“Basingstoke custody” is not on the list of sites\."):
        add("nav", Role.CUSTODY_NAVIGATOR, site="Basingstoke custody")
    with store.unit_of_work() as uow:
        assert uow.session.scalars(select(User.username)).all() == []  # nothing written
    assert add("tw", Role.TREATMENT_WORKER, service="inclusion  HAMPSHIRE").service == "Inclusion Hampshire"
    assert add("nav", Role.CUSTODY_NAVIGATOR, site="southampton central").site == "Southampton Central"


def test_a_navigator_moves_to_another_site_and_a_worker_to_another_service(store: Store) -> None:
    nav = _add_navigator(store)
    moved = accounts.set_workplace(store, actor=OS, user_id=nav.id, place="aldershot")
    assert (moved.site, moved.service) == ("Aldershot", None)  # as the list spells it
    assert accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="pc").site == "Aldershot"
    (entry,) = _audit(store, "set_workplace")
    assert (entry.record_id, entry.detail) == (nav.id, "Basingstoke → Aldershot")
    with pytest.raises(InvalidInput, match=r"^“Aldersht” is not on the list of sites"):
        accounts.set_workplace(store, actor=OS, user_id=nav.id, place="Aldersht")
    with pytest.raises(InvalidInput, match="custody navigator needs the custody site"):
        accounts.set_workplace(store, actor=OS, user_id=nav.id, place="  ")
    assert accounts.find_user(store, actor=OS, username="nav.smith").site == "Aldershot"  # nothing changed
    worker = accounts.add_user(
        store, actor=OS, username="tw", display_name="T", role=Role.TREATMENT_WORKER, password=GOOD,
        service="Inclusion Hampshire",
    )  # fmt: skip
    assert accounts.set_workplace(store, actor=OS, user_id=worker.id, place="CGL Portsmouth").service == (
        "CGL Portsmouth"
    )
    manager = accounts.add_user(store, actor=OS, username="m", display_name="M", role=Role.MANAGER, password=GOOD)
    with pytest.raises(InvalidInput, match=r"^A manager has no site or service to change"):
        accounts.set_workplace(store, actor=OS, user_id=manager.id, place="Aldershot")
    assert len(_audit(store, "set_workplace")) == 2
    portsmouth = next(e for e in reference_list(store, "sites") if e.label == "Portsmouth")
    set_reference_entry(
        store, actor=OS, list_name="sites", code=portsmouth.code, label="Portsmouth", flag=False, active=False
    )
    with pytest.raises(InvalidInput) as refused:
        accounts.set_workplace(store, actor=OS, user_id=nav.id, place="Portsmouth")
    assert refused.value.message == (
        "“Portsmouth” has been retired from the list of sites. Choose a current one from the list, or make it active "
        "again first (Administration → Sites)."
    )


def test_a_moved_navigators_open_window_does_nothing_more_until_they_sign_in_again(store: Store) -> None:
    nav = _add_navigator(store)
    before = accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="custody-pc")
    person = people.register_person(
        store, actor=before, surname="Okafor", forenames="Ade", date_of_birth=date(1990, 1, 2), sex="M"
    )
    accounts.set_workplace(store, actor=OS, user_id=nav.id, place="Aldershot")
    with pytest.raises(NotPermitted) as refused:
        people.register_person(
            store, actor=before, surname="Quinn", forenames="Rory", date_of_birth=date(1996, 10, 2), sex="M"
        )
    assert refused.value.message == (
        "An administrator has moved your account to Aldershot since you signed in, so you cannot register a person "
        "until you sign in again (File → Sign out), when you will see Aldershot's cases."
    )
    with pytest.raises(NotPermitted, match=r"^An administrator has moved your account to Aldershot since"):
        records.person_record(store, actor=before, person_id=person.id)  # (its account is read with the person)
    assert [
        (e.action, e.outcome, e.detail) for e in _audit(store, "register_person") + _audit(store, "view_person")
    ] == [
        ("register_person", "ok", None),
        ("register_person", "refused", "account moved"),
        ("view_person", "refused", "account moved"),
    ]
    accounts.change_own_password(store, actor=before, old_password=GOOD, new_password=OTHER)  # still theirs to do
    after = accounts.sign_in(store, username="nav.smith", password=OTHER, workstation="custody-pc")
    assert after.site == "Aldershot"
    assert records.person_record(store, actor=after, person_id=person.id).person.surname == "Okafor"


def test_only_administrators_manage_users(store: Store, navigator: Actor) -> None:
    with pytest.raises(NotPermitted, match=re.escape("A custody navigator cannot manage user accounts.")):
        accounts.add_user(store, actor=navigator, username="x.y", display_name="X Y", role=Role.MANAGER, password=GOOD)
    with pytest.raises(NotPermitted):
        accounts.list_users(store, actor=navigator)

    refused = _audit(store, "manage_users")
    assert [(e.actor, e.outcome) for e in refused] == [("nav.smith", "refused")] * 2


def test_sign_in_rehashes_a_hash_made_with_lower_settings(store: Store) -> None:
    navigator = _add_navigator(store)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(GOOD)
    with store.unit_of_work() as uow:
        user = uow.session.get(User, navigator.id)
        assert user is not None
        user.password_hash = weak
        uow.commit()

    accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="custody-pc-1")

    stored = _stored_hash(store, navigator.id)
    assert stored != weak
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert _audit(store, "sign_in")[-1].detail == "password rehashed"


def test_administrators_list_disable_and_reset(store: Store) -> None:
    own = accounts.add_user(
        store,
        actor=OS,
        username="admin.khan",
        display_name="Aisha Khan",
        role=Role.ADMINISTRATOR,
        password=GOOD,
        must_change_password=False,
    )
    worker = accounts.add_user(
        store,
        actor=OS,
        username="tw.jones",
        display_name="alex Jones",
        role=Role.TREATMENT_WORKER,
        password=GOOD,
        service="Inclusion Hampshire",
    )
    admin = accounts.sign_in(store, username="admin.khan", password=GOOD, workstation="office-pc-4")

    assert [u.display_name for u in accounts.list_users(store, actor=admin)] == ["Aisha Khan", "alex Jones"]
    with pytest.raises(NotPermitted, match="You cannot disable your own account"):
        accounts.set_active(store, actor=admin, user_id=own.id, active=False)
    assert [e.outcome for e in _audit(store, "disable_user")] == ["refused"]
    assert not accounts.set_active(store, actor=admin, user_id=worker.id, active=False).active
    accounts.reset_password(store, actor=admin, user_id=worker.id, new_password=OTHER)
    assert accounts.set_active(store, actor=admin, user_id=worker.id, active=True).active
    with pytest.raises(NotFound):
        accounts.reset_password(store, actor=admin, user_id=worker.id + 100, new_password=OTHER)

    actor = accounts.sign_in(store, username="tw.jones", password=OTHER, workstation="clinic-pc-2")
    assert (actor.role, actor.service, actor.must_change_password) == (
        Role.TREATMENT_WORKER,
        "Inclusion Hampshire",
        True,
    )
    assert [e.record_id for e in _audit(store, "reset_password")] == [worker.id]


def test_users_change_their_own_password(store: Store) -> None:
    _add_navigator(store)
    actor = accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="custody-pc-1")

    with pytest.raises(InvalidInput, match=re.escape("Your current password is not right.")):
        accounts.change_own_password(store, actor=actor, old_password=OTHER, new_password=OTHER)
    with pytest.raises(InvalidInput, match="different from your current one"):
        accounts.change_own_password(store, actor=actor, old_password=GOOD, new_password=GOOD)
    accounts.change_own_password(store, actor=actor, old_password=GOOD, new_password=OTHER)

    assert accounts.sign_in(store, username="nav.smith", password=OTHER, workstation="custody-pc-1") == actor
    assert [e.outcome for e in _audit(store, "change_own_password")] == ["failed", "ok"]
    with pytest.raises(NotFound):
        accounts.change_own_password(store, actor=OS, old_password=GOOD, new_password=OTHER)


def test_passwords_are_never_stored_or_audited(store: Store) -> None:
    navigator = _add_navigator(store)
    with pytest.raises(SignInFailed):  # a password typed into the user name box
        accounts.sign_in(store, username=OTHER, password=GOOD, workstation="custody-pc-1")
    accounts.reset_password(store, actor=OS, user_id=navigator.id, new_password=OTHER)
    actor = accounts.sign_in(store, username="nav.smith", password=OTHER, workstation="custody-pc-1")
    third = "plum orchard lantern"
    accounts.change_own_password(store, actor=actor, old_password=OTHER, new_password=third)

    stored = _stored_hash(store, navigator.id)
    assert stored.startswith("$argon2id$") and third not in stored
    with store.unit_of_work() as uow:
        entries = uow.session.scalars(select(AuditEntry)).all()
        texts = [f"{e.actor} {e.role} {e.workstation} {e.action} {e.outcome} {e.detail}" for e in entries]
    assert len(entries) == 5
    for secret in (GOOD, OTHER, third, *GOOD.split(), *OTHER.split()):
        assert not any(secret in text for text in texts)
    assert not any(e.detail and "nav.smith" in e.detail for e in entries)


def test_a_refusal_names_the_role_with_its_article(store: Store, admin: Actor) -> None:
    assert [role.a_label for role in Role] == [
        "A custody navigator",
        "A treatment worker",
        "A manager",
        "An administrator",
    ]
    with pytest.raises(NotPermitted, match=r"^An administrator cannot record an arrest"):  # not "A administrator"
        dtoa.record_arrest(store, actor=admin, person_id=1, occurred_at=datetime(2026, 11, 29, tzinfo=UTC), offence="x")
