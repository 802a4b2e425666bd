"""When more people match than a search keeps, the ones kept are the best: the very word typed first, then longer
words beginning with it, then names that only sound like it; and every word typed must match."""

from __future__ import annotations

from datetime import date

from pathways.actors import Actor
from pathways.services.people import register_person
from pathways.services.search import person_rows, search_people
from pathways.store import Store

PEOPLE = [
    ("Jackson", "Amy"),
    ("Jax", "Ben"),
    ("Jack", "Carl"),
    ("Jacks", "Dora"),
    ("O'Connor", "Ellen"),
    ("Connor", "Frank"),
    ("O'Brien", "Gwen"),
]


def _names(store: Store, actor: Actor, text: str, limit: int) -> list[str]:
    ids = search_people(store, actor=actor, text=text, limit=limit)
    rows = person_rows(store, actor=actor, ids=ids)
    return [rows[i].name for i in ids]


def test_the_kept_matches_are_the_best_ones(store: Store, navigator: Actor, manager: Actor) -> None:
    for number, (surname, forenames) in enumerate(PEOPLE):
        register_person(
            store,
            actor=navigator,
            surname=surname,
            forenames=forenames,
            date_of_birth=date(1990, 1, 1 + number),
            sex="F",
        )
    everyone = _names(store, manager, "jack", 10)
    assert everyone == ["JACK, Carl", "JACKS, Dora", "JACKSON, Amy", "JAX, Ben"]  # exact, then longer, then sounds
    assert _names(store, manager, "jack", 1) == ["JACK, Carl"]
    assert _names(store, manager, "jack", 3) == ["JACK, Carl", "JACKS, Dora", "JACKSON, Amy"]
    assert _names(store, manager, "o'c", 10) == ["O'CONNOR, Ellen"]  # both words must match
    assert _names(store, manager, "connor", 10) == ["CONNOR, Frank", "O'CONNOR, Ellen"]
    assert _names(store, manager, "o connor ellen", 10) == ["O'CONNOR, Ellen"]
    assert _names(store, navigator, "jack", 10) == everyone  # the navigator registered them all: in scope
