"""The Checkpoint contract: agreeing it, and how it is going.

A contract runs from the day it starts to 4 calendar months later (31 October → the last day of February), as
the pathway file says (`default_due_months` of `contract_signed`), so the app and an import agree. It holds up to
5 conditions; "no reoffending" is always the first and cannot be left out. Conditions are kept as short codes
(`no_reoffending`, `drug_education_programme`, or the navigator's own words in lower case with underscores),
`;`-separated in the event's `conditions` field, as the interchange format has them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.clock import LONDON, local_date, local_datetime
from pathways.definitions import PathwayDefinition
from pathways.engine import Fact, default_due
from pathways.errors import InvalidInput, NotFound, StepNotAllowed
from pathways.scope import require_case_visible
from pathways.services.casework import load_case, require_aware
from pathways.services.concurrency import reading
from pathways.services.results import EventRecorded
from pathways.services.steps import record_step
from pathways.store import Store
from pathways.timeline import effective_facts

PATHWAY = "checkpoint"
CONTRACT_EVENT = "contract_signed"
MET_EVENT = "condition_met"
NO_REOFFENDING = "no_reoffending"
MAX_CONDITIONS = 5
MAX_CONDITION_LENGTH = 120
TOO_MANY = (
    f"A contract has at most {MAX_CONDITIONS} conditions, and “No reoffending” is always one of them. "
    "Remove a condition before adding another."
)

# What a need found at the needs assessment suggests as a condition (the navigator may word their own).
NEED_CONDITIONS = {
    "alcohol": "attend_alcohol_awareness_sessions",
    "drugs": "drug_education_programme",
    "housing": "attend_housing_advice",
    "mental_health": "attend_mental_health_support",
    "physical_health": "attend_health_appointments",
    "finance": "attend_debt_and_benefits_advice",
    "employment": "work_with_the_employment_adviser",
    "relationships": "attend_relationship_support",
    "exploitation": "work_with_the_exploitation_support_service",
}
# Conditions any contract may hold, whatever the needs: a restorative approach if the victim wants one, and
# voluntary work.
GENERAL_CONDITIONS = ("restorative_approach", "voluntary_work")


def condition_code(text: str) -> str:
    """'No reoffending', 'no_reoffending' or ' No  Reoffending ' → 'no_reoffending'."""
    return "_".join(text.strip().lower().replace("_", " ").split())


def condition_label(code: str) -> str:
    """A condition code in plain words: 'drug_education_programme' → 'Drug education programme'."""
    text = " ".join(code.replace("_", " ").split())
    return text[:1].upper() + text[1:]


def checked_conditions(conditions: Sequence[str]) -> tuple[str, ...]:
    """The conditions as they will be kept: codes, "no reoffending" first, each once, at most 5.

    InvalidInput, in the navigator's words, for a blank condition, one given twice, or a sixth.
    """
    codes: list[str] = []
    for text in conditions:
        if not text.strip():
            raise InvalidInput("A condition is blank: type what the person agrees to do, or remove it.")
        if ";" in text:
            raise InvalidInput(f"“{text.strip()}”: a condition cannot contain “;”. Word it without one.")
        if len(text.strip()) > MAX_CONDITION_LENGTH:
            raise InvalidInput(
                f"“{text.strip()[:40]}…” is too long: keep each condition under {MAX_CONDITION_LENGTH} characters."
            )
        code = condition_code(text)
        if code in codes:
            raise InvalidInput(f"“{condition_label(code)}” is in the list twice. Keep it once.")
        codes.append(code)
    agreed = [NO_REOFFENDING, *(c for c in codes if c != NO_REOFFENDING)]
    if len(agreed) > MAX_CONDITIONS:
        raise InvalidInput(TOO_MANY)
    return tuple(agreed)


def contract_end(store: Store, start: datetime) -> datetime:
    """When a contract starting at `start` ends: the pathway's calendar months later, same local time."""
    end = default_due(store.definition(PATHWAY).event(CONTRACT_EVENT), start)
    if end is None:  # the pathway file always sets default_due_months for a contract
        raise StepNotAllowed("The Checkpoint pathway file gives no length for a contract.")
    return end


def contract_start(starts_on: date | datetime, occurred_at: datetime) -> datetime:
    """The moment a contract starts: a datetime as given, or a day at the local time of `occurred_at`."""
    require_aware(occurred_at, "time the contract was signed")
    if isinstance(starts_on, datetime):
        require_aware(starts_on, "start of the contract")
        return starts_on
    clock_time = occurred_at.astimezone(LONDON).time().replace(second=0, microsecond=0)
    return local_datetime(starts_on, clock_time)


def sign_contract(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    starts_on: date | datetime,
    conditions: Sequence[str],
    occurred_at: datetime,
    expected_version: int | None = None,
) -> EventRecorded:
    """Record the Checkpoint contract agreed on a case: `contract_signed`, due at its end.

    `occurred_at` is when it was signed; the contract runs from `starts_on` (a day means that day, at the time
    of signing) to 4 calendar months later. The pathway's rules apply as to any step (e.g. one contract a case,
    not after the person declined). With `expected_version` (the case's version its draft was made from) it is
    refused when someone else changed the case since: the needs it was agreed from may have changed.
    """
    authorise(store.session_factory, actor, "sign_contract", store.clock)
    require_case_visible(store.session_factory, actor, case_id, "sign_contract", store.clock)
    agreed = checked_conditions(conditions)
    start = contract_start(starts_on, occurred_at)
    if local_date(start) > local_date(store.clock()):
        raise InvalidInput("A contract cannot start in the future: record it on the day it starts.")
    with store.unit_of_work() as uow:
        if load_case(uow.session, case_id).pathway != PATHWAY:
            raise StepNotAllowed("Only a Checkpoint case has a contract.")
    return record_step(
        store,
        actor=actor,
        case_id=case_id,
        event=CONTRACT_EVENT,
        occurred_at=start,
        values={"conditions": ";".join(agreed)},
        due_at=contract_end(store, start),
        expected_version=expected_version,
    )


class ContractState(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED_REOFFENDING = "failed_reoffending"
    FAILED_NON_COMPLIANCE = "failed_non_compliance"

    @property
    def label(self) -> str:
        return {
            "running": "Running",
            "completed": "Completed: no further action",
            "failed_reoffending": "Failed: reoffending",
            "failed_non_compliance": "Failed: a condition was not kept",
        }[self.value]


ENDING_EVENTS = {
    "completed": ContractState.COMPLETED,
    "reoffended": ContractState.FAILED_REOFFENDING,
    "non_compliant": ContractState.FAILED_NON_COMPLIANCE,
}


@dataclass(frozen=True)
class ConditionProgress:
    code: str
    label: str
    met: bool
    met_on: date | None  # the first day it was recorded as met


@dataclass(frozen=True)
class ContractProgress:
    case_id: int
    case_ref: str
    starts_on: date
    ends_on: date
    ends_at: datetime
    conditions: tuple[ConditionProgress, ...]
    state: ContractState
    ended_on: date | None  # the day it was completed or failed
    days_left: int  # days from today to the end; negative once past it; 0 when the contract has ended

    @property
    def past_end(self) -> bool:
        """Running after its end date: neither completed nor failed on record."""
        return self.state is ContractState.RUNNING and self.days_left < 0

    def summary(self) -> str:
        """One line for the screen: the state and the time left, in plain words."""
        if self.state is not ContractState.RUNNING:
            assert self.ended_on is not None
            return f"{self.state.label} ({self.ended_on.day} {self.ended_on:%B %Y})."
        if self.past_end:
            late = -self.days_left
            return f"Past its end by {late} day{'s' if late != 1 else ''}: record whether it was completed or failed."
        if self.days_left == 0:
            return "Running: it ends today."
        return f"Running: {self.days_left} day{'s' if self.days_left != 1 else ''} left."


def ordered_conditions(raw: str) -> tuple[str, ...]:
    """The conditions of a contract as recorded (`;`-separated), no reoffending first, each once."""
    codes = dict.fromkeys(condition_code(part) for part in raw.split(";") if part.strip())
    return (NO_REOFFENDING, *(c for c in codes if c != NO_REOFFENDING))


def progress_from_facts(
    definition: PathwayDefinition, case_id: int, case_ref: str, facts: Sequence[Fact], today: date
) -> ContractProgress:
    """How a contract stands on a timeline (the effective facts, in order). NotFound when there is none."""
    signed = next((f for f in facts if f.name == CONTRACT_EVENT), None)
    if signed is None:
        raise NotFound("This case has no Checkpoint contract yet.")
    starts_on = local_date(signed.occurred_at)
    ends_at = signed.due_at or default_due(definition.event(CONTRACT_EVENT), signed.occurred_at)
    if ends_at is None:
        raise NotFound("The contract on this case has no end date on record.")
    after = [f for f in facts if f.occurred_at >= signed.occurred_at and f is not signed]
    ending = next((f for f in after if f.name in ENDING_EVENTS), None)
    state = ENDING_EVENTS[ending.name] if ending else ContractState.RUNNING
    met_on: dict[str, date] = {}
    for fact in after:
        if fact.name == MET_EVENT:
            for item in fact.items("conditions"):
                met_on.setdefault(condition_code(item), local_date(fact.occurred_at))
    if ending is not None and state is ContractState.COMPLETED:
        met_on.setdefault(NO_REOFFENDING, local_date(ending.occurred_at))
    codes = ordered_conditions(signed.get("conditions") or "")
    conditions = tuple(
        ConditionProgress(code, condition_label(code), code in met_on, met_on.get(code)) for code in codes
    )
    ends_on = local_date(ends_at)
    return ContractProgress(
        case_id,
        case_ref,
        starts_on,
        ends_on,
        ends_at,
        conditions,
        state,
        local_date(ending.occurred_at) if ending else None,
        (ends_on - today).days if state is ContractState.RUNNING else 0,
    )


def contract_progress(store: Store, *, actor: Actor, case_id: int) -> ContractProgress:
    """Each condition of the case's contract, met or not yet, the days left and whether it is running,
    completed or failed. Viewing it is audited, like the record it comes from."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_case_visible(store.session_factory, actor, case_id, "view_person", store.clock)
    today = local_date(store.clock())

    def read() -> ContractProgress:  # the view is audited, so this is a (small) write
        with store.unit_of_work().for_writing() as uow:
            case = load_case(uow.session, case_id)
            if case.pathway != PATHWAY:
                raise NotFound("Only a Checkpoint case has a contract.")
            progress = progress_from_facts(
                store.definition(PATHWAY), case.id, case.case_ref, effective_facts(case.events), today
            )
            write_audit(uow.session, actor, "view_contract", store.clock(), record_type="case", record_id=case.id)
            uow.commit()
            return progress

    return reading(read)


@dataclass(frozen=True)
class Suggestion:
    code: str
    label: str
    because: str  # why it is offered: the need found, or "any contract"


@dataclass(frozen=True)
class ContractDraft:
    """What the contract builder starts from: whose case it is, the needs found and the conditions they suggest."""

    case_id: int
    case_ref: str
    person_id: int
    person_name: str
    needs: tuple[str, ...]
    suggestions: tuple[Suggestion, ...]
    version: int  # the case's version it was made from: signing is refused if the case changed since


def suggestions_for(needs: Sequence[str]) -> tuple[Suggestion, ...]:
    """Conditions to offer: one for each need found (in the order found), then those for any contract."""
    found = [
        Suggestion(NEED_CONDITIONS[need], condition_label(NEED_CONDITIONS[need]), f"need: {need.replace('_', ' ')}")
        for need in dict.fromkeys(needs)
        if need in NEED_CONDITIONS
    ]
    general = [Suggestion(code, condition_label(code), "any contract") for code in GENERAL_CONDITIONS]
    first: dict[str, Suggestion] = {}
    for suggestion in [*found, *general]:
        first.setdefault(suggestion.code, suggestion)
    return tuple(first.values())


def contract_draft(store: Store, *, actor: Actor, case_id: int) -> ContractDraft:
    """The case and the needs its latest needs assessment found, for agreeing a contract."""
    authorise(store.session_factory, actor, "sign_contract", store.clock)
    require_case_visible(store.session_factory, actor, case_id, "sign_contract", store.clock)
    with store.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        if case.pathway != PATHWAY:
            raise StepNotAllowed("Only a Checkpoint case has a contract.")
        facts = effective_facts(case.events)
        assessed = [f for f in facts if f.name == "needs_assessed"]
        raw = assessed[-1].get("conditions") if assessed else None
        needs = tuple(dict.fromkeys(p.strip() for p in (raw or "").split(";") if p.strip()))
        person = case.person
        return ContractDraft(
            case.id,
            case.case_ref,
            person.id,
            f"{person.surname.upper()}, {person.forenames}",
            needs,
            suggestions_for(needs),
            case.version,
        )
