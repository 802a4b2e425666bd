"""Starting a new audit chain when the old one cannot be followed on from (the key lost, or the end record gone)."""

from __future__ import annotations

from pathways.actors import Actor
from pathways.audit import authorise
from pathways.audit_chain import ChainFault, NewEntry, restart_chain
from pathways.services.concurrency import saving
from pathways.store import Store


def restart_audit_chain(store: Store, *, actor: Actor) -> ChainFault:
    """Seal a "restart_audit_chain" entry, naming why, as the start of a new chain, so that Pathways can record
    actions again. Refused while the chain can be followed on from. Administrators only."""
    authorise(store.session_factory, actor, "restart_audit_chain", store.clock)

    def save() -> ChainFault:
        with store.unit_of_work().for_writing() as uow:
            entry = NewEntry(
                at=store.clock(),
                actor=actor.username,
                role=actor.role.value,
                workstation=actor.workstation,
                action="restart_audit_chain",
                outcome="ok",
            )
            fault = restart_chain(uow.session, entry)
            uow.commit()
            return fault

    return saving(save)
