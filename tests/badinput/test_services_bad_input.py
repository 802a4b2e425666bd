"""The services behind the forms fed nasty values directly, on SQLite and PostgreSQL: each either refuses with a
plain message (a PathwaysError) and writes nothing, or keeps the value exactly as typed."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from db.models import Case, Event, Person
from pathways.actors import Actor, Role
from pathways.errors import PathwaysError
from pathways.interchange.importer import import_dataset
from pathways.reference import set_reference_entry
from pathways.services import dtoa
from pathways.services.accounts import add_user, sign_in
from pathways.services.corrections import correct_event
from pathways.services.people import correct_person, register_person
from pathways.services.search import search_people
from pathways.services.steps import record_step
from pathways.services.tasks import complete_task, open_tasks
from tests.badinput import strategies as bad
from tests.badinput.conftest import FEW, Db, plain_words, table_counts
from tests.conftest import EXAMPLE, Clock
from tests.pathways.test_search_records_tasks import ARREST, _arrested

NAME_FIELDS = ("surname", "forenames")


def _refused_or_kept(db: Db, action: Callable[[], object]) -> bool:
    """Run the action; True when it was refused properly (plain message, nothing written), False when it saved."""
    before = table_counts(db.store)
    try:
        action()
    except PathwaysError as refused:
        assert plain_words(refused.message), refused.message
        assert table_counts(db.store) == before, "a refused change wrote something"
        return True
    return False


def _has_control(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


@pytest.fixture
def example(db: Db, admin: Actor, clock: Clock) -> Db:
    assert import_dataset(db.store, actor=admin, path=EXAMPLE).written
    clock.at = datetime(2023, 3, 13, 12, 0, tzinfo=UTC)  # while the worked example's cases are open
    return db


def _case(db: Db, case_ref: str) -> tuple[int, int]:
    with db.store.unit_of_work() as uow:
        case = uow.session.scalars(select(Case).where(Case.case_ref == case_ref)).one()
        return case.id, case.person_id


@FEW
@given(field=st.sampled_from(NAME_FIELDS), value=bad.nasty_text())
def test_register_person_with_nasty_names(db: Db, navigator: Actor, field: str, value: str) -> None:
    details = {"surname": "Hughes", "forenames": "Daniel", field: value}
    saved: list[int] = []

    def register() -> None:
        view = register_person(db.store, actor=navigator, date_of_birth=date(1990, 1, 1), sex="M", **details)
        saved.append(view.id)

    if _refused_or_kept(db, register):
        assert (
            _has_control(value, " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")
            or len(" ".join(value.split())) > 200
            or not (value.strip())
            or bad.is_refused_name(" ".join(value.split()))
        )
        return
    with db.store.unit_of_work() as uow:
        person = uow.session.get(Person, saved[0])
        assert person is not None and getattr(person, field) == " ".join(value.split())


@FEW
@given(born=bad.future_date())
def test_register_person_refuses_a_future_birth(db: Db, navigator: Actor, born: date) -> None:
    assert _refused_or_kept(
        db,
        lambda: register_person(
            db.store, actor=navigator, surname="Hughes", forenames="Daniel", date_of_birth=born, sex="M"
        ),
    )


@FEW
@given(
    field=st.sampled_from(("nhs_number", "postcode", "pnc_id", "sex", "ethnicity")),
    value=st.one_of(bad.wrong_nhs_number(), bad.nasty_text(), bad.invalid_date_text()),
)
def test_register_person_refuses_bad_codes(db: Db, navigator: Actor, field: str, value: str) -> None:
    details = {"surname": "Hughes", "forenames": "Daniel", "sex": "M", field: value}
    refused = _refused_or_kept(
        db, lambda: register_person(db.store, actor=navigator, date_of_birth=date(1990, 1, 1), **details)
    )
    assert refused or (not value.strip() and field != "sex"), f"{field}={value!r} was kept"


@FEW
@given(value=st.one_of(bad.nasty_text(), bad.wrong_nhs_number(), bad.future_date()))
def test_correct_person_with_nasty_values(example: Db, navigator: Actor, value: object) -> None:
    _case_id, person_id = _case(example, "EC1")
    with example.store.unit_of_work() as uow:
        person = uow.session.get(Person, person_id)
        assert person is not None
        version, old = person.version, person.surname
    field = "date_of_birth" if isinstance(value, date) else "nhs_number" if str(value) in bad.WRONG_NHS else "surname"

    def correct() -> None:
        changes = {field: value}
        correct_person(
            example.store, actor=navigator, person_id=person_id, reason="typo", expected_version=version, **changes
        )

    if _refused_or_kept(example, correct):
        return
    assert field == "surname" and not _has_control(" ".join(str(value).split())) and len(str(value)) <= 200, old
    with example.store.unit_of_work() as uow:
        assert uow.session.get(Person, person_id).surname == " ".join(str(value).split())  # type: ignore[union-attr]


@FEW
@given(field=st.sampled_from(("notes", "service")), value=bad.nasty_text())
def test_record_step_with_nasty_text(example: Db, navigator: Actor, field: str, value: str) -> None:
    case_id, _person = _case(example, "EC3")  # Nowak: a refused test; another test may follow
    moment = example.store.clock()
    stored: list[int] = []

    def record() -> None:
        values = {"result": "negative", field: value}
        stored.append(
            record_step(
                example.store, actor=navigator, case_id=case_id, event="test", occurred_at=moment, values=values
            ).event_id
        )

    if _refused_or_kept(example, record):
        if field == "service":  # a service must be on the list of services, and none of these is
            assert value.split(), f"a blank service {value!r} was refused"
        else:
            assert _has_control(value, "\t\n\r") or len(value) > 10_000
        return
    with example.store.unit_of_work() as uow:
        event = uow.session.get(Event, stored[0])
        assert event is not None and getattr(event, field) == (value if field == "notes" else None)  # (blank: none)


@FEW
@given(value=bad.nasty_text())
def test_correct_event_with_a_nasty_reason(example: Db, navigator: Actor, value: str) -> None:
    case_id, _person = _case(example, "EC3")
    with example.store.unit_of_work() as uow:
        first = uow.session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq)).first()
        assert first is not None
        event_id = first.id
    if not _refused_or_kept(
        example, lambda: correct_event(example.store, actor=navigator, event_id=event_id, reason=value, notes="x")
    ):
        assert value.strip() and not _has_control(value.strip(), "\t\n\r") and len(value.strip()) <= 10_000


@FEW
@given(username=bad.nasty_text(), password=bad.nasty_text())
def test_sign_in_with_nasty_names_and_passwords(db: Db, username: str, password: str) -> None:
    before = table_counts(db.store)
    with pytest.raises(PathwaysError) as refused:
        sign_in(db.store, username=username, password=password, workstation="pc")
    assert plain_words(refused.value.message)
    after = table_counts(db.store)
    changed = {k for k in after if after[k] != before[k]}
    assert changed <= {"audit_log", "settings"}, changed  # a failed sign-in is audited (the chain state), nothing else


_users = itertools.count(1)


@FEW
@given(field=st.sampled_from(("username", "display_name")), value=bad.nasty_text())
def test_add_user_with_nasty_text(db: Db, admin: Actor, field: str, value: str) -> None:
    username = value if field == "username" else f"new.user{next(_users)}"
    display_name = value if field == "display_name" else "New User"
    kept: list[str] = []

    def add() -> None:
        password = "a long and unusual pass phrase 7"
        view = add_user(
            db.store, actor=admin, username=username, display_name=display_name, role=Role.MANAGER, password=password
        )
        kept.append(view.display_name)

    if not _refused_or_kept(db, add):
        assert field == "display_name" and kept == [" ".join(value.split())]
        assert not _has_control(kept[0]) and len(kept[0]) <= 200


@FEW
@given(text=st.one_of(bad.nasty_text(), bad.invalid_date_text()))
def test_search_with_nasty_text(example: Db, navigator: Actor, text: str) -> None:
    try:
        search_people(example.store, actor=navigator, text=text)
    except PathwaysError as refused:
        assert plain_words(refused.message)


@FEW
@given(field=st.sampled_from(("code", "label")), value=bad.nasty_text())
def test_reference_entry_with_nasty_text(db: Db, admin: Actor, field: str, value: str) -> None:
    code = value if field == "code" else f"new-offence-{next(_users)}"
    label = value if field == "label" else "A new offence"
    kept: list[tuple[str, str]] = []

    def save() -> None:
        entry = set_reference_entry(db.store, actor=admin, list_name="offences", code=code, label=label, flag=True)
        kept.append((entry.code, entry.label))

    if not _refused_or_kept(db, save):
        assert kept == [(code.strip(), " ".join(label.split()))]
        assert not _has_control(kept[0][0] + kept[0][1]) and len(kept[0][0]) <= 120 and len(kept[0][1]) <= 400


@pytest.fixture
def open_task(db: Db, navigator: Actor, worker: Actor) -> int:
    store = db.store
    _person, case_id = _arrested(store, navigator)
    dtoa.record_test(
        store,
        actor=navigator,
        case_id=case_id,
        occurred_at=ARREST + timedelta(hours=1),
        result="positive",
        substances=["cocaine"],
    )
    dtoa.require_assessment(
        store,
        actor=navigator,
        case_id=case_id,
        kind="initial",
        due_at=ARREST + timedelta(days=2),
        service="Inclusion Hampshire",
        place="Clinic",
        occurred_at=ARREST + timedelta(hours=2),
    )
    dtoa.record_attendance(
        store, actor=worker, case_id=case_id, kind="initial", attended=False, occurred_at=ARREST + timedelta(days=2)
    )
    (task,) = open_tasks(store, actor=worker, service="Inclusion Hampshire")
    return task.id


@FEW
@given(note=st.one_of(bad.control_text(), st.just("x" * (bad.LONG + 1))))
def test_complete_task_refuses_a_nasty_note(db: Db, worker: Actor, open_task: int, note: str) -> None:
    if not note.strip():
        return  # an empty note has its own message, tested with the tasks
    assert _refused_or_kept(db, lambda: complete_task(db.store, actor=worker, task_id=open_task, note=note))
