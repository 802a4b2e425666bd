"""Pathway definitions: read from the data files in resources/pathways into plain frozen objects."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
PATHWAY_FOLDER = RESOURCES / "pathways"

# Columns of an event that a definition may name (interchange-v1 plus what the app records).
EVENT_FIELDS = (
    "site",
    "service",
    "place",
    "offence",
    "basis",
    "result",
    "substances",
    "kind",
    "due_at",
    "reason",
    "conditions",
    "notes",
    "authorised_by",
)
LIST_FIELDS = ("substances", "conditions")
# Columns a user types rather than chooses (no `choices`), which a step may name as `optional`: the step's form
# offers them beside its required ones, and nothing else (a drug test asks for no place and no reason).
TYPED_FIELDS = ("offence", "service", "place", "site", "reason", "conditions", "authorised_by", "due_at")


# The keys a definition's tables may hold: any other is a typo (`optinal = [...]`), refused at load rather than
# silently ignored.
TOP_KEYS = (
    "pathway",
    "eligibility",
    "labels",
    "field_labels",
    "events",
    "deadlines",
    "schedules",
    "figures",
    "pathway_rules",
)
PATHWAY_KEYS = ("code", "name", "version", "opening_events", "closing_events", "description")
EVENT_KEYS = (
    "action",
    "label",
    "stage",
    "required",
    "required_when",
    "optional",
    "screen_required",
    "choices",
    "needs",
    "forbids",
    "once",
    "needs_eligible",
    "default_due_months",
    "default_due_days",
    "task",
    "raises",
    "span",
    "field_labels",
)


class DefinitionError(Exception):
    """A pathway file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Match:
    """Which earlier events a rule looks at: by name, by field values, and fields equal to the new event's."""

    events: tuple[str, ...]
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    same: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """`needs`: an earlier matching event must exist; `forbids`: none may exist (since `since`, if given)."""

    match: Match
    message: str
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    since: Match | None = None


@dataclass(frozen=True)
class Raise:
    """A task an event raises when `after` happened within `within_months` before it (e.g. breach after a warning)."""

    task: str
    after: Match
    within_months: int | None = None


@dataclass(frozen=True)
class Span:
    """A limit on how far an event's due date may lie from when it happened (e.g. an order without reviews)."""

    max_months: int
    message: str
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class EventDefinition:
    name: str
    label: str
    stage: str | None
    required: tuple[str, ...]
    required_when: tuple[tuple[Mapping[str, tuple[str, ...]], tuple[str, ...]], ...]
    choices: Mapping[str, tuple[str, ...]]
    needs: tuple[Rule, ...]
    forbids: tuple[Rule, ...]
    once: str | None
    needs_eligible: bool
    default_due_months: int | None = None
    task: str | None = None
    action: str = "record_event"  # the permission a user needs to record it (pathways/actors.py)
    default_due_days: int | None = None
    raises: tuple[Raise, ...] = ()
    span: Span | None = None
    field_labels: Mapping[str, str] = field(default_factory=dict)  # this step's words for a column
    optional: tuple[str, ...] = ()  # typed columns (TYPED_FIELDS) the step may hold beyond its required ones
    # Optional columns a screen must still fill: an import may leave them out (interchange v1), but what the user
    # records now is printed (a required assessment's notice must say where it is).
    screen_required: tuple[str, ...] = ()


@dataclass(frozen=True)
class Eligibility:
    event: str
    min_age: int
    max_age: int | None
    field: str | None
    lawful: tuple[str, ...]


@dataclass(frozen=True)
class Deadline:
    set_by: str
    key: tuple[str, ...]
    label: str
    met_by: tuple[str, ...]
    lapses_on: tuple[tuple[str, Mapping[str, tuple[str, ...]]], ...]


@dataclass(frozen=True)
class Schedule:
    """Recurring appointments an event sets up to its due date, e.g. monthly review hearings of a court order.

    The n-th occurrence is met by the n-th `met_by` event after the setter; only the next unmet one is open.
    """

    set_by: str
    label: str
    every: str  # "weekly", "fortnightly" or "monthly"
    met_by: tuple[str, ...]
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


SCHEDULE_STEPS = ("weekly", "fortnightly", "monthly")


@dataclass(frozen=True)
class CaseRule:
    """A pathway-level rule across a person's cases (`[[pathway_rules]]`): no new case once an earlier case on
    the pathway holds one of `refuse_new_case_after` (DIVERT: not offered again after not engaging).

    The message may name that earlier case: {case_ref}, {date} (its first event) and {ended} (the event's date).
    Judged by pathways/case_rules.py.
    """

    refuse_new_case_after: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Figure:
    key: str
    meaning: str
    spec: Mapping[str, Any]


@dataclass(frozen=True)
class PathwayDefinition:
    code: str
    name: str
    version: int
    opening_events: tuple[str, ...]
    closing_events: tuple[str, ...]
    events: Mapping[str, EventDefinition]
    eligibility: Eligibility | None
    deadlines: tuple[Deadline, ...]
    figures: tuple[Figure, ...]
    labels: Mapping[str, str]
    schedules: tuple[Schedule, ...] = ()
    description: str = ""
    field_labels: Mapping[str, str] = field(default_factory=dict)  # plain words for a column in this pathway
    case_rules: tuple[CaseRule, ...] = ()

    def label(self, value: str) -> str:
        """The plain-words label of a coded value (follow_up → follow-up)."""
        return self.labels.get(value, value.replace("_", " "))

    def event(self, name: str) -> EventDefinition:
        return self.events[name]


def _values(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        return (raw,)
    return tuple(str(v) for v in raw)


def _value_map(raw: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    return {k: _values(v) for k, v in (raw or {}).items()}


def _match(raw: Mapping[str, Any]) -> Match:
    return Match(_values(raw["event"]), _value_map(raw.get("where")), _values(raw.get("same", ())))


def _rule(raw: Mapping[str, Any]) -> Rule:
    since = _match(raw["since"]) if "since" in raw else None
    return Rule(_match(raw), str(raw["message"]), _value_map(raw.get("when")), since)


def _event(name: str, raw: Mapping[str, Any]) -> EventDefinition:
    return EventDefinition(
        name=name,
        label=str(raw.get("label", name.replace("_", " ").capitalize())),
        stage=raw.get("stage"),
        required=_values(raw.get("required", ())),
        required_when=tuple(
            (_value_map(item["when"]), _values(item["fields"])) for item in raw.get("required_when", ())
        ),
        choices=_value_map(raw.get("choices")),
        needs=tuple(_rule(r) for r in raw.get("needs", ())),
        forbids=tuple(_rule(r) for r in raw.get("forbids", ())),
        once=raw.get("once"),
        needs_eligible=bool(raw.get("needs_eligible", False)),
        default_due_months=raw.get("default_due_months"),
        task=raw.get("task"),
        action=str(raw.get("action", "record_event")),
        default_due_days=raw.get("default_due_days"),
        raises=tuple(_raise(r) for r in raw.get("raises", ())),
        span=_span(raw.get("span")),
        field_labels={str(k): str(v) for k, v in raw.get("field_labels", {}).items()},
        optional=_values(raw.get("optional", ())),
        screen_required=_values(raw.get("screen_required", ())),
    )


def _raise(raw: Mapping[str, Any]) -> Raise:
    after = raw["after"]
    match = _match(after if isinstance(after, Mapping) else {"event": after})
    months = raw.get("within_months")
    return Raise(str(raw["task"]), match, int(months) if months is not None else None)


def _span(raw: Mapping[str, Any] | None) -> Span | None:
    if raw is None:
        return None
    return Span(int(raw["max_months"]), str(raw["message"]), _value_map(raw.get("when")))


def _schedule(raw: Mapping[str, Any]) -> Schedule:
    every = str(raw["every"])
    if every not in SCHEDULE_STEPS:
        raise ValueError(f"a schedule repeats {', '.join(SCHEDULE_STEPS)}, not {every!r}")
    return Schedule(str(raw["set_by"]), str(raw["label"]), every, _values(raw["met_by"]), _value_map(raw.get("when")))


def _eligibility(raw: Mapping[str, Any] | None) -> Eligibility | None:
    if raw is None:
        return None
    return Eligibility(
        event=str(raw["event"]),
        min_age=int(raw.get("min_age", 0)),
        max_age=raw.get("max_age"),
        field=raw.get("field"),
        lawful=_values(raw.get("lawful", ())),
    )


def _deadline(raw: Mapping[str, Any]) -> Deadline:
    lapses = tuple((str(i["event"]), _value_map(i.get("applies"))) for i in raw.get("lapses_on", ()))
    return Deadline(
        set_by=str(raw["set_by"]),
        key=_values(raw.get("key", ())),
        label=str(raw.get("label", raw["set_by"])),
        met_by=_values(raw.get("met_by", ())),
        lapses_on=lapses,
    )


def parse_definition(raw: Mapping[str, Any], source: str) -> PathwayDefinition:
    try:
        head = raw["pathway"]
        events = {name: _event(name, spec) for name, spec in raw["events"].items()}
        definition = PathwayDefinition(
            code=str(head["code"]),
            name=str(head["name"]),
            version=int(head["version"]),
            opening_events=_values(head.get("opening_events", ())),
            closing_events=_values(head.get("closing_events", ())),
            events=events,
            eligibility=_eligibility(raw.get("eligibility")),
            deadlines=tuple(_deadline(d) for d in raw.get("deadlines", ())),
            figures=tuple(Figure(str(f["key"]), str(f.get("meaning", "")), f) for f in raw.get("figures", ())),
            labels={str(k): str(v) for k, v in raw.get("labels", {}).items()},
            schedules=tuple(_schedule(s) for s in raw.get("schedules", ())),
            description=str(head.get("description", "")),
            field_labels={str(k): str(v) for k, v in raw.get("field_labels", {}).items()},
            case_rules=tuple(
                CaseRule(_values(r["refuse_new_case_after"]), str(r["message"])) for r in raw.get("pathway_rules", ())
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DefinitionError(f"{source}: the pathway definition is incomplete or malformed ({exc!r}).") from exc
    _check_keys(raw, source)
    _check_names(definition, source)
    return definition


def _check_keys(raw: Mapping[str, Any], source: str) -> None:
    """No table holds a key the loader does not read (a misspelt key would otherwise be dropped unseen)."""
    tables = [("the file", raw, TOP_KEYS), ("[pathway]", raw["pathway"], PATHWAY_KEYS)]
    tables += [(f"event {name}", spec, EVENT_KEYS) for name, spec in raw["events"].items()]
    for where, table, known in tables:
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise DefinitionError(f"{source}: {where} has unknown keys {unknown}.")


def _check_names(definition: PathwayDefinition, source: str) -> None:
    """Every event and field a rule names must exist, so a typo fails at load, not in custody."""
    known = set(definition.events)
    for event in definition.events.values():
        fields = set(event.required) | set(event.choices) | set(event.optional)
        for _when, extra in event.required_when:
            fields |= set(extra)
        unknown_fields = (fields | set(event.field_labels)) - set(EVENT_FIELDS)
        if unknown_fields:
            raise DefinitionError(f"{source}: event {event.name} names unknown fields {sorted(unknown_fields)}.")
        _check_optional(event, source)
        for rule in (*event.needs, *event.forbids):
            missing = set(rule.match.events) - known
            if rule.since:
                missing |= set(rule.since.events) - known
            if missing:
                raise DefinitionError(f"{source}: a rule of {event.name} names unknown events {sorted(missing)}.")
        for raised in event.raises:
            if set(raised.after.events) - known:
                raise DefinitionError(f"{source}: {event.name} raises a task after an unknown event.")
    for schedule in definition.schedules:
        if schedule.set_by not in known or set(schedule.met_by) - known:
            raise DefinitionError(f"{source}: a schedule names an unknown event.")
    if set(definition.field_labels) - set(EVENT_FIELDS):
        raise DefinitionError(
            f"{source}: field_labels names unknown fields {sorted(set(definition.field_labels) - set(EVENT_FIELDS))}."
        )
    for case_rule in definition.case_rules:
        unknown = set(case_rule.refuse_new_case_after) - known
        if unknown:
            raise DefinitionError(f"{source}: a pathway rule names unknown events {sorted(unknown)}.")
    for name in (*definition.opening_events, *definition.closing_events):
        if name not in known:
            raise DefinitionError(f"{source}: opening/closing event {name} is not defined.")


def _check_optional(event: EventDefinition, source: str) -> None:
    """An optional field is a typed one the step does not already ask for (a choice is always offered)."""
    untyped = sorted(set(event.optional) - set(TYPED_FIELDS))
    if untyped:
        raise DefinitionError(
            f"{source}: event {event.name} lists {untyped} as optional, but only typed fields can be "
            f"({', '.join(TYPED_FIELDS)}): a field with `choices`, and the notes, are always offered."
        )
    not_optional = sorted(set(event.screen_required) - set(event.optional))
    if not_optional:
        raise DefinitionError(
            f"{source}: event {event.name} lists {not_optional} as screen_required, but only its optional fields "
            "can be (a required one is needed everywhere already)."
        )
    twice = sorted(set(event.optional) & (set(event.required) | set(event.choices)))
    if twice:
        raise DefinitionError(f"{source}: event {event.name} lists {twice} as optional and as required or a choice.")


def reference_lists(definition: PathwayDefinition) -> set[str]:
    """The reference lists (choices written "@list") a definition's events take their values from."""
    return {v[1:] for e in definition.events.values() for vs in e.choices.values() for v in vs if v.startswith("@")}


def resolve_choices(definition: PathwayDefinition, lists: Mapping[str, tuple[str, ...]]) -> PathwayDefinition:
    """The definition with each "@list" choice replaced by the codes the administrator's list now holds."""

    def resolved(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(code for v in values for code in (lists.get(v[1:], ()) if v.startswith("@") else (v,)))

    events = {
        name: replace(spec, choices={field: resolved(vs) for field, vs in spec.choices.items()})
        for name, spec in definition.events.items()
    }
    return replace(definition, events=events)


def load_definition(path: Path) -> PathwayDefinition:
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DefinitionError(f"{path.name}: cannot be read as a pathway definition ({exc}).") from exc
    return parse_definition(raw, path.name)


def load_definitions(folder: Path = PATHWAY_FOLDER) -> dict[str, PathwayDefinition]:
    """Every pathway definition in the folder, by code."""
    definitions: dict[str, PathwayDefinition] = {}
    for path in sorted(folder.glob("*.toml")):
        definition = load_definition(path)
        if definition.code in definitions:
            raise DefinitionError(f"{path.name}: a second definition of pathway {definition.code}.")
        definitions[definition.code] = definition
    return definitions
