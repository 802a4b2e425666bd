"""Sign-in throttling (100 wrong passwords per account per workstation per hour) and disabled accounts losing
what they were signed in to."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry
from pathways.actors import Actor, Role, command_line_actor
from pathways.errors import NotPermitted
from pathways.services import accounts, people, records
from pathways.services.accounts import SIGN_IN_FAILED, SignInFailed, SignInThrottled, UserView
from pathways.services.sign_in_limits import FAILED_LIMIT
from pathways.store import Store
from tests.conftest import Clock

OS = command_line_actor()
GOOD = "violet kettle harbour"


def _add_navigator(store: Store) -> UserView:
    return accounts.add_user(
        store,
        actor=OS,
        username="nav.smith",
        display_name="Sam Smith",
        role=Role.CUSTODY_NAVIGATOR,
        password=GOOD,
        site="Basingstoke",
        must_change_password=False,  # (so that they can work at once)
    )


def _outcomes(store: Store) -> dict[str, int]:
    with store.unit_of_work() as uow:
        query = (
            select(AuditEntry.outcome, func.count(AuditEntry.id))
            .where(AuditEntry.action == "sign_in")
            .group_by(AuditEntry.outcome)
        )
        return {outcome: count for outcome, count in uow.session.execute(query)}


def test_guessing_at_a_shared_computer_is_paused_and_the_real_user_still_signs_in(store: Store, clock: Clock) -> None:
    _add_navigator(store)
    started = clock.at  # 12:00 GMT
    refusals: list[str] = []
    for attempt in range(500):  # one every 7 seconds: 500 in 58 minutes
        clock.at = started + timedelta(seconds=7 * attempt)
        with pytest.raises(SignInFailed) as refused:
            accounts.sign_in(store, username="nav.smith", password=f"guess number {attempt}", workstation="shared-pc")
        refusals.append(refused.value.message)
    assert refusals[:FAILED_LIMIT] == [SIGN_IN_FAILED] * FAILED_LIMIT
    paused = (
        "There have been too many wrong passwords for this account on this computer, so signing in here is paused. "
        "Try again after 13:00 (in 49 minutes), or sign in at another computer. If you did not type them, tell your "
        "administrator."
    )
    assert refusals[FAILED_LIMIT] == paused  # the 101st try, at 12:11:40; the first wrong one was at 12:00
    assert all("Try again after 13:00" in message for message in refusals[FAILED_LIMIT:])
    assert _outcomes(store) == {"failed": FAILED_LIMIT, "throttled": 500 - FAILED_LIMIT}

    # While paused, the password is not even checked there: the right one is refused too.
    with pytest.raises(SignInThrottled):
        accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="shared-pc")
    # The real user signs in at once from their own computer...
    actor = accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="custody-pc-1")
    assert actor.username == "nav.smith"
    # ...and at the shared computer when the hour is up (the paused tries did not make the wait longer).
    clock.at = started + timedelta(hours=1) - timedelta(seconds=1)
    with pytest.raises(SignInThrottled):
        accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="shared-pc")
    clock.at = started + timedelta(hours=1)
    assert accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="shared-pc").username == "nav.smith"


def test_an_account_disabled_after_sign_in_can_do_nothing_more(store: Store) -> None:
    user = _add_navigator(store)
    actor = accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="custody-pc-1")

    def register(who: Actor, forenames: str = "Jo") -> int:
        return people.register_person(
            store, actor=who, surname="Doe", forenames=forenames, date_of_birth=date(1990, 2, 3), sex="F"
        ).id

    person_id = register(actor)
    records.person_record(store, actor=actor, person_id=person_id)
    accounts.set_active(store, actor=OS, user_id=user.id, active=False)
    with pytest.raises(NotPermitted, match="Your account has been disabled, so you cannot register a person"):
        register(actor)
    # Opening a record checks the account in its own transaction, with the reads and the audit of the view.
    with pytest.raises(NotPermitted, match="Your account has been disabled, so you cannot view a person's record"):
        records.person_record(store, actor=actor, person_id=person_id)
    with store.unit_of_work() as uow:
        refused = uow.session.scalars(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
        assert [(e.actor, e.action, e.detail) for e in refused] == [
            ("nav.smith", "register_person", "account disabled"),
            ("nav.smith", "view_person", "account disabled"),
        ]
        views = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "view_person")).all()
        assert [e.outcome for e in views] == ["ok", "refused"]  # the refused view wrote nothing else
    with pytest.raises(SignInFailed):
        accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="custody-pc-1")
    accounts.set_active(store, actor=OS, user_id=user.id, active=True)
    register(actor, "Jody")


def test_actors_without_an_account_row_are_judged_by_role_alone(store: Store, navigator: Actor) -> None:
    person = people.register_person(
        store, actor=navigator, surname="Roe", forenames="Al", date_of_birth=date(1985, 5, 6), sex="M"
    )
    assert person.id > 0
