"""The tombstones erasure leaves (table `erasures`, written by pathways/services/erasure.py): which cases an erased
person had, and when they were erased, so that their audit trail and the retention screens can say so."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Erasure, Person
from pathways.errors import NotFound


def erased_case_ids(session: Session, person_id: int) -> tuple[list[int], datetime | None]:
    """The former case ids of an erased person and when they were erased (none: not erased)."""
    row = session.scalars(
        select(Erasure).where(Erasure.person_id == person_id).order_by(Erasure.erased_at.desc())
    ).first()
    if row is None:
        return [], None
    return [int(i) for i in json.loads(row.counts)["cases"]], row.erased_at


def require_person_or_tombstone(session: Session, person_id: int) -> None:
    if session.get(Person, person_id) is None and erased_case_ids(session, person_id)[1] is None:
        raise NotFound("That person is not on record, and no record of theirs was erased.")
