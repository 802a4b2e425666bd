"""`main.py postgres-roles setup|add-user|disable-user`: one PostgreSQL role per user (db/postgres_roles.py).

Run by an administrator with the owner role's address (the role that owns the tables and runs `main.py migrate`,
with CREATEROLE), never from a workstation set up with PATHWAYS_POSTGRES_PER_USER=1. `setup` brings the database
up to date, creates the group roles and (re-)applies every grant and row-level security policy: run it once, and
again after every upgrade. `add-user` gives an existing Pathways account its own database role and a new password,
the same for both; `disable-user` stops a role connecting. `main.py user add|disable|reset-password` keep the
database roles in step by themselves once `setup` has been run (see `follow_*` below).
"""

from __future__ import annotations

import argparse

from db.postgres_roles import (
    DEFAULT_PREFIX,
    GroupRoles,
    RoleSetupError,
    configured_groups,
    create_user_role,
    disable_user_role,
    role_exists,
    set_role_password,
    setup_roles,
    sync_user_roles,
)
from pathways.actors import Actor, Role
from pathways.audit import authorise, write_audit
from pathways.errors import InvalidInput, PathwaysError
from pathways.passwords import check_password
from pathways.services import accounts
from pathways.store import Store


def add_postgres_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `postgres-roles setup`, `add-user` and `disable-user` to the main parser's subcommands."""
    roles = commands.add_parser(
        "postgres-roles", help="PostgreSQL: set up one database role per user (run with the owner role's address)"
    )
    which = roles.add_subparsers(dest="postgres_command", required=True)
    setup = which.add_parser("setup", help="create the group roles and apply the grants and row-level security")
    setup.add_argument(
        "--group-prefix",
        default=None,
        help=f"how the group roles' names start (default {DEFAULT_PREFIX}, or what the last setup used)",
    )
    add = which.add_parser("add-user", help="give an existing user their own database role and a new password")
    add.add_argument("username")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the new password from the first line of standard input"
    )
    disable = which.add_parser("disable-user", help="stop a user's database role connecting")
    disable.add_argument("username")


def run_postgres_roles(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    authorise(store.session_factory, actor, "manage_users", store.clock)
    if store.engine.dialect.name != "postgresql":
        raise InvalidInput("Database roles per user are for PostgreSQL databases; this database is not one.")
    if args.postgres_command == "setup":
        return _setup(store, actor, args.group_prefix)
    groups = _groups(store)
    if args.postgres_command == "add-user":
        return _add_user(store, actor, groups, args)
    return _disable_user(store, actor, args.username)


def _groups(store: Store) -> GroupRoles:
    with store.engine.connect() as connection:
        groups = configured_groups(connection)
    if groups is None:
        raise InvalidInput("This database is not set up for database roles per user yet: run `postgres-roles setup`.")
    return groups


def _setup(store: Store, actor: Actor, prefix: str | None) -> int:
    with store.engine.connect() as connection:
        earlier = configured_groups(connection)
    try:
        groups = GroupRoles(prefix or (earlier.prefix if earlier else DEFAULT_PREFIX))
        with store.engine.begin() as connection:
            result = setup_roles(connection, groups)
            checked = sync_user_roles(connection, groups)
    except RoleSetupError as exc:
        raise InvalidInput(str(exc)) from None
    _audit(store, actor, "postgres_roles_setup", detail=groups.prefix)
    print(f"Group roles: {', '.join(groups.all)}.")
    print(f"Grants and row-level security applied to {len(result.tables)} tables.")
    if checked:
        print(f"Brought {len(checked)} users' database roles in line with their accounts.")
    for table in result.ungranted:
        print(f"Warning: no group role may use the table {table}: db/postgres_roles.py does not say who may.")
    return 0


def _add_user(store: Store, actor: Actor, groups: GroupRoles, args: argparse.Namespace) -> int:
    from pathways.user_cli import TEMPORARY, read_new_password  # imported here: user_cli imports this module

    user = accounts.find_user(store, actor=actor, username=args.username)
    if not user.active:
        raise InvalidInput(f"{user.username} is disabled in Pathways; enable their account first.")
    password = read_new_password(args.password_stdin)
    check_password(password, username=user.username)
    follow_new_user(store, groups, username=user.username, password=password, role=user.role)
    accounts.reset_password(store, actor=actor, user_id=user.id, new_password=password)
    print(
        f"{user.username} ({user.display_name}) now connects to the database as their own role, a member of "
        f"{groups.for_app_role(user.role.value)}. Their password was changed to the one typed, in Pathways too."
    )
    print(TEMPORARY.format(when="next"))
    return 0


def _disable_user(store: Store, actor: Actor, username: str) -> int:
    name = username.strip().lower()
    with store.engine.begin() as connection:
        held = disable_user_role(connection, username=name)
    if not held:
        print(f"There is no database role called {name}; nothing was changed.")
        return 0
    _audit(store, actor, "postgres_role_disabled")
    print(f"{name}'s database role can no longer connect, and its open connections were ended.")
    return 0


def _audit(store: Store, actor: Actor, action: str, *, detail: str | None = None) -> None:
    with store.unit_of_work() as uow:
        write_audit(uow.session, actor, action, store.clock(), detail=detail)
        uow.commit()


# --- keeping accounts and roles in step (used by `main.py user`) ---------------------------------------------------


def follow_new_user(store: Store, groups: GroupRoles | None, *, username: str, password: str, role: Role) -> None:
    """Make (or remake) the user's database role with `password`, when the database has roles per user."""
    if groups is None:
        return
    try:
        with store.engine.begin() as connection:
            create_user_role(connection, username=username, password=password, role=role.value, groups=groups)
            sync_user_roles(connection, groups)  # a manager's notes readers' group follows users.may_read_notes
    except RoleSetupError as exc:
        raise PathwaysError(str(exc)) from None


def store_groups(store: Store) -> GroupRoles | None:
    """The database's group roles when it has database roles per user, else None."""
    with store.engine.connect() as connection:
        return configured_groups(connection)


def follow_disabled_user(store: Store, *, username: str) -> bool:
    """Stop the user's database role connecting, when the database has roles per user. True when it did."""
    if store_groups(store) is None:
        return False
    with store.engine.begin() as connection:
        return disable_user_role(connection, username=username)


def follow_new_password(store: Store, *, username: str, password: str) -> bool:
    """Give the user's database role the new password too. True when there was a role to change."""
    if store_groups(store) is None:
        return False
    with store.engine.begin() as connection:
        if not role_exists(connection, username):
            return False
        set_role_password(connection, username=username, password=password)
    return True
