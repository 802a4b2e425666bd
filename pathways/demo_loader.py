"""Filling a database with synthetic demo data (see pathways/demo.py), clearly marked as such."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import Person, Setting
from pathways.actors import Actor
from pathways.audit import authorise
from pathways.clock import local_date
from pathways.demo import synthetic_dataset
from pathways.errors import InvalidInput
from pathways.interchange.format import Row
from pathways.interchange.importer import ImportReport, Progress, import_rows
from pathways.interchange.reader import Dataset
from pathways.store import Store

DEMO_SETTING = "demo_data"


def is_demo_database(store: Store) -> bool:
    with store.unit_of_work() as uow:
        return uow.session.get(Setting, DEMO_SETTING) is not None


def fill_demo_database(
    store: Store, *, actor: Actor, people: int, seed: int = 1, progress: Progress | None = None
) -> ImportReport:
    """Add synthetic people and cases. Refused on a database that already holds real records."""
    authorise(store.session_factory, actor, "make_demo", store.clock)
    if people < 1:
        raise InvalidInput("Give a number of demo people of at least 1.")
    with store.unit_of_work() as uow:
        held = uow.session.scalar(select(func.count()).select_from(Person)) or 0
        if held and uow.session.get(Setting, DEMO_SETTING) is None:
            raise InvalidInput(
                "This database already holds real records. Demo data goes only into an empty or a demo database."
            )
        if uow.session.get(Setting, DEMO_SETTING) is None:
            uow.session.add(Setting(key=DEMO_SETTING, value="synthetic people and cases; not real records"))
            uow.commit()
    synthetic = synthetic_dataset(people, seed=seed, today=local_date(store.clock()))
    dataset = Dataset(
        [Row(n, row) for n, row in enumerate(synthetic.people, start=2)],
        [Row(n, row) for n, row in enumerate(synthetic.events, start=2)],
    )
    report = import_rows(store, actor=actor, dataset=dataset, progress=progress)
    if report.errors:
        raise InvalidInput(f"The demo generator made data the rules refuse: {report.errors[0].describe()}")
    return report
