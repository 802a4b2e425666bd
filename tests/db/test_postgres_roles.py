"""One PostgreSQL role per user (db/postgres_roles.py): each user's raw SQL reads no more than the app shows them.

PostgreSQL only. Roles are cluster-wide, so each run names its group roles and users with its own prefix and drops
them afterwards (after the scratch database, which holds their grants, is gone).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from shiboken6 import isValid
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from db.models import Base, Case, Event
from db.postgres_roles import (
    FREE_TEXT,
    POLICIES,
    SETUP_FOR_SETTING,
    TABLE_GRANTS,
    GroupRoles,
    create_user_role,
    disable_user_role,
    set_role_password,
    setup_roles,
)
from pathways import scope
from pathways.actors import Actor, Role, command_line_actor
from pathways.clock import LONDON
from pathways.errors import NotPermitted
from pathways.postgres_sign_in import open_store_as, sign_in_as
from pathways.services import accounts, dtoa, erasure, people, records, search
from pathways.services.accounts import SignInFailed
from pathways.store import Store, StoreUnavailable, open_store
from reports.cohort import CohortQuestion, cohort_figures
from reports.indexed_tally import indexed_tally
from tests.conftest import Clock
from tests.listed_services import list_services, list_sites
from tests.pg_server import ENV, scratch_database
from tests.sign_in_window import when_shows, when_sign_in_shows
from tests.test_cli import ROOT

PASSWORD = "violet kettle harbour"
ARREST = datetime(2026, 11, 2, 14, 20, tzinfo=LONDON)
NOTE = "told us about his brother's debts"


@dataclass
class Deployment:
    url: str  # the owner's (the migrating role's) URL
    groups: GroupRoles
    names: dict[str, str]  # short name -> username (and database role)
    case_refs: dict[str, str]  # "basingstoke" / "southampton" -> case_ref
    person_ids: dict[str, int]  # "basingstoke" / "southampton" / "caseless" -> people.id

    def conninfo(self, who: str, password: str = PASSWORD) -> str:
        url = make_url(self.url)
        return psycopg.conninfo.make_conninfo(
            host=url.host, port=url.port, dbname=url.database, user=self.names[who], password=password
        )


def _owner_engine_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


USERS = {
    # short name: role, site, service, may read notes
    "nav": (Role.CUSTODY_NAVIGATOR, "Basingstoke", None, False),
    "nav_south": (Role.CUSTODY_NAVIGATOR, "Southampton", None, False),
    "nav_aldershot": (Role.CUSTODY_NAVIGATOR, "Aldershot", None, False),
    "worker": (Role.TREATMENT_WORKER, None, "Inclusion Hampshire", False),
    "manager": (Role.MANAGER, None, None, False),
    "reader": (Role.MANAGER, None, None, True),
    "admin": (Role.ADMINISTRATOR, None, None, False),
    "leaver": (Role.CUSTODY_NAVIGATOR, "Basingstoke", None, False),
    "changer": (Role.TREATMENT_WORKER, None, "Aldershot Recovery", False),
    "forgetful": (Role.CUSTODY_NAVIGATOR, "Basingstoke", None, False),  # their password is reset
    "newcomer": (Role.CUSTODY_NAVIGATOR, "Basingstoke", None, False),  # theirs too, then they sign in at the desktop
}


def _actor(deployment: Deployment, who: str) -> Actor:
    role, site, service, _ = USERS[who]
    return Actor(deployment.names[who], role, "test-pc", site=site, service=service)


def _seed(store: Store, deployment: Deployment) -> None:
    """A case at each of two custody sites, referred to two services, with notes; and a person with no case."""
    for place, who, service in (
        ("basingstoke", "nav", "Inclusion Hampshire"),
        ("southampton", "nav_south", "Society of St James"),
    ):
        actor = _actor(deployment, who)
        person = people.register_person(
            store,
            actor=actor,
            surname=f"Hughes-{place}",
            forenames="Daniel",
            date_of_birth=date(1991, 6, 14),
            sex="M",
            ethnicity="A",
        )
        recorded = dtoa.record_arrest(
            store, actor=actor, person_id=person.id, occurred_at=ARREST, offence="theft_shop", notes=NOTE
        )
        dtoa.record_test(
            store,
            actor=actor,
            case_id=recorded.case_id,
            occurred_at=ARREST + timedelta(minutes=45),
            result="positive",
            substances=["cocaine"],
        )
        dtoa.require_assessment(
            store,
            actor=actor,
            case_id=recorded.case_id,
            kind="initial",
            due_at=ARREST + timedelta(days=3),
            service=service,
            place="12 Church St",
            occurred_at=ARREST + timedelta(hours=1),
            notes=NOTE,
        )
        with store.unit_of_work() as uow:
            deployment.case_refs[place] = uow.session.scalars(
                select(Case.case_ref).where(Case.id == recorded.case_id)
            ).one()
        deployment.person_ids[place] = person.id
    caseless = people.register_person(
        store,
        actor=_actor(deployment, "nav"),
        surname="Caseless",
        forenames="Carla",
        date_of_birth=date(1988, 2, 3),
        sex="F",
        ethnicity="A",
    )
    deployment.person_ids["caseless"] = caseless.id


def _drop_roles(admin_url: str, names: list[str]) -> None:
    url = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture(scope="module")
def deployment(postgres_admin_url: str | None) -> Iterator[Deployment]:
    if postgres_admin_url is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide PostgreSQL: set {ENV} or install Debian's postgresql package")
        pytest.skip("database roles per user are a PostgreSQL feature; no PostgreSQL here")
    tag = uuid.uuid4().hex[:10]
    groups = GroupRoles(prefix=f"pwt{tag}")
    names = {who: f"t{tag}.{who.replace('_', '-')}" for who in USERS}
    try:
        with scratch_database(postgres_admin_url) as url:
            clock = Clock(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
            store = open_store(url, clock=clock)
            try:
                built = Deployment(url, groups, names, {}, {})
                list_sites(store, "Southampton")  # the accounts' sites and services are on the lists
                list_services(store, "Aldershot Recovery")
                for who, (role, site, service, notes) in USERS.items():
                    accounts.add_user(
                        store,
                        actor=command_line_actor(),
                        username=names[who],
                        display_name=f"Test {who}",
                        role=role,
                        password=PASSWORD,
                        site=site,
                        service=service,
                        may_read_notes=notes,
                        must_change_password=False,  # (as if each had chosen their own since)
                    )
                with store.engine.begin() as connection:
                    setup_roles(connection, groups)
                    for who, (role, _, _, notes) in USERS.items():
                        create_user_role(
                            connection,
                            username=names[who],
                            password=PASSWORD,
                            role=role.value,
                            may_read_notes=notes,
                            groups=groups,
                        )
                _seed(store, built)
            finally:
                store.engine.dispose()
            yield built
    finally:
        _drop_roles(postgres_admin_url, [*names.values(), *groups.all])


def _rows(deployment: Deployment, who: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(deployment.conninfo(who)) as conn:
        return list(conn.execute(query).fetchall())


def _case_refs(deployment: Deployment, who: str) -> set[object]:
    return {row[0] for row in _rows(deployment, who, "SELECT case_ref FROM cases")}


def _event_case_refs(deployment: Deployment, who: str) -> set[object]:
    query = "SELECT c.case_ref FROM events e JOIN cases c ON c.id = e.case_id"
    return {row[0] for row in _rows(deployment, who, query)}


def _people(deployment: Deployment, who: str) -> set[object]:
    return {row[0] for row in _rows(deployment, who, "SELECT id FROM people")}


def test_a_navigator_reads_only_their_sites_cases_events_and_people(deployment: Deployment) -> None:
    basingstoke = deployment.case_refs["basingstoke"]
    assert _case_refs(deployment, "nav") == {basingstoke}
    assert _event_case_refs(deployment, "nav") == {basingstoke}
    assert _people(deployment, "nav") == {deployment.person_ids["basingstoke"], deployment.person_ids["caseless"]}
    # The navigator at Southampton: their own case, and not the person registered at Basingstoke with no case.
    southampton = deployment.case_refs["southampton"]
    assert _case_refs(deployment, "nav_south") == {southampton}
    assert _people(deployment, "nav_south") == {deployment.person_ids["southampton"]}
    # Every table holding a person's data follows their cases.
    for table in ("open_deadlines", "tasks", "case_figures", "screenings"):
        query = f"SELECT DISTINCT c.case_ref FROM {table} t JOIN cases c ON c.id = t.case_id"
        assert {row[0] for row in _rows(deployment, "nav", query)} <= {basingstoke}
    words = _rows(deployment, "nav", "SELECT DISTINCT person_id FROM person_words")
    assert {row[0] for row in words} == {deployment.person_ids["basingstoke"], deployment.person_ids["caseless"]}


def test_a_worker_reads_only_the_cases_referred_to_their_service(deployment: Deployment) -> None:
    basingstoke = deployment.case_refs["basingstoke"]
    assert _case_refs(deployment, "worker") == {basingstoke}
    assert _event_case_refs(deployment, "worker") == {basingstoke}
    assert _people(deployment, "worker") == {deployment.person_ids["basingstoke"]}
    deadlines = _rows(deployment, "worker", "SELECT DISTINCT service FROM open_deadlines")
    assert {row[0] for row in deadlines} == {"Inclusion Hampshire"}


def test_a_user_sees_their_own_account_only_and_an_administrator_sees_all(deployment: Deployment) -> None:
    assert {row[0] for row in _rows(deployment, "nav", "SELECT username FROM users")} == {deployment.names["nav"]}
    assert set(deployment.names.values()) <= {
        row[0] for row in _rows(deployment, "admin", "SELECT username FROM users")
    }


def test_a_manager_reads_every_case_but_notes_only_with_the_grant(deployment: Deployment) -> None:
    both = set(deployment.case_refs.values())
    assert both <= _case_refs(deployment, "manager")
    sites = {row[0] for row in _rows(deployment, "manager", "SELECT site FROM events WHERE site IS NOT NULL")}
    assert {"Basingstoke", "Southampton"} <= sites
    for query in ("SELECT notes FROM events", "SELECT * FROM events", "SELECT correction_reason FROM events"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _rows(deployment, "manager", query)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _rows(deployment, "manager", "SELECT done_note FROM tasks")
    notes = {row[0] for row in _rows(deployment, "reader", "SELECT notes FROM events WHERE notes IS NOT NULL")}
    assert notes == {NOTE}
    assert both <= {
        row[0]
        for row in _rows(deployment, "reader", "SELECT c.case_ref FROM events e JOIN cases c ON c.id = e.case_id")
    }


@pytest.mark.parametrize("who", ["nav", "worker", "manager", "reader", "admin"])
def test_nobody_can_change_or_remove_the_audit_log_or_events(deployment: Deployment, who: str) -> None:
    for statement in (
        "UPDATE audit_log SET detail = 'tidied'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE events SET result = 'negative'",
        "DELETE FROM events",
        "TRUNCATE events",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _rows(deployment, who, statement)
    with psycopg.connect(deployment.conninfo("admin")) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() != (0,)


def test_a_navigator_cannot_write_outside_their_scope(deployment: Deployment) -> None:
    """Row-level security checks writes too: no event can be added to a case of another site."""
    owner = create_engine(_owner_engine_url(deployment.url))
    try:
        with owner.connect() as connection:
            case_id = connection.scalar(select(Case.id).where(Case.case_ref == deployment.case_refs["southampton"]))
    finally:
        owner.dispose()
    with (
        psycopg.connect(deployment.conninfo("nav")) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
    ):
        conn.execute(
            "INSERT INTO events (case_id, seq, name, action, occurred_at, occurred_time_known, due_time_known,"
            " recorded_at, recorded_by) VALUES (%s, 99, 'arrest', 'record', now(), true, true, now(), 'x')",
            (case_id,),
        )


def test_a_wrong_password_and_a_disabled_user_cannot_connect(deployment: Deployment) -> None:
    with psycopg.connect(deployment.conninfo("leaver")) as conn:
        assert conn.execute("SELECT session_user").fetchone() == (deployment.names["leaver"],)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(deployment.conninfo("leaver", password="not the password at all")).close()
    owner = create_engine(_owner_engine_url(deployment.url))
    try:
        with owner.begin() as connection:
            assert disable_user_role(connection, username=deployment.names["leaver"])
    finally:
        owner.dispose()
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        psycopg.connect(deployment.conninfo("leaver")).close()
    with pytest.raises(SignInFailed):
        open_store_as(deployment.url, username=deployment.names["leaver"], password=PASSWORD)


def test_a_database_whose_roles_were_set_up_by_an_older_version_is_not_opened(deployment: Deployment) -> None:
    """After an upgrade the owner migrates and runs `postgres-roles setup` again: until they have, the grants and
    policies are an older version's, so a user's own role is turned away with what to ask for."""
    owner = create_engine(_owner_engine_url(deployment.url))
    try:
        with owner.begin() as connection:
            connection.execute(
                text("UPDATE settings SET value = :old WHERE key = :key"), {"old": "0015/1", "key": SETUP_FOR_SETTING}
            )
        with pytest.raises(StoreUnavailable, match=r"roles were set up for an earlier version.*postgres-roles setup"):
            open_store_as(deployment.url, username=deployment.names["nav"], password=PASSWORD)
    finally:
        with owner.begin() as connection:
            setup_roles(connection, deployment.groups)  # as the owner does
        owner.dispose()
    store = open_store_as(deployment.url, username=deployment.names["nav"], password=PASSWORD)
    store.engine.dispose()


def test_the_app_works_connected_as_a_navigators_own_role(deployment: Deployment) -> None:
    """Sign in as the navigator's role and record an arrest through the services; the data is theirs alone."""
    who = deployment.names["nav_aldershot"]
    store = open_store_as(deployment.url, username=who.upper(), password=PASSWORD)
    try:
        with store.engine.connect() as connection:
            assert connection.scalar(text("SELECT session_user")) == who
        actor = accounts.sign_in(store, username=who, password=PASSWORD, workstation="custody-pc-9")
        assert actor.role is Role.CUSTODY_NAVIGATOR and actor.site == "Aldershot"
        person = people.register_person(
            store,
            actor=actor,
            surname="Newman",
            forenames="Nina",
            date_of_birth=date(1995, 3, 4),
            sex="F",
            ethnicity="A",
        )
        recorded = dtoa.record_arrest(
            store, actor=actor, person_id=person.id, occurred_at=ARREST, offence="theft_shop", notes="first arrest"
        )
        with store.unit_of_work() as uow:
            seen = set(uow.session.scalars(select(Case.id)))
            assert seen == {recorded.case_id}
            assert uow.session.scalars(select(Event.recorded_by).where(Event.case_id == recorded.case_id)).all() == [
                who
            ]
        with pytest.raises(SignInFailed):
            accounts.sign_in(store, username=who, password="a wrong password here", workstation="custody-pc-9")
    finally:
        store.engine.dispose()
    assert _case_refs(deployment, "nav") == {deployment.case_refs["basingstoke"]}  # not the Aldershot case
    with pytest.raises(SignInFailed):
        open_store_as(deployment.url, username=who, password="not the password at all")


def test_setting_up_again_is_harmless_and_a_new_table_is_granted_to_nobody(deployment: Deployment) -> None:
    owner = create_engine(_owner_engine_url(deployment.url))
    try:
        with owner.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS later_notes (id serial PRIMARY KEY, body text)")
            connection.exec_driver_sql("INSERT INTO later_notes (body) VALUES ('private')")
            result = setup_roles(connection, deployment.groups)
            assert result.ungranted == ("later_notes",)
            result = setup_roles(connection, deployment.groups)
        assert result.ungranted == ("later_notes",)
    finally:
        owner.dispose()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _rows(deployment, "admin", "SELECT * FROM later_notes")
    assert _case_refs(deployment, "nav") == {deployment.case_refs["basingstoke"]}


def test_every_table_has_grants_and_every_table_of_a_persons_data_has_a_policy() -> None:
    for table in Base.metadata.tables.values():
        assert table.name in TABLE_GRANTS, f"db/postgres_roles.py TABLE_GRANTS does not name {table.name}"
        per_person = {"case_id", "person_id"} & set(table.columns.keys()) or table.name in ("cases", "people")
        if per_person and table.name != "erasures":  # erasures: administrators only, the person is gone
            assert table.name in POLICIES, f"db/postgres_roles.py POLICIES does not name {table.name}"
    for name, columns in FREE_TEXT.items():
        assert set(columns) <= set(Base.metadata.tables[name].columns.keys())
    # The columns a manager's role may not read are the ones the app hides from them.
    assert {f"{name}.{column}" for name, columns in FREE_TEXT.items() for column in columns} == set(scope.FREE_TEXT)


@pytest.mark.parametrize(("who", "reads_notes"), [("manager", False), ("reader", True)])
def test_a_managers_screens_work_on_their_own_role_with_or_without_notes(
    deployment: Deployment, who: str, reads_notes: bool
) -> None:
    """Without the notes grant the free text is left out of the app's queries (raw SQL for it is refused above)."""
    store = open_store_as(deployment.url, username=deployment.names[who], password=PASSWORD)
    try:
        actor = accounts.sign_in(store, username=deployment.names[who], password=PASSWORD, workstation="office-pc")
        record = records.person_record(store, actor=actor, person_id=deployment.person_ids["southampton"])
        details = " ".join(entry.details for case in record.cases for entry in case.timeline)
        assert (NOTE in details) is reads_notes
        assert "Southampton" in details
        # The cohort report is counted from the kept counts on the manager's own role (grants and row policies
        # let it read them), and counts every DToA case there is.
        question = CohortQuestion("dtoa", date(2000, 1, 1), date(2030, 12, 31))
        with store.unit_of_work() as uow:
            definition = store.definition("dtoa")
            assert indexed_tally(uow.session, definition, question.start, question.end, None) is not None
        dtoa_cases = len(_rows(deployment, who, "SELECT id FROM cases WHERE pathway = 'dtoa'"))
        assert dtoa_cases > 0
        assert cohort_figures(store, actor=actor, question=question).figures["cases"] == dtoa_cases
    finally:
        store.engine.dispose()


def test_the_sign_in_window_connects_as_the_typed_user(qtbot: QtBot, deployment: Deployment) -> None:
    """The desktop's sign-in on a per-user deployment: PostgreSQL refuses a wrong password; the right one opens
    the main window on the navigator's own connection."""
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.sign_in import SignInDialog

    who = deployment.names["nav"]
    dialog = SignInDialog(
        None,
        where="pathways on PostgreSQL",
        connect=lambda username, password: sign_in_as(
            deployment.url, username=username, password=password, workstation="custody-pc-1"
        ),
    )
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, who)
    qtbot.keyClicks(dialog.password, "not the password at all")
    dialog._sign_in()
    assert dialog.actor is None and "not right" in dialog.error.text() and dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, PASSWORD)
    dialog._sign_in()
    assert dialog.actor is not None and dialog.actor.site == "Basingstoke" and dialog.store is not None
    store = dialog.store
    try:
        with store.engine.connect() as connection:
            assert connection.scalar(text("SELECT session_user")) == who
        window = MainWindow(AppContext(store, dialog.actor), "pathways on PostgreSQL")
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.close()
    finally:
        store.engine.dispose()


def test_starting_the_desktop_on_a_per_user_deployment_signs_in_on_the_typed_users_connection(
    qtbot: QtBot, deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desktop's start on a per-user deployment (ui/start.py): the sign-in window, then the main window on the
    connection of the user who typed their name and password."""

    from ui.sign_in import SignInDialog
    from ui.start import start_window

    monkeypatch.setenv("PATHWAYS_POSTGRES_PER_USER", "1")
    who = deployment.names["nav"]
    seen: list[str] = []

    def sign_in(dialog: SignInDialog) -> None:
        seen.append(dialog.where.text())
        dialog.username.setText(who)
        dialog.password.setText(PASSWORD)
        dialog._sign_in()

    when_sign_in_shows(sign_in)
    window = start_window(deployment.url)
    assert window is not None and window.context.actor.username == who
    assert seen == [f"Database: {make_url(deployment.url).render_as_string(hide_password=True)}"]
    qtbot.addWidget(window)
    store = window.context.store
    try:
        with store.engine.connect() as connection:
            assert connection.scalar(text("SELECT session_user")) == who
    finally:
        window.close()
        store.engine.dispose()


def _main(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATHWAYS_DATABASE_URL": url}
    env.pop("PATHWAYS_POSTGRES_PER_USER", None)  # the administrator's commands connect as the owner
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def test_the_administrators_commands_set_up_add_and_disable_roles(postgres_admin_url: str | None) -> None:
    if postgres_admin_url is None:
        pytest.skip("database roles per user are a PostgreSQL feature; no PostgreSQL here")
    tag = uuid.uuid4().hex[:10]
    groups = GroupRoles(prefix=f"pwc{tag}")
    nav, manager = f"c{tag}.nav", f"c{tag}.manager"
    try:
        with scratch_database(postgres_admin_url) as url:
            done = _main(url, "postgres-roles", "setup", "--group-prefix", groups.prefix)
            assert done.returncode == 0, done.stderr
            assert f"{groups.prefix}_navigator" in done.stdout and "Warning" not in done.stdout
            add = ("user", "add", nav, "--role", "custody_navigator", "--name", "Sam Smith", "--site", "Basingstoke")
            done = _main(url, *add, "--password-stdin", stdin=PASSWORD + "\n")
            assert done.returncode == 0, done.stderr
            assert f"a member of {groups.prefix}_navigator" in done.stdout
            info = make_url(url)

            def connect(user: str, password: str = PASSWORD) -> psycopg.Connection[tuple[object, ...]]:
                return psycopg.connect(
                    host=info.host, port=info.port, dbname=info.database, user=user, password=password
                )

            with connect(nav) as conn:
                assert conn.execute("SELECT count(*) FROM cases").fetchone() == (0,)
            # An account made in the app (here: without a role) gets its role, and a new password, from add-user.
            store = open_store(url)
            try:
                accounts.add_user(
                    store,
                    actor=command_line_actor(),
                    username=manager,
                    display_name="Mo Manager",
                    role=Role.MANAGER,
                    password=PASSWORD,
                    may_read_notes=True,
                )
            finally:
                store.engine.dispose()
            new_password = "marmalade tractor seventeen"
            done = _main(url, "postgres-roles", "add-user", manager, "--password-stdin", stdin=new_password + "\n")
            assert done.returncode == 0, done.stderr
            with connect(manager, new_password) as conn:
                roles = {
                    row[0] for row in conn.execute("SELECT rolname FROM pg_roles WHERE pg_has_role(oid, 'MEMBER')")
                }
                assert {f"{groups.prefix}_manager", groups.notes_reader} <= roles
            done = _main(url, "user", "disable", nav)
            assert done.returncode == 0, done.stderr
            with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
                connect(nav).close()
    finally:
        _drop_roles(postgres_admin_url, [nav, manager, *groups.all])


def test_a_users_new_password_is_their_database_roles_too(deployment: Deployment) -> None:
    who, new_password = deployment.names["changer"], "marmalade tractor seventeen"
    store = open_store_as(deployment.url, username=who, password=PASSWORD)
    try:
        actor = accounts.sign_in(store, username=who, password=PASSWORD, workstation="clinic-pc")
        accounts.change_own_password(store, actor=actor, old_password=PASSWORD, new_password="plum orchard lantern")
        accounts.change_own_password(
            store, actor=actor, old_password="plum orchard lantern", new_password=new_password
        )  # changed twice in one sitting: the app's next connection is made with the newest
        store.engine.dispose()  # (its open connections closed, so the next one is new)
        with store.engine.connect() as connection:
            assert connection.scalar(text("SELECT session_user")) == who
        assert len(store.engine.dialect.dispatch.do_connect) == 1  # one listener, however often it changes
    finally:
        store.engine.dispose()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(deployment.conninfo("changer")).close()
    store = open_store_as(deployment.url, username=who, password=new_password)
    try:
        assert accounts.sign_in(store, username=who, password=new_password, workstation="clinic-pc").username == who
    finally:
        store.engine.dispose()


def test_an_administrators_own_role_cannot_add_accounts_in_the_app(deployment: Deployment) -> None:
    """Accounts and their roles are made together from the command line, run as the owner role."""
    who = deployment.names["admin"]
    store = open_store_as(deployment.url, username=who, password=PASSWORD)
    try:
        actor = accounts.sign_in(store, username=who, password=PASSWORD, workstation="office-pc")
        with pytest.raises(NotPermitted, match="own database role"):
            accounts.add_user(
                store,
                actor=actor,
                username=f"{who}-new",
                display_name="New Person",
                role=Role.MANAGER,
                password="marmalade tractor seventeen",
            )
        target = accounts.find_user(store, actor=actor, username=deployment.names["nav"])
        with pytest.raises(NotPermitted, match="own database role"):
            accounts.reset_password(store, actor=actor, user_id=target.id, new_password="marmalade tractor seventeen")
    finally:
        store.engine.dispose()


def test_an_erasure_on_an_administrators_own_role_is_refused_in_plain_words(deployment: Deployment) -> None:
    """Only the owner may delete a person's rows: on the administrator's own role the erasure is refused in words
    and the record is all still there."""
    who = deployment.names["admin"]
    caseless = deployment.person_ids["caseless"]
    store = open_store_as(deployment.url, username=who, password=PASSWORD)
    try:
        actor = accounts.sign_in(store, username=who, password=PASSWORD, workstation="office-pc")
        with pytest.raises(NotPermitted, match="refused this change for your own database account"):
            erasure.erase_person(store, actor=actor, person_id=caseless, reason="request ER-17", on_request=True)
    finally:
        store.engine.dispose()
    assert _rows(deployment, "admin", f"SELECT surname FROM people WHERE id = {caseless}") == [("Caseless",)]


GIVEN = "marmalade tractor seventeen"  # an administrator's choice
OWN = "plum orchard lantern at dusk"  # the user's own


def test_a_password_reset_on_the_command_line_is_temporary_on_the_users_own_role_too(deployment: Deployment) -> None:
    """`main.py user reset-password`, run with the owner's address, gives the account and its database role the same
    new password and marks it temporary. Signing in on the user's own role says so and the services refuse them the
    rest; they change it on their own role (which may clear the mark), and the role then takes only their own
    password: at the next sign-in, and for the signed-in store's new connections."""
    who = deployment.names["forgetful"]
    done = _main(deployment.url, "user", "reset-password", who, "--password-stdin", stdin=GIVEN + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(
        "The password is temporary: they must choose a new one of their own when they next sign in.\n"
    )
    with pytest.raises(SignInFailed):
        open_store_as(deployment.url, username=who, password=PASSWORD)  # the role's password was changed too
    with psycopg.connect(deployment.conninfo("forgetful", GIVEN)) as conn:
        assert conn.execute("SELECT must_change_password FROM users").fetchall() == [(True,)]  # their own row
        # Outside the app too, the password given (which the administrator knows) shows nothing of the casework.
        assert [conn.execute(f"SELECT count(*) FROM {t}").fetchone() for t in ("cases", "people")] == [(0,), (0,)]
        with pytest.raises(psycopg.errors.RaiseException, match="replaced only by choosing a new one"):
            conn.execute("UPDATE users SET must_change_password = false WHERE username = session_user")  # (its own)
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (0,)  # the mark kept: still nothing

    store, actor = sign_in_as(deployment.url, username=who, password=GIVEN, workstation="custody-pc-2")
    try:
        assert actor.must_change_password
        with pytest.raises(NotPermitted, match="choose one of your own"):
            search.search_people(store, actor=actor, text="hughes")
        accounts.change_own_password(store, actor=actor, old_password=GIVEN, new_password=OWN)
        store.engine.dispose()  # its open connections go: the next is made afresh, with the password now the role's
        assert search.search_people(store, actor=actor, text="hughes") == [deployment.person_ids["basingstoke"]]
        with store.engine.connect() as connection:
            assert connection.scalar(text("SELECT session_user")) == who
    finally:
        store.engine.dispose()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(deployment.conninfo("forgetful", GIVEN)).close()
    with psycopg.connect(deployment.conninfo("forgetful", OWN)) as conn:
        assert conn.execute("SELECT must_change_password FROM users").fetchall() == [(False,)]
        basingstoke = deployment.case_refs["basingstoke"]  # their own password: their site's case again
        assert conn.execute("SELECT case_ref FROM cases").fetchall() == [(basingstoke,)]
    store, again = sign_in_as(deployment.url, username=who, password=OWN, workstation="custody-pc-2")
    store.engine.dispose()
    assert not again.must_change_password


def test_the_desktop_asks_a_user_of_their_own_role_for_their_own_password_first(
    qtbot: QtBot, deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-user start (ui/start.py): signing in with the password an administrator set brings up the change of
    password before the main window; signing out there brings back the sign-in window; choosing one opens the
    main window on the user's own role."""
    from ui.main_window import MainWindow
    from ui.password_dialog import ChangePasswordDialog
    from ui.sign_in import SignInDialog
    from ui.start import start_window

    who = deployment.names["newcomer"]
    owner = open_store(deployment.url)
    try:
        account = accounts.find_user(owner, actor=command_line_actor(), username=who)
        accounts.reset_password(owner, actor=command_line_actor(), user_id=account.id, new_password=GIVEN)
        with owner.engine.begin() as connection:
            set_role_password(connection, username=who, password=GIVEN)
    finally:
        owner.engine.dispose()
    monkeypatch.setenv("PATHWAYS_POSTGRES_PER_USER", "1")
    steps: list[str] = []

    def sign_in(dialog: SignInDialog) -> None:
        steps.append("signed in")
        dialog.username.setText(who)
        dialog.password.setText(GIVEN)
        dialog._sign_in()

    def sign_out(dialog: ChangePasswordDialog) -> None:
        steps.append("signed out")
        when_sign_in_shows(sign_in, 2000)
        when_shows(ChangePasswordDialog, choose, 2000)
        dialog.reject()

    def choose(dialog: ChangePasswordDialog) -> None:
        steps.append("chose")
        dialog.current.setText(GIVEN)
        dialog.passwords.password.setText(OWN)
        dialog.passwords.repeat.setText(OWN)
        try:
            dialog.save()
        finally:
            if dialog.isVisible():  # not taken: sign out, and give up at the sign-in window (fails, not hangs)
                steps.append(dialog.error.text())
                when_sign_in_shows(lambda again: again.close(), 2000)
                dialog.reject()

    when_sign_in_shows(sign_in, 2000)
    when_shows(ChangePasswordDialog, sign_out, 2000)
    window = start_window(deployment.url)
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    store = window.context.store
    try:
        assert steps == ["signed in", "signed out", "signed in", "chose"]
        assert window.context.actor.username == who and not window.context.actor.must_change_password
        store.engine.dispose()
        with store.engine.connect() as connection:  # a new connection, with the user's own password
            assert connection.scalar(text("SELECT session_user")) == who
    finally:
        window.close()
        store.engine.dispose()
    with psycopg.connect(deployment.conninfo("newcomer", OWN)) as conn:
        assert conn.execute("SELECT must_change_password FROM users").fetchall() == [(False,)]


def test_signing_out_on_a_per_user_deployment_connects_the_next_user_as_their_own_role(
    qtbot: QtBot, deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File → Sign out on a per-user deployment: the window and its connections (the signed-out user's role's)
    are closed, and the next user at the sign-in window works on a connection of their own role."""
    from ui.main_window import MainWindow
    from ui.sign_in import SignInDialog
    from ui.start import start_window

    monkeypatch.setenv("PATHWAYS_POSTGRES_PER_USER", "1")

    def signing_in(who: str) -> Callable[[SignInDialog], None]:
        def sign_in(dialog: SignInDialog) -> None:
            dialog.username.setText(deployment.names[who])
            dialog.password.setText(PASSWORD)
            dialog._sign_in()

        return sign_in

    when_sign_in_shows(signing_in("nav"))
    first = start_window(deployment.url)
    assert isinstance(first, MainWindow)
    first.show()  # (not given to qtbot: signing out frees it)
    first_store = first.context.store
    when_sign_in_shows(signing_in("reader"), 2000)
    first.sign_out()

    def main_windows() -> list[MainWindow]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]

    qtbot.waitUntil(lambda: len(main_windows()) == 1 and not isValid(first), timeout=10_000)
    (second,) = main_windows()
    qtbot.addWidget(second)
    store = second.context.store
    try:
        assert store is not first_store
        owner = create_engine(_owner_engine_url(deployment.url))
        sessions = text("SELECT count(*) FROM pg_stat_activity WHERE usename = :name")

        def signed_out_sessions() -> int:
            with owner.connect() as connection:
                return int(connection.scalar(sessions, {"name": deployment.names["nav"]}) or 0)

        try:  # the signed-out user's connections are closed (the server lets each go within moments)
            qtbot.waitUntil(lambda: signed_out_sessions() == 0, timeout=5000)
        finally:
            owner.dispose()
        with store.engine.connect() as connection:
            assert connection.scalar(text("SELECT session_user")) == deployment.names["reader"]
    finally:
        second.close()
        store.engine.dispose()
