"""Filling a database with synthetic demo data (see pathways/demo.py), clearly marked as such."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from db.models import Person, Setting, User
from pathways.actors import Actor, Role
from pathways.audit import authorise, write_audit
from pathways.clock import local_date
from pathways.errors import InvalidInput
from pathways.progress import Progress
from pathways.store import Store

if TYPE_CHECKING:
    from pathways.interchange.importer import ImportReport

DEMO_SETTING = "demo_data"
DEMO_GENERATOR = "demo.generator"


def is_demo_database(store: Store) -> bool:
    with store.unit_of_work() as uow:
        return uow.session.get(Setting, DEMO_SETTING) is not None


def fill_demo_database(
    store: Store, *, actor: Actor, people: int, seed: int = 1, progress: Progress | None = None
) -> ImportReport:
    """Add synthetic people and cases. Refused on a database that already holds real records."""
    # (the generator and the importer load only when a demo is made: every start asks is_demo_database)
    from pathways.demo import synthetic_dataset
    from pathways.demo_consents import add_demo_consents
    from pathways.interchange.importer import import_rows
    from pathways.interchange.reader import Dataset

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
        write_audit(uow.session, actor, "make_demo", store.clock(), detail=f"{people} people, seed {seed}")
        uow.commit()
    synthetic = synthetic_dataset(people, seed=seed, today=local_date(store.clock()))
    dataset = Dataset.of_records(synthetic.people, synthetic.events)
    generator = demo_generator(actor)
    report = import_rows(store, actor=generator, dataset=dataset, progress=progress)
    if report.errors:
        raise InvalidInput(f"The demo generator made data the rules refuse: {report.errors[0].describe()}")
    add_demo_consents(store, actor=generator, person_refs=(row["person_ref"] for row in synthetic.people), seed=seed)
    return report


def demo_generator(asked_by: Actor) -> Actor:
    """Who the demo's records say recorded them: the generator, so that a timeline reads "by demo.generator"
    rather than naming the person (or the computer account) who asked for the demo. Their asking is audited as
    theirs (make_demo)."""
    return Actor(DEMO_GENERATOR, Role.ADMINISTRATOR, asked_by.workstation)


DEMO_PASSWORD = "walk the demo custody suite"
DEMO_USERS = (
    ("demo.admin", "Demo Administrator", Role.ADMINISTRATOR, None, None),
    ("demo.navigator", "Demo Custody Navigator", Role.CUSTODY_NAVIGATOR, "Basingstoke", None),
    ("demo.worker", "Demo Treatment Worker", Role.TREATMENT_WORKER, None, "Inclusion Hampshire"),
    ("demo.manager", "Demo Manager", Role.MANAGER, None, None),
)


def ensure_demo_users(store: Store) -> str:
    """One user per role in a demo database, all with DEMO_PASSWORD, made when it has no users yet; returns a
    sentence naming those of them it holds, active ("" when none: the demo was filled for accounts of its own)."""
    from pathways.services.accounts import add_user, create_first_administrator, needs_first_administrator

    if not is_demo_database(store):
        raise InvalidInput("Demo users are made only in a demo database.")
    if needs_first_administrator(store):
        username, name, *_rest = DEMO_USERS[0]
        create_first_administrator(store, username=username, display_name=name, password=DEMO_PASSWORD)
        admin = Actor(username, Role.ADMINISTRATOR, "demo")
        for username, name, role, site, service in DEMO_USERS[1:]:
            add_user(
                store,
                actor=admin,
                username=username,
                display_name=name,
                role=role,
                password=DEMO_PASSWORD,
                site=site,
                service=service,
                must_change_password=False,  # (the sign-in window shows the demo's password to all)
            )
    wanted = [u[0] for u in DEMO_USERS]
    with store.unit_of_work() as uow:
        held = set(uow.session.scalars(select(User.username).where(User.username.in_(wanted), User.active)))
    names = ", ".join(name for name in wanted if name in held)
    return f"Demo users: {names}. Password for each: {DEMO_PASSWORD}" if names else ""
