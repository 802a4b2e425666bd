"""The new-arrest wizard's draft: which page it was on, what it had recorded already (the case), and every field.

Restoring goes back to that page with the fields filled in. Steps already recorded are not recorded again: the
wizard carries on with the case the arrest opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.drafts import FieldWidget, Values, read_fields, write_fields

if TYPE_CHECKING:
    from ui.arrest_wizard import NewArrestWizard

FLAGS = ("eligible", "tested", "positive", "required")


def fields(wizard: NewArrestWizard) -> dict[str, FieldWidget]:
    arrest, test, assessments = wizard.arrest_step.form, wizard.test_step.form, wizard.assessment_step.form
    found: dict[str, FieldWidget] = {
        "search": wizard.person_step.chooser.search,
        "offence": arrest.offence,
        "arrest_time": arrest.when,
        "custody_suite": arrest.site,
        "inspector": arrest.inspector,
        "grounds": arrest.grounds,
        "test_time": test.time,
        "service": assessments.service,
        "place": assessments.place,
        "initial_due": assessments.initial,
        "follow_up_due": assessments.follow_up,
    }
    found.update({f"result_{code}": button for code, button in test.buttons.items()})
    found.update({f"found_{code}": box for code, box in test.drugs.items()})
    return found


def snapshot(wizard: NewArrestWizard) -> Values:
    person_id = wizard.person_id if wizard.person_id is not None else wizard.person_step.chooser.person_id()
    return {
        "page": wizard.currentId(),
        "person_id": person_id,
        "case_id": wizard.case_id,
        "case_ref": wizard.case_ref,
        "explanation": wizard.explanation,
        **{flag: getattr(wizard, flag) for flag in FLAGS},
        "fields": read_fields(fields(wizard)),
    }


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def restore(wizard: NewArrestWizard, values: Values) -> None:
    from ui.arrest_wizard import ARREST, ASSESSMENTS, TEST  # imported here: the wizard imports this module

    person_id, case_id, page = _int(values.get("person_id")), _int(values.get("case_id")), values.get("page")
    if person_id is not None:
        wizard.person_id = person_id
    if case_id is not None:
        wizard.case_id = case_id
        wizard.case_ref = str(values.get("case_ref") or "")
        wizard.explanation = str(values.get("explanation") or "")
        for flag in FLAGS:
            setattr(wizard, flag, bool(values.get(flag)))
        if "tested" not in values:  # a draft kept before the flag was: a positive result, or its next page, says so
            wizard.tested = bool(values.get("positive")) or page == ASSESSMENTS
    if page in (TEST, ASSESSMENTS) and case_id is not None:
        start = page
    elif page == ARREST and wizard.person_id is not None:
        start = ARREST
    else:
        start = wizard.startId()
    if start != wizard.currentId():
        wizard.setStartId(start)
        wizard.restart()
    saved = values.get("fields")
    if isinstance(saved, dict):
        write_fields(fields(wizard), saved)
    if wizard.currentId() == ARREST and wizard.person_id is not None:
        # (restart() may not have run: a wizard opened from another person's record starts on this page, naming them)
        wizard.arrest_step.form.set_person(wizard.person_id)
    wizard.show_recorded()  # the page restored may hold a step already recorded
