"""Keeping a record of every document printed or saved about a person (record ids only), and who it went to."""

from __future__ import annotations

from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.consent import SharingRequest
from pathways.scope import require_person_visible
from pathways.services.concurrency import saving
from pathways.services.consent import check_sharing
from pathways.store import Store


def note_document(store: Store, *, actor: Actor, person_id: int, document: str, sharing: SharingRequest | None) -> None:
    """Audit that `document` (e.g. "summary:court") about a person was printed or saved, and for whom: `sharing`
    names the recipient and purpose (checked against what the person agreed, pathways/services/consent.py); None
    for the person's own copy (their notice of a required assessment, their contract)."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "view_person", store.clock)

    def save() -> None:
        with store.unit_of_work().for_writing() as uow:
            now = store.clock()
            if sharing is not None:
                check_sharing(uow.session, actor, [person_id], sharing, at=now)
            write_audit(
                uow.session,
                actor,
                "print_document",
                now,
                record_type="person",
                record_id=person_id,
                detail=document if sharing is None else f"{document} to {sharing.recipient}:{sharing.purpose}",
            )
            uow.commit()

    saving(save)
