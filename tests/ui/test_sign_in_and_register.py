"""First run, signing in, and registering a person after the possible duplicates are shown."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from db.models import Person, User
from pathways.actors import Role, command_line_actor
from pathways.demo_loader import DEMO_PASSWORD, ensure_demo_users, fill_demo_database
from pathways.services.accounts import create_first_administrator, needs_first_administrator
from pathways.store import open_store
from tests.conftest import Clock
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.register_dialog import RegisterPersonDialog
from ui.sign_in import FirstRunDialog, SignInDialog


def test_first_run_creates_the_administrator_who_then_signs_in(qtbot: QtBot, tmp_path: Path, clock: Clock) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'new.sqlite'}", clock=clock)
    try:
        assert needs_first_administrator(store)
        first = FirstRunDialog(store, where="new.sqlite")
        qtbot.addWidget(first)
        qtbot.keyClicks(first.username, "asha.admin")
        qtbot.keyClicks(first.display_name, "Asha Patel")
        qtbot.keyClicks(first.password, "short")
        qtbot.keyClicks(first.repeat, "short")
        first._create()
        assert "at least 12 characters" in first.error.text() and needs_first_administrator(store)
        for field in (first.password, first.repeat):
            field.clear()
            qtbot.keyClicks(field, "tea in the custody suite at six")
        first._create()
        assert first.result() == first.DialogCode.Accepted and not needs_first_administrator(store)
        sign_in = SignInDialog(store, where="new.sqlite")
        qtbot.addWidget(sign_in)
        qtbot.keyClicks(sign_in.username, "asha.admin")
        qtbot.keyClicks(sign_in.password, "wrong password entirely")
        sign_in._sign_in()
        assert sign_in.actor is None and "not right" in sign_in.error.text() and sign_in.password.text() == ""
        qtbot.keyClicks(sign_in.password, "tea in the custody suite at six")
        sign_in._sign_in()
        assert sign_in.actor is not None and sign_in.actor.role is Role.ADMINISTRATOR
    finally:
        store.engine.dispose()


def test_demo_database_is_labelled_and_has_a_user_per_role(qtbot: QtBot, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    try:
        fill_demo_database(store, actor=command_line_actor(), people=30)
        hint = ensure_demo_users(store)
        assert "demo.navigator" in hint and DEMO_PASSWORD in hint
        dialog = SignInDialog(store, where="demo.sqlite (DEMO DATA)", hint=hint)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.username, "demo.worker")
        qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
        dialog._sign_in()
        assert dialog.actor is not None and dialog.actor.service == "Inclusion Hampshire"
        window = MainWindow(AppContext(store, dialog.actor, demo=True), "demo.sqlite")
        qtbot.addWidget(window)
        assert "DEMO DATA" in window.windowTitle()
    finally:
        store.engine.dispose()


def test_registering_shows_possible_duplicates_and_can_use_one(qtbot: QtBot, navigator_context: AppContext) -> None:
    dialog = RegisterPersonDialog(navigator_context, "hughs danny")
    qtbot.addWidget(dialog)
    assert (dialog.surname.text(), dialog.forenames.text()) == ("Hughs", "Danny")
    dialog.born.setText("14/06/1991")
    dialog.sex.setCurrentIndex(dialog.sex.findData("M"))
    dialog._save()
    assert dialog.duplicates.isVisible() or dialog.duplicates.count() == 1
    assert dialog.duplicates.item(0).text().startswith("HUGHES, Daniel · born 14 Jun 1991")
    dialog._use_selected()
    with navigator_context.store.unit_of_work() as uow:
        held = uow.session.scalar(select(func.count()).select_from(Person))
        hughes = uow.session.scalars(select(Person).where(Person.surname == "Hughes")).one()
    assert dialog.chosen_id == hughes.id and held == 5  # nobody new was registered


def test_registering_a_new_person_after_seeing_duplicates(qtbot: QtBot, navigator_context: AppContext) -> None:
    dialog = RegisterPersonDialog(navigator_context, "hughs danny")
    qtbot.addWidget(dialog)
    dialog.born.setText("14/06/1991")
    dialog.sex.setCurrentIndex(dialog.sex.findData("M"))
    qtbot.keyClicks(dialog.nhs, "943 476 5918")  # wrong check digit
    dialog._save()
    dialog._save()  # seen the duplicates; register anyway
    assert "not a valid NHS number" in dialog.error.text() and dialog.chosen_id is None
    dialog.nhs.clear()
    qtbot.keyClicks(dialog.nhs, "943 476 5919")
    dialog._save()
    assert dialog.chosen_id is not None
    with navigator_context.store.unit_of_work() as uow:
        person = uow.session.get(Person, dialog.chosen_id)
        assert person is not None and (person.surname, person.nhs_number) == ("Hughs", "9434765919")


def test_a_similar_person_held_elsewhere_is_mentioned_but_not_shown(
    qtbot: QtBot, navigator_context: AppContext
) -> None:
    """Kofi Mensah's only case is at Durham: a Basingstoke navigator is told someone similar is held elsewhere,
    never who, and may still register a new person."""
    dialog = RegisterPersonDialog(navigator_context, "mensa kofi")
    qtbot.addWidget(dialog)
    dialog.born.setText("09/11/1978")
    dialog.sex.setCurrentIndex(dialog.sex.findData("M"))
    dialog._save()
    note = dialog.duplicates_note.text()
    assert note.startswith("Someone with the same date of birth and a similar name is held by another site or service")
    assert "Mensah" not in note and dialog.duplicates.count() == 0 and dialog.chosen_id is None
    dialog._save()  # seen the note; register anyway
    with navigator_context.store.unit_of_work() as uow:
        person = uow.session.get(Person, dialog.chosen_id)
        assert person is not None and (person.surname, person.created_by) == ("Mensa", navigator_context.actor.username)


def test_registering_asks_for_what_it_must_not_guess(qtbot: QtBot, navigator_context: AppContext) -> None:
    """No date of birth or sex is filled in for the user; every missing detail is listed at once; an impossible
    date is refused, never moved to a nearby day; nothing is saved until all is right."""
    dialog = RegisterPersonDialog(navigator_context)
    qtbot.addWidget(dialog)
    assert dialog.born.text() == "" and dialog.sex.currentIndex() == -1
    dialog._save()
    assert dialog.error.text().splitlines() == [
        "The surname is needed.",
        "The forenames are needed.",
        "The date of birth is needed.",
        "Choose the person's sex (Not known is one of the choices).",
    ]
    qtbot.keyClicks(dialog.surname, "Quill")
    qtbot.keyClicks(dialog.forenames, "Ada")
    qtbot.keyClicks(dialog.born, "31021990")
    dialog.sex.setCurrentIndex(dialog.sex.findData("U"))
    dialog._save()
    assert dialog.error.text() == "The date of birth: 31021990 is not a real date (there is no such day)."
    dialog.born.setText("1990-02-28")
    dialog._save()
    assert dialog.error.text() == "" and dialog.chosen_id is not None
    with navigator_context.store.unit_of_work() as uow:
        person = uow.session.get(Person, dialog.chosen_id)
        assert person is not None and (person.date_of_birth, person.sex) == (date(1990, 2, 28), "U")


def test_a_corrected_date_of_birth_is_checked_for_duplicates_again(qtbot: QtBot, navigator_context: AppContext) -> None:
    """A birth typed wrongly (in the future) finds no one and is refused; corrected, it is checked again and the
    person already held is shown before anyone new is registered."""
    dialog = RegisterPersonDialog(navigator_context, "hughs danny")
    qtbot.addWidget(dialog)
    dialog.born.setText("14/06/2091")
    dialog.sex.setCurrentIndex(dialog.sex.findData("M"))
    dialog._save()
    assert "in the future" in dialog.error.text() and dialog.chosen_id is None
    dialog.born.setText("14/06/1991")
    dialog._save()
    assert dialog.chosen_id is None and dialog.duplicates.count() == 1
    assert dialog.duplicates.item(0).text().startswith("HUGHES, Daniel")


def test_a_demo_filled_for_accounts_of_its_own_offers_no_demo_users(tmp_path: Path) -> None:
    """`main.py demo` into a database that then got its own administrator: the demo's users were never made, and the
    sign-in window must not offer them."""
    store = open_store(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    try:
        fill_demo_database(store, actor=command_line_actor(), people=30)
        create_first_administrator(
            store, username="admin.khan", display_name="Ayesha Khan", password="violet kettle harbour"
        )
        assert ensure_demo_users(store) == ""
        with store.unit_of_work() as uow:
            assert not uow.session.scalars(select(User.username).where(User.username.like("demo.%"))).all()
    finally:
        store.engine.dispose()
