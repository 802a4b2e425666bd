"""A PostgreSQL server for the tests: the one PATHWAYS_TEST_POSTGRES_URL names, else a private
throwaway cluster started from the machine's PostgreSQL binaries (Debian's postgresql package)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ENV = "PATHWAYS_TEST_POSTGRES_URL"


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    """Commands run as the postgres user when the tests run as root (initdb refuses root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def private_cluster() -> Iterator[str | None]:
    """Start a throwaway cluster on a free port; yields its admin URL, or None when no binaries exist."""
    bin_dir = _binaries()
    if bin_dir is None:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="pathways-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", _free_port()
    # Connections over TCP need a password (SCRAM), as in production, so that tests of per-user database roles
    # (tests/db/test_postgres_roles.py) see wrong passwords refused; the postgres superuser may create roles.
    password = uuid.uuid4().hex
    password_file = folder / "password"
    password_file.write_text(password + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        shutil.chown(password_file, "postgres", "postgres")
    subprocess.run(
        _as_owner(
            [
                str(bin_dir / "initdb"),
                *("-D", str(data), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256"),
                f"--pwfile={password_file}",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(folder / "log"), "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


def _admin_conninfo(admin_url: str) -> str:
    url = make_url(admin_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A new, empty database for one test; dropped afterwards."""
    name = f"pathways_test_{uuid.uuid4().hex[:12]}"
    conninfo = _admin_conninfo(admin_url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        for _attempt in range(5):
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except psycopg.Error:
                time.sleep(0.2)
