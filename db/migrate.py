"""Bringing a database's tables up to date with Alembic, after an online backup of an SQLite file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from db.backup import automatic_backup_path, backup_sqlite
from db.encryption import engine_is_encrypted
from db.engine import sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^(down_)?revision = ['\"]?(\w+|None)['\"]?$", re.MULTILINE)


@dataclass(frozen=True)
class UpgradeResult:
    from_revision: str | None
    to_revision: str
    backup: Path | None


class MigrationError(Exception):
    """The database could not be brought up to date; it was left as it was."""


def alembic_config() -> Config:
    from alembic.config import Config  # Alembic is loaded only when there is migrating to do: a faster start

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _revisions() -> tuple[set[str], set[str]]:
    """Every migration's revision, and the revisions some migration revises (read from the files)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (revised if down else revisions).add(value)
    return revisions, revised


def known_revisions() -> frozenset[str]:
    """Every revision this version of Pathways can bring a database up from."""
    return frozenset(_revisions()[0])


def head_revision() -> str:
    """The newest migration: the one no other migration revises (read from the files; a test checks it
    against Alembic's own answer)."""
    revisions, revised = _revisions()
    heads = revisions - revised
    assert len(heads) == 1, f"the migrations should have one head, not {sorted(heads)}"
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


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
        backup = backup_sqlite(
            path, automatic_backup_path(path, f"before-upgrade-to-{head}"), encrypted=engine_is_encrypted(engine)
        )
    from alembic import command

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
