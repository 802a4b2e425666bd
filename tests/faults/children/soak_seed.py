"""The shared records every soak process works on (tests/faults/test_soak.py, bench/soak.py): a few people, each
with a DIVERT case (contacts can be added to it again and again) and a DToA case with an initial assessment
required (further notices, and missed appointments that raise tasks). Written to a JSON file the processes read.

    [{"person": P, "divert": C, "dtoa": C}, ...]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pathways.actors import Actor, Role
from pathways.clock import now_utc
from pathways.services import dtoa
from pathways.services.people import register_person
from pathways.services.steps import start_case
from pathways.store import Store

SITE = "Basingstoke"
SERVICE = "Inclusion Hampshire"
PLACE = "12 Church St, Basingstoke"
SEEDER = Actor("nav.seed", Role.CUSTODY_NAVIGATOR, "soak-seed", site=SITE)


@dataclass(frozen=True)
class Shared:
    person: int
    divert: int
    dtoa: int


def seed(store: Store, people: int) -> list[Shared]:
    """`people` people, each with an open DIVERT case and an open DToA case; every save through the services."""
    began = now_utc() - timedelta(days=2)
    shared = []
    for n in range(people):
        person = register_person(
            store,
            actor=SEEDER,
            surname=f"Shared{n}",
            forenames="Soak",
            date_of_birth=date(1980, 1, 1) + timedelta(days=97 * n),
            sex="F" if n % 2 else "M",
        ).id
        divert = start_case(
            store,
            actor=SEEDER,
            person_id=person,
            pathway="divert",
            event="referral",
            occurred_at=began,
            values={"kind": "custody", "substances": "cannabis", "site": SITE, "service": SERVICE},
        ).case_id
        case = dtoa.record_arrest(store, actor=SEEDER, person_id=person, occurred_at=began, offence="theft_shop")
        dtoa.record_test(
            store,
            actor=SEEDER,
            case_id=case.case_id,
            occurred_at=began + timedelta(minutes=40),
            result="positive",
            substances=["cocaine"],
        )
        dtoa.require_assessment(
            store,
            actor=SEEDER,
            case_id=case.case_id,
            kind="initial",
            due_at=began + timedelta(days=3),
            service=SERVICE,
            place=PLACE,
            occurred_at=began + timedelta(hours=1),
        )
        shared.append(Shared(person, divert, case.case_id))
    return shared


def write_shared(path: Path, shared: list[Shared]) -> None:
    path.write_text(json.dumps([vars(s) for s in shared]), encoding="utf-8")


def read_shared(path: Path) -> list[Shared]:
    return [Shared(**row) for row in json.loads(path.read_text(encoding="utf-8"))]
