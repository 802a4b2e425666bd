"""The facts a written notice of a required assessment states, read from the case as it now stands."""

from __future__ import annotations

from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.errors import NotFound
from pathways.reference import phone_of_service
from pathways.scope import require_case_visible
from pathways.services.casework import load_case
from pathways.store import Store
from pathways.timeline import effective_facts
from reports.notice import AssessmentNotice


def assessment_notice(store: Store, *, actor: Actor, case_id: int, kind: str, given_by: str) -> AssessmentNotice:
    """The notice for the latest requirement of `kind` ("initial" or "follow_up"). Printing it is audited."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_case_visible(store.session_factory, actor, case_id, "view_person", store.clock)
    with store.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        facts = effective_facts(case.events)
        required = [f for f in facts if f.name == "assessment_required" and f.get("kind") == kind]
        latest = required[-1] if required else None
        if latest is None or latest.due_at is None:
            raise NotFound(f"This case has no {kind.replace('_', '-')} assessment required, so there is no notice.")
        follow_ups = [f for f in facts if f.name == "assessment_required" and f.get("kind") == "follow_up"]
        person = case.person
        service = latest.get("service")
        notice = AssessmentNotice(
            person_name=f"{person.forenames} {person.surname}",
            date_of_birth=person.date_of_birth,
            case_ref=case.case_ref,
            kind=kind,
            due_at=latest.due_at,
            service=service or "the drug service",
            place=latest.get("place") or f"Ask {service or 'the drug service'} for the address",
            given_at=latest.occurred_at,
            given_by=given_by,
            follow_up_due_at=follow_ups[-1].due_at if kind == "initial" and follow_ups else None,
            further_notice=len(required) > 1,
            due_time_known=latest.due_time_known,
            follow_up_time_known=follow_ups[-1].due_time_known if follow_ups else True,
            service_phone=phone_of_service(uow.session, service) if service else None,
        )
        write_audit(uow.session, actor, "print_notice", store.clock(), record_type="case", record_id=case.id)
        uow.commit()
        return notice
