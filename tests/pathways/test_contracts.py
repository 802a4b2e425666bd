"""The Checkpoint contract: its length in calendar months, its conditions, how it ends, and the contract
worklists; on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.models import Case, Event, Task
from pathways.actors import Actor
from pathways.clock import LONDON, local_date
from pathways.errors import ConflictingChange, InvalidInput, NotFound, NotPermitted, StepNotAllowed
from pathways.interchange.importer import import_dataset
from pathways.services import dtoa
from pathways.services.contracts import (
    TOO_MANY,
    ContractState,
    checked_conditions,
    contract_draft,
    contract_end,
    contract_progress,
    sign_contract,
)
from pathways.services.steps import record_step
from pathways.services.tasks import open_tasks
from pathways.services.worklists import contracts_ending_soon, contracts_past_end
from pathways.store import Store
from tests.conftest import EXAMPLE, Clock
from tests.pathways.contract_case import checkpoint_case, colleague_reassesses_needs


def local(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LONDON)


def _events(store: Store, case_id: int, name: str) -> int:
    with store.unit_of_work() as uow:
        return int(
            uow.session.scalar(
                select(func.count()).select_from(Event).where(Event.case_id == case_id, Event.name == name)
            )
            or 0
        )


def _signed(store: Store, navigator: Actor, clock: Clock, start: date, **kwargs: object) -> int:
    """A case whose contract starts on `start`, signed the same day at 15:00."""
    clock.at = local(start.year, start.month, start.day, 16).astimezone(UTC)
    arrested = local(start.year, start.month, start.day, 9) - timedelta(days=5)
    _person, case_id = checkpoint_case(store, navigator, arrested, **kwargs)  # type: ignore[arg-type]
    sign_contract(
        store,
        actor=navigator,
        case_id=case_id,
        starts_on=start,
        conditions=["Drug education programme", "voluntary_work"],
        occurred_at=local(start.year, start.month, start.day, 15),
    )
    return case_id


def test_four_calendar_months_end_on_the_last_day_of_february(store: Store) -> None:
    assert local_date(contract_end(store, local(2027, 10, 31))) == date(2028, 2, 29)
    assert local_date(contract_end(store, local(2026, 10, 31))) == date(2027, 2, 28)
    assert contract_end(store, local(2027, 6, 6, 15)) == local(2027, 10, 6, 15)  # same local time across BST


def test_signing_records_the_contract_from_its_start_to_its_end(store: Store, navigator: Actor, clock: Clock) -> None:
    clock.at = local(2027, 11, 5, 12).astimezone(UTC)
    _person, case_id = checkpoint_case(store, navigator, local(2027, 10, 29, 9))
    done = sign_contract(
        store,
        actor=navigator,
        case_id=case_id,
        starts_on=date(2027, 10, 31),
        conditions=["Drug education programme", "No reoffending", "  Voluntary   work "],
        occurred_at=local(
            2027,
            11,
            5,
            11,
        ),
    )
    assert done.stage == "Contract running"
    assert [(d.label, d.due_at) for d in done.deadlines] == [("Contract end", local(2028, 2, 29, 11))]
    with store.unit_of_work() as uow:
        event = uow.session.scalars(select(Event).where(Event.name == "contract_signed")).one()
        assert event.conditions == "no_reoffending;drug_education_programme;voluntary_work"
        assert event.occurred_at == local(2027, 10, 31, 11) and event.due_at == local(2028, 2, 29, 11)
        assert event.recorded_by == navigator.username
    progress = contract_progress(store, actor=navigator, case_id=case_id)
    assert (progress.starts_on, progress.ends_on, progress.state) == (
        date(2027, 10, 31),
        date(2028, 2, 29),
        ContractState.RUNNING,
    )
    assert progress.days_left == (date(2028, 2, 29) - date(2027, 11, 5)).days
    assert [(c.code, c.met) for c in progress.conditions] == [
        ("no_reoffending", False),
        ("drug_education_programme", False),
        ("voluntary_work", False),
    ]


def test_no_reoffending_is_added_first_and_the_conditions_are_checked() -> None:
    assert checked_conditions([]) == ("no_reoffending",)
    assert checked_conditions(["Voluntary work", "no_reoffending"]) == ("no_reoffending", "voluntary_work")
    four = ["drug_education_programme", "voluntary_work", "restorative_approach", "attend_housing_advice"]
    assert len(checked_conditions(four)) == 5
    with pytest.raises(InvalidInput) as too_many:
        checked_conditions([*four, "attend_mental_health_support"])
    assert too_many.value.message == TOO_MANY
    with pytest.raises(InvalidInput, match="“Voluntary work” is in the list twice"):
        checked_conditions(["voluntary_work", "Voluntary Work"])
    with pytest.raises(InvalidInput, match="A condition is blank"):
        checked_conditions(["voluntary_work", "  "])
    with pytest.raises(InvalidInput, match="cannot contain “;”"):
        checked_conditions(["work; and rest"])


def test_bad_contracts_are_refused_and_change_nothing(
    store: Store, navigator: Actor, worker: Actor, clock: Clock
) -> None:
    clock.at = local(2027, 3, 10, 12).astimezone(UTC)
    _person, case_id = checkpoint_case(store, navigator, local(2027, 3, 1, 9))
    six = ["a", "b", "c", "d", "e"]
    attempts: list[tuple[type[Exception], str, Actor, dict[str, object]]] = [
        (InvalidInput, TOO_MANY, navigator, {"conditions": six}),
        (InvalidInput, "cannot start in the future", navigator, {"starts_on": date(2027, 3, 11)}),
        (NotPermitted, "A treatment worker cannot agree a Checkpoint contract.", worker, {}),
        (InvalidInput, "needs a time zone", navigator, {"starts_on": datetime(2027, 3, 5, 10)}),
    ]
    for error, words, actor, change in attempts:
        arguments: dict[str, object] = {
            "case_id": case_id,
            "starts_on": date(2027, 3, 5),
            "conditions": ["voluntary_work"],
            "occurred_at": local(2027, 3, 10, 11),
            **change,
        }
        with pytest.raises(error) as refused:
            sign_contract(store, actor=actor, **arguments)  # type: ignore[arg-type]
        assert words in str(refused.value)
    assert _events(store, case_id, "contract_signed") == 0


def test_one_contract_a_case_and_only_on_checkpoint(store: Store, navigator: Actor, clock: Clock) -> None:
    case_id = _signed(store, navigator, clock, date(2027, 3, 5))
    with pytest.raises(StepNotAllowed, match=r"This case already has a contract; a case holds one contract\."):
        sign_contract(
            store,
            actor=navigator,
            case_id=case_id,
            starts_on=date(2027, 3, 5),
            conditions=[],
            occurred_at=local(
                2027,
                3,
                5,
                15,
            ),
        )
    assert _events(store, case_id, "contract_signed") == 1
    with store.unit_of_work() as uow:
        person_id = uow.session.get_one(Case, case_id).person_id
    arrest = dtoa.record_arrest(
        store, actor=navigator, person_id=person_id, occurred_at=local(2027, 3, 5, 9), offence="theft_shop"
    )
    with pytest.raises(StepNotAllowed, match=r"Only a Checkpoint case has a contract\."):
        sign_contract(
            store,
            actor=navigator,
            case_id=arrest.case_id,
            starts_on=date(2027, 3, 5),
            conditions=[],
            occurred_at=local(2027, 3, 5, 15),
        )
    with pytest.raises(NotFound, match=r"Only a Checkpoint case has a contract\."):
        contract_progress(store, actor=navigator, case_id=arrest.case_id)


def test_a_contract_from_a_draft_of_a_case_changed_since_is_refused(
    store: Store, navigator: Actor, clock: Clock
) -> None:
    clock.at = local(2027, 3, 5, 16).astimezone(UTC)
    _person, case_id = checkpoint_case(store, navigator, local(2027, 3, 1, 9), needs=("drugs",))

    def sign(version: int) -> None:
        sign_contract(
            store,
            actor=navigator,
            case_id=case_id,
            starts_on=date(2027, 3, 5),
            conditions=["drug_education"],
            occurred_at=local(2027, 3, 5, 15),
            expected_version=version,
        )

    draft = contract_draft(store, actor=navigator, case_id=case_id)
    assert draft.needs == ("drugs",)
    colleague_reassesses_needs(store, navigator, case_id, local(2027, 3, 5, 11), ("drugs", "housing"))
    with pytest.raises(ConflictingChange, match=r"This case was changed by nav\.second at .* Reload it"):
        sign(draft.version)
    assert _events(store, case_id, "contract_signed") == 0
    again = contract_draft(store, actor=navigator, case_id=case_id)
    assert again.needs == ("drugs", "housing") and again.version > draft.version
    sign(again.version)
    assert _events(store, case_id, "contract_signed") == 1


def test_progress_counts_conditions_met_and_the_days_left(store: Store, navigator: Actor, clock: Clock) -> None:
    case_id = _signed(store, navigator, clock, date(2027, 3, 5))
    clock.at = local(2027, 4, 1, 12).astimezone(UTC)
    record_step(
        store,
        actor=navigator,
        case_id=case_id,
        event="condition_met",
        occurred_at=local(2027, 4, 1, 11),
        values={"conditions": "drug_education_programme"},
    )
    progress = contract_progress(store, actor=navigator, case_id=case_id)
    assert [(c.label, c.met_on) for c in progress.conditions] == [
        ("No reoffending", None),
        ("Drug education programme", date(2027, 4, 1)),
        ("Voluntary work", None),
    ]
    assert progress.days_left == (date(2027, 7, 5) - date(2027, 4, 1)).days
    assert progress.summary() == f"Running: {progress.days_left} days left."


def test_reoffending_fails_the_contract_and_raises_the_prosecution_task(
    store: Store, navigator: Actor, clock: Clock
) -> None:
    case_id = _signed(store, navigator, clock, date(2027, 3, 5))
    clock.at = local(2027, 5, 3, 12).astimezone(UTC)
    failed = record_step(
        store, actor=navigator, case_id=case_id, event="reoffended", occurred_at=local(2027, 5, 2, 10), values={}
    )
    assert failed.stage == "Contract failed" and failed.deadlines == ()
    tasks = [t for t in open_tasks(store, actor=navigator) if t.case_id == case_id]
    assert [t.label for t in tasks] == ["Start the prosecution: the contract failed by reoffending"]
    progress = contract_progress(store, actor=navigator, case_id=case_id)
    assert progress.state is ContractState.FAILED_REOFFENDING and progress.ended_on == date(2027, 5, 2)
    assert not any(c.met for c in progress.conditions)
    assert progress.summary() == "Failed: reoffending (2 May 2027)."
    prosecuted = record_step(
        store,
        actor=navigator,
        case_id=case_id,
        event="prosecuted",
        occurred_at=local(2027, 5, 3, 10),
        values={"reason": "reoffended"},
    )
    assert prosecuted.stage == "Prosecuted"


def test_breach_raises_the_prosecution_task_too(store: Store, navigator: Actor, clock: Clock) -> None:
    case_id = _signed(store, navigator, clock, date(2027, 3, 5))
    clock.at = local(2027, 5, 2, 12).astimezone(UTC)
    record_step(
        store,
        actor=navigator,
        case_id=case_id,
        event="non_compliant",
        occurred_at=local(2027, 5, 2, 10),
        values={"reason": "did not attend the programme"},
    )
    with store.unit_of_work() as uow:
        labels = uow.session.scalars(select(Task.label).where(Task.case_id == case_id)).all()
    assert labels == ["Start the prosecution: the contract failed because a condition was not kept"]
    assert contract_progress(store, actor=navigator, case_id=case_id).state is ContractState.FAILED_NON_COMPLIANCE


def test_completion_closes_the_case(store: Store, navigator: Actor, clock: Clock) -> None:
    case_id = _signed(store, navigator, clock, date(2027, 3, 5))
    clock.at = local(2027, 7, 6, 12).astimezone(UTC)
    done = record_step(
        store, actor=navigator, case_id=case_id, event="completed", occurred_at=local(2027, 7, 5, 16), values={}
    )
    assert done.stage == "Completed: no further action (outcome 22)" and done.deadlines == ()
    with store.unit_of_work() as uow:
        assert uow.session.get_one(Case, case_id).closed
    for event, values in (("condition_met", {"conditions": "voluntary_work"}), ("prosecuted", {"reason": "other"})):
        with pytest.raises(StepNotAllowed, match="This case was closed on 5 Jul 2027; nothing more can be recorded"):
            record_step(
                store, actor=navigator, case_id=case_id, event=event, occurred_at=local(2027, 7, 6, 10), values=values
            )
    progress = contract_progress(store, actor=navigator, case_id=case_id)
    assert progress.state is ContractState.COMPLETED and progress.days_left == 0
    assert (progress.conditions[0].code, progress.conditions[0].met_on) == ("no_reoffending", date(2027, 7, 5))
    assert not [t for t in open_tasks(store, actor=navigator) if t.case_id == case_id]


def test_the_worked_example_contract_reads_as_completed(store: Store, admin: Actor, navigator: Actor) -> None:
    import_dataset(store, actor=admin, path=EXAMPLE)
    with store.unit_of_work() as uow:
        case = uow.session.scalars(select(Case).where(Case.case_ref == "EC4")).one()
        case_id, closed = case.id, case.closed
    assert closed
    durham = replace(navigator, site="Durham")  # EC4 was recorded at Durham
    progress = contract_progress(store, actor=durham, case_id=case_id)
    assert (progress.starts_on, progress.ends_on) == (date(2023, 2, 6), date(2023, 6, 6))  # due_at left empty
    assert progress.state is ContractState.COMPLETED
    assert [(c.code, c.met_on) for c in progress.conditions] == [
        ("no_reoffending", date(2023, 6, 6)),
        ("drug_education_programme", date(2023, 3, 1)),
        ("voluntary_work", None),
    ]


def test_worklists_of_contracts_ending_soon_and_past_their_end(
    store: Store, navigator: Actor, manager: Actor, clock: Clock
) -> None:
    soon = _signed(store, navigator, clock, date(2027, 1, 20), surname="Soon")  # ends 20 May 2027
    later = _signed(store, navigator, clock, date(2027, 2, 10), surname="Later")  # ends 10 June 2027
    late = _signed(store, navigator, clock, date(2026, 12, 1), surname="Late")  # ends 1 April 2027
    ended = _signed(store, navigator, clock, date(2026, 12, 2), surname="Ended")  # ends 2 April, completed
    clock.at = local(2027, 4, 3, 9).astimezone(UTC)
    record_step(store, actor=navigator, case_id=ended, event="completed", occurred_at=local(2027, 4, 2, 16), values={})
    clock.at = local(2027, 5, 5, 9).astimezone(UTC)  # 15 days before 20 May: not yet
    assert contracts_ending_soon(store, actor=manager) == []
    clock.at = local(2027, 5, 6, 9).astimezone(UTC)  # 14 days before
    ending = contracts_ending_soon(store, actor=manager)
    assert [(c.deadline.case_id, c.person_name) for c in ending] == [(soon, "SOON, Grace")]
    assert local_date(ending[0].deadline.due_at) == date(2027, 5, 20)
    assert [c.deadline.case_id for c in contracts_ending_soon(store, actor=navigator, days=35)] == [soon, later]
    past = contracts_past_end(store, actor=navigator)
    assert [(c.deadline.case_id, c.deadline.label) for c in past] == [(late, "Contract end")]
    assert contract_progress(store, actor=navigator, case_id=late).past_end
    clock.at = local(2027, 5, 20, 16).astimezone(UTC)  # an hour after its end, it moves to the other list
    assert [c.deadline.case_id for c in contracts_ending_soon(store, actor=navigator)] == []
    assert [c.deadline.case_id for c in contracts_past_end(store, actor=navigator)] == [late, soon]
