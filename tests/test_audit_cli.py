"""`main.py audit verify` and `main.py audit restart-chain`, run in a subprocess as an administrator would."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import make_engine
from pathways.audit_key import KEY_ENV
from tests.conftest import EXAMPLE
from tests.test_cli import pathways


def _tamper(url: str, statement: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def test_verify_says_intact_then_names_tampering_and_exits_non_zero(database_url: str) -> None:
    pathways("import", str(EXAMPLE), url=database_url)
    pathways("report", "cohort", "--pathway", "dtoa", "--from", "2023-03-01", "--to", "2023-03-31", url=database_url)
    intact = pathways("audit", "verify", url=database_url)
    assert intact.stdout.startswith("The audit log is intact: 2 entries checked, every seal matches")
    assert "It ends at entry 2 (place 2 in the chain); end-of-chain fingerprint " in intact.stdout
    _tamper(database_url, "UPDATE audit_log SET detail = 'people added 0' WHERE seq = 1")
    broken = pathways("audit", "verify", url=database_url, check=False)
    assert broken.returncode == 1
    assert broken.stdout == (
        "The audit log has been tampered with: 1 problem in 2 entries.\n  - Entry 1 was changed after it was written.\n"
    )


def test_a_lost_key_stops_work_until_an_administrator_starts_a_new_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    pathways("import", str(EXAMPLE), url=url)
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "new" / "audit.key"))  # as if the key file were lost
    cannot = pathways("audit", "verify", url=url, check=False)
    assert cannot.returncode == 2 and f"There is no audit key at {tmp_path / 'new' / 'audit.key'}" in cannot.stderr
    report = ("report", "cohort", "--pathway", "dtoa", "--from", "2023-03-01", "--to", "2023-03-31")
    stopped = pathways(*report, url=url, check=False)
    assert stopped.returncode == 2 and "is missing, so the audit log cannot be sealed and nothing was saved" in (
        stopped.stderr
    )
    unconfirmed = pathways("audit", "restart-chain", url=url, check=False)
    assert unconfirmed.returncode == 2 and "Then run again with --confirm." in unconfirmed.stderr
    restarted = pathways("audit", "restart-chain", "--confirm", url=url)
    assert "A new audit chain was started because the audit key was missing" in restarted.stdout
    assert (tmp_path / "new" / "audit.key").exists()
    again = pathways("audit", "restart-chain", "--confirm", url=url, check=False)
    assert again.returncode == 2 and "nothing to restart" in again.stderr
    checked = pathways("audit", "verify", url=url)
    assert "Note: The entry before entry 2 was sealed with an earlier audit key" in checked.stdout
    assert "The audit log is intact: 1 entry checked" in checked.stdout
