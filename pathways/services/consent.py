"""Recording what a person agreed to share, reading it back, and checking a print or an export against it.

`record_consent` saves a navigator's or worker's answers (audited, for people in their scope); `consent_for` reads
a person's answers now and their whole history; `check_sharing` is called inside the transaction of a print or an
export: it refuses (SharingRefused, in plain words) when someone in it has not agreed to share with that recipient
for that purpose and no law was given, and when a law is given it audits the sharing under that law for each
person who had not agreed (record ids and the law's code only). `ensure_may_share` is the same check, read only,
made before a document about one person is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Case, Consent, Person
from pathways.actors import Actor
from pathways.audit import audited_refusal, authorise, write_audit
from pathways.consent import (
    CASE_REFS_SHOWN,
    Change,
    ConsentState,
    SharingRefused,
    SharingRequest,
    change_for,
    refusal_for_many,
    refusal_for_one,
    sharing_rules,
    state_of,
)
from pathways.errors import InvalidInput, NotFound
from pathways.scope import require_person_visible
from pathways.services.concurrency import saving
from pathways.store import Store

AUDITED_IDS = 50  # the record ids a refused export's audit entry names, at most
IN_LIST = 500  # more people than this: read every answer for the recipient and purpose rather than list the ids


@dataclass(frozen=True)
class ConsentEntry:
    """One row of the history: an answer as recorded, and its withdrawal when there was one."""

    recipient: str
    purpose: str
    agreed: bool
    recorded_at: datetime
    recorded_by: str
    withdrawn_at: datetime | None
    withdrawn_by: str | None


@dataclass(frozen=True)
class ConsentAnswer:
    """A person's answer now for one recipient and purpose; `since`/`by`: when and by whom it became so."""

    recipient: str
    purpose: str
    state: ConsentState
    since: datetime | None
    by: str | None


@dataclass(frozen=True)
class PersonConsent:
    person_id: int
    name: str
    answers: tuple[ConsentAnswer, ...]  # every recipient and purpose a person is asked about, in the rules' order
    history: tuple[ConsentEntry, ...]  # oldest first

    def answer(self, recipient: str, purpose: str) -> ConsentAnswer:
        for answer in self.answers:
            if (answer.recipient, answer.purpose) == (recipient, purpose):
                return answer
        raise KeyError((recipient, purpose))


@dataclass(frozen=True)
class ConsentRecorded:
    person_id: int
    changes: tuple[tuple[str, str, Change], ...]  # (recipient, purpose, what was recorded)


def _name(person: Person) -> str:
    return f"{person.forenames} {person.surname}"


def _answer(recipient: str, purpose: str, latest: Consent | None) -> ConsentAnswer:
    if latest is None:
        return ConsentAnswer(recipient, purpose, ConsentState.NOT_ASKED, None, None)
    state = state_of(latest.agreed, latest.withdrawn_at)
    if state is ConsentState.WITHDRAWN:
        return ConsentAnswer(recipient, purpose, state, latest.withdrawn_at, latest.withdrawn_by)
    return ConsentAnswer(recipient, purpose, state, latest.recorded_at, latest.recorded_by)


def _latest(rows: Iterable[Consent]) -> dict[tuple[int, str, str], Consent]:
    """The latest row for each person, recipient and purpose (rows in any order)."""
    latest: dict[tuple[int, str, str], Consent] = {}
    for row in sorted(rows, key=lambda r: r.id):
        latest[(row.person_id, row.recipient, row.purpose)] = row
    return latest


def _person_rows(session: Session, person_id: int) -> list[Consent]:
    return list(session.scalars(select(Consent).where(Consent.person_id == person_id).order_by(Consent.id)))


def consent_for(store: Store, *, actor: Actor, person_id: int) -> PersonConsent:
    """What the person agreed to share now, for every recipient and purpose, and the history of their answers."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "view_person", store.clock)
    with store.unit_of_work() as uow:
        person = uow.session.get(Person, person_id)
        if person is None:
            raise NotFound("That person is not on record.")
        rows = _person_rows(uow.session, person_id)
        latest = _latest(rows)
        answers = tuple(
            _answer(r.code, p.code, latest.get((person_id, r.code, p.code))) for r, p in sharing_rules().consent_pairs()
        )
        history = tuple(
            ConsentEntry(r.recipient, r.purpose, r.agreed, r.recorded_at, r.recorded_by, r.withdrawn_at, r.withdrawn_by)
            for r in rows
        )
        return PersonConsent(person_id, _name(person), answers, history)


def _check_pairs(answers: Mapping[tuple[str, str], bool]) -> None:
    rules = sharing_rules()
    asked = {(r.code, p.code) for r, p in rules.consent_pairs()}
    for recipient, purpose in answers:
        rules.check(SharingRequest(recipient, purpose))
        if (recipient, purpose) not in asked:
            raise InvalidInput(
                f"No agreement is needed to share with {rules.describe(SharingRequest(recipient, purpose))}."
            )


def record_consent(
    store: Store, *, actor: Actor, person_id: int, answers: Mapping[tuple[str, str], bool]
) -> ConsentRecorded:
    """Record the person's answers, {(recipient, purpose): agreed}. An answer that is what the record already says
    changes nothing; "no" to a standing agreement is recorded as its withdrawal. Each change is audited."""
    authorise(store.session_factory, actor, "record_consent", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "record_consent", store.clock)
    _check_pairs(answers)

    def save() -> ConsentRecorded:
        with store.unit_of_work().for_writing() as uow:
            session, now = uow.session, store.clock()
            if session.get(Person, person_id, with_for_update=True) is None:
                raise NotFound("That person is not on record.")
            latest = _latest(_person_rows(session, person_id))
            changes: list[tuple[str, str, Change]] = []
            for (recipient, purpose), agreed in answers.items():
                row = latest.get((person_id, recipient, purpose))
                change = change_for(_answer(recipient, purpose, row).state, agreed)
                if change is None:
                    continue
                if change is Change.WITHDRAW:
                    assert row is not None
                    row.withdrawn_at, row.withdrawn_by = now, actor.username
                else:
                    session.add(
                        Consent(
                            person_id=person_id,
                            recipient=recipient,
                            purpose=purpose,
                            agreed=change is Change.AGREE,
                            recorded_at=now,
                            recorded_by=actor.username,
                        )
                    )
                changes.append((recipient, purpose, change))
                write_audit(
                    session,
                    actor,
                    "record_consent",
                    now,
                    record_type="person",
                    record_id=person_id,
                    detail=f"{recipient}:{purpose} {change.value}",
                )
            uow.commit()
            return ConsentRecorded(person_id, tuple(changes))

    return saving(save)


def _without_consent(session: Session, person_ids: Sequence[int], recipient: str, purpose: str) -> list[int]:
    """Those of the people who have not agreed (or no longer agree) to share with the recipient for the purpose."""
    query = select(Consent).where(Consent.recipient == recipient, Consent.purpose == purpose)
    if len(person_ids) <= IN_LIST:
        query = query.where(Consent.person_id.in_(person_ids))
    latest = _latest(session.scalars(query))
    agreed = {
        pid for (pid, _r, _p), row in latest.items() if state_of(row.agreed, row.withdrawn_at) is ConsentState.AGREED
    }
    return sorted({pid for pid in person_ids if pid not in agreed})


def _refusal(session: Session, request: SharingRequest, missing: list[int], together: int) -> SharingRefused:
    rules = sharing_rules()
    if together == 1 and len(missing) == 1:
        person = session.get(Person, missing[0])
        if person is None:
            raise NotFound("That person is not on record.")
        row = _latest(
            session.scalars(
                select(Consent).where(
                    Consent.person_id == person.id,
                    Consent.recipient == request.recipient,
                    Consent.purpose == request.purpose,
                )
            )
        ).get((person.id, request.recipient, request.purpose))
        answer = _answer(request.recipient, request.purpose, row)
        message = refusal_for_one(rules, request, _name(person), answer.state, answer.since)
    else:
        refs = list(
            session.scalars(
                select(Case.case_ref)
                .where(Case.person_id.in_(missing[:CASE_REFS_SHOWN]))
                .order_by(Case.case_ref)
                .limit(CASE_REFS_SHOWN + 1)
            )
        )
        others = len(refs) > CASE_REFS_SHOWN or len(missing) > CASE_REFS_SHOWN
        message = refusal_for_many(rules, request, len(missing), refs[:CASE_REFS_SHOWN], others=others)
    return SharingRefused(message, request=request, person_ids=missing)


def check_sharing(
    session: Session, actor: Actor, person_ids: Sequence[int], request: SharingRequest, *, at: datetime
) -> tuple[int, ...]:
    """Refuse sharing these people's records with the recipient for the purpose unless each agreed, or a law that
    allows it is given; with a law, audit the sharing under it for each person who had not agreed, in `session` (so
    it commits with the print or export). Returns the ids of the people shared under the law."""
    rules = sharing_rules()
    rules.check(request)
    if not rules.recipient(request.recipient).needs_consent or not person_ids:
        return ()
    missing = _without_consent(session, person_ids, request.recipient, request.purpose)
    if not missing:
        return ()
    if request.lawful_basis is None:
        raise _refusal(session, request, missing, len(set(person_ids)))
    for person_id in missing:
        write_audit(
            session,
            actor,
            "share_under_law",
            at,
            record_type="person",
            record_id=person_id,
            detail=f"{request.recipient}:{request.purpose} under {request.lawful_basis}",
        )
    return tuple(missing)


def ensure_may_share(
    store: Store, *, actor: Actor, person_id: int, request: SharingRequest, printing: bool = False
) -> None:
    """Before a document about one person is made: the check of `check_sharing`, read only (any law given is audited
    by the print itself, note_document). Raises SharingRefused, or InvalidInput for a recipient, purpose or law that
    does not fit together. `printing`: the document is being made now (not a screen asking ahead, as the user
    chooses who it is for), so a refusal is audited, as every refusal is."""
    authorise(store.session_factory, actor, "view_person", store.clock)
    require_person_visible(store.session_factory, actor, person_id, "view_person", store.clock)
    try:
        with store.unit_of_work() as uow:  # rolled back: nothing is written here
            check_sharing(uow.session, actor, [person_id], request, at=store.clock())
    except SharingRefused as refused:
        if printing:
            audit_sharing_refused(store, actor=actor, action="print_document", refused=refused)
        raise


def audit_sharing_refused(store: Store, *, actor: Actor, action: str, refused: SharingRefused) -> None:
    """Audit a print or an export refused because someone in it has not agreed to share with that recipient for
    that purpose: the recipient and purpose, and the record ids of the people who had not agreed (never names)."""
    ids = refused.person_ids
    one = ids[0] if len(ids) == 1 else None
    shown = ", ".join(str(i) for i in ids[:AUDITED_IDS]) + (
        f" and {len(ids) - AUDITED_IDS:,} more" if len(ids) > AUDITED_IDS else ""
    )  # (an export of a whole force could name hundreds of thousands: the entry stays small)
    detail = f"not agreed to {refused.request.recipient}:{refused.request.purpose}" + (
        "" if one is not None else f"; people {shown}"
    )

    def audit(session: Session) -> SharingRefused:
        write_audit(
            session,
            actor,
            action,
            store.clock(),
            record_type="person" if one is not None else None,
            record_id=one,
            outcome="refused",
            detail=detail,
        )
        return refused

    audited_refusal(store.session_factory, audit)
