"""Which database to open, worked out without SQLAlchemy (db/locations.py): the start reads the same as SQLAlchemy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from db.engine import sqlite_path
from db.locations import local_file, per_user_roles, scheme, shown_url


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////var/lib/pathways/pathways.sqlite",
        "sqlite:///relative/pathways.sqlite",
        "sqlcipher:////home/nav/.local/share/Pathways/pathways.sqlite",
        "sqlite+pysqlite:////tmp/x.sqlite?timeout=5",
        "sqlite:///:memory:",
        "sqlite://",
        "postgresql+psycopg://pathways:secret@db.force.local:5432/pathways",
        "postgresql://db.force.local/pathways",
    ],
)
def test_the_file_behind_a_url_is_the_one_sqlalchemy_reads(url: str) -> None:
    assert local_file(url) == sqlite_path(url)


def test_per_user_roles_only_for_postgresql_when_the_workstation_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_POSTGRES_PER_USER", "1")
    assert per_user_roles("postgresql+psycopg://db.force.local/pathways")
    assert per_user_roles("postgres://db.force.local/pathways")
    assert not per_user_roles("sqlite:////tmp/pathways.sqlite")
    monkeypatch.setenv("PATHWAYS_POSTGRES_PER_USER", "0")
    assert not per_user_roles("postgresql+psycopg://db.force.local/pathways")
    assert scheme("sqlcipher:////tmp/p.sqlite") == "sqlcipher" and Path("/tmp/p.sqlite") == local_file(
        "sqlcipher:////tmp/p.sqlite"
    )


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://pathways:secret@db.force.local:5432/pathways",
        "postgresql://pathways:s3cr%40t@db.force.local/pathways?sslmode=require",
        "postgresql://pathways@db.force.local/pathways",
        "postgresql://db.force.local/pathways",
        "sqlite:////var/lib/pathways/pathways.sqlite",
    ],
)
def test_a_url_is_shown_without_its_password_as_sqlalchemy_shows_it(url: str) -> None:
    shown = shown_url(url)
    assert "secret" not in shown and "s3cr" not in shown
    assert shown == make_url(url).render_as_string(hide_password=True)
