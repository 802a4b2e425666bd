"""Possible duplicates on import: born the same day, a similar name, and a word of the names that sounds alike."""

from __future__ import annotations

from pathways.actors import Actor
from pathways.interchange.importer import import_dataset, import_rows
from pathways.interchange.reader import Dataset
from pathways.matching import similar_names
from pathways.store import Store
from tests.conftest import EXAMPLE

COLUMNS = ("person_ref", "surname", "forenames", "date_of_birth", "sex")


def _people(*rows: tuple[str, str, str, str, str]) -> Dataset:
    return Dataset.of_records([dict(zip(COLUMNS, row, strict=True)) for row in rows], [])


def test_each_new_person_is_warned_about_with_whom(store: Store, admin: Actor) -> None:
    import_dataset(store, actor=admin, path=EXAMPLE)  # holds E001 Hughes, Daniel, born 1991-06-14
    dataset = _people(
        ("X1", "Hughs", "Danny", "1991-06-14", "M"),  # spelt differently: warned
        ("X2", "Daniel", "Hughes", "1991-06-14", "M"),  # surname and forename swapped: warned
        ("X3", "Hughes", "Daniel", "1991-06-15", "M"),  # born another day: not warned
        ("X4", "Begum", "Ruksana", "1991-06-14", "F"),  # born that day, another name: not warned
        ("X5", "Evans", "Sian", "2001-02-03", "F"),
        ("X6", "EVANS", "Siân Mary", "2001-02-03", "F"),  # the same as X5, earlier in this file: warned
    )
    report = import_rows(store, actor=admin, dataset=dataset)
    assert report.errors == [] and report.people_added == 6
    found = [(w.row, w.value, w.message.split(" (")[0]) for w in report.warnings]
    assert found == [
        (2, "X1", "may be the same person as E001 already held"),
        (3, "X2", "may be the same person as E001 already held"),
        (7, "X6", "may be the same person as X5 in this file"),
    ]


def test_names_with_no_word_that_sounds_alike_are_not_compared(store: Store, admin: Actor) -> None:
    """The one narrowing of the check (issue 7): similar names none of whose words share a sound code (Soundex, as
    name search uses) are no longer reported, so that each person is compared with a few people, not everyone
    born that day."""
    assert similar_names("Thomson", "J", "Thompson", "John")  # T525 J000 against T512 J500: no code in common
    dataset = _people(("Y1", "Thompson", "John", "1980-05-05", "M"), ("Y2", "Thomson", "J", "1980-05-05", "M"))
    report = import_rows(store, actor=admin, dataset=dataset)
    assert report.errors == [] and report.people_added == 2 and report.warnings == []
    again = _people(("Y3", "Thomson", "Jon", "1980-05-05", "M"))  # T525 J500: shares a code with each
    warnings = import_rows(store, actor=admin, dataset=again).warnings
    assert [w.message.split(" (")[0] for w in warnings] == [
        "may be the same person as Y1 already held",
        "may be the same person as Y2 already held",
    ]
