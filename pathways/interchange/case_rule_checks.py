"""Import checks of the pathway rules across a person's cases (`[[pathway_rules]]`, pathways/case_rules.py).

A new case in the dataset is refused, like one started in the app, when an earlier case of the same person
on the same pathway (held already, or in the same file) reached an event the rule names before the new case
began: e.g. a second DIVERT referral after the person did not engage with the first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Case, Person
from pathways.case_rules import EarlierCase, new_case_refusals
from pathways.definitions import PathwayDefinition
from pathways.engine import Fact, ordered
from pathways.interchange.checks import EventIn
from pathways.interchange.format import Problem
from pathways.timeline import effective_facts


def _held_cases(session: Session, people: Sequence[Person], pathways: set[str]) -> dict[str, Case]:
    if not people or not pathways:
        return {}
    query = (
        select(Case)
        .where(Case.person_id.in_([p.id for p in people]), Case.pathway.in_(sorted(pathways)))
        .options(selectinload(Case.events), selectinload(Case.person))
    )
    return {c.case_ref: c for c in session.scalars(query)}


def case_rule_problems(
    session: Session,
    definitions: Mapping[str, PathwayDefinition],
    events: Sequence[EventIn],
    held_people: Mapping[str, Person],
    held_case_refs: set[str],
    new: Mapping[str, Sequence[EventIn]],
    bad_rows: set[int | None],
) -> list[Problem]:
    """The dataset's new cases that a pathway rule across cases refuses, as errors on their first row."""
    ruled = {code for code, d in definitions.items() if d.case_rules}
    wanted = [e for e in events if e.pathway in ruled]
    if not wanted:
        return []
    people = [held_people[r] for r in sorted({e.person_ref for e in wanted}) if r in held_people]
    timelines: dict[tuple[str, str, str], list[Fact]] = defaultdict(list)
    for case in _held_cases(session, people, ruled).values():
        timelines[(str(case.person.person_ref), case.pathway, case.case_ref)] = effective_facts(case.events)
    for event in wanted:
        timelines[(event.person_ref, event.pathway, event.case_ref)].append(event.fact)
    by_person: dict[tuple[str, str], list[EarlierCase]] = defaultdict(list)
    for (person_ref, pathway, case_ref), found in timelines.items():
        by_person[(person_ref, pathway)].append(EarlierCase(case_ref, tuple(ordered(found))))
    problems: list[Problem] = []
    for case_ref, incoming in new.items():
        first = min(incoming, key=lambda e: e.occurred_at)
        if first.pathway not in ruled or case_ref in held_case_refs or any(e.row in bad_rows for e in incoming):
            continue
        others = [c for c in by_person[(first.person_ref, first.pathway)] if c.case_ref != case_ref]
        for refusal in new_case_refusals(definitions[first.pathway], others, first.occurred_at):
            problems.append(Problem("events", first.row, "event", first.name, f"case {case_ref}: {refusal.message}"))
    return problems
