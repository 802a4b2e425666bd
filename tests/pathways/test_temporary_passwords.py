"""A password an administrator sets (a reset, a new account) is temporary: the user signs in with it, is told they
must choose their own, and can do nothing else until they have; changing it lets them work again. The first
administrator chooses their own password, and so does an administrator resetting their own. On SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from db.models import AuditEntry, User
from pathways.actors import Actor, Role, command_line_actor
from pathways.audit import TEMPORARY_PASSWORD
from pathways.errors import InvalidInput, NotPermitted
from pathways.services import accounts, people, records, search
from pathways.services.accounts import UserView
from pathways.store import Store

OS = command_line_actor()
GIVEN = "violet kettle harbour"  # the administrator's choice
OWN = "marmalade tractor seventeen"  # the user's own
REFUSED = (
    "An administrator has set a new password for your account, so you cannot {words} until you choose one of your "
    "own: sign in again with the password they gave you."
)


def _add_navigator(store: Store, *, temporary: bool) -> UserView:
    return accounts.add_user(
        store,
        actor=OS,
        username="nav.jones",
        display_name="Jo Jones",
        role=Role.CUSTODY_NAVIGATOR,
        password=GIVEN,
        site="Basingstoke",
        must_change_password=temporary,
    )


def _sign_in(store: Store, password: str, username: str = "nav.jones") -> Actor:
    return accounts.sign_in(store, username=username, password=password, workstation="custody-pc-1")


def _register(store: Store, actor: Actor, forenames: str = "Sam") -> int:
    return people.register_person(
        store, actor=actor, surname="Doe", forenames=forenames, date_of_birth=date(1990, 2, 3), sex="F"
    ).id


def _entries(store: Store, action: str) -> list[tuple[str, str | None]]:
    with store.unit_of_work() as uow:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return [(e.outcome, e.detail) for e in uow.session.scalars(query)]


def _flag(store: Store, username: str) -> bool:
    with store.unit_of_work() as uow:
        return bool(uow.session.scalars(select(User.must_change_password).where(User.username == username)).one())


def test_a_reset_password_must_be_replaced_before_anything_else(store: Store) -> None:
    user = _add_navigator(store, temporary=False)
    before = _sign_in(store, GIVEN)
    assert not before.must_change_password
    person = _register(store, before)

    accounts.reset_password(store, actor=OS, user_id=user.id, new_password=OWN)

    # A window still open with the old sign-in can do nothing more, reading included.
    with pytest.raises(NotPermitted, match=re.escape(REFUSED.format(words="register a person"))):
        _register(store, before, "Alex")
    with pytest.raises(NotPermitted, match=re.escape(REFUSED.format(words="view a person's record"))):
        records.person_record(store, actor=before, person_id=person)
    # Signing in with the new password says that it must be changed; until it is, nothing else is allowed.
    signed_in = _sign_in(store, OWN)
    assert signed_in.must_change_password and _flag(store, "nav.jones")
    assert accounts.find_user(store, actor=OS, username="nav.jones").must_change_password
    with pytest.raises(NotPermitted, match=re.escape(REFUSED.format(words="register a person"))):
        _register(store, signed_in, "Alex")
    assert _entries(store, "reset_password") == [("ok", TEMPORARY_PASSWORD)]
    assert _entries(store, "sign_in") == [("ok", None), ("ok", TEMPORARY_PASSWORD)]
    assert _entries(store, "register_person") == [("ok", None)] + [("refused", TEMPORARY_PASSWORD)] * 2
    assert _entries(store, "view_person") == [("refused", TEMPORARY_PASSWORD)]

    # The given password is checked as any other, and may not be kept.
    with pytest.raises(InvalidInput, match="different from your current one"):
        accounts.change_own_password(store, actor=signed_in, old_password=OWN, new_password=OWN)
    third = "plum orchard lantern"
    accounts.change_own_password(store, actor=signed_in, old_password=OWN, new_password=third)

    assert not _flag(store, "nav.jones")
    assert _entries(store, "change_own_password") == [("ok", "temporary password replaced")]
    assert _register(store, signed_in, "Alex")  # the same sign-in works on at once
    again = _sign_in(store, third)
    assert not again.must_change_password
    assert _entries(store, "sign_in")[-1] == ("ok", None)
    assert records.person_record(store, actor=again, person_id=person).person.surname == "Doe"


def test_an_account_an_administrator_adds_starts_with_a_temporary_password(store: Store) -> None:
    first = accounts.create_first_administrator(
        store, username="admin.khan", display_name="Aisha Khan", password=GIVEN, workstation="office-pc-4"
    )
    admin = _sign_in(store, GIVEN, username="admin.khan")
    assert not first.must_change_password and not admin.must_change_password  # their own choice

    added = accounts.add_user(
        store,
        actor=admin,
        username="mgr.patel",
        display_name="Mo Patel",
        role=Role.MANAGER,
        password=OWN,
        may_read_notes=True,
    )

    assert added.must_change_password
    manager = _sign_in(store, OWN, username="mgr.patel")
    assert manager.must_change_password and manager.may_read_notes
    with pytest.raises(NotPermitted, match=re.escape(REFUSED.format(words="search for people"))):
        search.search_people(store, actor=manager, text="doe")
    with store.unit_of_work() as uow:
        query = select(AuditEntry.detail).where(AuditEntry.action == "add_user")
        assert uow.session.scalars(query).all() == ["manager, may read notes, password must be changed"]
    accounts.change_own_password(store, actor=manager, old_password=OWN, new_password="plum orchard lantern")
    assert search.search_people(store, actor=manager, text="doe") == []
    assert [u.must_change_password for u in accounts.list_users(store, actor=admin)] == [False, False]


def test_an_administrator_resetting_their_own_password_keeps_it(store: Store) -> None:
    own = accounts.create_first_administrator(store, username="admin.khan", display_name="Aisha Khan", password=GIVEN)
    admin = _sign_in(store, GIVEN, username="admin.khan")

    accounts.reset_password(store, actor=admin, user_id=own.id, new_password=OWN)

    assert not _sign_in(store, OWN, username="admin.khan").must_change_password
    assert accounts.list_users(store, actor=admin)[0].username == "admin.khan"  # still free to work
    assert _entries(store, "reset_password") == [("ok", None)]


def test_accounts_of_the_computers_own_login_have_no_password_to_reset(store: Store) -> None:
    with store.unit_of_work() as uow:
        user = User(
            username="os:backup",
            display_name="Backup job",
            role="administrator",
            is_os_account=True,
            active=True,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        uow.session.add(user)
        uow.commit()
        user_id = user.id
    with pytest.raises(InvalidInput, match="signs in through the computer's own login"):
        accounts.reset_password(store, actor=OS, user_id=user_id, new_password=OWN)
    assert not _flag(store, "os:backup")
    backup = Actor("os:backup", Role.ADMINISTRATOR, "backup-host (command line)")
    assert accounts.list_users(store, actor=backup)[0].username == "os:backup"  # it works as before
