"""The open-deadlines index always agrees with what the engine makes of each timeline."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from db.models import Case, OpenDeadline, Setting
from pathways.actors import Actor
from pathways.deadline_index import INDEX_SETTING, rebuild_if_stale
from pathways.demo_loader import fill_demo_database
from pathways.engine import open_deadlines
from pathways.store import Store
from pathways.timeline import effective_facts


def _engine_view(store: Store) -> set[tuple[int, str, str]]:
    with store.unit_of_work() as uow:
        cases = uow.session.scalars(select(Case).options(selectinload(Case.events))).all()
        return {
            (case.id, d.label, d.due_at.isoformat())
            for case in cases
            for d in open_deadlines(store.definition(case.pathway), effective_facts(case.events))
        }


def _index_view(store: Store) -> set[tuple[int, str, str]]:
    with store.unit_of_work() as uow:
        return {(d.case_id, d.label, d.due_at.isoformat()) for d in uow.session.scalars(select(OpenDeadline))}


def test_index_matches_the_engine_after_import_and_after_a_rebuild(store: Store, admin: Actor) -> None:
    fill_demo_database(store, actor=admin, people=150)
    expected = _engine_view(store)
    assert expected and _index_view(store) == expected
    assert not rebuild_if_stale(store)  # built for these definitions already
    with store.unit_of_work() as uow:
        uow.session.execute(update(Setting).where(Setting.key == INDEX_SETTING).values(value="older definitions"))
        uow.session.execute(delete(OpenDeadline))
        uow.commit()
    assert rebuild_if_stale(store)
    assert _index_view(store) == expected
