"""The form for one step asks for what that step takes (real widgets, a real SQLite database with the worked example).

Each step shows its choices, the typed fields it needs and those its definition names as optional, and nothing
else: a court order asks for the offence, a drug test for no place and no reason. Its service is chosen from the
administrator's list of services (a typo would hide the case from that provider's workers) and a site is chosen
from the sites or typed (a court need not be on the list).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from db.models import Case, Event
from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.definitions import TYPED_FIELDS
from pathways.reference import live_definition, reference_list, set_reference_entry
from pathways.services import dtoa, people
from pathways.services.records import person_record
from pathways.services.steps import record_step, start_case
from ui.add_event_dialog import AddEventDialog
from ui.choices import reference_names
from ui.context import AppContext
from ui.event_form import EventForm
from ui.start_case_dialog import StartCaseDialog

HANTS = "“Inclusion Hants” is not on the list of services. Choose one from the list, or ask an administrator to add it."


def _form(qtbot: QtBot, context: AppContext, pathway: str, event: str) -> EventForm:
    definition = live_definition(context.store, pathway)
    form = EventForm(definition, definition.event(event), context.store.clock(), None, reference_names(context))
    qtbot.addWidget(form)
    return form


def _labels(form: EventForm) -> list[str]:
    """The form's field labels as the user reads them, top to bottom."""
    layout = form.layout()
    assert isinstance(layout, QFormLayout)
    items = [layout.itemAt(row, QFormLayout.ItemRole.LabelRole) for row in range(layout.rowCount())]
    labels = [label for item in items if item is not None and isinstance(label := item.widget(), QLabel)]
    return [label.text().replace("&", "").rstrip(":") for label in labels]


def _person(context: AppContext) -> int:
    return people.register_person(
        context.store, actor=context.actor, surname="Graham", forenames="Lee", date_of_birth=date(1988, 4, 2), sex="M"
    ).id


def _cases_and_events(context: AppContext) -> tuple[int, int]:
    with context.store.unit_of_work() as uow:
        return (
            int(uow.session.scalar(select(func.count()).select_from(Case)) or 0),
            int(uow.session.scalar(select(func.count()).select_from(Event)) or 0),
        )


def _items(combo: QComboBox) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def _placeholder(combo: QComboBox) -> str:
    line = combo.lineEdit()
    assert line is not None  # (an editable list: it can be typed into)
    return line.placeholderText()


def test_each_step_shows_the_fields_it_takes_and_no_others(qtbot: QtBot, worker_context: AppContext) -> None:
    def shown(pathway: str, event: str) -> list[str]:
        return _labels(_form(qtbot, worker_context, pathway, event))

    assert shown("drr", "order_made") == [
        "When",
        "End of the order (needed)",
        "Testing interval",
        "Review hearings",
        "Court (needed)",
        "Treatment provider (needed)",
        "Offence",
        "Notes",
    ]
    assert shown("atr", "order_made")[-2:] == ["Offence", "Notes"]  # an order is made for an offence
    assert shown("drr", "test") == ["When", "Test result", "Substances found", "Notes"]  # no place, no reason
    assert shown("drr", "review") == ["When", "Result", "Substances found", "Court", "Notes"]
    assert shown("drr", "warning") == ["When", "Reason", "Notes"]
    assert shown("drr", "completed") == ["When", "Notes"]
    assert shown("rehab", "funding_approved") == ["When", "Planned admission", "Notes"]
    assert shown("dtoa", "assessment_required") == [
        "When",
        "Appointment date and time (needed)",
        "Kind of assessment",
        "Service (needed)",
        "Place (needed)",  # the notice must say where, though an import may leave it out
        "Notes",
    ]


def test_every_step_form_types_exactly_the_fields_its_definition_names(
    qtbot: QtBot, worker_context: AppContext
) -> None:
    """Across every pathway: a typed field is shown when the step needs it or names it as optional, never else."""
    names = reference_names(worker_context)
    for code in worker_context.store.definitions:
        definition = live_definition(worker_context.store, code)
        for spec in definition.events.values():
            form = EventForm(definition, spec, worker_context.store.clock(), None, names)
            qtbot.addWidget(form)
            named = {*spec.required, *spec.optional} - set(spec.choices)
            typed = {n for n in named if n in TYPED_FIELDS and n != "due_at"}
            assert set(form._texts) | set(form._listed) == typed, f"{code}/{spec.name}"
            assert (form.due is not None or form.due_typed is not None) == ("due_at" in named), f"{code}/{spec.name}"
            fields = [*form._texts.values(), *form._listed.values(), *form._combos.values(), form.due_typed]
            assert all(f.accessibleName() for f in fields if f is not None), f"{code}/{spec.name}"


def test_an_optional_due_date_is_typed_or_left_empty(qtbot: QtBot, worker_context: AppContext) -> None:
    form = _form(qtbot, worker_context, "rehab", "funding_approved")
    assert form.due_typed is not None and form.due_typed.text() == ""
    assert form.due_at() is None and form.due_time_known()  # no admission planned yet: none
    qtbot.keyClicks(form.due_typed, "20/04/2026")
    assert form.due_at() == datetime(2026, 4, 20, tzinfo=LONDON) and not form.due_time_known()


def test_the_service_and_the_site_are_chosen_from_the_lists(
    qtbot: QtBot, worker_context: AppContext, admin_context: AppContext
) -> None:
    store = worker_context.store
    set_reference_entry(  # a provider whose contract ended: no longer offered
        store,
        actor=admin_context.actor,
        list_name="services",
        code="old",
        label="Old Provider",
        flag=False,
        active=False,
    )
    form = _form(qtbot, worker_context, "drr", "order_made")
    service, site = form._listed["service"], form._listed["site"]
    services = [e.label for e in reference_list(store, "services")]
    assert _items(service) == services and "Old Provider" not in services
    assert _items(site) == [e.label for e in reference_list(store, "sites")] and "Basingstoke" in _items(site)
    assert service.currentIndex() == -1 and service.currentText() == ""  # nothing chosen for the user
    assert _placeholder(service) == "Choose…" and site.currentIndex() == -1
    assert _placeholder(site) == "Choose or type the court"
    assert (service.accessibleName(), site.accessibleName()) == ("Treatment provider", "Court")
    contact = _form(qtbot, worker_context, "arrest_referral", "contact")
    optional = contact._listed["service"]
    assert _placeholder(optional) == "Choose… (or leave empty)"
    site.setCurrentIndex(site.findText("Basingstoke"))
    service.setCurrentIndex(service.findText("CGL Portsmouth"))
    assert (form.values()["site"], form.values()["service"]) == ("Basingstoke", "CGL Portsmouth")
    site.setEditText("Winchester Crown Court")  # a court not on the list is kept as typed
    service.setEditText("cgl  portsmouth")  # typed to find it: recorded as the list spells it
    assert (form.values()["site"], form.values()["service"]) == ("Winchester Crown Court", "CGL Portsmouth")


def test_a_court_order_records_the_provider_chosen_and_refuses_one_not_on_the_list(
    qtbot: QtBot, worker_context: AppContext
) -> None:
    person_id = _person(worker_context)
    dialog = StartCaseDialog(worker_context, person_id)
    qtbot.addWidget(dialog)
    dialog.choose("drr")
    form = dialog.form()
    assert form is not None
    assert form.due_typed is not None
    qtbot.keyClicks(form.due_typed, "15/03/2027")
    for name, value in (("kind", "weekly"), ("result", "with_reviews")):
        form._combos[name].setCurrentIndex(form._combos[name].findData(value))
    site, service = form._listed["site"], form._listed["service"]
    assert site.lineEdit() is not None and service.lineEdit() is not None
    qtbot.keyClicks(site.lineEdit(), "Winchester Crown Court")
    qtbot.keyClicks(service.lineEdit(), "Inclusion Hants")
    offence = form._texts["offence"]
    qtbot.keyClicks(offence, "Theft from shop (Theft Act 1968 s.1)")
    before = _cases_and_events(worker_context)
    dialog._save()
    assert dialog.error.text() == HANTS
    assert dialog.result() != dialog.DialogCode.Accepted and _cases_and_events(worker_context) == before
    assert dialog.form() is form and service.currentText() == "Inclusion Hants"  # kept, to be put right
    service.setCurrentIndex(service.findText("Inclusion Hampshire"))
    dialog._save()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.result_recorded is not None
    with worker_context.store.unit_of_work() as uow:
        order = uow.session.get_one(Event, dialog.result_recorded.event_id)
        assert (order.site, order.service, order.offence) == (
            "Winchester Crown Court",
            "Inclusion Hampshire",
            "Theft from shop (Theft Act 1968 s.1)",
        )
    colleague = Actor("tw.colleague", Role.TREATMENT_WORKER, "clinic-pc-5", service="Inclusion Hampshire")
    cases = person_record(worker_context.store, actor=colleague, person_id=person_id).cases
    assert [c.case_ref for c in cases] == [dialog.result_recorded.case_ref]  # the provider's workers see it


def test_adding_a_referral_refuses_a_service_not_on_the_list_and_writes_nothing(
    qtbot: QtBot, navigator_context: AppContext
) -> None:
    store, navigator = navigator_context.store, navigator_context.actor
    now = store.clock()
    case = start_case(
        store,
        actor=navigator,
        person_id=_person(navigator_context),
        pathway="arrest_referral",
        event="contact",
        occurred_at=now.replace(hour=9),
        values={"reason": "voluntary_cell_sweep", "site": "Basingstoke"},
    )
    for hour, event in ((10, "screened"), (11, "assessed")):
        record_step(
            store, actor=navigator, case_id=case.case_id, event=event, occurred_at=now.replace(hour=hour), values={}
        )
    dialog = AddEventDialog(navigator_context, case.case_id, "arrest_referral")
    qtbot.addWidget(dialog)
    labels = [dialog.steps.item(i).text() for i in range(dialog.steps.count())]
    dialog.steps.setCurrentRow(labels.index("Referred to treatment"))
    form = dialog.form()
    assert form is not None and _labels(form) == ["When", "Service (needed)", "Notes"]
    service = form._listed["service"]
    service.setEditText("Inclusion Hants")
    before = _cases_and_events(navigator_context)
    dialog._save()
    assert dialog.error.text() == HANTS and _cases_and_events(navigator_context) == before
    service.setCurrentIndex(service.findText("Society of St James"))
    dialog._save()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.result_recorded is not None
    with store.unit_of_work() as uow:
        assert uow.session.get_one(Event, dialog.result_recorded.event_id).service == "Society of St James"


def test_adding_a_required_assessment_asks_for_its_place_and_writes_nothing_without_it(
    qtbot: QtBot, navigator_context: AppContext
) -> None:
    store, navigator = navigator_context.store, navigator_context.actor
    now = store.clock()
    case_id = dtoa.record_arrest(
        store, actor=navigator, person_id=_person(navigator_context), occurred_at=now - timedelta(hours=2),
        offence="theft_shop",
    ).case_id  # fmt: skip
    dtoa.record_test(
        store, actor=navigator, case_id=case_id, occurred_at=now - timedelta(hours=1), result="positive",
        substances=["cocaine"],
    )  # fmt: skip
    dialog = AddEventDialog(navigator_context, case_id, "dtoa")
    qtbot.addWidget(dialog)
    labels = [dialog.steps.item(i).text() for i in range(dialog.steps.count())]
    dialog.steps.setCurrentRow(labels.index("Assessment required (initial)"))
    form = dialog.form()
    assert form is not None and form.due_typed is not None  # (no time is suggested: it is typed)
    service = form._listed["service"]
    service.setCurrentIndex(service.findText("Inclusion Hampshire"))
    form.due_typed.setText(f"{now + timedelta(days=2):%d/%m/%Y} 10:00")
    before = _cases_and_events(navigator_context)
    dialog._save()
    assert dialog.error.text() == "Assessment required: give the place."
    assert _cases_and_events(navigator_context) == before
    form._texts["place"].setText("12 Church St, Basingstoke")
    dialog._save()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.result_recorded is not None
    with store.unit_of_work() as uow:
        assert uow.session.get_one(Event, dialog.result_recorded.event_id).place == "12 Church St, Basingstoke"
