"""PostgreSQL deployments with one database role per user: group roles, grants and row-level security.

Each person who signs in connects to PostgreSQL as their own LOGIN role, a member of one group role per
application role (`<prefix>_navigator`, `_worker`, `_manager`, `_administrator`; the prefix is "pathways").
Grants give each group what the application's roles may do (pathways/actors.py PERMISSIONS) at table level, and
row-level security policies give each user only the rows the application would show them (the scope rules of
pathways/scope.py), so raw SQL typed under a user's role can read no more than the app shows.

- The audit log and the case events are append-only for every group: INSERT and SELECT (the app reads the end of
  the audit chain to seal the next entry), never UPDATE or DELETE. Only the owner role that runs the migrations can
  change them.
- Managers may read every case, but not the free-text columns of events (notes, correction reasons) unless they
  are also members of `<prefix>_notes_reader`: the columns are left out of their column-level SELECT grant.
- The policies ask small SECURITY DEFINER functions who the connected user is (`pathways_user_role()`,
  `pathways_user_site()`, `pathways_user_service()`: their row of `users`, by `session_user`, only while the account
  is active and its password is not a temporary one an administrator gave) and whether a case or person is in
  their scope. A trigger keeps the temporary-password mark until the password hash changes. The functions run as
  the owner, with a fixed search_path and schema-qualified tables, so a user cannot redirect them.
- The owner role (the one that created the tables and runs `main.py migrate`) bypasses row-level security as owner.

Setting up is idempotent: run it again after every migration, and it re-applies the grants and policies, new
tables included. A table it does not know is granted to nobody (it fails closed) and is named in the result.
Everything here is SQL for the owner's connection; nothing here knows about Qt or the services.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, inspect, text

DEFAULT_PREFIX = "pathways"
APP_ROLES = ("custody_navigator", "treatment_worker", "manager", "administrator")
GROUP_SUFFIX = {
    "custody_navigator": "navigator",
    "treatment_worker": "worker",
    "manager": "manager",
    "administrator": "administrator",
}
NOTES_READER_SUFFIX = "notes_reader"
NAV, WORKER, MANAGER, ADMIN = APP_ROLES
EVERYONE = frozenset(APP_ROLES)
CASEWORKERS = frozenset({NAV, WORKER, ADMIN})  # who records casework (ADMIN: corrections, imports)

# Table-level privileges of each application role (mirroring pathways/actors.py PERMISSIONS). Reading is further
# narrowed row by row by the policies below. A table missing here is granted to nobody.
TABLE_GRANTS: Mapping[str, Mapping[str, frozenset[str]]] = {
    "alembic_version": {"SELECT": EVERYONE},
    # Everyone reads settings and seals the audit chain's head there; the policies let only administrators write
    # any other setting.
    "settings": {"SELECT": EVERYONE, "INSERT": EVERYONE, "UPDATE": EVERYONE, "DELETE": frozenset({ADMIN})},
    # Everyone reads their own row (the policies) and may change their own password (see USER_COLUMNS).
    "users": {"SELECT": EVERYONE, "INSERT": frozenset({ADMIN}), "UPDATE": frozenset({ADMIN})},
    "reference_items": {"SELECT": EVERYONE, "INSERT": frozenset({ADMIN}), "UPDATE": frozenset({ADMIN})},
    "people": {"SELECT": EVERYONE, "INSERT": CASEWORKERS, "UPDATE": CASEWORKERS},
    "person_words": {"SELECT": EVERYONE, "INSERT": CASEWORKERS, "DELETE": CASEWORKERS},
    "person_changes": {"SELECT": EVERYONE, "INSERT": CASEWORKERS},
    "cases": {"SELECT": EVERYONE, "INSERT": CASEWORKERS, "UPDATE": CASEWORKERS},
    "events": {"SELECT": EVERYONE, "INSERT": CASEWORKERS},
    "open_deadlines": {"SELECT": EVERYONE, "INSERT": CASEWORKERS, "UPDATE": CASEWORKERS, "DELETE": CASEWORKERS},
    "case_figures": {"SELECT": EVERYONE, "INSERT": CASEWORKERS, "UPDATE": CASEWORKERS, "DELETE": CASEWORKERS},
    "figure_kinds": {"SELECT": EVERYONE, "INSERT": CASEWORKERS},  # no personal data: kinds of figures part
    # Counts of cases, no personal data; kept in step with case_figures by whoever writes casework.
    "cohort_counts": {"SELECT": EVERYONE, "INSERT": CASEWORKERS, "UPDATE": CASEWORKERS, "DELETE": CASEWORKERS},
    "tasks": {"SELECT": EVERYONE, "INSERT": CASEWORKERS, "UPDATE": CASEWORKERS},
    "screenings": {"SELECT": EVERYONE, "INSERT": CASEWORKERS},
    "audit_log": {"SELECT": EVERYONE, "INSERT": EVERYONE},
    "programmes": {"SELECT": EVERYONE, "INSERT": frozenset({WORKER, ADMIN}), "UPDATE": frozenset({WORKER, ADMIN})},
    "consents": {"SELECT": EVERYONE, "INSERT": CASEWORKERS, "UPDATE": CASEWORKERS},
    "legal_holds": {"SELECT": EVERYONE, "INSERT": frozenset({ADMIN}), "UPDATE": frozenset({ADMIN})},
    "erasures": {"SELECT": frozenset({ADMIN}), "INSERT": frozenset({ADMIN})},
}
# Column-level UPDATE for the roles that may not update a table as a whole: each user changes their own password,
# and so clears the flag saying that their password was set by an administrator and must be changed (the policies
# keep them to their own row). A trigger (_mark_kept_sql) refuses clearing the flag without a new password hash;
# raw SQL could still write a hash of its own, as the role could choose any password (PostgreSQL lets every role
# change its own).
USER_COLUMNS = {
    "users": {
        "password_hash": frozenset({NAV, WORKER, MANAGER}),
        "must_change_password": frozenset({NAV, WORKER, MANAGER}),
    }
}
# Free-text columns managers read only as members of <prefix>_notes_reader (pathways/scope.py FREE_TEXT: a manager
# reads them only when their account "may read notes"). Managers' SELECT on these tables is column by column.
FREE_TEXT = {
    "events": ("notes", "correction_reason"),
    "person_changes": ("reason",),
    "tasks": ("done_note",),
    "screenings": ("override_reason",),
}

# Row-level security: which rows of each table are in the connected user's scope.
CASE_ROWS = "pathways_case_visible(case_id)"
POLICIES: Mapping[str, str] = {
    "cases": (
        "(SELECT pathways_sees_all()) OR opened_by = (SELECT pathways_user_name()) "
        "OR first_site = (SELECT pathways_user_site()) OR pathways_case_visible(id)"
    ),
    "events": CASE_ROWS,
    "open_deadlines": CASE_ROWS,
    "case_figures": CASE_ROWS,
    "tasks": CASE_ROWS,
    "screenings": CASE_ROWS,
    "people": "pathways_person_visible(id, created_by)",
    "person_words": "pathways_person_id_visible(person_id)",
    "person_changes": "pathways_person_id_visible(person_id)",
    "consents": "pathways_person_id_visible(person_id)",
    "legal_holds": "pathways_person_id_visible(person_id)",
    "users": "username = session_user OR (SELECT pathways_user_role()) = 'administrator'",
}
PREFIX_SETTING = "postgres_role_prefix"  # written by setup_roles: the group roles' prefix, and that it was run
# Written by setup_roles too: what it was run for, the schema's migration and ROLES_VERSION. A user's own role
# connects only to a database set up for this version (pathways/postgres_sign_in.py): grants made for an older
# schema, or policies of an older version, would refuse them in the database's words, or show them too much.
SETUP_FOR_SETTING = "postgres_roles_setup_for"
ROLES_VERSION = 2  # raised when the grants, functions, policies or triggers change (2: temporary passwords)
AUDIT_HEAD_SETTING = "audit_chain_head"  # pathways/audit_chain.py HEAD_SETTING (db/ does not import pathways/)
POLICY = "pathways_scope"


class RoleSetupError(Exception):
    """Setting up the database roles could not be done; nothing was changed."""


@dataclass(frozen=True)
class GroupRoles:
    """The names of the group roles (cluster-wide, so tests give each run its own prefix)."""

    prefix: str = DEFAULT_PREFIX

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", self.prefix):
            raise RoleSetupError(
                f"'{self.prefix}' cannot start the group roles' names: use lower-case letters, digits and _."
            )

    def for_app_role(self, role: str) -> str:
        try:
            return f"{self.prefix}_{GROUP_SUFFIX[role]}"
        except KeyError:
            raise RoleSetupError(f"There is no role called '{role}'.") from None

    @property
    def notes_reader(self) -> str:
        return f"{self.prefix}_{NOTES_READER_SUFFIX}"

    @property
    def all(self) -> tuple[str, ...]:
        return (*(self.for_app_role(role) for role in APP_ROLES), self.notes_reader)


@dataclass(frozen=True)
class SetupResult:
    tables: tuple[str, ...]
    ungranted: tuple[str, ...]  # tables in the database that TABLE_GRANTS does not name: nobody may use them


# --- quoting -------------------------------------------------------------------------------------------------------


def quote_name(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def quote_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def scram_verifier(password: str, *, iterations: int = 4096, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (as psql's \\password makes it), so the password
    itself is never sent in a statement that the server might write to its log."""
    prepared = unicodedata.normalize("NFKC", password).encode("utf-8")  # SASLprep's normalisation
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", prepared, salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _require_postgresql(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        raise RoleSetupError("Database roles per user are for PostgreSQL databases only.")


def role_exists(connection: Connection, name: str) -> bool:
    return bool(connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}).first())


# --- the functions the policies call -------------------------------------------------------------------------------


def _functions_sql(schema: str) -> list[str]:
    users, cases, events, people = (f"{schema}.{table}" for table in ("users", "cases", "events", "people"))
    definer = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
    # The connected user's account, while it is active and its password is their own: one disabled, or with a
    # password an administrator gave (which the administrator knows), has no role, site or service, so the
    # policies show it nothing; its own row of users (by session_user) stays its to read and to change.
    me = f"FROM {users} u WHERE u.username = session_user AND u.active AND NOT u.must_change_password"
    return [
        f"CREATE OR REPLACE FUNCTION {schema}.pathways_user_role() RETURNS text {definer} AS $$ SELECT u.role {me} $$",
        f"CREATE OR REPLACE FUNCTION {schema}.pathways_user_name() RETURNS text {definer} AS $$ "
        f"SELECT u.username::text {me} $$",
        f"CREATE OR REPLACE FUNCTION {schema}.pathways_user_site() RETURNS text {definer} AS $$ "
        f"SELECT u.site::text {me} AND u.role = '{NAV}' $$",
        f"CREATE OR REPLACE FUNCTION {schema}.pathways_user_service() RETURNS text {definer} AS $$ "
        f"SELECT u.service::text {me} AND u.role = '{WORKER}' $$",
        f"CREATE OR REPLACE FUNCTION {schema}.pathways_sees_all() RETURNS boolean {definer} AS $$ "
        f"SELECT coalesce((SELECT u.role IN ('{MANAGER}', '{ADMIN}') {me}), false) $$",
        # A case is in scope: everyone for managers and administrators; for a custody navigator, a case they
        # opened, first seen at their site, or with any event at their site; for a treatment worker, a case they
        # opened or with any event for their service.
        f"CREATE OR REPLACE FUNCTION {schema}.pathways_case_visible(p_case bigint) RETURNS boolean {definer} AS $$ "
        f"SELECT {schema}.pathways_sees_all() OR EXISTS ("
        f" SELECT 1 FROM {cases} c WHERE c.id = p_case AND (c.opened_by = {schema}.pathways_user_name()"
        f" OR c.first_site = {schema}.pathways_user_site())"
        f") OR EXISTS ("
        f" SELECT 1 FROM {events} e WHERE e.case_id = p_case AND (e.site = {schema}.pathways_user_site()"
        f" OR e.service = {schema}.pathways_user_service())"
        f") $$",
        # A person is in scope when any of their cases is, or when they have no cases and the user registered them.
        f"CREATE OR REPLACE FUNCTION {schema}.pathways_person_visible(p_person bigint, p_created_by text) "
        f"RETURNS boolean {definer} AS $$ "
        f"SELECT {schema}.pathways_sees_all()"
        f" OR EXISTS (SELECT 1 FROM {cases} c WHERE c.person_id = p_person AND {schema}.pathways_case_visible(c.id))"
        f" OR (p_created_by = {schema}.pathways_user_name()"
        f" AND NOT EXISTS (SELECT 1 FROM {cases} c WHERE c.person_id = p_person)) $$",
        f"CREATE OR REPLACE FUNCTION {schema}.pathways_person_id_visible(p_person bigint) RETURNS boolean {definer} "
        f"AS $$ SELECT coalesce((SELECT {schema}.pathways_person_visible(p.id, p.created_by::text) "
        f"FROM {people} p WHERE p.id = p_person), false) $$",
    ]


def _mark_kept_sql(schema: str) -> list[str]:
    """A trigger that keeps the temporary-password mark until the password itself changes. Each role may update
    its own row's password_hash and must_change_password (USER_COLUMNS): without it, a user could clear the mark
    with raw SQL and read, with the password the administrator gave, what their role's policies allow."""
    function, users = f"{schema}.pathways_keep_temporary_mark", f"{schema}.users"
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
        "SET search_path = pg_catalog, pg_temp AS $$ BEGIN "
        "IF OLD.must_change_password AND NOT NEW.must_change_password "
        "AND NEW.password_hash IS NOT DISTINCT FROM OLD.password_hash THEN "
        "RAISE EXCEPTION 'A temporary password is replaced only by choosing a new one.'; END IF; "
        "RETURN NEW; END $$",
        f"REVOKE ALL ON FUNCTION {function}() FROM PUBLIC",
        f"DROP TRIGGER IF EXISTS pathways_keep_temporary_mark ON {users}",
        f"CREATE TRIGGER pathways_keep_temporary_mark BEFORE UPDATE OF must_change_password ON {users} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


FUNCTION_SIGNATURES = (
    "pathways_user_role()",
    "pathways_user_name()",
    "pathways_user_site()",
    "pathways_user_service()",
    "pathways_sees_all()",
    "pathways_case_visible(bigint)",
    "pathways_person_visible(bigint, text)",
    "pathways_person_id_visible(bigint)",
)


# --- setting up ----------------------------------------------------------------------------------------------------


def configured_groups(connection: Connection) -> GroupRoles | None:
    """The group roles `setup_roles` set this database up with, or None when it has not been (or is not
    PostgreSQL): then user accounts have no database roles to keep in step."""
    if connection.dialect.name != "postgresql":
        return None
    prefix = connection.execute(text("SELECT value FROM settings WHERE key = :key"), {"key": PREFIX_SETTING}).scalar()
    return GroupRoles(prefix) if prefix else None


def setup_for(revision: str) -> str:
    """What `setup_roles` records it was run for, on the schema of migration `revision`."""
    return f"{revision}/{ROLES_VERSION}"


def set_up_for(connection: Connection) -> str | None:
    """What `setup_roles` was last run for on this database (None: never, or by a version that did not say)."""
    query = text("SELECT value FROM settings WHERE key = :key")
    return connection.execute(query, {"key": SETUP_FOR_SETTING}).scalar()


def setup_roles(connection: Connection, groups: GroupRoles = GroupRoles()) -> SetupResult:
    """Create the group roles (NOLOGIN) if missing and (re-)apply every grant and policy, in the caller's
    transaction. Run as the owner of the tables, with CREATEROLE."""
    _require_postgresql(connection)
    schema_name = connection.execute(text("SELECT current_schema()")).scalar_one()
    schema = quote_name(connection, schema_name)
    for name in groups.all:
        role = quote_name(connection, name)
        verb = "ALTER" if role_exists(connection, name) else "CREATE"
        connection.exec_driver_sql(f"{verb} ROLE {role} NOLOGIN")
    quoted = {role: quote_name(connection, groups.for_app_role(role)) for role in APP_ROLES}
    every_group = ", ".join(quote_name(connection, name) for name in groups.all)
    database = quote_name(connection, connection.execute(text("SELECT current_database()")).scalar_one())
    run = connection.exec_driver_sql
    run(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC")
    run(f"GRANT CONNECT ON DATABASE {database} TO {every_group}")
    run(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC")
    run(f"GRANT USAGE ON SCHEMA {schema} TO {every_group}")
    for statement in _functions_sql(schema):
        run(statement)
    for signature in FUNCTION_SIGNATURES:
        run(f"REVOKE ALL ON FUNCTION {schema}.{signature} FROM PUBLIC")
        run(f"GRANT EXECUTE ON FUNCTION {schema}.{signature} TO {every_group}")
    for statement in _mark_kept_sql(schema):
        run(statement)
    tables = tuple(sorted(inspect(connection).get_table_names(schema=schema_name)))
    for table in tables:
        _grant_table(connection, schema, schema_name, table, groups, quoted, every_group)
    run(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM PUBLIC")
    run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {every_group}")
    connection.execute(
        text(
            "INSERT INTO settings (key, value) VALUES (:key, :prefix) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
        {"key": PREFIX_SETTING, "prefix": groups.prefix},
    )
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    connection.execute(
        text(
            "INSERT INTO settings (key, value) VALUES (:key, :value) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
        {"key": SETUP_FOR_SETTING, "value": setup_for(revision)},
    )
    return SetupResult(tables, tuple(table for table in tables if table not in TABLE_GRANTS))


def _grant_table(
    connection: Connection,
    schema: str,
    schema_name: str,
    table: str,
    groups: GroupRoles,
    quoted: Mapping[str, str],
    every_group: str,
) -> None:
    run = connection.exec_driver_sql
    target = f"{schema}.{quote_name(connection, table)}"
    run(f"REVOKE ALL ON {target} FROM PUBLIC, {every_group}")
    grants = TABLE_GRANTS.get(table, {})
    for privilege, roles in grants.items():
        if privilege == "SELECT" and table in FREE_TEXT:
            roles = roles - {MANAGER}  # granted column by column below
        if roles:
            run(f"GRANT {privilege} ON {target} TO {', '.join(quoted[r] for r in sorted(roles))}")
    for column, roles in USER_COLUMNS.get(table, {}).items():
        run(f"GRANT UPDATE ({quote_name(connection, column)}) ON {target} TO {', '.join(quoted[r] for r in roles)}")
    free_text = FREE_TEXT.get(table, ())
    if free_text:
        columns = [c["name"] for c in inspect(connection).get_columns(table, schema=schema_name)]
        plain = ", ".join(quote_name(connection, c) for c in columns if c not in free_text)
        hidden = ", ".join(quote_name(connection, c) for c in columns if c in free_text)
        if MANAGER in grants.get("SELECT", frozenset()):
            run(f"GRANT SELECT ({plain}) ON {target} TO {quoted[MANAGER]}")
        if hidden:
            run(f"GRANT SELECT ({hidden}) ON {target} TO {quote_name(connection, groups.notes_reader)}")
    _apply_policies(connection, schema, table, target)


def _apply_policies(connection: Connection, schema: str, table: str, target: str) -> None:
    run = connection.exec_driver_sql
    for name in (POLICY, f"{POLICY}_read", f"{POLICY}_add", f"{POLICY}_change", f"{POLICY}_remove"):
        run(f"DROP POLICY IF EXISTS {name} ON {target}")
    if table == "settings":
        admin = f"{schema}.pathways_user_role() = '{ADMIN}'"
        head = f"(key = {quote_text(AUDIT_HEAD_SETTING)} OR {admin})"
        run(f"ALTER TABLE {target} ENABLE ROW LEVEL SECURITY")
        run(f"CREATE POLICY {POLICY}_read ON {target} FOR SELECT USING (true)")
        run(f"CREATE POLICY {POLICY}_add ON {target} FOR INSERT WITH CHECK {head}")
        run(f"CREATE POLICY {POLICY}_change ON {target} FOR UPDATE USING {head} WITH CHECK {head}")
        run(f"CREATE POLICY {POLICY}_remove ON {target} FOR DELETE USING ({admin})")
        return
    rule = POLICIES.get(table)
    if rule is None:
        run(f"ALTER TABLE {target} DISABLE ROW LEVEL SECURITY")
        return
    rule = rule.replace("pathways_", f"{schema}.pathways_")
    run(f"ALTER TABLE {target} ENABLE ROW LEVEL SECURITY")
    run(f"CREATE POLICY {POLICY} ON {target} USING ({rule})")


# --- users' own roles ----------------------------------------------------------------------------------------------


def create_user_role(
    connection: Connection,
    *,
    username: str,
    password: str,
    role: str,
    may_read_notes: bool = False,
    groups: GroupRoles = GroupRoles(),
) -> None:
    """Make (or remake) `username`'s LOGIN role with this password, a member of its role's group only (and of the
    notes readers' group for a manager who may read notes). The user name must already be a Pathways account."""
    _require_postgresql(connection)
    if role not in GROUP_SUFFIX:
        raise RoleSetupError(f"There is no role called '{role}'.")
    name = quote_name(connection, username)
    verb = "ALTER" if role_exists(connection, username) else "CREATE"
    connection.exec_driver_sql(
        f"{verb} ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT PASSWORD "
        f"{quote_text(scram_verifier(password))}"
    )
    _set_groups(connection, username, role, may_read_notes, groups)


def _set_groups(connection: Connection, username: str, role: str, may_read_notes: bool, groups: GroupRoles) -> None:
    """Make `username` a member of its role's group (and the notes readers' for a manager who may read notes) and
    of no other Pathways group."""
    name = quote_name(connection, username)
    wanted = {groups.for_app_role(role)} | ({groups.notes_reader} if may_read_notes and role == MANAGER else set())
    held = set(memberships(connection, username))
    for group in groups.all:
        if group in wanted and group not in held:
            connection.exec_driver_sql(f"GRANT {quote_name(connection, group)} TO {name}")
        elif group in held and group not in wanted:
            connection.exec_driver_sql(f"REVOKE {quote_name(connection, group)} FROM {name}")


@dataclass(frozen=True)
class AccountRow:
    username: str
    role: str
    active: bool
    may_read_notes: bool


def accounts(connection: Connection) -> list[AccountRow]:
    """The password accounts in `users` (may_read_notes is False on a database older than migration 0009)."""
    columns = {c["name"] for c in inspect(connection).get_columns("users")}
    notes = "may_read_notes" if "may_read_notes" in columns else "false"
    rows = connection.execute(
        text(f"SELECT username, role, active, {notes} FROM users WHERE NOT is_os_account ORDER BY username")
    )
    return [AccountRow(row[0], row[1], bool(row[2]), bool(row[3])) for row in rows]


def sync_user_roles(connection: Connection, groups: GroupRoles = GroupRoles()) -> list[str]:
    """Bring every existing user role in line with its account: its role's group, the notes readers' group when
    the account may read notes, and NOLOGIN once the account is disabled. Returns the roles it checked."""
    checked = []
    for account in accounts(connection):
        if account.role not in GROUP_SUFFIX or not role_exists(connection, account.username):
            continue
        _set_groups(connection, account.username, account.role, account.may_read_notes, groups)
        if not account.active:
            connection.exec_driver_sql(f"ALTER ROLE {quote_name(connection, account.username)} NOLOGIN")
        checked.append(account.username)
    return checked


def set_role_password(connection: Connection, *, username: str, password: str) -> None:
    """Give `username`'s LOGIN role a new password (the owner, with CREATEROLE)."""
    _require_postgresql(connection)
    name = quote_name(connection, username)
    connection.exec_driver_sql(f"ALTER ROLE {name} PASSWORD {quote_text(scram_verifier(password))}")


def disable_user_role(connection: Connection, *, username: str) -> bool:
    """Stop `username` connecting (NOLOGIN) and end their open connections. False when they have no role."""
    _require_postgresql(connection)
    if not role_exists(connection, username):
        return False
    connection.exec_driver_sql(f"ALTER ROLE {quote_name(connection, username)} NOLOGIN")
    connection.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :name AND pid <> pg_backend_pid()"
        ),
        {"name": username},
    )
    return True


def roles_kept_elsewhere(connection: Connection) -> bool:
    """True when this database has a role per user but the connected role cannot create or change roles (an
    administrator signed in to the app as their own role): accounts are then added, and passwords reset, with
    `main.py user ...` run by the owner role, which keeps the database roles in step."""
    if configured_groups(connection) is None:
        return False
    rights = connection.execute(
        text("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = session_user")
    ).scalar()
    return not rights


def change_own_role_password(connection: Connection, *, username: str, password: str) -> bool:
    """When connected as `username`'s own role (a per-user deployment), change its PostgreSQL password too, so the
    next sign-in's connection accepts the new password. Does nothing on other connections. True when it did (in
    the connection's transaction)."""
    if connection.dialect.name != "postgresql":
        return False
    if connection.execute(text("SELECT session_user")).scalar_one() != username:
        return False
    connection.exec_driver_sql(f"ALTER ROLE CURRENT_USER PASSWORD {quote_text(scram_verifier(password))}")
    return True


def memberships(connection: Connection, username: str) -> list[str]:
    """The roles `username` is a direct member of."""
    rows = connection.execute(
        text(
            "SELECT g.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
            "JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = :name ORDER BY g.rolname"
        ),
        {"name": username},
    )
    return [row[0] for row in rows]
