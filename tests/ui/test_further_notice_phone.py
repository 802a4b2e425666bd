"""A further notice given from the appointments page carries the phone number held for the service (read, as every
notice is, from the case as it stands once the notice is recorded); with none held, the PDF leaves a line to write
it on."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.services import people
from pathways.services.appointments_view import Appointment, appointments_from
from pathways.store import Store
from reports.notice import write_notice
from tests.dtoa_case import assessment_required
from tests.listed_services import give_phone
from ui.appointment_dialogs import RescheduleDialog
from ui.context import AppContext

NAVIGATOR = Actor("nav.setup", Role.CUSTODY_NAVIGATOR, "custody-pc", site="Basingstoke")
ADMIN = Actor("admin.setup", Role.ADMINISTRATOR, "office-pc")
DUE = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)  # the clock fixture is 29 Nov 2026, 12:00
DRAMA_NUMBER = "01632 960123"  # Ofcom's numbers for drama (01632 960000 to 960999) reach nobody


def _appointment(store: Store, service: str) -> Appointment:
    """A positive DToA case whose initial assessment is due tomorrow at `service`, as the worklist shows it."""
    person = people.register_person(
        store, actor=NAVIGATOR, surname="Quinn", forenames="Ola", date_of_birth=date(1988, 2, 3), sex="F"
    )
    arrested = DUE - timedelta(days=1, hours=2)
    case_id = assessment_required(store, NAVIGATOR, person.id, arrested=arrested, due=DUE, service=service)
    listed = appointments_from(store, actor=NAVIGATOR, first_day=DUE.date())
    return next(a for a in listed if a.deadline.case_id == case_id)


def _give_further_notice(qtbot: QtBot, context: AppContext, appointment: Appointment) -> RescheduleDialog:
    dialog = RescheduleDialog(context, appointment)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.reason, "rang: in hospital that day")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == ""
    assert dialog.result() == dialog.DialogCode.Accepted
    return dialog


def _printed(tmp_path: Path, dialog: RescheduleDialog) -> str:
    notice = dialog.notice()
    assert notice is not None
    target = tmp_path / "further-notice.pdf"
    write_notice(target, notice)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(target).pages)


@pytest.mark.parametrize(
    ("phone", "printed"),
    [
        (DRAMA_NUMBER, f"Phone number for Inclusion Hampshire: {DRAMA_NUMBER}"),
        (None, "Phone number for Inclusion Hampshire: ______"),
    ],
)
def test_the_further_notice_gives_the_services_number_when_one_is_held(
    qtbot: QtBot, navigator_context: AppContext, tmp_path: Path, phone: str | None, printed: str
) -> None:
    store = navigator_context.store
    appointment = _appointment(store, "Inclusion Hampshire")
    if phone is not None:
        give_phone(store, "Inclusion Hampshire", phone)
    dialog = _give_further_notice(qtbot, navigator_context, appointment)
    notice = dialog.notice()
    assert notice is not None and notice.further_notice
    assert notice.service_phone == phone
    text = _printed(tmp_path, dialog)
    assert "This is a further notice." in text
    assert printed in text
