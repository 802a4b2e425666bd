"""INSERT ... ON CONFLICT for the database in use: SQLite's and PostgreSQL's say it the same way, but
SQLAlchemy builds it from each dialect's own insert (imported when first needed: loading the PostgreSQL
dialect costs a start-up on SQLite some 70 ms)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def dialect_insert(session: Session, model: Any) -> Any:
    """An insert into `model`'s table that offers on_conflict_do_nothing / on_conflict_do_update."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)
