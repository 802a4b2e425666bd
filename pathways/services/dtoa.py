"""Drug Testing on Arrest: one service per step a custody navigator or treatment worker records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from db.models import Case, Event
from pathways.actors import Actor
from pathways.audit import authorise
from pathways.engine import eligibility
from pathways.errors import InvalidInput, StepNotAllowed
from pathways.reference import listed_service, offence_label, with_listed_service
from pathways.scope import require_case_visible, require_person_visible, visible_cases
from pathways.services.casework import NewEvent, append_event, open_case, recorded
from pathways.services.concurrency import lock_case, saving
from pathways.services.results import EventRecorded
from pathways.store import Store
from pathways.timeline import effective_facts

PATHWAY = "dtoa"
RECENT_CASES = 200  # the cases last_referral looks at


def _arrest_basis(label: str, trigger: bool | None, basis: str | None, inspector: str | None) -> str:
    if basis is None:
        return "trigger" if trigger else ("inspector" if inspector else "none")
    if basis == "trigger" and trigger is False:
        raise StepNotAllowed(f"{label} is not a trigger offence: a test needs an inspector's authority.")
    return basis


def record_arrest(
    store: Store,
    *,
    actor: Actor,
    person_id: int,
    occurred_at: datetime,
    offence: str,
    site: str | None = None,
    basis: str | None = None,
    inspector_name: str | None = None,
    grounds: str | None = None,
    notes: str | None = None,
    case_ref: str | None = None,
) -> EventRecorded:
    """Open a DToA case with the arrest; says whether a test is lawful and why."""
    authorise(store.session_factory, actor, "record_arrest", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "record_arrest", store.clock)
    if not offence.strip():
        raise InvalidInput("The offence is needed.")
    label, trigger = offence_label(store, offence)
    basis = _arrest_basis(label, trigger, basis, inspector_name)
    if basis == "inspector" and not (inspector_name and inspector_name.strip() and grounds and grounds.strip()):
        raise InvalidInput("An inspector's authority needs the inspector's name and the grounds for the test.")
    definition = store.definition(PATHWAY)
    new = NewEvent(
        "arrest",
        occurred_at,
        {
            "offence": label,
            "basis": basis,
            "site": site or actor.site,
            "notes": notes,
            "authorised_by": inspector_name if basis == "inspector" else None,
            "reason": grounds if basis == "inspector" else None,
        },
    )

    def write() -> EventRecorded:
        with store.unit_of_work().for_writing() as uow:
            case = open_case(uow.session, store, actor, person_id, definition, new, case_ref)
            event = append_event(uow.session, store, actor, case, new)
            decision = eligibility(definition, effective_facts(case.events), case.person.date_of_birth)
            uow.commit()
            return recorded(case, event, definition, decision.explain())

    return saving(write)


def _held_or_listed(store: Store, case_id: int, service: str) -> str | None:
    """A service given for a step of a case: one the case already names is kept as recorded (an imported spelling
    not on the list included: its worklists go by it); any other must be on the list (listed_service)."""
    with store.unit_of_work() as uow:
        named = select(Event.id).where(Event.case_id == case_id, Event.service == service).limit(1)
        return service if uow.session.scalar(named) is not None else listed_service(uow.session, service)


def _record(
    store: Store,
    actor: Actor,
    action: str,
    case_id: int,
    new: NewEvent | Sequence[NewEvent],
    expected_version: int | None,
) -> EventRecorded:
    """Add `new` (one event, or several in one transaction: all or none) to the case; refused when the case is no
    longer at `expected_version` (when given). What is recorded is the last event's."""
    authorise(store.session_factory, actor, action, store.clock)
    require_case_visible(store.session_factory, actor, case_id, action, store.clock)
    events = [new] if isinstance(new, NewEvent) else list(new)

    def write() -> EventRecorded:
        with store.unit_of_work().for_writing() as uow:
            case = lock_case(uow.session, case_id, expected_version, store.clock())
            if case.pathway != PATHWAY:
                raise StepNotAllowed("This is not a Drug Testing on Arrest case.")
            for each in events:
                event = append_event(uow.session, store, actor, case, each)
            uow.commit()
            return recorded(case, event, store.definition(PATHWAY), None)

    return saving(write)


def record_test(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    occurred_at: datetime,
    result: str,
    substances: Sequence[str] = (),
    site: str | None = None,
    notes: str | None = None,
    expected_version: int | None = None,
) -> EventRecorded:
    """A saliva test: positive (cocaine, opiates or both), negative, refused or no sample."""
    values = {
        "result": result,
        "substances": ";".join(substances),
        "site": site or actor.site,
        "notes": notes,
    }
    return _record(store, actor, "record_test", case_id, NewEvent("test", occurred_at, values), expected_version)


def require_assessment(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    kind: str,
    due_at: datetime,
    service: str,
    place: str,
    occurred_at: datetime,
    notes: str | None = None,
    expected_version: int | None = None,
) -> EventRecorded:
    """Require an initial or follow-up assessment (Drugs Act 2005 s.9, s.10) at a time and place. The service must
    be on the administrator's list, and is recorded as the list spells it: its workers see the case by that name."""
    return require_assessments(
        store, actor=actor, case_id=case_id, due=[(kind, due_at)], service=service, place=place,
        occurred_at=occurred_at, notes=notes, expected_version=expected_version,
    )  # fmt: skip


def require_assessments(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    due: Sequence[tuple[str, datetime]],
    service: str,
    place: str,
    occurred_at: datetime,
    notes: str | None = None,
    expected_version: int | None = None,
) -> EventRecorded:
    """Require assessments of each kind in `due` (the initial and the follow-up, as custody gives them together)
    at the same service and place, as require_assessment does one: all of them, or, refused, none."""
    if not due:
        raise InvalidInput("Give the time of the assessment.")
    if not service.strip() or not place.strip():
        raise InvalidInput("A required assessment needs the service and the place.")
    if any(due_at <= occurred_at for _kind, due_at in due):
        raise InvalidInput("The appointment must be after the time the requirement is given.")
    values = with_listed_service(store, {"service": service, "place": place, "site": actor.site})
    values["notes"] = notes
    new = [NewEvent("assessment_required", occurred_at, {"kind": kind, **values}, due_at) for kind, due_at in due]
    return _record(store, actor, "require_assessment", case_id, new, expected_version)


def reschedule_assessment(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    kind: str,
    due_at: datetime,
    service: str,
    place: str,
    occurred_at: datetime,
    reason: str,
    expected_version: int | None = None,
) -> EventRecorded:
    """A further notice that changes the time or place of a required assessment. Its service is the one already
    required, kept as it was recorded (an imported name not on the list included), or one on the list."""
    if not reason.strip():
        raise InvalidInput("A further notice needs the reason for the change.")
    if not place.strip():
        raise InvalidInput("A further notice needs the place: it must say where to go.")
    if due_at <= occurred_at:
        raise InvalidInput("The new appointment must be after the time the notice is given.")
    values = {"kind": kind, "service": _held_or_listed(store, case_id, service), "place": place}
    values["reason"] = f"further notice: {reason.strip()}"
    return _record(
        store,
        actor,
        "reschedule_assessment",
        case_id,
        NewEvent("assessment_required", occurred_at, values, due_at),
        expected_version,
    )


def record_attendance(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    kind: str,
    attended: bool,
    occurred_at: datetime,
    notes: str | None = None,
    expected_version: int | None = None,
    occurred_time_known: bool = True,
) -> EventRecorded:
    """Attended, or failed to attend or to remain for the whole of, a required assessment (on the day
    `occurred_at` gives, at no known time, when `occurred_time_known` is False)."""
    name = "assessment_attended" if attended else "assessment_missed"
    values = {"kind": kind, "notes": notes, "service": actor.service}
    new = NewEvent(name, occurred_at, values, occurred_time_known=occurred_time_known)
    return _record(store, actor, "record_attendance", case_id, new, expected_version)


def waive_follow_up(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    occurred_at: datetime,
    reason: str | None = None,
    expected_version: int | None = None,
) -> EventRecorded:
    """The initial assessor says no follow-up assessment is needed."""
    values = {"reason": reason, "service": actor.service}
    return _record(
        store, actor, "waive_follow_up", case_id, NewEvent("follow_up_waived", occurred_at, values), expected_version
    )


def start_treatment(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    occurred_at: datetime,
    service: str | None = None,
    expected_version: int | None = None,
) -> EventRecorded:
    values = {"service": _held_or_listed(store, case_id, service) if service else actor.service}
    return _record(
        store, actor, "start_treatment", case_id, NewEvent("treatment_started", occurred_at, values), expected_version
    )


def record_prosecution(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    occurred_at: datetime,
    reason: str,
    notes: str | None = None,
    expected_version: int | None = None,
) -> EventRecorded:
    """Prosecution for failing to attend or remain, for refusing a test, or another reason."""
    values = {"reason": reason, "notes": notes}
    return _record(
        store, actor, "record_prosecution", case_id, NewEvent("prosecuted", occurred_at, values), expected_version
    )


def close_case(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    occurred_at: datetime,
    reason: str,
    expected_version: int | None = None,
) -> EventRecorded:
    if not reason.strip():
        raise InvalidInput("Closing a case needs a reason.")
    return _record(
        store, actor, "close_case", case_id, NewEvent("closed", occurred_at, {"reason": reason}), expected_version
    )


def recent_arrest(store: Store, *, actor: Actor, person_id: int, at: datetime) -> tuple[str, datetime] | None:
    """The latest DToA case of this person, begun within a day of `at`, that the actor may see: its reference and
    the time of its arrest. A second arrest so soon is most often the same arrest entered twice, so the new-arrest
    form asks before recording it (a person may be arrested again the same day: it is a question, not a rule)."""
    authorise(store.session_factory, actor, "record_arrest", store.clock)
    query = (
        select(Case.case_ref, Case.first_event_at)
        .where(Case.person_id == person_id, Case.pathway == PATHWAY, visible_cases(actor))
        .where(Case.first_event_at.between(at - timedelta(days=1), at + timedelta(days=1)))
        .order_by(Case.first_event_at.desc())
        .limit(1)
    )
    with store.unit_of_work() as uow:
        found = uow.session.execute(query).first()
    return None if found is None else (str(found.case_ref), found.first_event_at)


def last_referral(store: Store, *, actor: Actor) -> tuple[str, str | None] | None:
    """The treatment service (and place, when one was given) of the latest assessment required on the latest
    cases begun at the actor's custody suite: where the next arrest there is most likely referred, offered first by
    the new-arrest form. None when the actor has no custody suite, or nothing has been required there lately.
    Reads no one's personal details; looks at no more than RECENT_CASES cases, however large the database."""
    authorise(store.session_factory, actor, "require_assessment", store.clock)
    if not actor.site:
        return None
    recent = (
        select(Case.id)
        .where(Case.pathway == PATHWAY, Case.first_site == actor.site)
        .order_by(Case.first_event_at.desc())
        .limit(RECENT_CASES)
    )
    query = (
        select(Event.service, Event.place)
        .where(Event.case_id.in_(recent.scalar_subquery()), Event.name == "assessment_required")
        .where(Event.service.is_not(None))
        .order_by(Event.occurred_at.desc(), Event.id.desc())
        .limit(1)
    )
    with store.unit_of_work() as uow:
        found = uow.session.execute(query).first()
    return None if found is None else (str(found.service), found.place)
