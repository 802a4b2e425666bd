"""Fixtures for the screens: a real SQLite file with the worked example in it, and one context per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathways.actors import Actor, Role, command_line_actor
from pathways.interchange.importer import import_dataset
from pathways.store import Store, open_store
from tests.conftest import EXAMPLE, Clock
from ui.context import AppContext
from ui.operations import OperationRunner


@pytest.fixture
def ui_store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    """A database file holding the worked example (5 people, DToA/Checkpoint/DIVERT cases)."""
    store = open_store(f"sqlite:///{tmp_path / 'ui.sqlite'}", clock=clock)
    report = import_dataset(store, actor=command_line_actor(), path=EXAMPLE)
    assert report.written, report.errors
    yield store
    store.engine.dispose()


def _context(store: Store, role: Role, **where: str) -> AppContext:
    return AppContext(
        store, Actor(f"test.{role.value}", role, "test-pc", site=where.get("site"), service=where.get("service"))
    )


@pytest.fixture
def navigator_context(ui_store: Store) -> AppContext:
    return _context(ui_store, Role.CUSTODY_NAVIGATOR, site="Basingstoke")


@pytest.fixture
def worker_context(ui_store: Store) -> AppContext:
    return _context(ui_store, Role.TREATMENT_WORKER, service="Inclusion Hampshire")


@pytest.fixture
def manager_context(ui_store: Store) -> AppContext:
    return _context(ui_store, Role.MANAGER)


@pytest.fixture
def admin_context(ui_store: Store) -> AppContext:
    return _context(ui_store, Role.ADMINISTRATOR)


@pytest.fixture
def runner() -> Iterator[OperationRunner]:
    operations = OperationRunner()
    yield operations
    operations.wait(10000)
