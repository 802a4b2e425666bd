"""Screening instruments are data: each Checkpoint rule, each PGSI band boundary, bad answers and bad files."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pathways.definitions import load_definitions
from pathways.errors import InvalidInput, NotFound
from pathways.instruments import (
    INSTRUMENT_FOLDER,
    AnswerError,
    Instrument,
    InstrumentError,
    answers_from_json,
    answers_to_json,
    evaluate,
    how_long_ago,
    load_instrument,
    load_instruments,
    overridden,
)

ON = date(2026, 11, 29)
HELD = load_instruments()
DURHAM = HELD.get("checkpoint-eligibility")
CYMRU = HELD.get("checkpoint-cymru-eligibility")
PGSI = HELD.get("pgsi")


def durham_answers(**changes: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "age": 34,
        "lives_in_area": "yes",
        "offence_in_area": "yes",
        "offence_date": date(2026, 11, 8),
        "offence_group": "theft",
        "admission": "admitted",
        "suitable_out_of_court": "yes",
        "court_order": "no",
        "on_bail": "no",
        "detained": "no",
        "co_accused": "no",
    }
    return {**answers, **changes}


def cymru_answers(**changes: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "age": 34,
        "lives_in_area": True,
        "offence_in_area": True,
        "offence_date": "2026-11-08",
        "summary_only": False,
        "suitable_out_of_court": True,
        "court_order_or_bail": False,
        "admission": "admitted",
        "agrees": True,
    }
    return {**answers, **changes}


def pgsi_answers(score: int) -> dict[str, object]:
    """Nine answers adding up to `score`, filled from the first item (3 each) onwards."""
    answers: dict[str, object] = {}
    for item in PGSI.questions:
        answers[item.key] = min(3, score)
        score -= min(3, score)
    return answers


def test_the_shipped_instruments_fit_the_pathways_they_apply_to() -> None:
    definitions = load_definitions()
    assert {i.code for i in HELD.latest()} >= {"checkpoint-eligibility", "checkpoint-cymru-eligibility", "pgsi"}
    for instrument in HELD.latest():
        assert instrument.applies_to, instrument.code
        for pathway, event in instrument.applies_to:
            spec = definitions[pathway].event(event)
            assert set(instrument.outcome_codes()) <= set(spec.choices["result"]), instrument.code
    assert [i.code for i in HELD.for_step("checkpoint", "screened")] == [
        "checkpoint-cymru-eligibility",
        "checkpoint-eligibility",
    ]
    assert [i.code for i in HELD.for_step("gambling", "screened")] == ["pgsi"]


def test_eligible_lists_every_answer_in_words() -> None:
    outcome = evaluate(DURHAM, durham_answers(), ON)
    assert outcome.code == "eligible" and outcome.eligible is True and outcome.score is None
    assert outcome.explanation == (
        "eligible: aged 34; lives in the force area; offence in the force area; offence 3 weeks ago (8 Nov 2026); "
        "offence group: theft, any theft offence; admitted the offence; suitable for an out-of-court disposal; "
        "no court order, suspended sentence or conditional discharge; not on bail for another matter; "
        "not detained for court or under the Mental Health Act; no co-accused"
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"age": 17}, "aged 17: Checkpoint is for adults aged 18 or over"),
        ({"lives_in_area": "no"}, "does not live in the Durham Constabulary force area"),
        ({"offence_in_area": False}, "the offence was not committed in County Durham or Darlington"),
        ({"offence_date": date(2026, 8, 29)}, "the offence was committed 3 months ago (29 Aug 2026), and Checkpoint"),
        ({"offence_group": "sexual"}, "the offence is in an excluded group (sexual offences, e.g. rape)"),
        ({"offence_group": "serious"}, "the offence is in an excluded group (a serious offence, e.g. murder, robbery"),
        ({"offence_group": "domestic_abuse"}, "the offence is in an excluded group (domestic abuse)"),
        ({"offence_group": "hate_crime"}, "the offence is in an excluded group (hate crime)"),
        ({"offence_group": "driving"}, "the offence is in an excluded group (driving offences)"),
        ({"admission": "denied_evidence"}, "denied the offence, with enough evidence to charge: Checkpoint needs"),
        ({"admission": "no_evidence"}, "no admission, and not enough evidence to charge: Checkpoint needs"),
        ({"suitable_out_of_court": "no"}, "the offence is not suitable for an out-of-court disposal"),
        ({"court_order": "yes"}, "subject to a court order, suspended sentence or conditional discharge"),
        ({"on_bail": True}, "on police or court bail for another matter"),
        ({"detained": "yes"}, "detained for court or under the Mental Health Act"),
        ({"co_accused": "yes"}, "there is a co-accused: Checkpoint does not take cases with a co-accused"),
    ],
)
def test_each_durham_rule_excludes_with_its_reason(change: dict[str, object], reason: str) -> None:
    outcome = evaluate(DURHAM, durham_answers(**change), ON)
    assert outcome.code == "ineligible" and outcome.eligible is False
    assert len(outcome.reasons) == 1 and outcome.reasons[0].startswith(reason)
    assert outcome.explanation == f"not eligible: {outcome.reasons[0]}"


def test_every_reason_is_given_not_only_the_first() -> None:
    outcome = evaluate(DURHAM, durham_answers(age=17, offence_group="hate_crime", co_accused="yes"), ON)
    assert len(outcome.reasons) == 3
    assert outcome.explanation.startswith("not eligible: aged 17: Checkpoint is for adults aged 18 or over; ")


@pytest.mark.parametrize(
    ("change", "eligible"),
    [
        ({"age": 18}, True),
        ({"age": 17}, False),
        ({"offence_date": date(2026, 8, 30)}, True),  # a day under 3 calendar months
        ({"offence_date": date(2026, 8, 29)}, False),  # exactly 3 calendar months
        ({"offence_date": ON}, True),
    ],
)
def test_durham_boundaries(change: dict[str, object], eligible: bool) -> None:
    assert evaluate(DURHAM, durham_answers(**change), ON).eligible is eligible


def test_missing_and_badly_typed_answers_are_all_listed() -> None:
    answers = durham_answers(age="thirty", lives_in_area="maybe", offence_group="arson", offence_date="29/02/2026")
    del answers["co_accused"]
    answers["colour"] = "blue"
    with pytest.raises(AnswerError) as raised:
        evaluate(DURHAM, answers, ON)
    problems = raised.value.problems
    assert problems == (
        "'colour' is not a question of Checkpoint eligibility (Durham).",
        "The answer to “How old is the person today?” is a whole number, not 'thirty'.",
        "The answer to “Does the person live in the Durham Constabulary force area (County Durham and Darlington)?” "
        "is yes or no, not 'maybe'.",
        "The answer to “On what day was the offence committed?” is a date, not '29/02/2026'.",
        problems[4],
        "Not answered: “Is anyone else accused of this offence (a co-accused)?”",
    )
    assert problems[4].startswith("The answer to “Which group is the offence in?” is one of: theft, any theft")
    assert isinstance(raised.value, InvalidInput)  # the services' usual error, shown to the user as it is


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"age": 121}, "cannot be more than 120"),
        ({"age": True}, "is a whole number, not 'True'"),
        ({"offence_date": date(2026, 11, 30)}, "(30 Nov 2026) is after the day of the screening"),
        ({"admission": "admitted the offence"}, "is one of: admitted the offence;"),  # a label is not a code
        ({"court_order": ""}, "Not answered"),
    ],
)
def test_answers_out_of_range(change: dict[str, object], words: str) -> None:
    with pytest.raises(AnswerError, match=re.escape(words)):
        evaluate(DURHAM, durham_answers(**change), ON)


@pytest.mark.parametrize(
    ("score", "band", "words"),
    [
        (0, "non_problem", "non-problem gambling"),
        (1, "low_risk", "low-risk gambling"),
        (2, "low_risk", "low-risk gambling"),
        (3, "moderate_risk", "moderate-risk gambling"),
        (7, "moderate_risk", "moderate-risk gambling"),
        (8, "problem", "problem gambling"),
        (27, "problem", "problem gambling"),
    ],
)
def test_each_pgsi_band_boundary(score: int, band: str, words: str) -> None:
    outcome = evaluate(PGSI, pgsi_answers(score), ON)
    assert (outcome.score, outcome.code, outcome.words) == (score, band, words)
    assert outcome.explanation == f"PGSI score {score}: {words}"
    assert outcome.eligible is None


def test_pgsi_answers_may_be_given_as_text_and_must_be_on_the_scale() -> None:
    answers = {key: str(value) for key, value in pgsi_answers(5).items()}
    assert evaluate(PGSI, answers, ON).score == 5
    answers["felt_guilty"] = "4"
    del answers["criticised"]
    with pytest.raises(AnswerError) as raised:
        evaluate(PGSI, answers, ON)
    assert raised.value.problems[0].startswith("Not answered: “Have people criticised your betting")
    assert raised.value.problems[1].endswith(
        "is one of 0 (never), 1 (sometimes), 2 (most of the time), 3 (almost always), not '4'."
    )


def test_an_override_needs_a_reason_and_keeps_what_the_rules_said() -> None:
    rules = evaluate(DURHAM, durham_answers(co_accused="yes"), ON)
    changed = overridden(DURHAM, rules, "  the co-accused   was released with no further action ")
    assert (
        changed.code == "eligible" and changed.override_reason == "the co-accused was released with no further action"
    )
    assert changed.explanation == (
        "eligible by override: the co-accused was released with no further action; the rules said: "
        "not eligible: there is a co-accused: Checkpoint does not take cases with a co-accused"
    )
    assert overridden(DURHAM, evaluate(DURHAM, durham_answers(), ON), "known to be under investigation").code == (
        "ineligible"
    )
    with pytest.raises(InvalidInput, match="An override needs a reason"):
        overridden(DURHAM, rules, "   ")
    with pytest.raises(InvalidInput, match="cannot be overridden"):
        overridden(PGSI, evaluate(PGSI, pgsi_answers(4), ON), "seems worse than that")


@pytest.mark.parametrize(
    ("durham", "cymru", "durham_says", "cymru_says"),
    [
        # 4 months old: over Durham's 3-month limit; Cymru has none for an either-way offence
        ({"offence_date": date(2026, 7, 20)}, {"offence_date": date(2026, 7, 20)}, "ineligible", "eligible"),
        # a denial with enough evidence to charge: Durham needs an admission or a no-reply interview
        ({"admission": "denied_evidence"}, {"admission": "denied_evidence"}, "ineligible", "eligible"),
        # a co-accused: Durham excludes; Cymru's guidelines do not
        ({"co_accused": "yes"}, {}, "ineligible", "eligible"),
        # a summary-only offence 7 months old can no longer be charged (Cymru states the legal limit)
        (
            {"offence_date": date(2026, 4, 20)},
            {"offence_date": date(2026, 4, 20), "summary_only": True},
            "ineligible",
            "ineligible",
        ),
        ({}, {"agrees": False}, "eligible", "ineligible"),
    ],
)
def test_checkpoint_cymru_is_a_variation_in_data(
    durham: dict[str, object], cymru: dict[str, object], durham_says: str, cymru_says: str
) -> None:
    assert evaluate(DURHAM, durham_answers(**durham), ON).code == durham_says
    assert evaluate(CYMRU, cymru_answers(**cymru), ON).code == cymru_says


def test_cymru_reads_in_its_own_words() -> None:
    outcome = evaluate(CYMRU, cymru_answers(lives_in_area=False, offence_date=date(2026, 4, 20), summary_only=True), ON)
    assert outcome.explanation == (
        "not eligible: does not live in North Wales; the offence was committed 7 months ago (20 Apr 2026) and is "
        "summary-only: it can no longer be charged (6-month limit, Magistrates' Courts Act 1980 s.127)"
    )
    assert "lives in North Wales" in evaluate(CYMRU, cymru_answers(), ON).explanation


def test_answers_round_trip_as_json() -> None:
    outcome = evaluate(DURHAM, durham_answers(), ON)
    text = answers_to_json(outcome.answers)
    assert answers_from_json(text)["offence_date"] == "2026-11-08"
    assert evaluate(DURHAM, answers_from_json(text), ON).explanation == outcome.explanation


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (ON, "today"),
        (date(2026, 11, 28), "yesterday"),
        (date(2026, 11, 19), "10 days ago"),
        (date(2026, 11, 8), "3 weeks ago"),
        (date(2026, 9, 1), "2 months ago"),
        (date(2023, 1, 1), "3 years ago"),
    ],
)
def test_how_long_ago(day: date, words: str) -> None:
    assert how_long_ago(day, ON) == words


def _write(tmp_path: Path, name: str, old: str, new: str) -> Path:
    path = tmp_path / name
    text = (INSTRUMENT_FOLDER / name).read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("name", "old", "new", "problem"),
    [
        ("checkpoint-eligibility.toml", "less_than = 18", "less_then = 18", "unknown setting(s) less_then"),
        ("checkpoint-eligibility.toml", 'question = "co_accused"', 'question = "coaccused"', "question 'coaccused'"),
        ("checkpoint-eligibility.toml", 'type = "yes_no"', 'type = "boolean"', "type 'boolean' is not one of"),
        ("checkpoint-eligibility.toml", "at_least_months_ago = 3", "at_least_months_ago = 0", "whole number of mon"),
        ("checkpoint-eligibility.toml", 'in = ["serious"', 'in = ["grave"', "is one of: theft"),
        ("checkpoint-eligibility.toml", "less_than = 18", 'less_than = "adult"', "is a whole number, not 'adult'"),
        ("checkpoint-eligibility.toml", 'code = "checkpoint-eligibility"\n', "", "'code' is missing"),
        (
            "checkpoint-cymru-eligibility.toml",
            'when = { summary_only = "yes" }',
            'when = { summary = "yes" }',
            "no such question",
        ),
        ("pgsi.toml", "min = 3", "min = 4", "score band moderate_risk should start at 3"),
        ("pgsi.toml", "min = 8\n", "min = 8\nmax = 20\n", "the score bands stop at 20, but a score can reach 27"),
        ("pgsi.toml", '[[items]]\nkey = "felt_problem"', '[[item]]\nkey = "felt_problem"', "unknown setting(s) item"),
    ],
)
def test_a_bad_file_names_itself_and_the_problem(tmp_path: Path, name: str, old: str, new: str, problem: str) -> None:
    path = _write(tmp_path, name, old, new)
    with pytest.raises(InstrumentError) as raised:
        load_instrument(path)
    assert raised.value.args[0].startswith(f"{name}: ")
    assert problem in raised.value.args[0]


def test_unreadable_and_duplicate_files(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("[instrument\ncode=")
    with pytest.raises(InstrumentError, match=r"^broken.toml: cannot be read as a screening instrument"):
        load_instrument(tmp_path / "broken.toml")
    folder = tmp_path / "held"
    folder.mkdir()
    shutil.copy(INSTRUMENT_FOLDER / "pgsi.toml", folder / "pgsi.toml")
    shutil.copy(INSTRUMENT_FOLDER / "pgsi.toml", folder / "pgsi-copy.toml")
    with pytest.raises(InstrumentError, match=r"pgsi\.toml: a second file for version 1 of instrument pgsi"):
        load_instruments(folder)


def test_a_new_version_is_a_new_file_and_the_old_one_stays_readable(tmp_path: Path) -> None:
    """A service adopting the Currie et al. bands ships version 2; screenings made under version 1 still read."""
    shutil.copy(INSTRUMENT_FOLDER / "pgsi.toml", tmp_path / "pgsi.toml")
    text = (INSTRUMENT_FOLDER / "pgsi.toml").read_text().replace("version = 1", "version = 2")
    text = text.replace("max = 2\n", "max = 4\n").replace("min = 3\n", "min = 5\n")
    (tmp_path / "pgsi-2.toml").write_text(text)
    held = load_instruments(tmp_path)
    latest: Instrument = held.get("pgsi")
    assert latest.version == 2 and held.get("pgsi", 1).version == 1
    answers: dict[str, Any] = pgsi_answers(4)
    assert (evaluate(held.get("pgsi", 1), answers, ON).code, evaluate(latest, answers, ON).code) == (
        "moderate_risk",
        "low_risk",
    )
    with pytest.raises(NotFound, match="no screening instrument version 3 of 'pgsi'"):
        held.get("pgsi", 3)
