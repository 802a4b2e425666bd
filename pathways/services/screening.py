"""Screening a case with an instrument (Checkpoint eligibility, the PGSI), and reading the screenings back.

The instrument's decision is recorded as the pathway's screening event through the normal casework (the
interchange columns: `result` the outcome code, `reason` the explanation in words), and the answers behind it
are kept in the same transaction. A worker may override a rules instrument's decision only with a reason in
words; the record then says so, and what the rules said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from db.models import Case, Event, Person, Screening
from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.clock import age_on, local_date
from pathways.definitions import PathwayDefinition
from pathways.engine import default_due
from pathways.errors import InvalidInput, NotFound
from pathways.instruments import (
    Instrument,
    Instruments,
    Outcome,
    answer_words,
    answers_from_json,
    answers_to_json,
    evaluate,
    overridden,
    shipped_instruments,
)
from pathways.scope import HIDDEN_NOTE, reads_notes, require_case_visible, require_person_visible, visible_cases
from pathways.services.casework import NewEvent, append_event, load_case, recorded, require_aware
from pathways.services.concurrency import lock_case, reading, saving
from pathways.services.results import EventRecorded
from pathways.services.settings import usual_instrument
from pathways.store import Store

SET_BY_SCREENING = ("result", "reason")


@dataclass(frozen=True)
class ScreeningRecorded:
    event: EventRecorded
    screening_id: int
    outcome: Outcome  # what was recorded: the override when there was one


@dataclass(frozen=True)
class ScreeningForm:
    """What a screen needs to ask the questions for one case."""

    case_id: int
    case_ref: str
    pathway: str
    pathway_name: str
    event: str
    date_of_birth: date
    instruments: tuple[Instrument, ...]  # those that screen this step (latest versions), the last one used first
    case_version: int


@dataclass(frozen=True)
class ScreeningView:
    id: int
    case_id: int
    case_ref: str
    pathway: str
    event_id: int
    instrument: str
    instrument_name: str
    instrument_version: int
    occurred_at: datetime
    outcome: str
    outcome_words: str
    score: int | None
    override_reason: str | None
    explanation: str  # as recorded in the event's reason
    answers: tuple[tuple[str, str], ...]  # (question, answer in words), in the instrument's order
    recorded_at: datetime
    recorded_by: str
    current: bool  # False once the screening event was corrected or withdrawn


def _step(instrument: Instrument, definition: PathwayDefinition) -> str:
    event = instrument.step_for(definition.code)
    if event is None or event not in definition.events:
        raise InvalidInput(f"{instrument.name} is not used on the {definition.name} pathway.")
    return event


def _check_age(instrument: Instrument, outcome: Outcome, date_of_birth: date, on: date) -> None:
    """An age question filled from the record must agree with the date of birth on record."""
    for question in instrument.questions:
        if question.prefill != "age":
            continue
        recorded_age = age_on(date_of_birth, on)
        if outcome.answers.get(question.key) != recorded_age:
            raise InvalidInput(
                f"The age given ({outcome.answers.get(question.key)}) does not match the date of birth on record "
                f"(aged {recorded_age} that day). Correct the person's date of birth if it is wrong."
            )


def decide(
    instrument: Instrument,
    answers: Mapping[str, object],
    on: date,
    date_of_birth: date,
    override_reason: str | None = None,
) -> Outcome:
    """The outcome to record: the instrument's decision, or its override for the reason given."""
    outcome = evaluate(instrument, answers, on)
    _check_age(instrument, outcome, date_of_birth, on)
    return outcome if override_reason is None else overridden(instrument, outcome, override_reason)


def screen_case(
    store: Store,
    *,
    actor: Actor,
    case_id: int,
    instrument: str,
    answers: Mapping[str, object],
    occurred_at: datetime,
    override_reason: str | None = None,
    values: Mapping[str, str | None] | None = None,
    expected_version: int | None = None,
    instruments: Instruments | None = None,
) -> ScreeningRecorded:
    """Screen a case: evaluate the answers, record the pathway's screening event and keep the answers.

    `override_reason` (when given) records the opposite of the rules' decision, for that reason. `values` are
    the event's other columns (site, notes). Bad answers, an override without a reason, or a step the pathway
    does not allow now: nothing is written.
    """
    require_aware(occurred_at, "time of the screening")
    tool = (instruments or shipped_instruments()).get(instrument)
    with store.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        pathway, date_of_birth = case.pathway, case.person.date_of_birth
    definition = store.definition(pathway)
    event = _step(tool, definition)
    spec = definition.event(event)
    authorise(store.session_factory, actor, "record_screening", store.clock)
    authorise(store.session_factory, actor, spec.action, store.clock)
    require_case_visible(store.session_factory, actor, case_id, "record_screening", store.clock)
    extra = dict(values or {})
    if set(extra) & set(SET_BY_SCREENING):
        raise InvalidInput("The result and reason of a screening come from its answers; they cannot be given.")
    outcome = decide(tool, answers, local_date(occurred_at), date_of_birth, override_reason)
    new = NewEvent(
        event,
        occurred_at,
        {**extra, "result": outcome.code, "reason": outcome.explanation},
        default_due(spec, occurred_at),
    )

    def write() -> ScreeningRecorded:
        with store.unit_of_work().for_writing() as uow:
            now = store.clock()
            case = lock_case(uow.session, case_id, expected_version, now)
            stored = append_event(uow.session, store, actor, case, new)
            row = Screening(
                case_id=case.id,
                event_id=stored.id,
                instrument=tool.code,
                instrument_version=tool.version,
                answers=answers_to_json(outcome.answers),
                outcome=outcome.code,
                score=outcome.score,
                override_reason=outcome.override_reason,
                recorded_at=now,
                recorded_by=actor.username,
            )
            uow.session.add(row)
            uow.session.flush()
            detail = f"screening {row.id}: {tool.code} version {tool.version}"
            write_audit(
                uow.session,
                actor,
                "record_screening",
                now,
                record_type="case",
                record_id=case.id,
                detail=detail + (" (override)" if outcome.override_reason else ""),
            )
            uow.commit()
            return ScreeningRecorded(recorded(case, stored, definition, outcome.explanation), row.id, outcome)

    return saving(write)


def screening_form(
    store: Store, *, actor: Actor, case_id: int, event: str, instruments: Instruments | None = None
) -> ScreeningForm:
    """The instruments that screen this case at `event`, and what the questions are filled from."""
    authorise(store.session_factory, actor, "record_screening", store.clock)
    require_case_visible(store.session_factory, actor, case_id, "record_screening", store.clock)
    with store.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        definition = store.definition(case.pathway)
        held = (instruments or shipped_instruments()).for_step(case.pathway, event)
        if not held:
            raise NotFound(f"No screening instrument is set up for the {definition.name} pathway.")
        # First the instrument the force chose for this step (an administrator's setting), else the one last used on
        # this pathway at this case's site (a force screens with its own criteria), else the last used anywhere.
        latest = (
            select(Screening.instrument)
            .join(Case, Case.id == Screening.case_id)
            .where(Case.pathway == case.pathway)
            .order_by(Screening.id.desc())
            .limit(1)
        )
        first = (
            usual_instrument(uow.session, case.pathway, event)
            or uow.session.scalar(latest.where(Case.first_site == case.first_site))
            or uow.session.scalar(latest)
        )
        held.sort(key=lambda i: i.code != first)
        return ScreeningForm(
            case.id,
            case.case_ref,
            case.pathway,
            definition.name,
            event,
            case.person.date_of_birth,
            tuple(held),
            case.version,
        )


def _view(
    row: Screening, event: Event, case: Case, current: bool, instruments: Instruments, notes: bool = True
) -> ScreeningView:
    try:
        tool: Instrument | None = instruments.get(row.instrument, row.instrument_version)
    except NotFound:
        tool = None  # an instrument version no longer shipped: its answers are shown by key
    answers = answers_from_json(row.answers)
    shown: list[tuple[str, str]] = []
    for key, value in answers.items():
        question = next((q for q in tool.questions if q.key == key), None) if tool else None
        if question is None:
            shown.append((key.replace("_", " "), str(value)))
        else:
            typed = date.fromisoformat(value) if question.type == "date" and isinstance(value, str) else value
            shown.append((question.text, answer_words(question, typed)))
    return ScreeningView(
        row.id,
        case.id,
        case.case_ref,
        case.pathway,
        event.id,
        row.instrument,
        tool.name if tool else row.instrument,
        row.instrument_version,
        event.occurred_at,
        row.outcome,
        tool.outcome_words(row.outcome) if tool else row.outcome,
        row.score,
        row.override_reason if notes or row.override_reason is None else HIDDEN_NOTE,
        event.reason or "",
        tuple(shown),
        row.recorded_at,
        row.recorded_by,
        current,
    )


def _views(session: Session, where: ColumnElement[bool], instruments: Instruments, actor: Actor) -> list[ScreeningView]:
    """The screenings of the actor's scope that `where` picks; a manager not granted notes reads no override reason."""
    notes = reads_notes(session, actor)
    rows = session.execute(
        select(Screening, Event, Case)
        .join(Event, Event.id == Screening.event_id)
        .join(Case, Case.id == Screening.case_id)
        .where(where, visible_cases(actor))
        .order_by(Event.occurred_at, Screening.id)
    ).all()
    replaced = set(
        session.scalars(
            select(Event.corrects_id).where(Event.corrects_id.in_([event.id for _row, event, _case in rows]))
        )
    )
    return [_view(row, event, case, event.id not in replaced, instruments, notes) for row, event, case in rows]


def case_screenings(
    store: Store, *, actor: Actor, case_id: int, instruments: Instruments | None = None
) -> list[ScreeningView]:
    """A case's screenings with their answers in words, oldest first. Viewing them is audited."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_case_visible(store.session_factory, actor, case_id, "view_person", store.clock)

    def read() -> list[ScreeningView]:  # the view is audited, so this is a (small) write
        with store.unit_of_work().for_writing() as uow:
            case = load_case(uow.session, case_id)
            views = _views(uow.session, Screening.case_id == case.id, instruments or shipped_instruments(), actor)
            write_audit(uow.session, actor, "view_screenings", store.clock(), record_type="case", record_id=case.id)
            uow.commit()
            return views

    return reading(read)


def person_screenings(
    store: Store, *, actor: Actor, person_id: int, instruments: Instruments | None = None
) -> list[ScreeningView]:
    """Every screening of a person, across their cases, oldest first. Viewing them is audited."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "view_person", store.clock)

    def read() -> list[ScreeningView]:  # the view is audited, so this is a (small) write
        with store.unit_of_work().for_writing() as uow:
            case_ids = select(Case.id).where(Case.person_id == person_id)
            if uow.session.get(Person, person_id) is None:
                raise NotFound("That person is not on record.")
            views = _views(uow.session, Screening.case_id.in_(case_ids), instruments or shipped_instruments(), actor)
            at = store.clock()
            write_audit(uow.session, actor, "view_screenings", at, record_type="person", record_id=person_id)
            uow.commit()
            return views

    return reading(read)
