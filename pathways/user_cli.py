"""`main.py user add|disable|reset-password`: managing sign-in accounts from the command line.

The command line acts as the operating-system user, as an administrator (pathways.actors.command_line_actor):
whoever can run it can already reach the database directly. Each change is made by the account services, so it
is checked and audited exactly as when an administrator makes it in the app. Passwords are read from the terminal
without showing them (twice), or from standard input with --password-stdin, for scripts; never from the command
line itself, where other users of the computer could see them. A password given here is temporary, as in the app:
the user must choose their own when they next sign in.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from pathways import postgres_cli
from pathways.actors import Actor, Role
from pathways.errors import InvalidInput, NotFound
from pathways.services import accounts
from pathways.store import Store

ROLE_CHOICES = ", ".join(role.value for role in Role)
TEMPORARY = "The password is temporary: they must choose a new one of their own when they {when} sign in."


def add_user_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `user add`, `user move`, `user disable` and `user reset-password` to the main parser's subcommands."""
    user = commands.add_parser(
        "user", help="add a user, move one to another site or service, disable one, or reset a password"
    )
    which = user.add_subparsers(dest="user_command", required=True)
    add = which.add_parser("add", help="add a user who signs in with a password")
    add.add_argument("username")
    add.add_argument("--role", required=True, help=f"one of {ROLE_CHOICES}")
    add.add_argument("--name", required=True, dest="display_name", help='their full name, e.g. "Sam Smith"')
    add.add_argument("--site", help="the custody site (custody navigators), one on the list of sites")
    add.add_argument("--service", help="the treatment service (treatment workers), one on the list of services")
    add.add_argument(
        "--may-read-notes", action="store_true", help="a manager who may read free-text notes (managers only)"
    )
    _password_option(add)
    move = which.add_parser(
        "move", help="move a custody navigator to another site, or a treatment worker to another service"
    )
    move.add_argument("username")
    move.add_argument("place", help="the new site or service, one on its list (e.g. Aldershot)")
    disable = which.add_parser("disable", help="stop a user signing in; windows they have open can do no more")
    disable.add_argument("username")
    reset = which.add_parser(
        "reset-password", help="give a user a new password (temporary: they choose their own at their next sign-in)"
    )
    reset.add_argument("username")
    _password_option(reset)


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the new password from the first line of standard input"
    )


def parse_role(text: str) -> Role:
    """The role `text` names ("custody_navigator", "custody navigator", "Custody-Navigator"...)."""
    wanted = "_".join(text.strip().lower().replace("-", " ").split())
    for role in Role:
        if role.value == wanted:
            return role
    raise InvalidInput(f"There is no role called '{text}'. Choose one of: {ROLE_CHOICES}.")


def read_new_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice at the terminal without being shown."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise InvalidInput("No password was given on standard input; nothing was changed.")
        return line.rstrip("\r\n")
    try:
        first = getpass.getpass("New password: ")
        second = getpass.getpass("The same password again: ")
    except EOFError:
        raise InvalidInput("No password was typed; nothing was changed. (Scripts can use --password-stdin.)") from None
    if first != second:
        raise InvalidInput("The two passwords were not the same; nothing was changed.")
    return first


def run_user(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    if args.user_command == "add":
        return _add(store, actor, args)
    if args.user_command == "move":
        return _move(store, actor, args.username, args.place)
    if args.user_command == "disable":
        return _disable(store, actor, args.username)
    return _reset(store, actor, args)


def _add(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    role = parse_role(args.role)
    try:  # refuse a taken name before asking for a password
        taken = accounts.find_user(store, actor=actor, username=args.username)
    except NotFound:
        pass
    else:
        raise InvalidInput(f"There is already a user called {taken.username}.")
    password = read_new_password(args.password_stdin)
    view = accounts.add_user(
        store,
        actor=actor,
        username=args.username,
        display_name=args.display_name,
        role=role,
        password=password,
        site=args.site,
        service=args.service,
        may_read_notes=args.may_read_notes,
    )
    where = view.site or view.service
    print(f"Added {view.username} ({view.display_name}), {view.role.label}{f' at {where}' if where else ''}.")
    print(TEMPORARY.format(when="first"))
    groups = postgres_cli.store_groups(store)
    if groups is not None:  # PostgreSQL with a database role per user: they connect as their own role
        postgres_cli.follow_new_user(store, groups, username=view.username, password=password, role=view.role)
        print(f"Their database role {view.username} was made, a member of {groups.for_app_role(view.role.value)}.")
    return 0


def _move(store: Store, actor: Actor, username: str, place: str) -> int:
    user = accounts.find_user(store, actor=actor, username=username)
    moved = accounts.set_workplace(store, actor=actor, user_id=user.id, place=place)
    where = f"at {moved.site}" if moved.site else f"for {moved.service}"
    print(f"{moved.username} ({moved.display_name}) now works {where}. {accounts.MOVED_FROM_NEXT_SIGN_IN}")
    return 0


def _disable(store: Store, actor: Actor, username: str) -> int:
    user = accounts.find_user(store, actor=actor, username=username)
    if postgres_cli.follow_disabled_user(store, username=user.username):
        print(f"{user.username}'s database role can no longer connect.")
    if not user.active:
        print(f"{user.username} ({user.display_name}) was already disabled.")
        return 0
    accounts.set_active(store, actor=actor, user_id=user.id, active=False)
    print(
        f"{user.username} ({user.display_name}) is disabled: they cannot sign in, and any Pathways window they "
        "have open can do nothing more."
    )
    return 0


def _reset(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    user = accounts.find_user(store, actor=actor, username=args.username)
    password = read_new_password(args.password_stdin)
    accounts.reset_password(store, actor=actor, user_id=user.id, new_password=password)
    postgres_cli.follow_new_password(store, username=user.username, password=password)
    print(f"The password of {user.username} ({user.display_name}) was changed.")
    print(TEMPORARY.format(when="next"))
    return 0
