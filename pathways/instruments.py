"""Screening instruments: versioned data files in resources/instruments, evaluated in plain words.

Two kinds of instrument:
- **rules** (eligibility, e.g. Checkpoint): questions, and exclusion rules that each name a question, a
  condition and a message. No rule fires: eligible, with every answer in words ("eligible: aged 34; lives in
  the force area; …"). Any fire: not eligible, with every reason ("not eligible: the offence is in an
  excluded group (sexual offences); …").
- **score** (e.g. the PGSI): items each answered on one response scale; the total falls in one score band,
  giving the score, the band's code and its words.

Pure: no database, no Qt. Answers are checked whole: every missing or badly typed answer is listed at once,
and nothing is decided from an incomplete screening. A file's problems name the file and the problem.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from pathways.definitions import RESOURCES
from pathways.errors import InvalidInput, NotFound

INSTRUMENT_FOLDER = RESOURCES / "instruments"

QUESTION_TYPES = ("yes_no", "number", "choice", "date")
KINDS = ("rules", "score")
# Each condition, the question types it applies to, and whether its value is a list of answers.
CONDITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "equals": (QUESTION_TYPES, "answer"),
    "not_equals": (QUESTION_TYPES, "answer"),
    "in": (("number", "choice"), "answers"),
    "not_in": (("number", "choice"), "answers"),
    "less_than": (("number",), "answer"),
    "more_than": (("number",), "answer"),
    "at_least_months_ago": (("date",), "months"),
}
ELIGIBLE, INELIGIBLE = "eligible", "ineligible"
OUTCOME_WORDS = {ELIGIBLE: "eligible", INELIGIBLE: "not eligible"}

Answer = bool | int | str | date


class InstrumentError(Exception):
    """An instrument file is malformed; the message names the file and the problem."""


class AnswerError(InvalidInput):
    """The answers given cannot be evaluated: some are missing or of the wrong type. Lists every problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Question:
    """One question of a rules instrument, or one item of a score instrument (type "score")."""

    key: str
    text: str
    type: str  # yes_no, number, choice, date; "score" for the items of a score instrument
    help: str = ""
    choices: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)  # choice code → words
    words: str | Mapping[str, str] = ""  # how the answer reads in a decision; yes_no: {yes = …, no = …}
    minimum: int | None = None
    maximum: int | None = None
    prefill: str | None = None  # "age": the person's age on the day of the screening, from the record

    def label(self, value: Answer) -> str:
        return self.labels.get(str(value), str(value).replace("_", " "))


@dataclass(frozen=True)
class Rule:
    """An exclusion: when `question`'s answer meets the condition (and the `when` answers hold), not eligible."""

    question: str
    condition: str
    value: Answer | tuple[Answer, ...]
    message: str
    when: Mapping[str, tuple[Answer, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    low: int
    high: int | None  # None: no upper limit


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    version: int
    kind: str  # rules or score
    source: str
    description: str
    applies_to: tuple[tuple[str, str], ...]  # (pathway, event) whose result this screening records
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...] = ()
    bands: tuple[Band, ...] = ()
    explain: str = "{name} score {score}: {band}"  # score instruments: the reason recorded with the result

    @property
    def title(self) -> str:
        return f"{self.name} (version {self.version})"

    def question(self, key: str) -> Question:
        return next(q for q in self.questions if q.key == key)

    def step_for(self, pathway: str) -> str | None:
        """The event of `pathway` this instrument's result is recorded as, when it applies to that pathway."""
        return next((event for p, event in self.applies_to if p == pathway), None)

    def outcome_codes(self) -> tuple[str, ...]:
        return (ELIGIBLE, INELIGIBLE) if self.kind == "rules" else tuple(b.code for b in self.bands)

    def outcome_words(self, code: str) -> str:
        if self.kind == "rules":
            return OUTCOME_WORDS.get(code, code)
        return next((b.label for b in self.bands if b.code == code), code)


@dataclass(frozen=True)
class Outcome:
    """What an instrument made of a person's answers, in words."""

    instrument: str
    version: int
    code: str  # eligible / ineligible, or a score band's code
    words: str  # "eligible", "not eligible", or the band's words
    score: int | None
    reasons: tuple[str, ...]
    explanation: str  # the whole decision in one line, as recorded in the event's reason
    answers: Mapping[str, Answer]  # the typed answers it was made from
    override_reason: str | None = None
    rules_said: str | None = None  # an override: what the rules decided

    @property
    def eligible(self) -> bool | None:
        return None if self.score is not None else self.code == ELIGIBLE


# --- answers -------------------------------------------------------------------------------------------------


def _ask(question: Question) -> str:
    return f"“{question.text}”"


def _whole_number(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    return None


def _typed(question: Question, raw: object) -> Answer:
    """One answer as its question's type; ValueError with the problem in words when it is not one."""
    shown = f"'{raw}'"
    if question.type == "yes_no":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("yes", "no"):
            return raw.strip().lower() == "yes"
        raise ValueError(f"the answer to {_ask(question)} is yes or no, not {shown}.")
    if question.type in ("number", "score"):
        number = _whole_number(raw)
        if number is None:
            raise ValueError(f"the answer to {_ask(question)} is a whole number, not {shown}.")
        if question.type == "score" and str(number) not in question.choices:
            options = ", ".join(f"{c} ({question.label(c)})" for c in question.choices)
            raise ValueError(f"the answer to {_ask(question)} is one of {options}, not {shown}.")
        if question.minimum is not None and number < question.minimum:
            raise ValueError(f"the answer to {_ask(question)} cannot be less than {question.minimum}.")
        if question.maximum is not None and number > question.maximum:
            raise ValueError(f"the answer to {_ask(question)} cannot be more than {question.maximum}.")
        return number
    if question.type == "choice":
        if isinstance(raw, str) and raw in question.choices:
            return raw
        options = "; ".join(question.label(c) for c in question.choices)
        raise ValueError(f"the answer to {_ask(question)} is one of: {options} (not {shown}).")
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise ValueError(f"the answer to {_ask(question)} is a date, not {shown}.")


def check_answers(instrument: Instrument, answers: Mapping[str, object], on: date) -> dict[str, Answer]:
    """The answers, typed, in the instrument's order; AnswerError listing every problem when any is wrong."""
    problems: list[str] = []
    typed: dict[str, Answer] = {}
    known = {q.key for q in instrument.questions}
    for key in answers:
        if key not in known:
            problems.append(f"'{key}' is not a question of {instrument.name}.")
    for question in instrument.questions:
        raw = answers.get(question.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            problems.append(f"Not answered: {_ask(question)}")
            continue
        try:
            value = _typed(question, raw)
        except ValueError as exc:
            words = str(exc)
            problems.append(words[:1].upper() + words[1:])
            continue
        if isinstance(value, date) and value > on:
            problems.append(f"The answer to {_ask(question)} ({show_day(value)}) is after the day of the screening.")
            continue
        typed[question.key] = value
    if problems:
        raise AnswerError(problems)
    return typed


def show_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def how_long_ago(day: date, on: date) -> str:
    """'today', '3 days ago', '3 weeks ago', '4 months ago' — as a worker would say it."""
    days = (on - day).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    gap = relativedelta(on, day)
    months = gap.years * 12 + gap.months
    if months < 2:
        weeks = days // 7
        return f"{weeks} weeks ago"
    return f"{months} months ago" if months < 24 else f"{gap.years} years ago"


def answer_words(question: Question, value: Answer) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return show_day(value)
    if question.type == "score":
        return f"{question.label(value)} ({value})"
    return question.label(value)


class _Words(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, question: Question, value: Answer, on: date) -> str:
    words = _Words(answer=answer_words(question, value), label=question.label(value))
    if isinstance(value, date):
        words.update(date=show_day(value), ago=how_long_ago(value, on))
    return " ".join(template.format_map(words).split())


def _said(question: Question, value: Answer, on: date) -> str:
    if isinstance(question.words, Mapping):
        return question.words["yes" if value else "no"]
    if question.words:
        return _fill(question.words, question, value, on)
    return f"{question.text.rstrip('?')}: {answer_words(question, value)}"


# --- evaluation ----------------------------------------------------------------------------------------------


def _meets(rule: Rule, value: Answer, on: date) -> bool:
    wanted = rule.value
    if rule.condition == "equals":
        return value == wanted
    if rule.condition == "not_equals":
        return value != wanted
    if rule.condition in ("in", "not_in"):
        inside = value in (wanted if isinstance(wanted, tuple) else (wanted,))
        return inside if rule.condition == "in" else not inside
    if rule.condition in ("less_than", "more_than"):
        assert isinstance(value, int) and isinstance(wanted, int)
        return value < wanted if rule.condition == "less_than" else value > wanted
    assert isinstance(value, date) and isinstance(wanted, int)
    limit: date = on - relativedelta(months=wanted)
    return value <= limit


def _fires(rule: Rule, answers: Mapping[str, Answer], on: date) -> bool:
    if not all(answers[key] in values for key, values in rule.when.items()):
        return False
    return _meets(rule, answers[rule.question], on)


def evaluate(instrument: Instrument, answers: Mapping[str, object], on: date) -> Outcome:
    """The instrument's decision on these answers, given on day `on` (dates are counted back from it)."""
    typed = check_answers(instrument, answers, on)
    if instrument.kind == "score":
        return _scored(instrument, typed)
    fired = [r for r in instrument.rules if _fires(r, typed, on)]
    if fired:
        reasons = tuple(
            dict.fromkeys(_fill(r.message, instrument.question(r.question), typed[r.question], on) for r in fired)
        )
        code = INELIGIBLE
    else:
        reasons = tuple(_said(q, typed[q.key], on) for q in instrument.questions)
        code = ELIGIBLE
    words = OUTCOME_WORDS[code]
    return Outcome(
        instrument.code, instrument.version, code, words, None, reasons, f"{words}: {'; '.join(reasons)}", typed
    )


def _scored(instrument: Instrument, answers: Mapping[str, Answer]) -> Outcome:
    score = sum(v for v in answers.values() if isinstance(v, int))
    band = next(b for b in instrument.bands if b.low <= score and (b.high is None or score <= b.high))
    explanation = instrument.explain.format_map(_Words(name=instrument.name, score=str(score), band=band.label))
    return Outcome(
        instrument.code, instrument.version, band.code, band.label, score, (explanation,), explanation, answers
    )


def overridden(instrument: Instrument, outcome: Outcome, reason: str) -> Outcome:
    """The opposite decision to the rules', for a reason given in words; the rules' decision stays in the record."""
    if instrument.kind != "rules":
        raise InvalidInput(
            f"A {instrument.name} score is a measurement, not a decision: it cannot be overridden. "
            "Record the answers as the person gave them."
        )
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("An override needs a reason in words: why the rules' decision does not fit this person.")
    code = INELIGIBLE if outcome.code == ELIGIBLE else ELIGIBLE
    words = OUTCOME_WORDS[code]
    explanation = f"{words} by override: {reason}; the rules said: {outcome.explanation}"
    return Outcome(
        outcome.instrument,
        outcome.version,
        code,
        words,
        None,
        (f"{words} by override: {reason}", *outcome.reasons),
        explanation,
        outcome.answers,
        reason,
        outcome.explanation,
    )


def answers_to_json(answers: Mapping[str, Answer]) -> str:
    """The typed answers as JSON text (dates as YYYY-MM-DD), in the instrument's order."""
    return json.dumps({k: v.isoformat() if isinstance(v, date) else v for k, v in answers.items()}, ensure_ascii=False)


def answers_from_json(text: str) -> dict[str, Any]:
    loaded = json.loads(text)
    return dict(loaded) if isinstance(loaded, dict) else {}


# --- loading -------------------------------------------------------------------------------------------------

QUESTION_KEYS = {"key", "text", "type", "help", "choices", "labels", "words", "minimum", "maximum", "prefill"}
RULE_KEYS = {"question", "message", "when", *CONDITIONS}
INSTRUMENT_KEYS = {"code", "name", "version", "kind", "source", "description", "applies_to", "explain"}
PREFILLS = ("age",)
TABLES = {"rules": {"instrument", "questions", "rules"}, "score": {"instrument", "responses", "items", "bands"}}


def _strict(raw: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ValueError(f"{what} has unknown setting(s) {', '.join(unknown)}")


def _question(raw: Mapping[str, Any]) -> Question:
    _strict(raw, QUESTION_KEYS, f"question {raw.get('key', '?')}")
    key, kind = str(raw["key"]), str(raw["type"])
    if kind not in QUESTION_TYPES:
        raise ValueError(f"question {key}: type {kind!r} is not one of {', '.join(QUESTION_TYPES)}")
    choices = tuple(str(c) for c in raw.get("choices", ()))
    if (kind == "choice") != bool(choices):
        raise ValueError(f"question {key}: choices are given for, and only for, a choice question")
    words = raw.get("words", "")
    if kind == "yes_no" and not (isinstance(words, Mapping) and set(words) == {"yes", "no"}):
        raise ValueError(f"question {key}: a yes/no question needs words = {{ yes = ..., no = ... }}")
    prefill = raw.get("prefill")
    if prefill is not None and prefill not in PREFILLS:
        raise ValueError(f"question {key}: prefill {prefill!r} is not one of {', '.join(PREFILLS)}")
    return Question(
        key=key,
        text=str(raw["text"]),
        type=kind,
        help=str(raw.get("help", "")),
        choices=choices,
        labels={str(k): str(v) for k, v in raw.get("labels", {}).items()},
        words={str(k): str(v) for k, v in words.items()} if isinstance(words, Mapping) else str(words),
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
        prefill=prefill,
    )


def _rule_value(question: Question, condition: str, raw: Any) -> Answer | tuple[Answer, ...]:
    types, shape = CONDITIONS[condition]
    if question.type not in types:
        raise ValueError(f"a rule on {question.key} uses {condition}, which does not apply to a {question.type} answer")
    if shape == "months":
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
            raise ValueError(f"a rule on {question.key}: {condition} is a whole number of months")
        return raw
    values = raw if isinstance(raw, list) else [raw]
    if shape == "answer" and isinstance(raw, list):
        raise ValueError(f"a rule on {question.key}: {condition} takes one answer, not a list")
    typed = []
    for value in values:
        try:
            typed.append(_typed(question, value))
        except ValueError as exc:
            raise ValueError(f"a rule on {question.key}: {exc}") from None
    return tuple(typed) if shape == "answers" else typed[0]


def _rule(raw: Mapping[str, Any], questions: Mapping[str, Question]) -> Rule:
    _strict(raw, RULE_KEYS, f"a rule on {raw.get('question', '?')}")
    key = str(raw["question"])
    if key not in questions:
        raise ValueError(f"a rule names question {key!r}, which the instrument does not ask")
    conditions = [c for c in CONDITIONS if c in raw]
    if len(conditions) != 1:
        raise ValueError(f"a rule on {key} needs exactly one condition of: {', '.join(CONDITIONS)}")
    condition = conditions[0]
    when: dict[str, tuple[Answer, ...]] = {}
    for other, wanted in raw.get("when", {}).items():
        if other not in questions:
            raise ValueError(f"a rule on {key} applies when {other!r} is answered, but there is no such question")
        items = wanted if isinstance(wanted, list) else [wanted]
        try:
            when[str(other)] = tuple(_typed(questions[other], w) for w in items)
        except ValueError as exc:
            raise ValueError(f"a rule on {key}: {exc}") from None
    message = str(raw["message"]).strip()
    if not message:
        raise ValueError(f"a rule on {key} has no message")
    return Rule(key, condition, _rule_value(questions[key], condition, raw[condition]), message, when)


def _score_items(raw: Mapping[str, Any]) -> tuple[Question, ...]:
    responses = raw["responses"]
    choices = tuple(str(int(r["value"])) for r in responses)
    labels = {str(int(r["value"])): str(r["label"]) for r in responses}
    items = []
    for item in raw["items"]:
        _strict(item, {"key", "text", "help"}, f"item {item.get('key', '?')}")
        items.append(Question(str(item["key"]), str(item["text"]), "score", str(item.get("help", "")), choices, labels))
    return tuple(items)


def _bands(raw: Sequence[Mapping[str, Any]], top: int) -> tuple[Band, ...]:
    bands = tuple(
        Band(str(b["code"]), str(b["label"]), int(b["min"]), int(b["max"]) if "max" in b else None) for b in raw
    )
    expected = 0
    for band in bands:  # the bands must cover every possible score once, in order
        if band.low != expected or (band.high is not None and band.high < band.low):
            raise ValueError(f"score band {band.code} should start at {expected}: the bands must not gap or overlap")
        expected = (band.high + 1) if band.high is not None else top + 1
    if expected <= top:
        raise ValueError(f"the score bands stop at {expected - 1}, but a score can reach {top}")
    return bands


def parse_instrument(raw: Mapping[str, Any], source: str) -> Instrument:
    try:
        head = raw["instrument"]
        _strict(head, INSTRUMENT_KEYS, "[instrument]")
        kind = str(head["kind"])
        if kind not in KINDS:
            raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
        _strict(raw, TABLES[kind], f"a {kind} instrument")
        applies = tuple((str(a["pathway"]), str(a["event"])) for a in head.get("applies_to", ()))
        base = Instrument(
            code=str(head["code"]),
            name=str(head["name"]),
            version=int(head["version"]),
            kind=kind,
            source=str(head.get("source", "")),
            description=str(head.get("description", "")),
            applies_to=applies,
            questions=(),
        )
        if kind == "rules":
            questions = tuple(_question(q) for q in raw["questions"])
            by_key = {q.key: q for q in questions}
            if len(by_key) != len(questions):
                raise ValueError("two questions have the same key")
            rules = tuple(_rule(r, by_key) for r in raw["rules"])
            return replace(base, questions=questions, rules=rules)
        items = _score_items(raw)
        if len({i.key for i in items}) != len(items):
            raise ValueError("two items have the same key")
        top = len(items) * max(int(c) for c in items[0].choices)
        explain = str(head.get("explain", Instrument.explain))
        return replace(base, questions=items, bands=_bands(raw["bands"], top), explain=explain)
    except KeyError as exc:
        raise InstrumentError(f"{source}: the instrument is incomplete: {exc.args[0]!r} is missing.") from exc
    except (TypeError, ValueError, AttributeError, IndexError) as exc:
        raise InstrumentError(f"{source}: {exc}.") from exc


def load_instrument(path: Path) -> Instrument:
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InstrumentError(f"{path.name}: cannot be read as a screening instrument ({exc}).") from exc
    return parse_instrument(raw, path.name)


@dataclass(frozen=True)
class Instruments:
    """The instruments held, every version of each; new screenings use each code's latest version."""

    held: Mapping[tuple[str, int], Instrument]

    def get(self, code: str, version: int | None = None) -> Instrument:
        versions = sorted(v for c, v in self.held if c == code)
        if not versions or (version is not None and version not in versions):
            known = ", ".join(sorted({c for c, _v in self.held}))
            which = f"version {version} of '{code}'" if versions else f"'{code}'"
            raise NotFound(f"There is no screening instrument {which} (instruments held: {known}).")
        return self.held[(code, version if version is not None else versions[-1])]

    def latest(self) -> list[Instrument]:
        return [self.get(code) for code in sorted({c for c, _v in self.held})]

    def steps(self) -> list[tuple[str, str]]:
        """Every (pathway, event) some instrument screens, in order."""
        return sorted({step for instrument in self.latest() for step in instrument.applies_to})

    def for_step(self, pathway: str, event: str) -> list[Instrument]:
        """The latest version of each instrument whose result is recorded as this pathway's event."""
        return [i for i in self.latest() if (pathway, event) in i.applies_to]


def load_instruments(folder: Path = INSTRUMENT_FOLDER) -> Instruments:
    held: dict[tuple[str, int], Instrument] = {}
    for path in sorted(folder.glob("*.toml")):
        instrument = load_instrument(path)
        key = (instrument.code, instrument.version)
        if key in held:
            raise InstrumentError(f"{path.name}: a second file for version {key[1]} of instrument {key[0]}.")
        held[key] = instrument
    return Instruments(held)


@lru_cache(maxsize=1)
def shipped_instruments() -> Instruments:
    """The instruments in resources/instruments, read once."""
    return load_instruments()
