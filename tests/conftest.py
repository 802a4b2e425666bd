"""Shared fixtures: every database test runs on a real SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pathways.actors import Actor, Role
from pathways.audit_key import KEY_ENV
from pathways.store import Store, open_store
from tests.pg_server import ENV, private_cluster, scratch_database

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

EXAMPLE = Path(__file__).resolve().parents[2] / "shared" / "spec" / "example"


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture(scope="session", autouse=True)
def audit_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One audit key for the whole run, kept away from the tester's own (subprocesses inherit the variable)."""
    path = tmp_path_factory.mktemp("audit-key") / "audit.key"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, str(path))
        yield path


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str | None]:
    if os.environ.get(ENV):
        yield os.environ[ENV]
        return
    with private_cluster() as url:
        yield url


def postgres_or_skip(admin_url: str | None) -> str:
    """The PostgreSQL server's admin URL; without one, the test is skipped (and fails on CI, which must have it)."""
    if admin_url is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide PostgreSQL: set {ENV} or install Debian's postgresql package")
        pytest.skip(f"no PostgreSQL here: set {ENV} or install Debian's postgresql package")
    return admin_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_admin_url: str | None) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pathways.sqlite'}"
        return
    with scratch_database(postgres_or_skip(postgres_admin_url)) as url:
        yield url


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[Store]:
    opened = open_store(database_url, clock=clock)
    yield opened
    opened.engine.dispose()


@pytest.fixture
def navigator() -> Actor:
    return Actor("nav.smith", Role.CUSTODY_NAVIGATOR, "custody-pc-1", site="Basingstoke")


@pytest.fixture
def worker() -> Actor:
    return Actor("tw.jones", Role.TREATMENT_WORKER, "clinic-pc-2", service="Inclusion Hampshire")


@pytest.fixture
def manager() -> Actor:
    return Actor("mgr.patel", Role.MANAGER, "office-pc-3")


@pytest.fixture
def admin() -> Actor:
    return Actor("admin.khan", Role.ADMINISTRATOR, "office-pc-4")
