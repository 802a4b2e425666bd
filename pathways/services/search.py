"""Finding people: by name (forgiving of spelling and order), date of birth, PNC ID or case reference.

The search returns ids, best match first; a list shows them and asks for the rows it displays
(person_rows), so a result of many thousands opens at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from db.models import Case, Person, PersonWord
from pathways.actors import Actor
from pathways.audit import authorise
from pathways.definitions import PathwayDefinition
from pathways.identity import fold, soundex
from pathways.scope import visible_cases, visible_people
from pathways.store import Store

_DOB_PATTERNS = ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y")
_PNC = re.compile(r"^\d{2,4}/\d{1,7}[A-Za-z]?$")
MAX_RESULTS = 200  # more is no help to anyone: the list says to keep typing
FIRST_ROWS = 40  # a list's first screenful, read with the ids of each keystroke; the rest as the list scrolls


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    date_of_birth: date
    pnc_id: str | None
    postcode: str | None
    latest_case: str | None


@dataclass(frozen=True)
class Query:
    names: tuple[str, ...]
    born: date | None
    pnc: str | None
    refs: tuple[str, ...]


def parse_query(text: str) -> Query:
    """Split what was typed into name words, a date of birth, a PNC ID and case references."""
    names: list[str] = []
    refs: list[str] = []
    born: date | None = None
    pnc: str | None = None
    for token in text.split():
        parsed = _as_date(token)
        if parsed is not None:
            born = parsed
        elif _PNC.match(token):
            pnc = token.upper()
        elif any(ch.isdigit() for ch in token):
            refs.append(token.upper())
        else:
            names.extend(fold(token).split())
    return Query(tuple(names), born, pnc, tuple(refs))


def _as_date(token: str) -> date | None:
    for pattern in _DOB_PATTERNS:
        try:
            return datetime.strptime(token, pattern).date()
        except ValueError:
            continue
    return None


SOUNDS_FROM = 4  # sounds-like from 4 letters: shorter words sound like too many names


def _after(word: str) -> str:
    """The first string past every word starting with `word`."""
    return word[:-1] + chr(ord(word[-1]) + 1)


def _begins(word: str, entry: type[PersonWord] = PersonWord) -> ColumnElement[bool]:
    return and_(entry.word >= word, entry.word < _after(word))


def _sounds(word: str, entry: type[PersonWord] = PersonWord) -> ColumnElement[bool] | None:
    code = soundex(word)
    return entry.sound == code if len(word) >= SOUNDS_FROM and code else None


def _name_condition(word: str) -> ColumnElement[bool]:
    """A word of the person's name begins with what was typed, or (from 4 letters) sounds like it: asked of each
    person the search is reading, through their own few entries in the word index."""
    entry = aliased(PersonWord)  # the search may be reading the word index itself (search_people)
    sounds = _sounds(word, entry)
    match = _begins(word, entry) if sounds is None else or_(_begins(word, entry), sounds)
    return exists(select(entry.id).where(entry.person_id == Person.id, match))


def _conditions(query: Query) -> list[ColumnElement[bool]]:
    conditions = [_name_condition(word) for word in query.names]
    if query.born is not None:
        conditions.append(Person.date_of_birth == query.born)
    if query.pnc is not None:
        conditions.append(func.upper(Person.pnc_id).like(f"{query.pnc}%"))
    for ref in query.refs:
        by_case = select(Case.person_id).where(func.upper(Case.case_ref).like(f"{ref}%"))
        conditions.append(or_(Person.id.in_(by_case), func.upper(Person.person_ref) == ref))
    return conditions


def _rank(query: Query, search_name: str) -> int:
    """Lower is better: every word typed that begins a word of the name counts; exact words count more."""
    words = search_name.split()
    score = 0
    for typed in query.names:
        if typed in words:
            score -= 3
        elif any(w.startswith(typed) for w in words):
            score -= 2
    return score


@dataclass(frozen=True)
class Found:
    """One keystroke's answer: the ids found, best first, and the rows of the first of them."""

    ids: list[int]
    rows: dict[int, PersonRow]


def find_people(store: Store, *, actor: Actor, text: str, rows: int, limit: int = MAX_RESULTS) -> Found:
    """`search_people` and `person_rows` of the first `rows` ids found, as one read: what a list searching as
    the user types needs to show its first screenful."""
    authorise(store.session_factory, actor, "search_people", store.clock)
    with store.unit_of_work() as uow:
        ids = _search(uow.session, actor, text, limit)
        return Found(ids, _rows(uow.session, actor, ids[:rows], store.definitions))


def search_people(store: Store, *, actor: Actor, text: str, limit: int = MAX_RESULTS) -> list[int]:
    """Ids of the people who match what was typed and are in the actor's scope (pathways/scope.py), best first.
    Nothing typed finds nobody.

    When more than `limit` people match, the ones kept are found through the longest word typed, in the word
    index's order: the names with that very word first, then longer words beginning with it, then (from 4
    letters) names that only sound like it. So a common name at force scale costs the `limit` rows read, not a
    sort of every match; and fewer matches than `limit` are all found, whatever the order."""
    authorise(store.session_factory, actor, "search_people", store.clock)
    with store.unit_of_work() as uow:
        return _search(uow.session, actor, text, limit)


def _search(session: Session, actor: Actor, text: str, limit: int) -> list[int]:
    query = parse_query(text)
    conditions = _conditions(query)
    if not conditions:
        return []
    if query.names:
        found = _through_word_index(session, query, actor, limit)
    else:
        statement = select(Person.id, Person.search_name).where(*conditions, visible_people(actor)).limit(limit)
        found = [(row.id, row.search_name) for row in session.execute(statement)]
    ranked = sorted(found, key=lambda row: (_rank(query, row[1]), row[1]))
    return [person_id for person_id, _name in ranked]


def _through_word_index(session: Session, query: Query, actor: Actor, limit: int) -> list[tuple[int, str]]:
    """Up to `limit` matching people, read in the order of the longest word's index entries (see search_people)."""
    driver = max(query.names, key=len)
    rest = list(query.names)
    rest.remove(driver)
    others = _conditions(replace(query, names=tuple(rest)))
    wanted = (PersonWord.person_id, Person.search_name)
    base = select(*wanted).join(Person, Person.id == PersonWord.person_id).where(*others, visible_people(actor))
    found: dict[int, str] = {}
    begins = base.where(_begins(driver)).order_by(PersonWord.word).limit(limit)
    for person_id, name in session.execute(begins):
        found.setdefault(person_id, name)
    sounds = _sounds(driver)
    if sounds is not None and len(found) < limit:
        alike = base.where(sounds, ~_begins(driver)).limit(limit - len(found))
        for person_id, name in session.execute(alike):
            found.setdefault(person_id, name)
    return list(found.items())


def person_rows(store: Store, *, actor: Actor, ids: list[int]) -> dict[int, PersonRow]:
    """The rows a result list shows, for the ids it is about to display (those in the actor's scope), each with
    the latest case the actor may see."""
    authorise(store.session_factory, actor, "search_people", store.clock)
    with store.unit_of_work() as uow:
        return _rows(uow.session, actor, ids, store.definitions)


def _rows(
    session: Session, actor: Actor, ids: list[int], definitions: Mapping[str, PathwayDefinition]
) -> dict[int, PersonRow]:
    if not ids:
        return {}
    latest = (
        select(Case.person_id, func.max(Case.id).label("case_id"))
        .where(Case.person_id.in_(ids), visible_cases(actor))
        .group_by(Case.person_id)
    ).subquery()
    statement = (
        select(
            Person.id,
            Person.surname,
            Person.forenames,
            Person.date_of_birth,
            Person.pnc_id,
            Person.postcode,
            Case.case_ref,
            Case.pathway,
            Case.stage,
        )
        .outerjoin(latest, latest.c.person_id == Person.id)
        .outerjoin(Case, Case.id == latest.c.case_id)
        .where(Person.id.in_(ids), visible_people(actor))
    )
    rows: dict[int, PersonRow] = {}
    for person_id, surname, forenames, born, pnc_id, postcode, case_ref, pathway, stage in session.execute(statement):
        named = definitions[pathway].name if pathway in definitions else pathway  # (the record names it so too)
        case = f"{case_ref} · {named} · {stage}" if case_ref else None
        rows[person_id] = PersonRow(person_id, f"{surname.upper()}, {forenames}", born, pnc_id, postcode, case)
    return rows
