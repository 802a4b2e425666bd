"""Bringing a database's tables up to date with Alembic, after an online backup of an SQLite file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from db.backup import automatic_backup_path, backup_sqlite
from db.engine import sqlite_path

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class UpgradeResult:
    from_revision: str | None
    to_revision: str
    backup: Path | None


class MigrationError(Exception):
    """The database could not be brought up to date; it was left as it was."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> UpgradeResult:
    """Upgrade the database to `target`. An SQLite file that already holds tables is backed up first.

    Each migration runs in the one transaction opened here, so a failure leaves the tables as they were.
    """
    current = current_revision(engine)
    head = head_revision() if target == "head" else target
    if current == head:
        return UpgradeResult(current, head, None)
    backup = None
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is not None and inspect(engine).get_table_names():
        backup = backup_sqlite(path, automatic_backup_path(path, f"before-upgrade-to-{head}"))
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, target)
    except Exception as exc:
        raise MigrationError(
            f"The database could not be upgraded ({exc}). It was left as it was"
            + (f"; a backup was taken first at {backup}." if backup else ".")
        ) from exc
    return UpgradeResult(current, head, backup)
