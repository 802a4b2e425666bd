"""Rules across a person's cases on one pathway (`[[pathway_rules]]` of its definition).

DIVERT: a person who did not engage after a referral is not offered DIVERT again. Pure functions over
plain facts: the service that opens a case and the import both ask them, with the person's earlier cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pathways.clock import format_local
from pathways.definitions import PathwayDefinition
from pathways.engine import Fact


@dataclass(frozen=True)
class EarlierCase:
    """One of the person's cases on the pathway, as the rules read it (its effective timeline)."""

    case_ref: str
    facts: tuple[Fact, ...]

    @property
    def started_at(self) -> datetime | None:
        return min((f.occurred_at for f in self.facts), default=None)


@dataclass(frozen=True)
class CaseRefusal:
    """Why a new case is refused, and the earlier case that is the reason."""

    message: str
    case_ref: str
    started_at: datetime | None
    ended_at: datetime


def new_case_refusals(
    definition: PathwayDefinition, earlier: Sequence[EarlierCase], opening: datetime
) -> list[CaseRefusal]:
    """The pathway rules a new case opening at `opening` breaks, given the person's other cases on the pathway.

    An earlier case counts when it holds an event the rule names that happened at or before the new case's
    opening event (a referral made while the earlier case was still open was allowed then). When several
    cases count, the latest is named.
    """
    refusals: list[CaseRefusal] = []
    for rule in definition.case_rules:
        reached = [
            (fact.occurred_at, case)
            for case in earlier
            for fact in case.facts
            if fact.name in rule.refuse_new_case_after and fact.occurred_at <= opening
        ]
        if not reached:
            continue
        ended_at, case = max(reached, key=lambda pair: pair[0])
        started = case.started_at
        words = {
            "case_ref": case.case_ref,
            "date": format_local(started, with_time=False) if started else "an unknown date",
            "ended": format_local(ended_at, with_time=False),
        }
        message = " ".join(rule.message.format_map(_Words(words)).split())
        refusals.append(CaseRefusal(message, case.case_ref, started, ended_at))
    return refusals


class _Words(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
