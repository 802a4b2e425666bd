"""Migration 0016 marks passwords an administrator set (users.must_change_password): the accounts a database already
holds are not marked, so their users sign in and work as before; going back to 0015 takes only the column away."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import Engine, inspect, text

from db.engine import make_engine
from db.migrate import alembic_config, current_revision, upgrade
from pathways.passwords import HASHER
from pathways.services import accounts, people
from pathways.store import open_store

PASSWORD = "violet kettle harbour"
# (user name, role, site, service, password hash, OS account, active)
USERS = [
    ("admin.khan", "administrator", None, None, True, False, True),
    ("nav.smith", "custody_navigator", "Basingstoke", None, True, False, True),
    ("nav.gone", "custody_navigator", "Basingstoke", None, True, False, False),
    ("os:backup", "administrator", None, None, False, True, True),
]


def _hold_users(engine: Engine) -> None:
    hashed = HASHER.hash(PASSWORD)
    with engine.begin() as connection:
        for username, role, site, service, has_password, os_account, active in USERS:
            connection.execute(
                text(
                    "INSERT INTO users (username, display_name, role, site, service, password_hash, is_os_account, "
                    "active, created_at, may_read_notes) VALUES (:username, :name, :role, :site, :service, :hash, "
                    ":os_account, :active, :at, :notes)"
                ),
                {
                    "username": username,
                    "name": username.title(),
                    "role": role,
                    "site": site,
                    "service": service,
                    "hash": hashed if has_password else None,
                    "os_account": os_account,
                    "active": active,
                    "at": "2026-11-01 09:00:00.000000",
                    "notes": False,
                },
            )


def _users(engine: Engine, columns: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(f"SELECT {columns} FROM users ORDER BY username"))]


def _flag_column(engine: Engine) -> list[bool]:
    return [c["nullable"] for c in inspect(engine).get_columns("users") if c["name"] == "must_change_password"]


def _downgrade(engine: Engine, target: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, target)


KEPT = "id, username, role, site, service, password_hash, is_os_account, active, may_read_notes"


def test_existing_accounts_are_not_marked_and_work_as_before(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0015")
        _hold_users(engine)
        before = _users(engine, KEPT)
        assert _flag_column(engine) == []
        upgrade(engine, "0016")
        assert current_revision(engine) == "0016"
        assert _flag_column(engine) == [False]  # NOT NULL
        assert _users(engine, KEPT) == before
        assert _users(engine, "must_change_password") == [(False,)] * len(USERS)
    finally:
        engine.dispose()
    store = open_store(database_url)
    try:
        navigator = accounts.sign_in(store, username="nav.smith", password=PASSWORD, workstation="custody-pc-1")
        assert not navigator.must_change_password
        person = people.register_person(
            store, actor=navigator, surname="Doe", forenames="Jo", date_of_birth=date(1990, 2, 3), sex="F"
        )
        assert person.id
        admin = accounts.sign_in(store, username="admin.khan", password=PASSWORD, workstation="office-pc-4")
        target = accounts.find_user(store, actor=admin, username="nav.smith")
        accounts.reset_password(store, actor=admin, user_id=target.id, new_password="marmalade tractor seventeen")
        assert [u.username for u in accounts.list_users(store, actor=admin) if u.must_change_password] == ["nav.smith"]
    finally:
        store.engine.dispose()


def test_going_back_to_0015_takes_only_the_column_away(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0016")
        _hold_users(engine)
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE users SET must_change_password = :yes WHERE username = 'nav.smith'"), {"yes": True}
            )
        before = _users(engine, KEPT)
        _downgrade(engine, "0015")
        assert current_revision(engine) == "0015"
        assert _flag_column(engine) == []
        assert _users(engine, KEPT) == before
        upgrade(engine, "0016")
        assert _users(engine, "must_change_password") == [(False,)] * len(USERS)
    finally:
        engine.dispose()
