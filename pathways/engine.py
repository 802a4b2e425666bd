"""The pathway engine: what a definition makes of a case's timeline.

Pure functions over plain facts (no database, no Qt): whether a step is allowed at a point of the
case and why not, who is eligible and why, the current stage, and the open deadlines. Every
decision comes with plain words a custody or treatment worker understands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, WEEKLY, rrule

from pathways.clock import LONDON, age_on, format_local, local_date, to_utc
from pathways.definitions import LIST_FIELDS, Eligibility, EventDefinition, Match, PathwayDefinition, Rule, Schedule

FIELD_NAMES = {
    "offence": "offence",
    "basis": "basis for the test",
    "result": "test result",
    "substances": "substances found",
    "kind": "kind of assessment",
    "due_at": "appointment date and time",
    "reason": "reason",
    "service": "service",
    "site": "site",
    "place": "place",
    "conditions": "conditions",
    "authorised_by": "authorised by",
    "notes": "notes",
}


def field_name(definition: PathwayDefinition, name: str, event: str | None = None) -> str:
    """The words for a column: the step's own `field_labels` first, then the pathway's, then the usual words
    (an order's due_at is "end of the order", an appointment's is "appointment date and time"; the result of a
    step other than a test is its "result")."""
    spec = definition.events.get(event) if event is not None else None
    own = spec.field_labels.get(name) if spec is not None else None
    if not own and name == "result" and event not in (None, "test") and "result" not in definition.field_labels:
        return "result"  # a review's or a screening's result is not a test's
    return own or definition.field_labels.get(name) or FIELD_NAMES.get(name, name.replace("_", " "))


@dataclass(frozen=True)
class Fact:
    """One event of a timeline as the rules see it."""

    name: str
    occurred_at: datetime
    values: Mapping[str, str] = field(default_factory=dict)
    due_at: datetime | None = None
    ref: int | None = None
    occurred_time_known: bool = True  # False: the day alone was given (occurred_at is its 00:00, UK time)
    due_time_known: bool = True

    def get(self, name: str) -> str | None:
        if name == "due_at":
            return self.due_at.isoformat() if self.due_at else None
        if name == "occurred_at":  # so a rule can say `same = ["occurred_at"]` (one mark per group session)
            return self.occurred_at.astimezone(UTC).isoformat()
        return self.values.get(name) or None

    def same(self, other: Fact, name: str) -> bool:
        """Whether `other` has the same value of `name` as this fact (as `get` gives it; the moments compared as
        moments, without writing them out: group sessions' marks are compared this way very often)."""
        if name == "occurred_at":
            return self.occurred_at == other.occurred_at
        return self.get(name) == other.get(name)

    def items(self, name: str) -> frozenset[str]:
        """The values of a field; list fields (substances, conditions) split on ';'."""
        raw = self.get(name)
        if raw is None:
            return frozenset()
        if name in LIST_FIELDS:
            return frozenset(part.strip() for part in raw.split(";") if part.strip())
        return frozenset({raw})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...]

    def explain(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class OpenDeadline:
    label: str
    due_at: datetime
    key: Mapping[str, str]
    set_by: Fact
    time_known: bool = True  # False: due on a day, at no time given (due_at is its 00:00, UK time)


@dataclass(frozen=True)
class Problem:
    index: int
    fact: Fact
    message: str


def ordered(facts: Sequence[Fact]) -> list[Fact]:
    """A timeline in the order the rules read it: by time, then by the order recorded."""
    return sorted(facts, key=lambda f: f.occurred_at)


def _value_matches(fact: Fact, name: str, wanted: Sequence[str]) -> bool:
    return bool(fact.items(name) & set(wanted))


def _matches(fact: Fact, match: Match, new: Fact) -> bool:
    if fact.name not in match.events:
        return False
    if not all(_value_matches(fact, k, v) for k, v in match.where.items()):
        return False
    return all(fact.same(new, name) for name in match.same)


def _applies(rule: Rule, new: Fact) -> bool:
    return all(_value_matches(new, k, v) for k, v in rule.when.items())


def phrase(definition: PathwayDefinition, new: Fact, template: str) -> str:
    """Fill a message template with the plain-words labels of an event's values."""
    names = {k: definition.label(v) for k, v in new.values.items()}
    names.setdefault("kind", "")
    return " ".join(template.format_map(_Default(names)).split())


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return key


def eligibility(definition: PathwayDefinition, prior: Sequence[Fact], date_of_birth: date) -> Decision:
    """Whether the case's qualifying event (e.g. the arrest) makes the step lawful, in plain words."""
    rule = definition.eligibility
    if rule is None:
        return Decision(True, ("no eligibility rule for this pathway",))
    source = next((f for f in prior if f.name == rule.event), None)
    if source is None:
        label = definition.event(rule.event).label.lower()
        return Decision(False, (f"not eligible: there is no {label} on this case yet",))
    age = age_on(date_of_birth, local_date(source.occurred_at))
    reasons: list[str] = []
    ok = age >= rule.min_age and (rule.max_age is None or age <= rule.max_age)
    if age < rule.min_age:
        reasons.append(f"aged {age} on that day (the minimum is {rule.min_age})")
    elif rule.max_age is not None and age > rule.max_age:
        reasons.append(f"aged {age} on that day (the maximum is {rule.max_age})")
    else:
        reasons.append(f"aged {age}")
    if rule.field:
        value = source.get(rule.field) or "none"
        lawful = value in rule.lawful
        ok = ok and lawful
        offence = source.get("offence")
        if value == "trigger" and offence:
            reasons.append(f"{offence} is a trigger offence")
        elif value == "inspector":
            who = source.get("authorised_by")
            reasons.append("an inspector authorised the test" + (f" ({who})" if who else ""))
        else:
            reasons.append(definition.label(value))
    return Decision(ok, (("eligible: " if ok else "not eligible: ") + reasons[0], *reasons[1:]))


def age_limits(rule: Eligibility) -> str:
    """Who the pathway is for by age, in words: "aged under 18", "aged 18 or over", "aged 10 to 17"."""
    if rule.max_age is not None and rule.min_age:
        return f"aged {rule.min_age} to {rule.max_age}"
    if rule.max_age is not None:
        return f"aged under {rule.max_age + 1}"
    return f"aged {rule.min_age} or over"


def _eligibility_problems(
    definition: PathwayDefinition, prior: Sequence[Fact], new: Fact, date_of_birth: date, label: str
) -> list[str]:
    """Why an event that needs the case to be eligible is refused (nothing when it is eligible).

    When the event is the one eligibility is judged on (a youth referral), it is judged on itself: the age
    that day, in plain words.
    """
    rule = definition.eligibility
    own = rule is not None and new.name == rule.event
    decision = eligibility(definition, [new] if own else prior, date_of_birth)
    if decision.allowed:
        return []
    if rule is not None and own:
        age = age_on(date_of_birth, local_date(new.occurred_at))
        if age < rule.min_age or (rule.max_age is not None and age > rule.max_age):
            who = age_limits(rule)
            return [
                f"The {definition.name} pathway is for people {who}: this person was {age} on the day of the {label}."
            ]
    return [f"The {label} is not lawful on this case: {decision.explain()}."]


def field_problems(definition: PathwayDefinition, new: Fact) -> list[tuple[str, str]]:
    """Missing or unknown values of an event's fields, as (field, message)."""
    spec = definition.event(new.name)
    problems: list[tuple[str, str]] = []
    required = list(spec.required)
    for when, fields in spec.required_when:
        if all(_value_matches(new, k, v) for k, v in when.items()):
            required.extend(fields)
    # The step's label first, then what to do: "Drug test: give the substances found."
    for name in required:
        if new.get(name) is None:
            problems.append((name, f"{spec.label}: give the {field_name(definition, name, new.name)}."))
    for name, allowed in spec.choices.items():
        for value in sorted(new.items(name) - set(allowed)):
            options = ", ".join(allowed)
            asked = field_name(definition, name, new.name)
            problems.append((name, f"{spec.label}: '{value}' is not a choice for the {asked}; use {options}."))
    return problems


def _rule_problems(definition: PathwayDefinition, prior: Sequence[Fact], new: Fact) -> list[str]:
    spec = definition.event(new.name)
    problems: list[str] = []
    if spec.once and any(f.name == new.name for f in prior):
        problems.append(spec.once)
    for rule in spec.needs:
        if _applies(rule, new) and not any(_matches(f, rule.match, new) for f in prior):
            problems.append(phrase(definition, new, rule.message))
    span = spec.span
    applies = span is not None and all(_value_matches(new, k, v) for k, v in span.when.items())
    if span and applies and new.due_at and new.due_at > new.occurred_at + relativedelta(months=span.max_months):
        problems.append(phrase(definition, new, span.message))
    for rule in spec.forbids:
        if not _applies(rule, new):
            continue
        window = list(prior)
        if rule.since is not None:
            since = rule.since
            starts = [i for i, f in enumerate(window) if _matches(f, since, new)]
            window = window[starts[-1] + 1 :] if starts else window
        if any(_matches(f, rule.match, new) for f in window):
            problems.append(phrase(definition, new, rule.message))
    return problems


def check_event(
    definition: PathwayDefinition,
    prior: Sequence[Fact],
    new: Fact,
    date_of_birth: date,
    now: datetime,
    *,
    check_fields: bool = True,
) -> list[str]:
    """Everything wrong with recording `new` after the ordered `prior` events, in plain words."""
    if new.name not in definition.events:
        known = ", ".join(definition.events)
        return [f"'{new.name}' is not a step of the {definition.name} pathway (its steps are: {known})."]
    if new.occurred_at > now:
        given = format_local(new.occurred_at, new.occurred_time_known)
        return [f"The {'time' if new.occurred_time_known else 'day'} given ({given}) is in the future."]
    label = definition.event(new.name).label.lower()
    if not prior and new.name not in definition.opening_events:
        first = " or ".join(definition.event(n).label.lower() for n in definition.opening_events)
        return [f"The {label} cannot come before the {first}: a {definition.name} case starts with the {first}."]
    closed = next((f for f in prior if f.name in definition.closing_events), None)
    if closed is not None:
        return [
            f"This case was closed on {format_local(closed.occurred_at, False)}; nothing more can be recorded on it."
        ]
    problems = [message for _field, message in field_problems(definition, new)] if check_fields else []
    early = _due_too_early(definition, new, label)
    if early:
        problems.append(early)
    if definition.event(new.name).needs_eligible:
        problems.extend(_eligibility_problems(definition, prior, new, date_of_birth, label))
    problems.extend(_rule_problems(definition, prior, new))
    return problems


def _due_too_early(definition: PathwayDefinition, new: Fact, label: str) -> str | None:
    """A due moment comes after the event that sets it (an appointment after its notice, an order's end after the
    order); a day alone, on the event's day or later."""
    if new.due_at is None:
        return None
    if new.due_time_known and new.occurred_time_known:
        early = new.due_at <= new.occurred_at
    else:
        early = local_date(new.due_at) < local_date(new.occurred_at)
    if not early:
        return None
    due = format_local(new.due_at, new.due_time_known)
    return (
        f"The {field_name(definition, 'due_at', new.name)} ({due}) must come after the {label} "
        f"({format_local(new.occurred_at, new.occurred_time_known)})."
    )


def check_timeline(
    definition: PathwayDefinition,
    facts: Sequence[Fact],
    date_of_birth: date,
    now: datetime,
    *,
    check_fields: bool = True,
) -> list[Problem]:
    """Check every event of an ordered timeline against those before it."""
    problems: list[Problem] = []
    for index, fact in enumerate(facts):
        for message in check_event(definition, facts[:index], fact, date_of_birth, now, check_fields=check_fields):
            problems.append(Problem(index, fact, message))
    return problems


def default_due(spec: EventDefinition, occurred_at: datetime) -> datetime | None:
    """The due date an event sets when none is given: its calendar months or days after it happened.

    Calendar months as the courts count them (31 October plus 4 months is the last day of February), at the
    same local clock time.
    """
    if not (spec.default_due_months or spec.default_due_days):
        return None
    step = relativedelta(months=spec.default_due_months or 0, days=spec.default_due_days or 0)
    return to_utc((occurred_at.astimezone(LONDON).replace(tzinfo=None) + step).replace(tzinfo=LONDON))


def raised_tasks(definition: PathwayDefinition, prior: Sequence[Fact], new: Fact) -> list[str]:
    """The tasks recording `new` raises: its own, and those due because of what came before it.

    E.g. an unacceptable failure within 12 months of a warning raises breach proceedings.
    """
    spec = definition.event(new.name)
    tasks = [phrase(definition, new, spec.task)] if spec.task else []
    for raised in spec.raises:
        since = new.occurred_at - relativedelta(months=raised.within_months) if raised.within_months else None
        if any(
            _matches(f, raised.after, new)
            and f.occurred_at <= new.occurred_at
            and (since is None or f.occurred_at >= since)
            for f in prior
        ):
            tasks.append(phrase(definition, new, raised.task))
    return tasks


def schedule_dates(schedule: Schedule, setter: Fact) -> list[datetime]:
    """The occurrences a schedule sets after its setter, up to the setter's due date, as a dateutil rrule.

    Counted in local time, so a 10:00 hearing stays at 10:00 across the clock change; a monthly date that a
    month lacks (the 31st) falls on that month's last day.
    """
    if setter.due_at is None:
        return []
    start = setter.occurred_at.astimezone(LONDON).replace(tzinfo=None)
    until = setter.due_at.astimezone(LONDON).replace(tzinfo=None)
    if schedule.every == "monthly":
        rule = rrule(MONTHLY, dtstart=start, until=until, bymonthday=(start.day, -1), bysetpos=1)
    else:
        rule = rrule(WEEKLY, dtstart=start, until=until, interval=2 if schedule.every == "fortnightly" else 1)
    return [to_utc(moment.replace(tzinfo=LONDON)) for moment in rule if moment > start]


def _scheduled(definition: PathwayDefinition, facts: Sequence[Fact]) -> list[OpenDeadline]:
    found: list[OpenDeadline] = []
    for schedule in definition.schedules:
        setters = [f for f in facts if f.name == schedule.set_by]
        if not setters:
            continue
        setter = setters[-1]
        if not all(_value_matches(setter, k, v) for k, v in schedule.when.items()):
            continue
        dates = schedule_dates(schedule, setter)
        met = sum(1 for f in facts if f.name in schedule.met_by and f.occurred_at >= setter.occurred_at)
        if met < len(dates):
            words = {"n": str(met + 1), "of": str(len(dates))}
            label = schedule.label.format_map(_Default(words))
            # (a schedule's dates keep the setter's time of day: known when the setter's time is)
            found.append(
                OpenDeadline(label[:1].upper() + label[1:], dates[met], words, setter, setter.occurred_time_known)
            )
    return found


def stage(definition: PathwayDefinition, facts: Sequence[Fact]) -> str:
    """The case's current stage: the stage of its latest event that names one."""
    for fact in reversed(facts):
        spec = definition.events.get(fact.name)
        if spec is not None and spec.stage:
            return spec.stage
    return "Open"


def open_deadlines(definition: PathwayDefinition, facts: Sequence[Fact]) -> list[OpenDeadline]:
    """Deadlines set by events and not yet met, replaced, lapsed, or ended by the case closing."""
    if any(f.name in definition.closing_events for f in facts):
        return []
    found: list[OpenDeadline] = []
    for deadline in definition.deadlines:
        latest: dict[tuple[str | None, ...], Fact] = {}
        for fact in facts:
            key = tuple(fact.get(k) for k in deadline.key)
            if fact.name == deadline.set_by and fact.due_at is not None:
                latest[key] = fact
            elif fact.name in deadline.met_by:
                latest.pop(key, None)
            for event, applies in deadline.lapses_on:
                if fact.name == event:
                    for held in list(latest):
                        setter = latest[held]
                        if all(_value_matches(setter, k, v) for k, v in applies.items()):
                            latest.pop(held)
        for setter in latest.values():
            assert setter.due_at is not None
            words = {k: definition.label(setter.get(k) or "") for k in deadline.key}
            label = deadline.label.format_map(_Default(words))
            found.append(
                OpenDeadline(label[:1].upper() + label[1:], setter.due_at, words, setter, setter.due_time_known)
            )
    found.extend(_scheduled(definition, facts))
    return sorted(found, key=lambda d: d.due_at)
