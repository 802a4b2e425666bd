"""Whether a person may start a new case on a pathway, by the pathway's rules across their cases.

`refuse_by_case_rules` is called inside the unit of work that opens the case (services/steps.start_case);
`new_case_check` lets a screen say so before anything is typed (a DIVERT offer after not engaging).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Case, Person
from pathways.actors import Actor
from pathways.audit import authorise
from pathways.case_rules import CaseRefusal, EarlierCase, new_case_refusals
from pathways.definitions import PathwayDefinition
from pathways.errors import NotFound, StepNotAllowed
from pathways.scope import require_person_visible
from pathways.store import Store
from pathways.timeline import effective_facts


class NewCaseRefused(StepNotAllowed):
    """A pathway rule across the person's cases refuses a new case; `refusals` name the earlier cases."""

    def __init__(self, refusals: list[CaseRefusal]) -> None:
        super().__init__(" ".join(r.message for r in refusals))
        self.refusals = tuple(refusals)


@dataclass(frozen=True)
class NewCaseCheck:
    pathway: str
    refusals: tuple[CaseRefusal, ...]

    @property
    def allowed(self) -> bool:
        return not self.refusals


def earlier_cases(session: Session, person_id: int, pathway: str) -> list[EarlierCase]:
    """The person's cases on the pathway, each with its timeline as it now stands (corrections applied)."""
    cases = session.scalars(
        select(Case)
        .where(Case.person_id == person_id, Case.pathway == pathway)
        .options(selectinload(Case.events))
        .order_by(Case.first_event_at)
    ).all()
    return [EarlierCase(c.case_ref, tuple(effective_facts(c.events))) for c in cases]


def case_rule_refusals(
    session: Session, definition: PathwayDefinition, person_id: int, opening: datetime
) -> list[CaseRefusal]:
    if not definition.case_rules:
        return []
    return new_case_refusals(definition, earlier_cases(session, person_id, definition.code), opening)


def refuse_by_case_rules(session: Session, definition: PathwayDefinition, person_id: int, opening: datetime) -> None:
    """Raise NewCaseRefused when the pathway's rules across cases refuse a new case opening at `opening`."""
    refusals = case_rule_refusals(session, definition, person_id, opening)
    if refusals:
        raise NewCaseRefused(refusals)


def new_case_check(store: Store, *, actor: Actor, person_id: int, pathway: str, opening: datetime) -> NewCaseCheck:
    """Whether a new case on the pathway opening at `opening` would be refused, and because of which case."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "view_person", store.clock)
    definition = store.definition(pathway)
    with store.unit_of_work() as uow:
        if uow.session.get(Person, person_id) is None:
            raise NotFound("That person is not on record.")
        return NewCaseCheck(pathway, tuple(case_rule_refusals(uow.session, definition, person_id, opening)))
