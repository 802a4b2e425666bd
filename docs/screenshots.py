"""Render the user guide's screenshots from the real app on a synthetic demo database.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots.py

Writes docs/images/*.png. Every person shown is synthetic (the demo generator), never a real record.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from pathways.actors import Actor, Role, command_line_actor  # noqa: E402
from pathways.demo_loader import ensure_demo_users, fill_demo_database  # noqa: E402
from pathways.errors import PathwaysError  # noqa: E402
from pathways.figure_index import REBUILDING as FIGURES_REBUILDING  # noqa: E402
from pathways.progress import Progress  # noqa: E402
from pathways.store import Store, open_store  # noqa: E402
from ui.context import AppContext  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.opening import Background  # noqa: E402
from ui.sign_in import OpenedDatabase, SignInDialog  # noqa: E402
from ui.start import WAITING_WHERE  # noqa: E402

IMAGES = ROOT / "docs" / "images"


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait until the screen shows what the picture is of; a picture of an empty screen is an error."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        QTest.qWait(25)
    if not condition():
        raise RuntimeError("the screen did not show what the picture needs within the time allowed")


def basingstoke_surname(store: Store) -> str:
    """A surname of someone with a case at Basingstoke, whom the Basingstoke navigator may see."""
    from sqlalchemy import select

    from db.models import Case, Person

    with store.unit_of_work() as uow:
        surname = uow.session.scalars(
            select(Person.surname)
            .join(Case, Case.person_id == Person.id)
            .where(Case.first_site == "Basingstoke", Case.pathway == "dtoa")
            .order_by(Case.first_event_at.desc())
        ).first()
    assert surname is not None, "the demo data has someone arrested at Basingstoke"
    return surname


def save(widget: QWidget, name: str) -> None:
    QTest.qWait(100)
    widget.grab().save(str(IMAGES / f"{name}.png"))
    print("wrote", name)


def window(store: Store, role: Role, **where: str) -> MainWindow:
    actor = Actor(
        f"demo.{role.value.split('_')[-1]}", role, "demo-pc", site=where.get("site"), service=where.get("service")
    )
    shown = MainWindow(AppContext(store, actor, demo=True), "pathways-demo.sqlite")
    shown.resize(1280, 800)
    shown.show()
    return shown


def navigator_screens(store: Store) -> None:
    main = window(store, Role.CUSTODY_NAVIGATOR, site="Basingstoke")
    main.find_page.search.setText(basingstoke_surname(store).lower())
    wait_for(lambda: main.find_page.model.rowCount() > 0)
    save(main, "find-person")
    main.find_page._open_first()
    save(main, "person-record")
    main.close()


def worker_screens(store: Store) -> None:
    main = window(store, Role.TREATMENT_WORKER, service="Inclusion Hampshire")
    page = main.appointments_page
    main.pages.setCurrentWidget(page)
    page.show_list("overdue")
    wait_for(lambda: page.lists["overdue"].model.rowCount() > 0)
    save(main, "appointments-overdue")
    main.close()


def arrest_screens(store: Store) -> None:
    from ui.arrest_wizard import NewArrestWizard
    from ui.operations import OperationRunner

    runner = OperationRunner()
    navigator = Actor("demo.navigator", Role.CUSTODY_NAVIGATOR, "demo-pc", site="Basingstoke")
    context = AppContext(store, navigator, demo=True)
    wizard = NewArrestWizard(context, runner)
    wizard.show()
    chooser = wizard.person_step.chooser
    chooser.search.setText(basingstoke_surname(store).lower()[:4])
    wait_for(lambda: chooser.model.rowCount() > 0)
    save(wizard, "arrest-1-person")
    wizard.next()
    form = wizard.currentPage().form  # type: ignore[attr-defined]
    form.offence.setCurrentIndex(form.offence.findText("Common assault", Qt.MatchFlag.MatchStartsWith))
    form.inspector.setText("Insp. Ward")
    form.grounds.setText("seen smoking from a crack pipe on arrest")
    save(wizard, "arrest-2-arrest")
    wizard.next()
    wizard.currentPage().form.drugs["cocaine"].setChecked(True)  # type: ignore[attr-defined]
    save(wizard, "arrest-3-test")
    wizard.next()
    wizard.currentPage().form.place.setText("Inclusion, 12 Church Street, Basingstoke RG21 7QW")  # type: ignore[attr-defined]
    save(wizard, "arrest-4-assessments")
    wizard.next()
    save(wizard, "arrest-5-notice")
    wizard.close()
    runner.wait()


def manager_screens(store: Store) -> None:
    main = window(store, Role.MANAGER)
    page = main.reports_page
    main.pages.setCurrentWidget(page)
    page.start.setDate(page.start.date().addMonths(-11))
    page.count()
    wait_for(lambda: page.answer is not None)
    page.preview()
    wait_for(lambda: page.preview_pane.document.pageCount() > 0)
    save(main, "reports")
    main.close()


def admin_screens(store: Store, folder: Path) -> None:
    from ui.import_dialog import ImportDialog

    main = window(store, Role.ADMINISTRATOR)
    bad = folder / "bad"
    bad.mkdir()
    (bad / "people.csv").write_text(
        "person_ref,surname,forenames,date_of_birth,sex\nP1,Doe,Jo,1990-02-31,F\nP2,Roe,Sam,1988-05-04,male\n"
    )
    (bad / "events.csv").write_text("person_ref,case_ref,pathway,event,occurred_at\nP2,C2,dtoa,test,2024-01-01\n")
    dialog = ImportDialog(main.context, main.runner, main, path=bad)
    dialog.resize(900, 520)
    dialog.show()
    dialog.start(dry_run=True)
    wait_for(lambda: dialog.report is not None)
    save(dialog, "import-refused")
    dialog.close()
    if hasattr(main, "admin_page"):
        main.pages.setCurrentWidget(main.admin_page)
        save(main, "administration")
    main.close()


def scheme_screens(store: Store) -> None:
    """Checkpoint screening and contract, a group programme's register, a new case, and the idle lock."""
    from datetime import date, datetime, timedelta

    from pathways.clock import LONDON
    from pathways.services import people
    from pathways.services.programmes import create_programme, enrol
    from pathways.services.steps import record_step, start_case
    from ui.contract_builder import ContractBuilderDialog
    from ui.screening_dialog import ScreeningDialog
    from ui.start_case_dialog import StartCaseDialog

    navigator = Actor("demo.navigator", Role.CUSTODY_NAVIGATOR, "demo-pc", site="Basingstoke")
    context = AppContext(store, navigator, demo=True)
    person = people.register_person(
        store, actor=navigator, surname="Okafor", forenames="Grace", date_of_birth=date(1994, 5, 17), sex="F"
    )
    arrested = datetime.now(LONDON) - timedelta(hours=6)
    case = start_case(
        store,
        actor=navigator,
        person_id=person.id,
        pathway="checkpoint",
        event="arrest",
        occurred_at=arrested,
        values={"site": "Basingstoke", "offence": "Theft from shop"},
    )
    screening = ScreeningDialog(context, case.case_id)
    screening.resize(760, 820)
    screening.show()
    save(screening, "checkpoint-screening")
    screening.close()
    for hours, (event, values) in enumerate(
        [("screened", {"result": "eligible"}), ("offered", {}), ("needs_assessed", {"conditions": "drugs;housing"})],
        start=1,
    ):
        record_step(
            store,
            actor=navigator,
            case_id=case.case_id,
            event=event,
            occurred_at=arrested + timedelta(hours=hours),
            values=values,
        )
    builder = ContractBuilderDialog(context, case.case_id)
    builder.show()
    save(builder, "contract-builder")
    builder.close()
    starting = StartCaseDialog(context, person.id)
    starting.choose("arrest_referral")  # (the first of the list, a court order, is not a navigator's to start)
    starting.show()
    save(starting, "start-case")
    starting.close()

    admin = Actor("demo.admin", Role.ADMINISTRATOR, "demo-pc")
    worker = Actor("demo.worker", Role.TREATMENT_WORKER, "demo-pc", service="Inclusion Hampshire")
    first = datetime.now(LONDON).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(weeks=5)
    programme = create_programme(
        store,
        actor=admin,
        code="SMART-1",
        name="SMART Recovery group",
        first_session_at=first,
        sessions=12,
        service="Inclusion Hampshire",
        site="Basingstoke Discovery Centre",
    )
    for surname, forenames in (("Adeyemi", "Tom"), ("Baxter", "Lee"), ("Carey", "Sam"), ("Dunn", "Ali")):
        member = people.register_person(
            store, actor=worker, surname=surname, forenames=forenames, date_of_birth=date(1985, 6, 1), sex="M"
        )
        enrol(
            store, actor=worker, programme_id=programme.id, person_id=member.id, occurred_at=first - timedelta(days=1)
        )
    main = window(store, Role.TREATMENT_WORKER, service="Inclusion Hampshire")
    page = main.page("programmes")
    main.pages.setCurrentWidget(page)
    wait_for(lambda: getattr(page, "attendance", None) is not None)
    save(main, "programme-register")
    main.idle_lock.lock()
    QTest.qWait(100)
    assert main.idle_lock.dialog is not None
    save(main.idle_lock.dialog, "idle-lock")
    main.idle_lock.dialog.done(0)
    main.close()


def records_screens(store: Store) -> None:
    """Consent to share, a print refused for want of it, and the administrator's Records tab."""
    from sqlalchemy import select

    from db.models import Case, Consent
    from ui.consent_dialog import ConsentDialog
    from ui.share_dialog import ShareDialog

    with store.unit_of_work() as uow:
        declined = uow.session.scalars(
            select(Consent.person_id)
            .join(Case, Case.person_id == Consent.person_id)
            .where(Consent.recipient == "police", Consent.purpose == "prosecution", ~Consent.agreed)
            .where(Case.first_site == "Basingstoke")
            .order_by(Consent.person_id)
        ).first()
    assert declined is not None, "the demo data has someone at Basingstoke who declined to share with the police"
    main = window(store, Role.CUSTODY_NAVIGATOR, site="Basingstoke")
    consent = ConsentDialog(main.context, declined, main)
    consent.show()
    save(consent, "consent-to-share")
    consent.close()
    share = ShareDialog(main.context, declined, "Failure-to-attend summary for the police", ["police"], main)
    share.show()
    share.purpose.setCurrentIndex(share.purpose.findData("prosecution"))
    save(share, "share-refused")
    share.close()
    main.close()
    admin = window(store, Role.ADMINISTRATOR)
    admin.pages.setCurrentWidget(admin.admin_page)
    admin.admin_page.tabs.setCurrentWidget(admin.admin_page.records)
    wait_for(lambda: admin.admin_page.records.status.text() != "Loading…")
    save(admin, "administration-records")
    admin.close()


def details_screens(store: Store) -> None:
    """Correcting a person's details: a date of birth mistyped at arrest, after an earlier correction of the name."""
    from datetime import date

    from pathways.services import people
    from ui.person_details_dialog import PersonDetailsDialog
    from ui.person_page import PersonPage

    navigator = Actor("demo.navigator", Role.CUSTODY_NAVIGATOR, "demo-pc", site="Basingstoke")
    context = AppContext(store, navigator, demo=True)
    person = people.register_person(
        store, actor=navigator, surname="Whitfeld", forenames="Aaron", date_of_birth=date(1993, 8, 12), sex="M"
    )
    people.correct_person(
        store,
        actor=navigator,
        person_id=person.id,
        reason="spelt as on his driving licence",
        expected_version=person.version,
        surname="Whitfield",
    )
    page = PersonPage(context)
    page.show_person(person.id)
    assert page.record is not None
    dialog = PersonDetailsDialog(context, page.record.person, page.record.changes)
    dialog.show()
    dialog.born.setText("21/08/1993")
    dialog.reason.setText("date of birth mistyped at arrest; checked against his driving licence")
    save(dialog, "correct-details")
    dialog.close()
    page.close()


def opening_screen() -> None:
    """The sign-in window of a first opening after an update, as it counts the cases it prepares; the user has
    typed their name and password and asked to sign in."""
    looked = threading.Event()

    def opening(progress: Progress) -> OpenedDatabase:  # as open_store reports when it makes the figures again
        progress(FIGURES_REBUILDING, 243_000, 655_909)
        looked.wait(10)
        raise PathwaysError("The picture is taken.")  # (ends the opening: there is no database behind it)

    dialog = SignInDialog(None, where=WAITING_WHERE, opening=Background(opening))
    dialog.username.setText("demo.worker")
    dialog.password.setText("a password")
    dialog.show()
    dialog._sign_in()
    wait_for(lambda: dialog.progress.value() > 0)
    save(dialog, "sign-in-opening")
    looked.set()
    wait_for(lambda: dialog.failure is not None)
    dialog.close()


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'demo.sqlite'}")
        fill_demo_database(store, actor=command_line_actor(), people=400, seed=1)
        ensure_demo_users(store)
        navigator_screens(store)
        arrest_screens(store)
        worker_screens(store)
        manager_screens(store)
        admin_screens(store, Path(folder))
        scheme_screens(store)
        records_screens(store)
        details_screens(store)
        store.engine.dispose()
    opening_screen()
    app.quit()


if __name__ == "__main__":
    main()
