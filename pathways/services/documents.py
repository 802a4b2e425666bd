"""Keeping a record of every document printed or saved about a person (record ids only)."""

from __future__ import annotations

from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.store import Store


def note_document(store: Store, *, actor: Actor, person_id: int, document: str) -> None:
    """Audit that `document` (e.g. "case_summary:court") about a person was printed or saved."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    with store.unit_of_work() as uow:
        write_audit(
            uow.session,
            actor,
            "print_document",
            store.clock(),
            record_type="person",
            record_id=person_id,
            detail=document,
        )
        uow.commit()
