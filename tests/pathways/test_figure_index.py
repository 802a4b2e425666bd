"""The case-figures index always agrees with a fresh replay of each case's timeline, and the cohort report read
from it gives what a replay of every event gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from db.models import Case, CaseFigures, CohortCount, Setting
from pathways.actors import Actor
from pathways.case_figures import FigureError, decode, figures_basis, kind_of
from pathways.clock import LONDON
from pathways.definitions import Figure
from pathways.demo_loader import fill_demo_database
from pathways.figure_index import INDEX_SETTING, FigureHead, figure_row, fingerprint, keep_kinds, rebuild_if_stale
from pathways.interchange.importer import import_rows
from pathways.interchange.reader import Dataset, read_dataset
from pathways.services import dtoa, people
from pathways.services.corrections import correct_event, withdraw_event
from pathways.store import Store, open_store
from pathways.timeline import effective_facts
from reports.cohort import CohortAnswer, CohortQuestion, cohort_figures
from reports.cohort_tables import cohort_tables
from reports.figures import add_up
from reports.groups import period_months
from reports.indexed_tally import indexed_tally
from reports.queries import cohort_cases
from reports.tally import Tally, data_version, tally_cases
from tests.conftest import EXAMPLE, Clock
from tests.faults.consistency import counts_consistent

ARREST = datetime(2026, 11, 2, 14, 20, tzinfo=LONDON)
BORN = date(1990, 3, 2)
EVER = (date(2000, 1, 1), date(2026, 11, 29))


def _stored(store: Store) -> dict[int, dict[str, Any]]:
    with store.unit_of_work() as uow:
        rows = uow.session.scalars(select(CaseFigures)).all()
        return {row.case_id: {c.name: getattr(row, c.name) for c in CaseFigures.__table__.columns} for row in rows}


def _replayed(store: Store) -> dict[int, dict[str, Any]]:
    """Each case's row worked out afresh from its events as stored (ORM objects, not the index's plain rows)."""
    with store.unit_of_work() as uow:
        cases = uow.session.scalars(select(Case).options(selectinload(Case.events), selectinload(Case.person)))
        found = {}
        for case in cases:
            definition = store.definition(case.pathway)
            facts = effective_facts(case.events)
            row = figure_row(definition, FigureHead.of(case), facts)
            assert row is not None
            found[case.id] = row
        return found


def _members(store: Store, case_id: int) -> frozenset[str]:
    with store.unit_of_work() as uow:
        row = uow.session.get(CaseFigures, case_id)
        assert row is not None
        return decode(row.figures).members


def _assert_in_step(store: Store) -> None:
    expected = _replayed(store)
    assert expected and _stored(store) == expected
    with store.unit_of_work() as uow:
        counts_consistent(uow.session)


def _replay_answer(store: Store, question: CohortQuestion) -> tuple[Any, ...]:
    """The figures, tables and data version by replaying every event of the cohort (no index)."""
    definition = store.definition(question.pathway)
    with store.unit_of_work() as uow:
        cases = cohort_cases(uow.session, question.pathway, question.start, question.end, question.site)
    tally = tally_cases(definition, cases)
    figures = add_up(definition, tally)
    months = period_months(question.start, question.end)
    return figures, tuple(cohort_tables(definition, tally, figures, months)), data_version(cases)


def _answer(store: Store, manager: Actor, question: CohortQuestion) -> tuple[Any, ...]:
    answer: CohortAnswer = cohort_figures(store, actor=manager, question=question)
    return answer.figures, answer.tables, answer.data_version


def test_rows_follow_recording_correcting_and_withdrawing(
    store: Store, navigator: Actor, worker: Actor, manager: Actor
) -> None:
    person = people.register_person(
        store, actor=navigator, surname="Nowak", forenames="Piotr", date_of_birth=BORN, sex="M"
    )
    case_id = dtoa.record_arrest(
        store, actor=navigator, person_id=person.id, occurred_at=ARREST, offence="theft_shop"
    ).case_id
    _assert_in_step(store)
    assert _members(store, case_id) >= {"cases", "eligible"} and "tested" not in _members(store, case_id)
    test = dtoa.record_test(
        store,
        actor=navigator,
        case_id=case_id,
        occurred_at=ARREST + timedelta(minutes=45),
        result="positive",
        substances=["cocaine"],
    )
    required = dtoa.require_assessment(
        store,
        actor=navigator,
        case_id=case_id,
        kind="initial",
        due_at=ARREST + timedelta(days=3),
        service="Inclusion Hampshire",
        place="12 Church St, Basingstoke",
        occurred_at=ARREST + timedelta(hours=1),
    )
    _assert_in_step(store)
    assert {"tested", "positive_cocaine_only", "initial_required"} <= _members(store, case_id)

    correct_event(store, actor=worker, event_id=test.event_id, reason="lab result", substances="cocaine;opiates")
    _assert_in_step(store)
    members = _members(store, case_id)
    assert "positive_both" in members and "positive_cocaine_only" not in members

    withdraw_event(store, actor=worker, event_id=required.event_id, reason="recorded on the wrong case")
    _assert_in_step(store)
    assert "initial_required" not in _members(store, case_id)

    question = CohortQuestion("dtoa", *EVER)
    assert _answer(store, manager, question) == _replay_answer(store, question)
    assert cohort_figures(store, actor=manager, question=question).figures["positive_both"] == 1


def test_rows_follow_an_import_and_a_second_import_that_adds_to_held_cases(
    store: Store, admin: Actor, manager: Actor
) -> None:
    full = read_dataset(EXAMPLE)
    last = {row.get("case_ref"): row.number for row in full.events}  # each case's last event, left out at first
    partial = Dataset(full.people, [row for row in full.events if row.number not in last.values()])
    first = import_rows(store, actor=admin, dataset=partial)
    assert first.written and first.cases_added == len(last)
    _assert_in_step(store)
    second = import_rows(store, actor=admin, dataset=full)
    assert second.written and (second.cases_added, second.events_added) == (0, len(last))
    _assert_in_step(store)
    assert {row["case_version"] for row in _stored(store).values()} == {2}  # every case was moved on once
    for pathway in ("dtoa", "checkpoint", "divert"):
        question = CohortQuestion(pathway, *EVER)
        assert _answer(store, manager, question) == _replay_answer(store, question), pathway


def test_an_upgraded_database_gets_its_rows_on_opening(store: Store, admin: Actor, clock: Clock) -> None:
    fill_demo_database(store, actor=admin, people=60)
    expected = _replayed(store)
    assert _stored(store) == expected
    assert not rebuild_if_stale(store)  # built for these definitions already
    with store.unit_of_work() as uow:  # as a database made before the index was
        uow.session.execute(delete(CaseFigures))
        uow.session.execute(delete(Setting).where(Setting.key == INDEX_SETTING))
        uow.commit()
    reopened = open_store(store.engine.url.render_as_string(hide_password=False), clock=clock)
    try:
        assert _stored(reopened) == expected
        with reopened.unit_of_work() as uow:
            counts_consistent(uow.session)
        with reopened.unit_of_work() as uow:
            assert uow.session.get(Setting, INDEX_SETTING) is not None
            assert uow.session.get(Setting, INDEX_SETTING).value == fingerprint(reopened)  # type: ignore[union-attr]
    finally:
        reopened.engine.dispose()


def test_only_the_pathway_whose_figures_changed_is_worked_out_again(store: Store, admin: Actor) -> None:
    assert import_rows(store, actor=admin, dataset=read_dataset(EXAMPLE)).written  # DToA and Checkpoint cases
    dtoa_basis, other_basis = figures_basis(store.definition("dtoa")), figures_basis(store.definition("checkpoint"))
    with store.unit_of_work() as uow:
        ids = {
            pathway: uow.session.scalars(select(Case.id).where(Case.pathway == pathway).limit(1)).one()
            for pathway in ("dtoa", "checkpoint")
        }
        uow.session.execute(update(CaseFigures).values(figures='{"m":[]}'))  # marks every row, to see which are redone
        changed = fingerprint(store).replace(dtoa_basis, "dtoa:0:older figures")
        uow.session.execute(update(Setting).where(Setting.key == INDEX_SETTING).values(value=changed))
        uow.commit()
    assert rebuild_if_stale(store)
    assert "cases" in _members(store, ids["dtoa"])  # worked out again
    assert _members(store, ids["checkpoint"]) == frozenset()  # left as it was
    assert other_basis in fingerprint(store)


def _indexed(store: Store, question: CohortQuestion) -> Tally | None:
    """The tally read from the index alone, or None when the report would replay instead."""
    with store.unit_of_work() as uow:
        definition = store.definition(question.pathway)
        return indexed_tally(uow.session, definition, question.start, question.end, question.site)


NOVEMBER = CohortQuestion("dtoa", date(2026, 11, 1), date(2026, 11, 30))  # a whole month: read from the counts
PART_OF_NOVEMBER = CohortQuestion("dtoa", date(2026, 11, 2), date(2026, 11, 29))  # read from the rows


def test_a_report_replays_a_case_whose_row_is_out_of_date(
    store: Store, navigator: Actor, manager: Actor, worker: Actor
) -> None:
    """A row or a count made for an older version of its case, or for other figures, or missing, is never
    trusted: the report replays the cohort instead; rows and counts that are up to date are what it counts."""
    person = people.register_person(
        store, actor=navigator, surname="Nowak", forenames="Piotr", date_of_birth=BORN, sex="M"
    )
    case_id = dtoa.record_arrest(
        store, actor=navigator, person_id=person.id, occurred_at=ARREST, offence="theft_shop"
    ).case_id
    assert cohort_figures(store, actor=manager, question=NOVEMBER).figures["eligible"] == 1
    people.correct_person(
        store,
        actor=navigator,  # who arrested them (the case is not referred to the worker's service)
        person_id=person.id,
        reason="date of birth mistyped",
        expected_version=person.version,
        date_of_birth=date(2010, 3, 2),
    )  # the arrest is now of a child: the case's row and counts are rewritten, and it is no longer eligible
    for question in (NOVEMBER, PART_OF_NOVEMBER):
        assert _indexed(store, question) is not None
        assert cohort_figures(store, actor=manager, question=question).figures["eligible"] == 0
        assert _answer(store, manager, question) == _replay_answer(store, question)
    empty = '{"m":[]}'  # a part counted in no figure
    with store.unit_of_work() as uow:  # a row made for an older version of the case is not used
        uow.session.execute(update(CaseFigures).values(figures=empty, kind=kind_of(empty), case_version=0))
        keep_kinds(uow.session, {kind_of(empty): empty})
        uow.commit()
    for question in (NOVEMBER, PART_OF_NOVEMBER):
        assert _indexed(store, question) is None
        assert _answer(store, manager, question) == _replay_answer(store, question)
    with store.unit_of_work() as uow:  # nor one made for other figures
        version = uow.session.get(Case, case_id).version  # type: ignore[union-attr]
        uow.session.execute(update(CaseFigures).values(case_version=version, basis="dtoa:0:other"))
        uow.commit()
    assert _indexed(store, PART_OF_NOVEMBER) is None
    assert _answer(store, manager, PART_OF_NOVEMBER) == _replay_answer(store, PART_OF_NOVEMBER)
    with store.unit_of_work() as uow:  # while a row that is up to date is what the report counts
        uow.session.execute(update(CaseFigures).values(basis=figures_basis(store.definition("dtoa"))))
        uow.commit()
    assert _indexed(store, PART_OF_NOVEMBER) is not None
    assert cohort_figures(store, actor=manager, question=PART_OF_NOVEMBER).figures["cases"] == 0
    assert cohort_figures(store, actor=manager, question=NOVEMBER).figures["cases"] == 1  # the counts: as it is
    with store.unit_of_work() as uow:  # counts made for an older version of the case are not used either
        uow.session.execute(update(CohortCount).values(versions=CohortCount.versions - 1))
        uow.commit()
    assert _indexed(store, NOVEMBER) is None
    assert cohort_figures(store, actor=manager, question=NOVEMBER).figures["cases"] == 0  # the rows, not the counts
    with store.unit_of_work() as uow:  # and a missing row is replayed
        uow.session.execute(delete(CaseFigures))
        uow.commit()
    assert _indexed(store, PART_OF_NOVEMBER) is None
    assert cohort_figures(store, actor=manager, question=PART_OF_NOVEMBER).figures["cases"] == 1


def test_correcting_sex_or_ethnicity_moves_the_cases_in_the_breakdowns(
    store: Store, navigator: Actor, manager: Actor
) -> None:
    person = people.register_person(
        store, actor=navigator, surname="Nowak", forenames="Piotr", date_of_birth=BORN, sex="M", ethnicity="A"
    )
    dtoa.record_arrest(store, actor=navigator, person_id=person.id, occurred_at=ARREST, offence="theft_shop")
    question = CohortQuestion("dtoa", *EVER)
    before = cohort_figures(store, actor=manager, question=question)
    people.correct_person(
        store,
        actor=navigator,
        person_id=person.id,
        reason="recorded wrongly",
        expected_version=person.version,
        sex="F",
        ethnicity="R",
    )
    assert _indexed(store, question) is not None  # the rows were rewritten, so the index is still trusted
    after = cohort_figures(store, actor=manager, question=question)
    tables = {t.key: {r.label: r.counts[0] for r in t.rows} for t in after.tables}
    assert tables["by_sex"]["Female"] == 1 and "Male" not in tables["by_sex"]
    assert tables["by_ethnicity"] == {"Other ethnic groups - Chinese": 1, "Total": 1}
    assert after.data_version != before.data_version
    assert _answer(store, manager, question) == _replay_answer(store, question)


def test_the_report_from_rows_equals_a_replay_on_a_demo_database(store: Store, admin: Actor, manager: Actor) -> None:
    fill_demo_database(store, actor=admin, people=150)
    _assert_in_step(store)
    with store.unit_of_work() as uow:
        pathways = sorted(set(uow.session.scalars(select(Case.pathway))))
    assert "dtoa" in pathways
    for pathway in pathways:
        question = CohortQuestion(pathway, *EVER)
        assert _indexed(store, question) is not None, pathway  # the report was read from the index alone
        answer = _answer(store, manager, question)
        assert answer == _replay_answer(store, question), pathway
    for question in (
        CohortQuestion("dtoa", date(2025, 1, 1), date(2025, 12, 31), "Basingstoke"),  # whole months, one site
        CohortQuestion("dtoa", date(2025, 1, 1), date(2025, 12, 31)),
        CohortQuestion("dtoa", date(2025, 2, 14), date(2025, 11, 3)),  # parts of two months and whole ones
        CohortQuestion("dtoa", date(2025, 3, 3), date(2025, 3, 27)),  # part of one month
        CohortQuestion("checkpoint", date(2024, 12, 1), date(2025, 5, 31)),
        CohortQuestion("divert", date(2025, 6, 1), date(2026, 11, 29)),
    ):
        tally = _indexed(store, question)
        assert tally is not None and tally.cases, question
        assert _answer(store, manager, question) == _replay_answer(store, question), question


def test_a_figure_that_cannot_be_worked_out_does_not_stop_recording(
    database_url: str, clock: Clock, navigator: Actor, manager: Actor
) -> None:
    plain = open_store(database_url, clock=clock)
    plain.engine.dispose()
    definition = plain.definition("dtoa")
    broken = Figure("broken", "", {"key": "broken", "where": [{"no such condition": True}]})
    definitions = {**plain.definitions, "dtoa": dataclasses.replace(definition, figures=(*definition.figures, broken))}
    store = open_store(database_url, clock=clock, definitions=definitions)
    try:
        person = people.register_person(
            store, actor=navigator, surname="Nowak", forenames="Piotr", date_of_birth=BORN, sex="M"
        )
        case_id = dtoa.record_arrest(
            store, actor=navigator, person_id=person.id, occurred_at=ARREST, offence="theft_shop"
        ).case_id
        with store.unit_of_work() as uow:
            assert uow.session.get(CaseFigures, case_id) is None
        with pytest.raises(FigureError, match="a condition is not understood"):
            cohort_figures(store, actor=manager, question=CohortQuestion("dtoa", *EVER))
    finally:
        store.engine.dispose()
