"""Migration 0007 chains the audit entries a database already holds, in the order they were written."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from db.engine import make_engine
from db.migrate import upgrade
from db.models import AuditEntry
from pathways.actors import command_line_actor
from pathways.audit_verify import verify_audit_log
from pathways.services.documents import note_document
from pathways.store import open_store

OS = command_line_actor()


def test_existing_entries_are_chained_in_the_order_they_were_written(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0006")
    start = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    with engine.begin() as connection:
        for n in range(7):
            connection.execute(
                text(
                    "INSERT INTO audit_log (at, actor, role, workstation, action, outcome, record_type, record_id, "
                    "detail) VALUES (:at, :actor, 'administrator', 'pc-1', :action, 'ok', 'person', :record, :detail)"
                ),
                {
                    "at": f"{start + timedelta(minutes=n):%Y-%m-%d %H:%M:%S.%f}",
                    "actor": f"user.{n % 3}",
                    "action": "view_person" if n % 2 else "register_person",
                    "record": n + 1,
                    "detail": None if n % 2 else f"note {n}",
                },
            )
    engine.dispose()
    store = open_store(database_url)  # upgrades to the newest revision, 0007 among them
    try:
        with store.unit_of_work() as uow:
            entries = list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        assert [(e.seq, e.record_id) for e in entries] == [(n, n) for n in range(1, 8)]
        assert entries[0].prev_mac == "" and all(b.prev_mac == a.mac for a, b in itertools.pairwise(entries))
        report = verify_audit_log(store, actor=OS)
        assert report.intact and report.entries == 7
        note_document(
            store, actor=OS, person_id=1, document="case_summary:court", sharing=None
        )  # the chain goes on from there
        report = verify_audit_log(store, actor=OS)
        assert report.intact and report.entries == 8 and report.head is not None and report.head.seq == 8
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE id = 3"))
        assert [f.text for f in verify_audit_log(store, actor=OS).problems] == [
            "Entry 3 was changed after it was written."
        ]
    finally:
        store.engine.dispose()
