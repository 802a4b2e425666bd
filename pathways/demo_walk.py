"""Synthetic cases on any pathway: a random walk through the steps its definition allows.

A case starts with one of the pathway's opening events, then takes one step after another, each one the rules
(pathways.engine.check_event) allow after the steps before it, until a closing event or the length drawn for
the case. Required fields are filled from the event's choices, or with plausible made-up words for free
columns (site, service, reason, conditions …); how common each step is, how long cases run and the words used
come from resources/demo/walks.toml. The pathway files are read when the generator runs, so a new pathway, or a
changed rule, is walked without any change here.

Speed: millions of events must be made in reasonable time, so which steps are allowed is worked out once per
*state* of a case and kept. A state is what the rules can see of the case so far: which steps (with the values
the rules look at) it holds, and which came after the latest event a `since` rule counts from. That is exact
because the generator keeps, for each case, one value for every free column a rule compares (`same`) and does
not make an event's time or due date matter to a rule (events are at least a day apart; a due date set by an
event stays within its `span`). A pathway whose `since` rules compare fields is keyed on its whole history.
The import checks every generated case again; the bench and the tests assert that none is refused.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import product
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from pathways.clock import LONDON, age_on
from pathways.definitions import LIST_FIELDS, RESOURCES, EventDefinition, Match, PathwayDefinition, resolve_choices
from pathways.demo_draws import Weighted, appointment, draw_choice, draw_int, office_time
from pathways.engine import Fact, check_event
from pathways.interchange.format import EVENT_COLUMNS, EVENT_REQUIRED
from pathways.reference import FLAGGED_LISTS, SEED_FILES

WALKS_FILE = RESOURCES / "demo" / "walks.toml"
# The columns that carry an event's values in interchange v1; a step needing any other field cannot be imported.
CARRIED = frozenset(EVENT_COLUMNS) - set(EVENT_REQUIRED)
_NOW = datetime(9999, 1, 1, tzinfo=UTC)  # the walk cuts nothing: the dataset is cut at `today` afterwards
_MINUTE = timedelta(minutes=1)
# A case whose eligibility is judged on a later event than its opening: the person must qualify this long.
_ELIGIBLE_FOR = 3
Step = tuple[datetime, str, dict[str, str]]  # naive local time, event name, values (the due_at as text)


@dataclass(frozen=True)
class WalkHints:
    """How one pathway's made-up cases look (resources/demo/walks.toml, [defaults] where a pathway says nothing)."""

    share: float
    events: tuple[int, int]
    gap_days: tuple[int, int]
    due_days: tuple[int, int]
    due_days_by_event: Mapping[str, tuple[int, int]]
    repeat: float
    early_close: float
    close: float
    steps: Mapping[str, float] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # "event.field" → value → weight
    free: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # words for free columns, by column
    fill: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # optional columns filled, by event
    reasons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # reason words, by event
    # More reason words, by event, that fit only a case holding (or lacking) a step: (step, holds, words).
    reasons_if: Mapping[str, tuple[tuple[str, bool, tuple[str, ...]], ...]] = field(default_factory=dict)
    not_before_days: Mapping[str, int] = field(default_factory=dict)  # a step no sooner than N days into the case
    end_after: Mapping[str, float] = field(default_factory=dict)  # chance that a case ends right after a step


@dataclass(frozen=True)
class Walks:
    """The whole hints file: the defaults, and each pathway's own hints."""

    defaults: Mapping[str, Any]
    pathways: Mapping[str, Mapping[str, Any]]

    def hints(self, code: str) -> WalkHints:
        raw = {**self.defaults, **self.pathways.get(code, {})}
        reasons = {**self.defaults.get("reasons", {}), **self.pathways.get(code, {}).get("reasons", {})}
        due = raw["due_days"]
        by_event = {} if isinstance(due, list) else {k: _pair(v) for k, v in due.items()}
        return WalkHints(
            share=float(raw["share"]),
            events=_pair(raw["events"]),
            gap_days=_pair(raw["gap_days"]),
            due_days=_pair(self.defaults["due_days"] if by_event else due),
            due_days_by_event=by_event,
            repeat=float(raw["repeat"]),
            early_close=float(raw["early_close"]),
            close=float(raw["close"]),
            steps={k: float(v) for k, v in raw.get("steps", {}).items()},
            values={k: {str(a): float(b) for a, b in v.items()} for k, v in raw.get("values", {}).items()},
            free={k: tuple(str(s) for s in v) for k, v in raw.get("free", {}).items()},
            fill={k: tuple(str(s) for s in v) for k, v in raw.get("fill", {}).items()},
            reasons={k: tuple(str(s) for s in v) for k, v in reasons.items()},
            reasons_if={k: tuple(_condition(c) for c in v) for k, v in raw.get("reasons_if", {}).items()},
            not_before_days={k: int(v) for k, v in raw.get("not_before_days", {}).items()},
            end_after={k: float(v) for k, v in raw.get("end_after", {}).items()},
        )


def _condition(raw: Mapping[str, Any]) -> tuple[str, bool, tuple[str, ...]]:
    """{ has = STEP, words = [...] } or { lacks = STEP, words = [...] } as (step, holds, words)."""
    holds = "has" in raw
    return str(raw["has" if holds else "lacks"]), holds, tuple(str(w) for w in raw["words"])


def _pair(raw: Sequence[int]) -> tuple[int, int]:
    low, high = (int(v) for v in raw)
    return low, high


def load_walks(path: Path = WALKS_FILE) -> Walks:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    return Walks(raw["defaults"], raw.get("pathways", {}))


def seeded_lists(folder: Path = RESOURCES / "reference") -> dict[str, tuple[str, ...]]:
    """The reference lists a new database starts with (codes; of the drugs, those tested for)."""
    lists: dict[str, tuple[str, ...]] = {}
    for name, (filename, flag_key) in SEED_FILES.items():
        with (folder / filename).open("rb") as handle:
            entries = tomllib.load(handle)[name]
        lists[name] = tuple(str(e["code"]) for e in entries if e.get(flag_key, False) or name not in FLAGGED_LISTS)
    return lists


@dataclass(frozen=True)
class Move:
    """One kind of step: an event with the values of the fields the rules look at ("" for left empty)."""

    index: int
    event: str
    values: tuple[tuple[str, str], ...]
    closing: bool
    weight: float
    carries: tuple[str, ...]  # the other columns this step fills in (required ones, and hinted optional ones)
    due: tuple[int, int] | None = None  # days after the step that its due date falls, when it sets one
    span_months: int | None = None  # the most months its due date may lie ahead (the event's `span`)

    @property
    def fixed(self) -> dict[str, str]:
        return {k: v for k, v in self.values if v}


class _State:
    """The steps allowed at one state of a case (weighted), and the states they lead to."""

    __slots__ = ("after", "closers", "moves")

    def __init__(self, moves: Weighted[Move] | None, closers: Weighted[Move] | None) -> None:
        self.moves = moves
        self.closers = closers
        self.after: dict[int, _State] = {}


@dataclass
class _Case:
    """One case being walked: its person, its one value for each free column, and its Checkpoint-style contract."""

    date_of_birth: date
    start: datetime
    values: dict[str, str]
    needs: list[str] = field(default_factory=list)
    contract: list[str] = field(default_factory=list)
    met: set[str] = field(default_factory=set)


def _rule_fields(definition: PathwayDefinition) -> tuple[set[str], bool]:
    """The fields any rule looks at, and whether a `since` compares fields with the new event's."""
    compared: set[str] = set()
    looked_at: set[str] = set()
    since_same = False
    for spec in definition.events.values():
        for rule in (*spec.needs, *spec.forbids):
            compared |= set(rule.when) | set(rule.match.where)
            looked_at |= set(rule.match.same)
            if rule.since is not None:
                compared |= set(rule.since.where)
                since_same = since_same or bool(rule.since.same)
        for when, _fields in spec.required_when:
            compared |= set(when)
        if spec.span is not None:
            compared |= set(spec.span.when)
    if definition.eligibility is not None and definition.eligibility.field:
        compared.add(definition.eligibility.field)
    return compared | looked_at, since_same


def _free_value(case: _Case, spec: EventDefinition, name: str) -> str:
    """The case's value of a free column (the same on each of its events, so rules comparing them hold)."""
    return case.values.get(name) or spec.label


def _required(spec: EventDefinition, values: Mapping[str, str]) -> set[str]:
    needed = set(spec.required)
    for when, fields in spec.required_when:
        if all(values.get(k, "") in wanted for k, wanted in when.items()):
            needed |= set(fields)
    return needed


class PathwayWalk:
    """Makes synthetic cases on one pathway (see the module's docstring)."""

    def __init__(self, definition: PathwayDefinition, hints: WalkHints, lists: Mapping[str, tuple[str, ...]]) -> None:
        self.definition = resolve_choices(definition, lists)
        self.hints = hints
        self.relevant, since_same = _rule_fields(self.definition)
        self._fixed = sorted(self.relevant)  # the case's free values that a rule may see are part of its state
        self.whole_history = since_same
        self.since: list[Match] = [
            rule.since for spec in self.definition.events.values() for rule in spec.forbids if rule.since is not None
        ]
        self.setters = {d.set_by for d in self.definition.deadlines} | {s.set_by for s in self.definition.schedules}
        self.bars = frozenset(e for rule in self.definition.case_rules for e in rule.refuse_new_case_after)
        self.moves = self._all_moves()
        if not any(m.event in self.definition.opening_events for m in self.moves):
            raise ValueError(f"The {definition.name} pathway cannot be opened from the interchange columns.")
        self._states: dict[Hashable, _State] = {}
        self._drawn: dict[tuple[str, str], Weighted[str]] = {}

    # --- the kinds of step ---------------------------------------------------------------------------

    def _all_moves(self) -> list[Move]:
        moves: list[Move] = []
        for name, spec in self.definition.events.items():
            fields = [f for f in spec.choices if f in self.relevant]
            options = [(*spec.choices[f], *(() if f in spec.required else ("",))) for f in fields]
            for chosen in product(*options):
                values = dict(zip(fields, chosen, strict=True))
                carries = self._carries(spec, values)
                if carries is None:
                    continue
                weight = self.hints.steps.get(name, 1.0)
                for f, v in values.items():
                    weight *= self.hints.values.get(f"{name}.{f}", {}).get(v, 1.0)
                if weight <= 0:
                    continue
                closing = name in self.definition.closing_events
                due, span = self._due_plan(spec, values)
                moves.append(Move(len(moves), name, tuple(values.items()), closing, weight, carries, due, span))
        return moves

    def _due_plan(self, spec: EventDefinition, values: Mapping[str, str]) -> tuple[tuple[int, int] | None, int | None]:
        """Whether a step sets a due date (the rules need one, or it sets a deadline that has no default: the
        import gives the default, Checkpoint's 4 months or prison release's 21 days), how far ahead, its span."""
        hinted = self.hints.due_days_by_event.get(spec.name)
        required = "due_at" in _required(spec, values)
        defaulted = bool(spec.default_due_months or spec.default_due_days)
        if not (required or hinted or (spec.name in self.setters and not defaulted)):
            return None, None
        span = spec.span
        limited = span is not None and all(values.get(k, "") in wanted for k, wanted in span.when.items())
        return hinted or self.hints.due_days, span.max_months if span is not None and limited else None

    def _carries(self, spec: EventDefinition, values: Mapping[str, str]) -> tuple[str, ...] | None:
        """The columns a step fills besides its rule values; None when it needs a column interchange lacks."""
        needed = _required(spec, values)
        if needed - CARRIED:
            return None
        filled = self.hints.fill.get(spec.name)
        if filled is None and spec.name in self.definition.opening_events:
            filled = ("site", "service")
        extra = (needed | set(filled or ())) & CARRIED
        return tuple(sorted(extra - set(values) - {"due_at"}))

    # --- who may be on the pathway ---------------------------------------------------------------------

    def eligible(self, date_of_birth: date, start: date) -> bool:
        """Whether a case starting on `start` may be on this pathway by age (the rest is for the rules)."""
        rule = self.definition.eligibility
        if rule is None:
            return True
        days = [start] if rule.event in self.definition.opening_events else [start, start + timedelta(days=366 * 3)]
        for day in days:
            age = age_on(date_of_birth, day)
            if age < rule.min_age or (rule.max_age is not None and age > rule.max_age):
                return False
        return True

    # --- one case ----------------------------------------------------------------------------------

    def generate(
        self, rng: random.Random, date_of_birth: date, start: datetime, defaults: Mapping[str, str]
    ) -> list[Step]:
        """One case starting on the day of `start`, as (time, event, values) in time order."""
        hints = self.hints
        case = _Case(date_of_birth, start, self._case_values(rng, defaults))
        target = draw_int(rng, *hints.events)
        history: list[Step] = []
        seen: set[int] = set()
        order: list[int] = []
        suffixes: list[set[int]] = [set() for _ in self.since]
        state = self._state(self._key(case, seen, suffixes, order), case, history)
        at = datetime.combine(start.date(), time(draw_int(rng, 9, 16), draw_int(rng, 0, 59)))
        while True:
            move = self._next(rng, state, len(history), target)
            if move is None:
                break
            if history:
                at = office_time(rng, at, *hints.gap_days)
            wait = hints.not_before_days.get(move.event)
            if wait is not None and at.date() < start.date() + timedelta(days=wait):
                at = office_time(rng, datetime.combine(start.date(), time()), wait, wait + 3)
            held = {event for _at, event, _values in history}
            history.append((at, move.event, self._fields(rng, move, case, at, held)))
            if move.closing:
                break
            if rng.random() < hints.end_after.get(move.event, 0.0):
                target = len(history)  # the next step closes the case, or it is left open
            following = state.after.get(move.index)
            seen.add(move.index)
            order.append(move.index)
            if self.since:
                for since, suffix in zip(self.since, suffixes, strict=True):
                    if self._since_matches(since, move, case):
                        suffix.clear()
                    else:
                        suffix.add(move.index)
            if following is None:
                following = self._state(self._key(case, seen, suffixes, order), case, history)
                state.after[move.index] = following
            state = following
        return history

    def _next(self, rng: random.Random, state: _State, done: int, target: int) -> Move | None:
        hints = self.hints
        if state.moves is None or done >= target:
            if state.closers is not None and (done == 0 or rng.random() < hints.close):
                return state.closers.pick(rng)
            return None
        if state.closers is not None and done and rng.random() < hints.early_close:
            return state.closers.pick(rng)
        return state.moves.pick(rng)

    def _case_values(self, rng: random.Random, defaults: Mapping[str, str]) -> dict[str, str]:
        """One value for each free column of the case: the pathway's own words, or the person's area's."""
        values = dict(defaults)
        for name, words in self.hints.free.items():
            values[name] = draw_choice(rng, words)
        return values

    def _key(self, case: _Case, seen: set[int], suffixes: list[set[int]], order: list[int]) -> Hashable:
        fixed = tuple(case.values.get(f, "") for f in self._fixed)
        if self.whole_history:
            return fixed, tuple(order)
        return fixed, frozenset(seen), tuple(frozenset(s) for s in suffixes)

    def _since_matches(self, since: Match, move: Move, case: _Case) -> bool:
        if move.event not in since.events:
            return False
        values = dict(move.values)
        return all((values.get(k) or case.values.get(k, "")) in wanted for k, wanted in since.where.items())

    # --- which steps a state allows ----------------------------------------------------------------

    def _rule_values(self, move: Move, case: _Case) -> dict[str, str]:
        """What the rules see of a step: its rule values and the case's value of each compared free column."""
        values = {k: v for k, v in move.values if v}
        spec = self.definition.event(move.event)
        for name in move.carries:
            if name in self.relevant and name not in spec.choices:
                values[name] = _free_value(case, spec, name)
        return values

    def _state(self, key: Hashable, case: _Case, history: list[Step]) -> _State:
        state = self._states.get(key)
        if state is None:
            state = self._allowed(case, history)
            self._states[key] = state
        return state

    def _allowed(self, case: _Case, history: list[Step]) -> _State:
        prior = [Fact(event, at.replace(tzinfo=LONDON), values) for at, event, values in history]
        at = (history[-1][0] + _MINUTE if history else case.start).replace(tzinfo=LONDON)
        held = {event for _at, event, _values in history}
        moves: list[tuple[Move, float]] = []
        closers: list[tuple[Move, float]] = []
        for move in self.moves:
            new = Fact(move.event, at, self._rule_values(move, case))
            if check_event(self.definition, prior, new, case.date_of_birth, _NOW, check_fields=False):
                continue
            weight = move.weight * (self.hints.repeat if move.event in held else 1.0)
            (closers if move.closing else moves).append((move, weight))
        return _State(Weighted(moves) if moves else None, Weighted(closers) if closers else None)

    # --- the columns of one step -------------------------------------------------------------------

    def _fields(
        self, rng: random.Random, move: Move, case: _Case, at: datetime, held: Collection[str] = ()
    ) -> dict[str, str]:
        spec = self.definition.event(move.event)
        fields = move.fixed
        for name in move.carries:
            if name in spec.choices:
                fields[name] = self._choose(rng, spec, name)
            elif name == "conditions":
                fields[name] = self._conditions(rng, case)
            elif name == "reason":
                fields[name] = draw_choice(rng, self._reasons(move.event, spec, held))
            elif name != "notes":
                fields[name] = _free_value(case, spec, name)
        if "conditions" in spec.choices and "conditions" in fields:
            case.needs.extend(fields["conditions"].split(";"))
        if move.due is not None:
            fields["due_at"] = self._due(rng, move.due, move.span_months, at).isoformat(timespec="minutes")
        return fields

    def _reasons(self, event: str, spec: EventDefinition, held: Collection[str]) -> tuple[str, ...]:
        """The words a step's reason may take in a case holding the steps `held`: the event's own words, and those
        that fit only a case holding (or lacking) a step it holds (or lacks)."""
        words = self.hints.reasons.get(event, ())
        words += tuple(
            w for step, holds, fit in self.hints.reasons_if.get(event, ()) if (step in held) == holds for w in fit
        )
        return words or (f"{spec.label}: see the notes",)

    def _choose(self, rng: random.Random, spec: EventDefinition, name: str) -> str:
        choices = spec.choices[name]
        if name not in LIST_FIELDS:
            drawn = self._drawn.get((spec.name, name))
            if drawn is None:
                weights = self.hints.values.get(f"{spec.name}.{name}", {})
                drawn = self._drawn[(spec.name, name)] = Weighted([(c, weights.get(c, 1.0)) for c in choices])
            return drawn.pick(rng)
        count = min(len(choices), draw_int(rng, 1, 3))
        picked = {draw_choice(rng, choices) for _ in range(count)}
        return ";".join(c for c in choices if c in picked)

    def _conditions(self, rng: random.Random, case: _Case) -> str:
        """A contract from the needs found (first), then one of its conditions at a time (met)."""
        # The conditions a Checkpoint navigator is offered for each need; imported here, when a step needs them,
        # so making demo data does not load the services.
        from pathways.services.contracts import GENERAL_CONDITIONS, MAX_CONDITIONS, NEED_CONDITIONS, NO_REOFFENDING

        if not case.contract:
            codes = [NO_REOFFENDING, *(NEED_CONDITIONS.get(n, n) for n in case.needs)]
            if len(codes) < 3:
                codes.append(draw_choice(rng, GENERAL_CONDITIONS))
            case.contract = list(dict.fromkeys(codes))[:MAX_CONDITIONS]
            return ";".join(case.contract)
        left = [c for c in case.contract if c not in case.met] or case.contract
        chosen = draw_choice(rng, left)
        case.met.add(chosen)
        return chosen

    @staticmethod
    def _due(rng: random.Random, days: tuple[int, int], span_months: int | None, at: datetime) -> datetime:
        """An appointment or deadline `days` after `at` (10:00 on a weekday), within the event's span."""
        low, high = days
        if span_months is not None:
            limit = (at + relativedelta(months=span_months)).date()
            high = min(high, (limit - at.date()).days - 1)
            low = min(low, high)
        return appointment(rng, at, low, high)
