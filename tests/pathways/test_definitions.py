"""Pathway definitions are data: loaded, checked for typos, and enough to run a new local scheme."""

from __future__ import annotations

import shutil
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pathways.case_figures import figures_basis
from pathways.clock import LONDON
from pathways.definitions import PATHWAY_FOLDER, DefinitionError, load_definition, load_definitions, parse_definition
from pathways.engine import Fact, check_timeline, eligibility, open_deadlines, stage

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_the_shipped_definitions_load() -> None:
    definitions = load_definitions()
    assert {"dtoa", "checkpoint", "divert"} <= set(definitions)
    dtoa = definitions["dtoa"]
    assert dtoa.version >= 1 and dtoa.event("test").needs_eligible
    assert [f.key for f in dtoa.figures][:3] == ["cases", "people", "eligible"]


def test_a_typo_in_a_rule_fails_at_load(tmp_path: Path) -> None:
    text = (
        (PATHWAY_FOLDER / "dtoa.toml")
        .read_text()
        .replace('event = "assessment_missed"', 'event = "assesment_missed"', 1)
    )
    (tmp_path / "dtoa.toml").write_text(text)
    with pytest.raises(DefinitionError, match="names unknown events \\['assesment_missed'\\]"):
        load_definition(tmp_path / "dtoa.toml")
    (tmp_path / "broken.toml").write_text("[pathway\ncode=")
    with pytest.raises(DefinitionError, match="cannot be read as a pathway definition"):
        load_definition(tmp_path / "broken.toml")


def test_a_step_names_the_typed_fields_it_may_also_take() -> None:
    definitions = load_definitions()
    drr, atr = definitions["drr"], definitions["atr"]
    assert drr.event("order_made").optional == ("offence",) == atr.event("order_made").optional  # made for an offence
    assert drr.event("test").optional == () and drr.event("review").optional == ("site",)  # (the court)
    assert definitions["rehab"].event("funding_approved").optional == ("due_at",)  # the planned admission


@pytest.mark.parametrize(
    ("old", "new", "refusal"),
    [
        ('optional = ["offence"]', 'optinal = ["offence"]', r"event order_made has unknown keys \['optinal'\]"),
        ('optional = ["offence"]', 'optional = ["ofence"]', r"event order_made names unknown fields \['ofence'\]"),
        ('optional = ["offence"]', 'optional = ["offence", "kind"]', r"lists \['kind'\] as optional, but only typed"),
        ('optional = ["offence"]', 'optional = ["site"]', r"lists \['site'\] as optional and as required or a choice"),
        (
            'optional = ["offence"]',
            'optional = ["offence"]\nscreen_required = ["site"]',
            r"lists \['site'\] as screen_required, but only its optional fields can be",
        ),
        ("[labels]", "[label]", r"the file has unknown keys \['label'\]"),
        ("version = 1", 'version = 1\nclosing = ["completed"]', r"\[pathway\] has unknown keys \['closing'\]"),
    ],
)
def test_a_misspelt_key_or_field_fails_at_load(tmp_path: Path, old: str, new: str, refusal: str) -> None:
    """A key the loader does not read would be dropped unseen: the file is refused instead, naming it."""
    text = (PATHWAY_FOLDER / "drr.toml").read_text()
    assert old in text
    (tmp_path / "drr.toml").write_text(text.replace(old, new, 1))
    with pytest.raises(DefinitionError, match=f"^drr.toml: .*{refusal}"):
        load_definition(tmp_path / "drr.toml")


def test_the_fields_a_step_may_take_leave_each_cases_figures_as_they_are() -> None:
    """A kept case-figures row is reworked when its pathway's figures_basis changes (on the next open of the
    database, every case of the pathway). Which typed fields a form offers is no counting rule: the basis is the same
    with the `optional` (and `screen_required`) lists as without them."""
    for path in sorted(PATHWAY_FOLDER.glob("*.toml")):
        text = path.read_text()
        lines = text.splitlines(keepends=True)
        without = "".join(line for line in lines if not line.startswith(("optional =", "screen_required =")))
        assert without != text, path.name
        plain, shipped = parse_definition(tomllib.loads(without), path.name), load_definition(path)
        assert all(not e.optional for e in plain.events.values())
        assert figures_basis(plain) == figures_basis(shipped), path.name


def test_a_new_local_scheme_is_a_data_file_and_no_code(tmp_path: Path) -> None:
    """A women's diversion scheme (a variation on DIVERT) added by dropping one file in the folder."""
    shutil.copy(PATHWAY_FOLDER / "dtoa.toml", tmp_path)
    (tmp_path / "womens_diversion.toml").write_text(
        """
[pathway]
code = "womens_diversion"
name = "Women's diversion scheme"
version = 1
opening_events = ["referral"]
closing_events = ["completed", "withdrawn"]

[eligibility]
event = "referral"
min_age = 18

[events.referral]
label = "Referral"
stage = "Referred"
once = "This case already has a referral."

[events.appointment_booked]
label = "Key-worker appointment booked"
stage = "Booked"
required = ["due_at", "service"]

[events.appointment_attended]
label = "Key-worker appointment attended"
stage = "Engaged"
needs_eligible = true
[[events.appointment_attended.needs]]
event = "appointment_booked"
message = "An appointment cannot be attended before one was booked."

[events.completed]
label = "Completed"
stage = "Completed"
[[events.completed.needs]]
event = "appointment_attended"
message = "The scheme is completed by attending the key-worker appointments."

[events.withdrawn]
label = "Withdrawn"
stage = "Withdrawn"

[[deadlines]]
set_by = "appointment_booked"
label = "Key-worker appointment"
met_by = ["appointment_attended"]

[[figures]]
key = "referrals"
count = "cases"
meaning = "Referrals."
"""
    )
    definitions = load_definitions(tmp_path)
    scheme = definitions["womens_diversion"]
    born = date(1990, 5, 1)
    early = [Fact("referral", at(1)), Fact("appointment_attended", at(2))]
    problems = check_timeline(scheme, early, born, NOW)
    assert [p.message for p in problems] == ["An appointment cannot be attended before one was booked."]
    booked = Fact("appointment_booked", at(1, 11), {"service": "Nelson Trust"}, due_at=at(8))
    good = [Fact("referral", at(1)), booked]
    assert check_timeline(scheme, good, born, NOW) == []
    assert [(d.label, d.due_at) for d in open_deadlines(scheme, good)] == [("Key-worker appointment", at(8))]
    finished = [*good, Fact("appointment_attended", at(8)), Fact("completed", at(20))]
    assert check_timeline(scheme, finished, born, NOW) == [] and stage(scheme, finished) == "Completed"
    assert (
        eligibility(scheme, finished, date(2010, 1, 1)).explain()
        == "not eligible: aged 16 on that day (the minimum is 18)"
    )


def test_a_group_session_is_marked_once_however_its_moment_is_written() -> None:
    """`same = ["kind", "occurred_at"]` compares moments as moments: 10:00 in London in summer is 09:00 UTC."""
    programme = load_definitions()["group_programme"]
    enrolled = Fact("enrolled", at(1), {"kind": "FREE-2026"})
    session = datetime(2026, 6, 1, 9, tzinfo=UTC)
    attended = Fact("session_attended", session, {"kind": "FREE-2026"})
    born = date(1990, 5, 1)
    again = Fact("session_missed", session.astimezone(LONDON), {"kind": "FREE-2026"})
    problems = check_timeline(programme, [enrolled, attended, again], born, NOW)
    assert [(p.index, p.message) for p in problems] == [
        (2, "This session is already marked on the register; correct the mark instead of adding another.")
    ]
    next_week = Fact("session_missed", session + timedelta(days=7), {"kind": "FREE-2026"})
    other_programme = Fact("session_missed", session, {"kind": "OTHER-2026"})
    assert check_timeline(programme, [enrolled, attended, next_week], born, NOW) == []
    refused = check_timeline(programme, [enrolled, attended, other_programme], born, NOW)
    assert [p.message for p in refused] == [
        "A session can only be marked for someone enrolled on programme OTHER-2026 before the session started."
    ]


def test_checkpoint_needs_are_not_assessed_once_it_has_ended() -> None:
    """A prosecuted case must not go on to show the stage "Needs assessed" (seen in the demo's summaries)."""
    checkpoint = load_definitions()["checkpoint"]
    born = date(1990, 5, 1)

    def on(day: int, name: str, **values: str) -> Fact:
        return Fact(name, datetime(2026, 6, day, 10, tzinfo=LONDON), values)

    running = [
        on(1, "arrest", site="Durham", offence="theft_shop"),
        on(2, "screened", result="eligible"),
        on(3, "offered"),
        on(4, "needs_assessed", conditions="housing"),
    ]
    assert check_timeline(checkpoint, running, born, NOW) == [] and stage(checkpoint, running) == "Needs assessed"
    for ending in ("declined", "prosecuted"):
        ended = [*running[:3], on(5, ending, reason="other"), on(6, "needs_assessed", conditions="housing")]
        problems = [p.message for p in check_timeline(checkpoint, ended, born, NOW)]
        assert problems == ["Needs are assessed while Checkpoint runs; on this case it has already ended."], ending


def test_checkpoint_is_for_adults() -> None:
    """DOMAIN.md: Checkpoint is "for adults (18+)". A 17-year-old's arrest does not open a Checkpoint case (the demo
    made one, screened eligible and under contract); at 18 on the day of the arrest it does."""
    checkpoint = load_definitions()["checkpoint"]
    arrest = [Fact("arrest", datetime(2026, 6, 1, 10, tzinfo=LONDON), {"site": "Durham"})]
    problems = [p.message for p in check_timeline(checkpoint, arrest, date(2008, 6, 2), NOW)]
    assert problems == [
        "The Checkpoint (deferred prosecution) pathway is for people aged 18 or over: this person was 17 on the day "
        "of the arrest."
    ]
    assert check_timeline(checkpoint, arrest, date(2008, 6, 1), NOW) == []
