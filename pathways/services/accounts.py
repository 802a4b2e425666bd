"""User accounts for signing in to the desktop app: the first administrator, sign-in, and account upkeep.

Passwords are hashed, and rehashed at sign-in when the settings rise, as pathways/passwords.py says, which also
holds the policy for choosing one. The audit log holds record
ids and outcomes only: never a password, and never the user name typed at a failed sign-in. After 100 wrong
passwords for one account from one workstation within an hour, sign-in there is paused (services/sign_in_limits.py).

A password an administrator gives (reset_password, add_user) is temporary: the user knows it only from them, so at
their next sign-in they must choose their own before anything else. sign_in says so (Actor.must_change_password),
the desktop asks for the new password before its main window, and every service but change_own_password refuses
them until they have (pathways/audit.py authorise). The first administrator chooses their own password.
"""

from __future__ import annotations

import re
import socket
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import connect_with_new_password
from db.models import User
from db.postgres_roles import change_own_role_password, roles_kept_elsewhere
from pathways.actors import Actor, Role
from pathways.audit import TEMPORARY_PASSWORD, authorise, write_audit
from pathways.audit_chain import NewEntry, append_entry
from pathways.errors import InvalidInput, NotFound, NotPermitted, PathwaysError
from pathways.passwords import HASHER, check_password, password_matches
from pathways.reference import listed_name
from pathways.services.concurrency import saving
from pathways.services.sign_in_limits import throttled_message, throttled_until
from pathways.store import Store

USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,119}")
NOT_SIGNED_IN = "(not signed in)"
SIGN_IN_FAILED = "The user name or password is not right, or the account is disabled."
NOTES_FOR_MANAGERS = (
    "Only a manager's account is granted reading notes: the other roles read the notes of the cases they work on."
)


class SignInFailed(PathwaysError):
    """The user name or password was not right, or the account is disabled (deliberately not saying which)."""


class SignInThrottled(SignInFailed):
    """Too many wrong passwords for the account from this workstation lately (see services/sign_in_limits.py)."""


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: Role
    site: str | None
    service: str | None
    active: bool
    may_read_notes: bool = False  # a manager granted reading free-text notes
    must_change_password: bool = False  # their password was set by an administrator: they choose theirs next


def user_view(user: User) -> UserView:
    return UserView(
        user.id,
        user.username,
        user.display_name,
        Role(user.role),
        user.site,
        user.service,
        user.active,
        bool(user.may_read_notes),
        bool(user.must_change_password),
    )


# --- checking what an administrator types --------------------------------------------------------------------------


def _checked_username(username: str) -> str:
    name = username.strip().lower()
    if not name:
        raise InvalidInput("Give a user name.")
    if len(name) > 120:
        raise InvalidInput("A user name can be at most 120 characters.")
    if not USERNAME.fullmatch(name):
        raise InvalidInput(
            "A user name may hold only letters, digits, full stops, hyphens, underscores and @, "
            "and must start with a letter or digit."
        )
    return name


def _checked_display_name(display_name: str) -> str:
    name = " ".join(display_name.split())
    if not name:
        raise InvalidInput("Give the user's full name.")
    if len(name) > 200:
        raise InvalidInput("A full name can be at most 200 characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise InvalidInput("The full name contains control characters (invisible characters such as NUL).")
    return name


def _checked_place(role: Role, site: str | None, service: str | None) -> tuple[str | None, str | None]:
    site, service = (site or "").strip() or None, (service or "").strip() or None
    if role is Role.CUSTODY_NAVIGATOR and site is None:
        raise InvalidInput("A custody navigator needs the custody site they work at.")
    if role is Role.TREATMENT_WORKER and service is None:
        raise InvalidInput("A treatment worker needs the treatment service they work for.")
    return site, service


# --- finding users and checking passwords --------------------------------------------------------------------------


def _listed_place(session: Session, site: str | None, service: str | None) -> tuple[str | None, str | None]:
    """An account's site and service as the lists spell them; refused, in an administrator's words, when not on
    them."""
    return listed_name(session, "sites", site, True), listed_name(session, "services", service, True)


def _find_user(session: Session, username: str) -> User | None:
    name = username.strip().lower()
    if len(name) > 120 or "\x00" in name:  # no user has such a name (and PostgreSQL cannot even compare a NUL)
        return None
    return session.scalars(select(User).where(func.lower(User.username) == name)).first()


def _load_user(session: Session, user_id: int, *, lock: bool = False) -> User:
    """The account; with `lock`, locked until the unit of work ends (PostgreSQL's row lock: SQLite's write
    transaction holds the whole database already), so two administrators' changes to it are made one after the other."""
    user = session.get(User, user_id, with_for_update=lock)
    if user is None:
        raise NotFound("That user is not on record.")
    return user


def _password_matches(user: User | None, password: str) -> bool:
    """Whether the user may sign in with this password. Always spends one hash, so timing tells nothing."""
    usable = user is not None and user.active and not user.is_os_account
    return password_matches(user.password_hash if user is not None and usable else None, password)


def _refuse_when_roles_kept_elsewhere(session: Session) -> None:
    """On PostgreSQL with a database role per user, accounts are added and passwords reset from the command line
    (which makes and changes the database roles as well): the app's own connection may not."""
    if roles_kept_elsewhere(session.connection()):
        raise NotPermitted(
            "Each user of this database connects with their own database role, so accounts are added and "
            "passwords reset by your database administrator with `main.py user add` or `main.py user "
            "reset-password`. Nothing was changed."
        )


def _refuse_taken(session: Session, username: str) -> None:
    if _find_user(session, username) is not None:
        raise InvalidInput(f"There is already a user called {username}.")


def _insert_user(
    session: Session, store: Store, *, username: str, password_hash: str, must_change_password: bool, **details: object
) -> User:
    """Add a user with a hashed password (hashed before the write began: the hash takes a while); the caller has
    checked the details and the password policy."""
    _refuse_taken(session, username)
    user = User(
        username=username,
        password_hash=password_hash,
        is_os_account=False,
        active=True,
        must_change_password=must_change_password,
        created_at=store.clock(),
        **details,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # someone else added the same name a moment ago
        raise InvalidInput(f"There is already a user called {username}.") from None
    return user


def _no_password_users(session: Session) -> bool:
    usable = select(User.id).where(User.active, User.is_os_account.is_(False), User.password_hash.is_not(None))
    return session.scalars(usable.limit(1)).first() is None


def _audit(
    store: Store,
    session: Session,
    actor: Actor,
    action: str,
    user: User,
    *,
    outcome: str = "ok",
    detail: str | None = None,
) -> None:
    """An audit entry about one user account: its id only."""
    at = store.clock()
    write_audit(session, actor, action, at, record_type="user", record_id=user.id, outcome=outcome, detail=detail)


# --- the services ----------------------------------------------------------------------------------------------------


def needs_first_administrator(store: Store) -> bool:
    """True while nobody can sign in with a password: the app then asks for its first administrator."""
    with store.unit_of_work() as uow:
        return _no_password_users(uow.session)


def create_first_administrator(
    store: Store, *, username: str, display_name: str, password: str, workstation: str | None = None
) -> UserView:
    """Make the first administrator of a new database. Refused once anyone can sign in."""
    already = "An administrator already exists; ask them to add you."
    if not needs_first_administrator(store):
        raise NotPermitted(already)
    name, full_name = _checked_username(username), _checked_display_name(display_name)
    check_password(password, username=name)
    password_hash = HASHER.hash(password)

    def save() -> UserView:
        with store.unit_of_work().for_writing() as uow:
            if not _no_password_users(uow.session):
                raise NotPermitted(already)
            user = _insert_user(  # (their own password: nobody else knows it)
                uow.session,
                store,
                username=name,
                password_hash=password_hash,
                must_change_password=False,
                display_name=full_name,
                role=Role.ADMINISTRATOR.value,
            )
            actor = Actor(user.username, Role.ADMINISTRATOR, workstation or socket.gethostname())
            _audit(store, uow.session, actor, "create_first_administrator", user)
            uow.commit()
            return user_view(user)

    return saving(save)


def sign_in(store: Store, *, username: str, password: str, workstation: str) -> Actor:
    """The signed-in actor, or SignInFailed with one message whatever went wrong. Every attempt is audited.

    The account and whether sign-in to it is paused here are read first, without writing; the password is checked
    (one Argon2 hash, about 40 ms) outside any transaction; then the audit entry (and a renewed hash) is written in
    a unit of work that writes from its start (SQLite's write lock from BEGIN IMMEDIATE, so a colleague's save in
    between cannot make it fail), after reading the account again: changed meanwhile (a new password, disabled),
    the attempt fails. Nobody's save waits for a hash. A refusal only because of other work at the same time is run
    again, and what remains is said in plain words (DatabaseBusy)."""
    with store.unit_of_work() as uow:  # (reads only)
        user = _find_user(uow.session, username)
        now = store.clock()
        until = throttled_until(uow.session, user_id=user.id, workstation=workstation, now=now) if user else None
        seen = (user.id, user.password_hash, user.active) if user is not None else None
    matches = until is None and _password_matches(user, password)  # (paused: no hash, so guessing gains nothing)
    stored = user.password_hash if user is not None else None
    renewed = HASHER.hash(password) if matches and HASHER.check_needs_rehash(stored or "") else None

    def attempt() -> Actor:
        with store.unit_of_work().for_writing() as uow:
            current = _find_user(uow.session, username)
            if until is not None and current is not None:
                _audit_failed_sign_in(uow.session, store, current, workstation, outcome="throttled")
                uow.commit()
                raise SignInThrottled(throttled_message(until, now))
            unchanged = current is not None and (current.id, current.password_hash, current.active) == seen
            if current is None or not matches or not unchanged:
                _audit_failed_sign_in(uow.session, store, current, workstation)
                uow.commit()
                raise SignInFailed(SIGN_IN_FAILED)
            details = []
            if renewed is not None:
                current.password_hash = renewed
                details.append("password rehashed")
            if current.must_change_password:
                details.append(TEMPORARY_PASSWORD)
            actor = Actor(
                current.username,
                Role(current.role),
                workstation,
                site=current.site,
                service=current.service,
                may_read_notes=bool(current.may_read_notes),
                display_name=current.display_name,
                must_change_password=bool(current.must_change_password),
            )
            _audit(store, uow.session, actor, "sign_in", current, detail="; ".join(details) or None)
            uow.commit()
            return actor

    return saving(attempt)


def _audit_failed_sign_in(
    session: Session, store: Store, user: User | None, workstation: str, *, outcome: str = "failed"
) -> None:
    """Nobody is signed in, so the entry names no actor or role: only the account tried, when it exists."""
    append_entry(
        session,
        NewEntry(
            at=store.clock(),
            actor=NOT_SIGNED_IN,
            role="",
            workstation=workstation,
            action="sign_in",
            outcome=outcome,
            record_type="user",
            record_id=user.id if user is not None else None,
        ),
    )


def add_user(
    store: Store,
    *,
    actor: Actor,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    site: str | None = None,
    service: str | None = None,
    may_read_notes: bool = False,
    must_change_password: bool = True,
) -> UserView:
    """Add a user who signs in with a password. Administrators only. `may_read_notes` grants a manager the
    free-text notes of the records (pathways/scope.py). The password is the administrator's choice, so the user
    must change it at their first sign-in, unless `must_change_password` is False (the demo's users, whose
    password the sign-in window itself shows)."""
    authorise(store.session_factory, actor, "manage_users", store.clock)
    role = Role(role)
    name, full_name = _checked_username(username), _checked_display_name(display_name)
    site, service = _checked_place(role, site, service)
    if may_read_notes and role is not Role.MANAGER:
        raise InvalidInput(NOTES_FOR_MANAGERS)
    check_password(password, username=name)
    password_hash = HASHER.hash(password)

    def save() -> UserView:
        with store.unit_of_work().for_writing() as uow:
            _refuse_when_roles_kept_elsewhere(uow.session)
            # A navigator sees the cases at their site, a worker those naming their service, each by its name
            # exactly (pathways/scope.py): a name off the list ("Inclusion Hants") would show them none of their cases.
            listed_site, listed_service = _listed_place(uow.session, site, service)
            user = _insert_user(
                uow.session,
                store,
                username=name,
                password_hash=password_hash,
                must_change_password=must_change_password,
                display_name=full_name,
                role=role.value,
                site=listed_site,
                service=listed_service,
                may_read_notes=may_read_notes,
            )
            notes = ", may read notes" if may_read_notes else ""
            temporary = f", {TEMPORARY_PASSWORD}" if must_change_password else ""
            _audit(store, uow.session, actor, "add_user", user, detail=role.value + notes + temporary)
            uow.commit()
            return user_view(user)

    return saving(save)


def reset_password(store: Store, *, actor: Actor, user_id: int, new_password: str) -> None:
    """Give a user a new password, e.g. when they have forgotten theirs. Administrators only. It is temporary: the
    administrator knows it, so at their next sign-in the user must choose their own before anything else (and an
    open window of theirs can do nothing more until they have). An administrator's own new password is theirs
    already: nobody else knows it."""
    authorise(store.session_factory, actor, "manage_users", store.clock)
    with store.unit_of_work() as uow:  # (reads only: the policy names the user, and the hash is made before saving)
        username = _load_user(uow.session, user_id).username
    check_password(new_password, username=username)
    password_hash = HASHER.hash(new_password)

    def save() -> None:
        with store.unit_of_work().for_writing() as uow:
            _refuse_when_roles_kept_elsewhere(uow.session)
            user = _load_user(uow.session, user_id, lock=True)
            if user.is_os_account:
                raise InvalidInput("That account signs in through the computer's own login, not with a password.")
            user.password_hash = password_hash
            temporary = user.username.lower() != actor.username.lower()
            user.must_change_password = temporary
            detail = TEMPORARY_PASSWORD if temporary else None
            _audit(store, uow.session, actor, "reset_password", user, detail=detail)
            uow.commit()

    saving(save)


def set_active(store: Store, *, actor: Actor, user_id: int, active: bool) -> UserView:
    """Enable or disable an account. Administrators only, and never their own account."""
    authorise(store.session_factory, actor, "manage_users", store.clock)
    action = "enable_user" if active else "disable_user"

    def save() -> UserView:
        with store.unit_of_work().for_writing() as uow:
            user = _load_user(uow.session, user_id, lock=True)
            if not active and user.username.lower() == actor.username.lower():
                _audit(store, uow.session, actor, action, user, outcome="refused")
                uow.commit()
                raise NotPermitted("You cannot disable your own account; ask another administrator.")
            user.active = active
            _audit(store, uow.session, actor, action, user)
            uow.commit()
            return user_view(user)

    return saving(save)


def set_may_read_notes(store: Store, *, actor: Actor, user_id: int, granted: bool) -> UserView:
    """Grant a manager, or withdraw from them, reading the free-text notes of the records. Administrators only.
    It counts from the manager's next look at a record, without signing out."""
    authorise(store.session_factory, actor, "manage_users", store.clock)

    def save() -> UserView:
        with store.unit_of_work().for_writing() as uow:
            user = _load_user(uow.session, user_id, lock=True)
            if granted and Role(user.role) is not Role.MANAGER:
                raise InvalidInput(NOTES_FOR_MANAGERS)
            user.may_read_notes = granted
            _audit(store, uow.session, actor, "grant_notes" if granted else "withdraw_notes", user)
            uow.commit()
            return user_view(user)

    return saving(save)


MOVED_FROM_NEXT_SIGN_IN = (
    "If they are signed in now, Pathways does nothing more for them until they sign in again, and then shows the "
    "cases of their new place."
)


def set_workplace(store: Store, *, actor: Actor, user_id: int, place: str) -> UserView:
    """Move a custody navigator to another custody site, or a treatment worker to another service (`place`, which
    must be on its list, spelt any way). Administrators only. Their worklists and the cases they see follow from
    their next sign-in: the cases at the new site, or naming the new service."""
    authorise(store.session_factory, actor, "manage_users", store.clock)

    def save() -> UserView:
        with store.unit_of_work().for_writing() as uow:
            user = _load_user(uow.session, user_id, lock=True)
            role = Role(user.role)
            if role not in (Role.CUSTODY_NAVIGATOR, Role.TREATMENT_WORKER):
                raise InvalidInput(f"{role.a_label} has no site or service to change: only navigators and workers do.")
            given = (place, None) if role is Role.CUSTODY_NAVIGATOR else (None, place)
            site, service = _checked_place(role, *given)
            site, service = _listed_place(uow.session, site, service)
            before = user.site or user.service
            if (site, service) == (user.site, user.service):
                return user_view(user)  # (nothing to change, nothing to audit)
            user.site, user.service = site, service
            _audit(store, uow.session, actor, "set_workplace", user, detail=f"{before} → {site or service}")
            uow.commit()
            return user_view(user)

    return saving(save)


def find_user(store: Store, *, actor: Actor, username: str) -> UserView:
    """The account called `username` (any case). Administrators only."""
    authorise(store.session_factory, actor, "manage_users", store.clock)
    with store.unit_of_work() as uow:
        user = _find_user(uow.session, username)
        if user is None:
            raise NotFound(f"There is no user called '{username.strip()}'.")
        return user_view(user)


def list_users(store: Store, *, actor: Actor) -> list[UserView]:
    """Every account, by display name. Administrators only."""
    authorise(store.session_factory, actor, "manage_users", store.clock)
    with store.unit_of_work() as uow:
        users = uow.session.scalars(select(User)).all()
        return [user_view(u) for u in sorted(users, key=lambda u: (u.display_name.casefold(), u.id))]


def change_own_password(store: Store, *, actor: Actor, old_password: str, new_password: str) -> None:
    """A signed-in user changes their own password, giving the current one first. A password an administrator set
    (users.must_change_password) is theirs no more: they may work again."""
    authorise(store.session_factory, actor, "change_own_password", store.clock)

    def change() -> bool:  # True when the connected PostgreSQL role's password changed too
        with store.unit_of_work().for_writing() as uow:
            user = _find_user(uow.session, actor.username)
            if user is None or user.is_os_account:
                raise NotFound("You are not signed in with a Pathways account, so there is no password to change.")
            if not user.active:
                raise NotPermitted("Your account is disabled.")
            if not _password_matches(user, old_password):
                _audit(store, uow.session, actor, "change_own_password", user, outcome="failed")
                uow.commit()
                raise InvalidInput("Your current password is not right.")
            if new_password == old_password:
                raise InvalidInput("Choose a new password that is different from your current one.")
            check_password(new_password, username=user.username)
            user.password_hash = HASHER.hash(new_password)
            replaced = bool(user.must_change_password)
            if replaced:  # (the column is written only when it changes)
                user.must_change_password = False
            # Signed in as their own PostgreSQL role (db/postgres_roles.py): its password changes with the account's.
            own_role = change_own_role_password(uow.session.connection(), username=user.username, password=new_password)
            detail = "temporary password replaced" if replaced else None
            _audit(store, uow.session, actor, "change_own_password", user, detail=detail)
            uow.commit()
            return own_role

    # (A database role the grants do not yet let clear the mark, `postgres-roles setup` not run since the upgrade,
    # is refused in words, with nothing changed.)
    if saving(change):  # the store's later connections (its role's) must give the new password
        connect_with_new_password(store.engine, new_password)
