"""Migration 0014 gives the reference lists' entries a phone number column: a database that already holds its
lists keeps every entry, each without a number, and going back to 0013 takes only the column away."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, text

from db.engine import make_engine
from db.migrate import alembic_config, current_revision, upgrade

SERVICES = [("inclusion_hampshire", "Inclusion Hampshire", True), ("old_service", "An old service", False)]


def _hold_services(engine: Engine) -> None:
    with engine.begin() as connection:
        for code, label, active in SERVICES:
            connection.execute(
                text(
                    "INSERT INTO reference_items (list_name, code, label, flag, active, source_version, updated_at, "
                    "updated_by) VALUES ('services', :code, :label, :flag, :active, 1, :at, 'system:seed')"
                ),
                {"code": code, "label": label, "flag": False, "active": active, "at": "2026-11-01 09:00:00.000000"},
            )


def _services(engine: Engine, columns: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        query = f"SELECT {columns} FROM reference_items WHERE list_name = 'services' ORDER BY code"
        return [tuple(row) for row in connection.execute(text(query))]


def _phone_column(engine: Engine) -> list[tuple[bool, int | None]]:
    columns = inspect(engine).get_columns("reference_items")
    return [(c["nullable"], getattr(c["type"], "length", None)) for c in columns if c["name"] == "phone"]


def _downgrade(engine: Engine, target: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, target)


def test_existing_entries_keep_everything_and_have_no_number(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0013")
        _hold_services(engine)
        before = _services(engine, "id, code, label, flag, active")
        assert _phone_column(engine) == []
        upgrade(engine, "0014")
        assert current_revision(engine) == "0014"
        assert _phone_column(engine) == [(True, 40)]
        assert _services(engine, "id, code, label, flag, active") == before
        assert _services(engine, "phone") == [(None,), (None,)]
        with engine.begin() as connection:
            connection.execute(text("UPDATE reference_items SET phone = '01632 960123' WHERE code = 'old_service'"))
        assert _services(engine, "code, phone") == [("inclusion_hampshire", None), ("old_service", "01632 960123")]
    finally:
        engine.dispose()


def test_going_back_to_0013_takes_only_the_column_away(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0014")
        _hold_services(engine)
        before = _services(engine, "id, code, label, flag, active")
        _downgrade(engine, "0013")
        assert current_revision(engine) == "0013"
        assert _phone_column(engine) == []
        assert _services(engine, "id, code, label, flag, active") == before
        upgrade(engine, "0014")
        assert _services(engine, "code, phone") == [("inclusion_hampshire", None), ("old_service", None)]
    finally:
        engine.dispose()
