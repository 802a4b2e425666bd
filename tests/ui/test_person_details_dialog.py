"""Correcting a person's details from their record: only what changed is saved, with the reason and the audit
entry; a bad detail, a missing reason or a change made meanwhile by someone else is refused in words and nothing
is written; a role that may not correct details has no button for it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from db.models import AuditEntry, Person, PersonChange
from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.services import people
from pathways.services.accounts import add_user
from pathways.store import Store
from tests.conftest import Clock
from tests.ui.test_conflicts import _in_modal
from ui.context import AppContext
from ui.person_details_dialog import PersonDetailsDialog
from ui.person_page import PersonPage

SMITH = Actor("jsmith", Role.CUSTODY_NAVIGATOR, "custody-pc-7", site="Basingstoke")
STALE = (
    "This person's details were changed by J. Smith at 14:32 while you were working on them. "
    "Reload them to see the change, then try again."
)


@pytest.fixture
def smith(ui_store: Store) -> Iterator[None]:
    add_user(
        ui_store,
        actor=Actor("admin.setup", Role.ADMINISTRATOR, "office-pc"),
        username=SMITH.username,
        display_name="J. Smith",
        role=SMITH.role,
        password="Basingstoke custody 7 navigator",
        site=SMITH.site,
        must_change_password=False,
    )
    yield


def _corrected(context: AppContext, reason: str, **changes: object) -> None:
    """Nowak's details corrected through the service, as another screen would (before the dialog under test)."""
    person_id = _nowak(context.store)
    shown = people.get_person(context.store, actor=context.actor, person_id=person_id)
    people.correct_person(
        context.store,
        actor=context.actor,
        person_id=person_id,
        reason=reason,
        expected_version=shown.version,
        **changes,
    )


def _nowak(store: Store) -> int:
    with store.unit_of_work() as uow:
        person_id = uow.session.scalar(select(Person.id).where(Person.surname == "Nowak"))
    assert person_id is not None
    return person_id


def _page(qtbot: QtBot, context: AppContext) -> PersonPage:
    page = PersonPage(context)
    qtbot.addWidget(page)
    page.show()
    page.show_person(_nowak(context.store))
    assert page.record is not None
    return page


def _dialog(qtbot: QtBot, page: PersonPage) -> PersonDetailsDialog:
    assert page.record is not None
    dialog = PersonDetailsDialog(page._context, page.record.person, page.record.changes)
    qtbot.addWidget(dialog)
    return dialog


def _written(store: Store, person_id: int) -> tuple[int, int, int]:
    """The person's version, their changes kept, and the successful corrections audited."""
    with store.unit_of_work() as uow:
        version = uow.session.scalar(select(Person.version).where(Person.id == person_id))
        changes = uow.session.scalar(select(func.count()).where(PersonChange.person_id == person_id))
        audited = uow.session.scalar(
            select(func.count()).where(
                AuditEntry.action == "correct_person", AuditEntry.record_id == person_id, AuditEntry.outcome == "ok"
            )
        )
    assert version is not None and changes is not None and audited is not None
    return version, changes, audited


def test_the_form_opens_on_the_details_shown(qtbot: QtBot, navigator_context: AppContext) -> None:
    dialog = _dialog(qtbot, _page(qtbot, navigator_context))
    assert (dialog.surname.text(), dialog.forenames.text(), dialog.born.text()) == ("Nowak", "Piotr", "02/03/2005")
    assert (dialog.sex.currentData(), dialog.ethnicity.currentData(), dialog.pnc.text()) == ("M", "C", "")
    assert dialog.born_hint.text() == "Born 2 Mar 2005"
    dialog.born.setText("31/02/2005")
    assert dialog.born_hint.text() == "31/02/2005 is not a real date (there is no such day)."  # as it is typed


def test_correcting_the_surname_and_date_of_birth_updates_the_record_and_the_audit(
    qtbot: QtBot, navigator_context: AppContext
) -> None:
    store = navigator_context.store
    page = _page(qtbot, navigator_context)
    person_id = _nowak(store)
    before = _written(store, person_id)
    seen: dict[str, str] = {}

    def correct(dialog: PersonDetailsDialog) -> None:
        dialog.surname.setText("Nowacki")
        dialog.born.setText("03/02/2005")
        dialog.reason.setText("mistyped at arrest; checked against his passport")
        dialog.save()
        seen["error"] = dialog.error.text()

    problems = _in_modal(PersonDetailsDialog, correct)
    page.details_button.click()
    assert problems == [] and seen == {"error": ""}
    now = people.get_person(store, actor=navigator_context.actor, person_id=person_id)
    assert (now.surname, now.forenames, now.date_of_birth) == ("Nowacki", "Piotr", date(2005, 2, 3))
    assert _written(store, person_id) == (before[0] + 1, before[1] + 2, before[2] + 1)
    with store.unit_of_work() as uow:
        kept = uow.session.execute(
            select(PersonChange.field, PersonChange.old_value, PersonChange.new_value, PersonChange.changed_by)
            .where(PersonChange.person_id == person_id)
            .order_by(PersonChange.id)
        ).all()
    assert [tuple(row) for row in kept] == [
        ("surname", "Nowak", "Nowacki", "test.custody_navigator"),
        ("date_of_birth", "2005-03-02", "2005-02-03", "test.custody_navigator"),
    ]
    # The page shows the new details, and the correction under them.
    assert page.title.text() == "NOWACKI, Piotr"
    assert page.details.text().startswith("Born 3 Feb 2005")
    assert page.corrections.isVisibleTo(page)
    assert "surname Nowak → Nowacki; date of birth 2 Mar 2005 → 3 Feb 2005." in page.corrections.text()
    assert "Reason: mistyped at arrest; checked against his passport" in page.corrections.text()
    assert page.status.text() == "The details are corrected."
    again = _dialog(qtbot, page)  # the next correction starts from the new details, and lists the earlier one
    assert (again.surname.text(), again.born.text(), again.history.count()) == ("Nowacki", "03/02/2005", 1)


def test_a_wrong_nhs_check_digit_is_refused_in_the_services_words(qtbot: QtBot, navigator_context: AppContext) -> None:
    store = navigator_context.store
    person_id = _nowak(store)
    before = _written(store, person_id)
    dialog = _dialog(qtbot, _page(qtbot, navigator_context))
    dialog.nhs.setText("943 476 5910")  # (943 476 5919 is valid)
    dialog.reason.setText("NHS number from the GP")
    dialog.save()
    assert dialog.error.text() == (
        "943 476 5910 is not a valid NHS number: it should be 10 digits with a correct check digit."
    )
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.nhs.text() == "943 476 5910"
    assert _written(store, person_id) == before


def test_the_reason_is_needed_and_something_must_change(qtbot: QtBot, navigator_context: AppContext) -> None:
    store = navigator_context.store
    person_id = _nowak(store)
    before = _written(store, person_id)
    dialog = _dialog(qtbot, _page(qtbot, navigator_context))
    dialog.reason.setText("checked")
    dialog.postcode.setText("")  # (none recorded, none typed)
    dialog.save()
    assert dialog.error.text() == "Nothing has been changed, so there is nothing to save: correct a detail, or Cancel."
    dialog.forenames.setText("Piotr Jan")
    dialog.reason.setText("   ")
    dialog.save()
    assert dialog.error.text() == "A correction needs a reason."
    dialog.born.setText("2/3/05")
    dialog.nhs.setText("943 476 5910")
    dialog.save()  # every problem at once
    assert dialog.error.text().split("\n") == [
        "The date of birth: “2/3/05” is not a date: write it as dd/mm/yyyy, e.g. 14/06/1991.",
        "943 476 5910 is not a valid NHS number: it should be 10 digits with a correct check digit.",
        "A correction needs a reason.",
    ]
    assert _written(store, person_id) == before


def test_a_detail_written_another_way_is_not_a_change(qtbot: QtBot, navigator_context: AppContext) -> None:
    _corrected(navigator_context, "from the GP", nhs_number="9434765919", postcode="rg21 7qw")
    dialog = _dialog(qtbot, _page(qtbot, navigator_context))
    assert (dialog.nhs.text(), dialog.postcode.text()) == ("9434765919", "RG21 7QW")
    dialog.nhs.setText("943 476 5919")
    dialog.postcode.setText("rg21 7qw")
    dialog.born.setText("02032005")
    assert dialog.changes() == {}


def test_a_change_made_meanwhile_is_refused_with_who_and_when_then_reloaded(
    qtbot: QtBot, navigator_context: AppContext, smith: None, clock: Clock
) -> None:
    store = navigator_context.store
    clock.at = datetime(2026, 11, 29, 14, 32, tzinfo=LONDON)
    person_id = _nowak(store)
    page = _page(qtbot, navigator_context)
    dialog = _dialog(qtbot, page)
    dialog.surname.setText("Nowacki")
    dialog.reason.setText("spelt as on his passport")
    shown = people.get_person(store, actor=SMITH, person_id=person_id)
    people.correct_person(  # meanwhile, at another desk, J. Smith adds his PNC ID
        store, actor=SMITH, person_id=person_id, reason="PNC check", expected_version=shown.version, pnc_id="26/12345X"
    )
    clock.at = datetime(2026, 11, 29, 14, 40, tzinfo=LONDON)
    after_smith = _written(store, person_id)
    dialog.save()
    assert dialog.error.text() == STALE
    assert dialog.reload_button.isVisibleTo(dialog) and dialog.surname.text() == "Nowacki"
    assert _written(store, person_id) == after_smith  # nothing of ours was written
    assert people.get_person(store, actor=SMITH, person_id=person_id).surname == "Nowak"
    assert "PNC ID 26/12345X" in page.details.text()  # the record behind shows J. Smith's change

    dialog.reload_button.click()
    assert dialog.status.text() == "Reloaded. Changed meanwhile: PNC ID."
    assert (dialog.pnc.text(), dialog.surname.text(), dialog.error.text()) == ("26/12345X", "Nowacki", "")
    assert dialog.history.count() == 1 and "by jsmith: PNC ID none → 26/12345X." in dialog.history.item(0).text()
    dialog.save()  # after a look at the change: again, and only the surname is saved
    assert dialog.result() == QDialog.DialogCode.Accepted
    now = people.get_person(store, actor=SMITH, person_id=person_id)
    assert (now.surname, now.pnc_id) == ("Nowacki", "26/12345X")
    assert _written(store, person_id)[1] == after_smith[1] + 1


def test_a_manager_has_no_button_and_the_service_refuses_them(
    qtbot: QtBot, manager_context: AppContext, navigator_context: AppContext
) -> None:
    page = _page(qtbot, manager_context)
    assert page.details_button.isHidden()
    assert not _page(qtbot, navigator_context).details_button.isHidden()
    person_id = _nowak(manager_context.store)
    before = _written(manager_context.store, person_id)
    dialog = _dialog(qtbot, page)  # (were it opened some other way)
    dialog.surname.setText("Nowacki")
    dialog.reason.setText("spelling")
    dialog.save()
    assert dialog.error.text() == "A manager cannot correct a person's details."
    assert _written(manager_context.store, person_id) == before


def test_render_for_a_look(qtbot: QtBot, navigator_context: AppContext, tmp_path: Path) -> None:
    """The page with a correction under the details, and the dialog listing it (saved for a look by eye)."""
    _corrected(navigator_context, "typed wrong at arrest", date_of_birth=date(2005, 2, 3))
    page = _page(qtbot, navigator_context)
    page.resize(1280, 700)
    dialog = _dialog(qtbot, page)
    dialog.show()
    dialog.nhs.setText("943 476 5910")
    dialog.save()
    qtbot.wait(50)  # (the dialog grows to show the problems)
    assert page.corrections.isVisible() and "date of birth" in page.corrections.text()
    assert "typed wrong at arrest" in page.corrections.text() and dialog.history.count() == 1
    assert "943 476 5910 is not a valid NHS number" in dialog.error.text() and dialog.isVisible()
    assert page.grab().save(str(tmp_path / "person-page.png"))  # (kept for a look by eye)
    assert dialog.grab().save(str(tmp_path / "person-details-dialog.png"))
