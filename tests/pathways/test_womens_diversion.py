"""A variation of a pathway is a data file: a women's diversion scheme loaded from a folder and run with no new code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from pathways.actors import Actor
from pathways.clock import LONDON
from pathways.definitions import load_definitions
from pathways.errors import NotFound, StepNotAllowed
from pathways.services import people
from pathways.services.steps import record_step, start_case
from pathways.store import Store, open_store
from reports.cohort import CohortQuestion, cohort_figures
from tests.conftest import Clock

DATA = Path(__file__).resolve().parent / "data"


def local(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LONDON)


@pytest.fixture
def with_scheme(database_url: str, clock: Clock) -> Iterator[Store]:
    """A store holding the shipped pathways and the scheme's file, as a local installation would."""
    extra = load_definitions(DATA)
    assert set(extra) == {"womens_diversion"}
    opened = open_store(database_url, clock=clock, definitions={**load_definitions(), **extra})
    yield opened
    opened.engine.dispose()


def test_a_womens_diversion_scheme_runs_from_its_file(with_scheme: Store, navigator: Actor, manager: Actor) -> None:
    store = with_scheme
    woman = people.register_person(
        store, actor=navigator, surname="Bell", forenames="Kerry", date_of_birth=date(1990, 2, 9), sex="F"
    ).id
    arrest = start_case(
        store,
        actor=navigator,
        person_id=woman,
        pathway="womens_diversion",
        event="arrest",
        occurred_at=local(6, 1),
        values={"offence": "theft_shop", "basis": "admitted", "site": "Workington"},
    )
    case_id = arrest.case_id
    record_step(store, actor=navigator, case_id=case_id, event="offered", occurred_at=local(6, 1, 12), values={})
    signed = record_step(
        store,
        actor=navigator,
        case_id=case_id,
        event="contract_signed",
        occurred_at=local(6, 3),
        values={"conditions": "no_reoffending;womens_centre;alcohol"},
    )
    assert signed.stage == "Contract running"
    assert [(d.label, d.due_at) for d in signed.deadlines] == [("Contract end", local(10, 3))]  # 4 calendar months
    with pytest.raises(StepNotAllowed) as refused:
        record_step(store, actor=navigator, case_id=case_id, event="completed", occurred_at=local(7, 1), values={})
    assert str(refused.value) == (
        "The contract is completed by attending the women's centre, and no session is recorded."
    )
    for day in (10, 17):
        record_step(
            store, actor=navigator, case_id=case_id, event="session_attended", occurred_at=local(6, day), values={}
        )
    done = record_step(store, actor=navigator, case_id=case_id, event="completed", occurred_at=local(9, 30), values={})
    assert done.stage == "Completed: no further action" and done.deadlines == ()

    denied = start_case(
        store,
        actor=navigator,
        person_id=woman,
        pathway="womens_diversion",
        event="arrest",
        occurred_at=local(6, 20),
        values={"offence": "criminal_damage", "basis": "none"},
    )
    with pytest.raises(StepNotAllowed) as not_lawful:
        record_step(
            store, actor=navigator, case_id=denied.case_id, event="offered", occurred_at=local(6, 21), values={}
        )
    assert str(not_lawful.value) == (
        "The diversion offered is not lawful on this case: "
        "not eligible: aged 36; no admission and not enough evidence to charge."
    )

    answer = cohort_figures(
        store, actor=manager, question=CohortQuestion("womens_diversion", date(2026, 6, 1), date(2026, 6, 30))
    )
    assert answer.figures == {
        "cases": 2,
        "eligible": 1,
        "signed": 1,
        "sessions": 2,
        "completed": 1,
        "completed_pct": 100.0,
        "conditions": {"alcohol": 1, "no_reoffending": 1, "womens_centre": 1},
    }


def test_an_installation_without_the_file_does_not_know_the_scheme(store: Store, navigator: Actor) -> None:
    with pytest.raises(NotFound, match="There is no pathway called 'womens_diversion'"):
        store.definition("womens_diversion")
