"""A database as an older Pathways left it: real data (the example dataset and a generated one), its tables taken
back to an earlier migration with Alembic's own downgrade, closed cleanly. Upgrading it runs the later migrations
on that data, as a new version of Pathways does when it first starts."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from db.engine import make_engine
from db.migrate import alembic_config
from pathways.actors import Actor, Role
from pathways.interchange.importer import import_dataset
from pathways.store import open_store
from tests.conftest import EXAMPLE
from tests.faults.children.jobs import write_dataset

OLDER = "0004"  # person name words for search: before the case figures, programmes, audit chain and screenings
ADMIN = Actor("admin.khan", Role.ADMINISTRATOR, "office-pc-4")


def make_older_database(path: Path, people: int) -> None:
    store = open_store(f"sqlite:///{path}")
    import_dataset(store, actor=ADMIN, path=EXAMPLE)
    write_dataset(path.parent / "older-dataset", 1, people)
    import_dataset(store, actor=ADMIN, path=path.parent / "older-dataset")
    store.engine.dispose()
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, OLDER)
        # The setting that says the case-figures index is built: a Pathways at 0004 never wrote it, and the
        # downgrade of 0005 leaves it behind (so an upgrade would trust an index that is not there).
        connection.execute(text("DELETE FROM settings WHERE key = 'case_figures_index'"))
    engine.dispose()
