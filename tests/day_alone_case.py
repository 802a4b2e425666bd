"""A DToA case imported with its initial assessment due on a day alone (the interchange format allows a date with no
time), for the tests of how such a day is shown, attended, missed, corrected and printed."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Case
from pathways.actors import command_line_actor
from pathways.interchange.importer import import_rows
from pathways.interchange.reader import Dataset
from pathways.store import Store

PERSON = {"person_ref": "D1", "surname": "Dayonly", "forenames": "Ray", "date_of_birth": "1988-02-03", "sex": "M"}
CASE = {"person_ref": "D1", "case_ref": "DAY-1", "pathway": "dtoa", "site": "Basingstoke"}
SERVICE = "Inclusion Hampshire"


def import_day_alone_case(store: Store, due: str) -> int:
    """Ray Dayonly's case DAY-1: arrested and tested positive on 25 Nov 2026, the initial assessment due `due` (a
    day, "2026-11-27", or a day and a time); its case id."""
    events = [
        {**CASE, "event": "arrest", "occurred_at": "2026-11-25T14:00", "offence": "theft_shop", "basis": "trigger"},
        {**CASE, "event": "test", "occurred_at": "2026-11-25T15:00", "result": "positive", "substances": "cocaine"},
        {
            **CASE,
            "event": "assessment_required",
            "occurred_at": "2026-11-25T15:10",
            "service": SERVICE,
            "kind": "initial",
            "due_at": due,
        },
    ]
    report = import_rows(store, actor=command_line_actor(), dataset=Dataset.of_records([PERSON], events))
    assert report.written, report.errors
    with store.unit_of_work() as uow:
        return int(uow.session.scalars(select(Case.id).where(Case.case_ref == "DAY-1")).one())
