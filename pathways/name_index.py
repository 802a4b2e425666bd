"""Keeping the name-search index (person_words) in step with people's names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from db.models import PersonWord
from pathways.identity import name_words


def word_rows(person_id: int, surname: str, forenames: str) -> list[dict[str, Any]]:
    return [{"person_id": person_id, "word": w, "sound": s} for w, s in name_words(surname, forenames)]


def index_name(session: Session, person_id: int, surname: str, forenames: str) -> None:
    session.execute(delete(PersonWord).where(PersonWord.person_id == person_id))
    rows = word_rows(person_id, surname, forenames)
    if rows:  # (an empty list would insert one row of nulls)
        session.execute(insert(PersonWord), rows)
