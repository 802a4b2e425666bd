"""The arrest referral and youth pathway files, and DIVERT's rule across cases: loaded and read as data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pathways.actors import PERMISSIONS
from pathways.case_rules import EarlierCase, new_case_refusals
from pathways.definitions import PATHWAY_FOLDER, DefinitionError, PathwayDefinition, load_definition, load_definitions
from pathways.engine import Fact, check_event, check_timeline

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture(scope="module")
def definitions() -> dict[str, PathwayDefinition]:
    return load_definitions()


def test_the_new_pathway_files_load_with_their_vocabulary(definitions: dict[str, PathwayDefinition]) -> None:
    referral, youth = definitions["arrest_referral"], definitions["youth"]
    assert (referral.opening_events, referral.closing_events) == (("contact",), ("closed",))
    assert (youth.opening_events, youth.closing_events) == (("referral",), ("completed", "closed"))
    assert set(referral.events) == {
        "contact",
        "screened",
        "assessed",
        "referred",
        "treatment_started",
        "naloxone_supplied",
        "closed",
    }
    assert {"family_offered", "family_engaged", "session_attended", "assessed"} <= set(youth.events)
    assert {e.action for e in referral.events.values()} == {"record_referral_step"}
    assert {e.action for e in youth.events.values()} == {"record_youth_step"}
    assert {"record_referral_step", "record_youth_step"} <= set(PERMISSIONS)
    assert referral.event("contact").choices["reason"][:2] == ("required_assessment", "restriction_on_bail")
    assert "voluntary_cell_sweep" in referral.event("contact").choices["reason"]
    assert set(referral.event("closed").choices["reason"]) == {
        "care_plan_completed",
        "transferred",
        "dropped_out",
        "withdrawn_by_provider",
        "incomplete_other",
    }
    assert youth.eligibility is not None and youth.eligibility.max_age == 17
    assert youth.event("referral").needs_eligible and "youth_caution" in youth.event("referral").choices["kind"]
    keys = [f.key for f in referral.figures]
    assert keys[:3] == ["contacts", "people", "contact_reasons"] and "naloxone" in keys and "closed_reasons" in keys
    assert [f.key for f in youth.figures][:3] == ["referrals", "people", "referrals_by_level"]
    assert all(f.meaning for f in (*referral.figures, *youth.figures))


def test_every_coded_choice_has_words(definitions: dict[str, PathwayDefinition]) -> None:
    """Reasons and levels are shown to workers by their label, never as a code."""
    for code, field in (("arrest_referral", "reason"), ("youth", "kind"), ("youth", "reason")):
        definition = definitions[code]
        for event in definition.events.values():
            for value in event.choices.get(field, ()):
                assert value in definition.labels, (code, event.name, value)


def test_divert_holds_its_rule_across_cases(definitions: dict[str, PathwayDefinition]) -> None:
    (rule,) = definitions["divert"].case_rules
    assert rule.refuse_new_case_after == ("not_engaged",)
    assert "{case_ref}" in rule.message and "{date}" in rule.message
    assert definitions["arrest_referral"].case_rules == () and definitions["youth"].case_rules == ()


def test_a_pathway_rule_naming_an_unknown_event_fails_at_load(tmp_path: Path) -> None:
    text = (PATHWAY_FOLDER / "divert.toml").read_text().replace('"not_engaged"\nmessage', '"not_engagd"\nmessage', 1)
    (tmp_path / "divert.toml").write_text(text)
    with pytest.raises(DefinitionError, match="a pathway rule names unknown events \\['not_engagd'\\]"):
        load_definition(tmp_path / "divert.toml")


def _divert_case(ref: str, *facts: Fact) -> EarlierCase:
    return EarlierCase(ref, facts)


def test_no_new_divert_case_after_not_engaging(definitions: dict[str, PathwayDefinition]) -> None:
    divert = definitions["divert"]
    first = _divert_case("DIV-1", Fact("referral", at(3, 2)), Fact("not_engaged", at(3, 20)))
    (refusal,) = new_case_refusals(divert, [first], at(6, 1))
    assert refusal.case_ref == "DIV-1" and refusal.started_at == at(3, 2) and refusal.ended_at == at(3, 20)
    assert refusal.message == (
        "DIVERT is not offered again to someone who did not engage: this person did not engage with referral "
        "DIV-1 of 2 Mar 2026 (closed as not engaged on 20 Mar 2026)."
    )
    # A referral made before the person stopped engaging was allowed at the time.
    assert new_case_refusals(divert, [first], at(3, 10)) == []


def test_repeat_divert_referrals_are_allowed_after_engaging(definitions: dict[str, PathwayDefinition]) -> None:
    divert = definitions["divert"]
    engaged = _divert_case(
        "DIV-1", Fact("referral", at(1, 5)), Fact("assessment_attended", at(1, 9)), Fact("completed", at(1, 20))
    )
    still_open = _divert_case("DIV-2", Fact("referral", at(2, 5)))
    assert new_case_refusals(divert, [engaged, still_open], at(6, 1)) == []
    later = _divert_case("DIV-3", Fact("referral", at(4, 1)), Fact("not_engaged", at(4, 30)))
    earlier = _divert_case("DIV-0", Fact("referral", at(1, 1)), Fact("not_engaged", at(1, 2)))
    (refusal,) = new_case_refusals(divert, [earlier, engaged, later], at(6, 1))
    assert refusal.case_ref == "DIV-3"  # the latest case the person did not engage with is named
    assert new_case_refusals(definitions["arrest_referral"], [later], at(6, 1)) == []  # no such rule there


def test_an_arrest_referral_case_in_the_wrong_order_is_refused_in_its_words(
    definitions: dict[str, PathwayDefinition],
) -> None:
    referral = definitions["arrest_referral"]
    born = date(1980, 1, 1)
    contact = Fact("contact", at(5, 1), {"reason": "voluntary_cell_sweep", "site": "Bournemouth"})
    refer = Fact("referred", at(5, 1, 11), {"service": "EDP Drug and Alcohol Services"})
    assert check_event(referral, [contact], refer, born, NOW) == [
        "A referral to treatment follows an assessment: record the assessment first."
    ]
    closed = Fact("closed", at(5, 2), {"reason": "care_plan_completed"})
    assert check_event(referral, [contact], closed, born, NOW) == [
        "A care plan can only be completed after an assessment, and none is recorded."
    ]
    bad_reason = Fact("contact", at(5, 1), {"reason": "arrest"})
    (problem,) = check_event(referral, [], bad_reason, born, NOW)
    assert problem.startswith(
        "Contact: 'arrest' is not a choice for the reason; use required_assessment, restriction_on_bail"
    )
    whole = [
        contact,
        Fact("screened", at(5, 1, 11), {"substances": "opiates"}),
        Fact("assessed", at(5, 1, 12)),
        Fact("referred", at(5, 1, 13), {"service": "EDP"}),
        Fact("naloxone_supplied", at(5, 1, 14)),
        Fact("treatment_started", at(5, 8)),
        Fact("closed", at(8, 1), {"reason": "care_plan_completed"}),
    ]
    assert check_timeline(referral, whole, born, NOW) == []


def test_youth_interventions_are_for_under_18s(definitions: dict[str, PathwayDefinition]) -> None:
    youth = definitions["youth"]
    born = date(2008, 6, 15)
    on_18th_birthday = Fact("referral", datetime(2026, 6, 15, 9, tzinfo=UTC), {"kind": "youth_caution"})
    assert check_event(youth, [], on_18th_birthday, born, NOW) == [
        "The Youth substance-misuse interventions pathway is for people aged under 18: "
        "this person was 18 on the day of the referral."
    ]
    day_before = Fact("referral", datetime(2026, 6, 14, 9, tzinfo=UTC), {"kind": "youth_caution"})
    assert check_event(youth, [], day_before, born, NOW) == []
    session = Fact("session_attended", datetime(2026, 6, 20, tzinfo=UTC))
    assert check_event(youth, [day_before], session, born, NOW) == [
        "Intervention sessions follow the assessment: record the assessment first."
    ]
    family = Fact("family_engaged", datetime(2026, 6, 20, tzinfo=UTC))
    assert check_event(youth, [day_before], family, born, NOW) == [
        "The family can only take up support that was offered to them: record the offer first."
    ]
