"""Consent to share: recording what a person agreed (and its withdrawal, with the history kept), and printing or
exporting refused with the reason, with nothing written, unless a law allowing it is given (and then audited)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import AuditEntry, Case, Consent
from pathways.actors import Actor, Role
from pathways.clock import LONDON
from pathways.consent import ConsentState, SharingRefused, SharingRequest, sharing_rules
from pathways.errors import InvalidInput, NotPermitted
from pathways.interchange.exporter import ExportFilter, export_dataset
from pathways.services import dtoa, people
from pathways.services.consent import AUDITED_IDS, check_sharing, consent_for, ensure_may_share, record_consent
from pathways.services.documents import note_document
from pathways.store import Store
from tests.conftest import Clock

ARREST = datetime(2026, 11, 2, 14, 20, tzinfo=LONDON)
POLICE = ("police", "prosecution")
NDTMS = ("ndtms", "monitoring")


def _arrested(store: Store, navigator: Actor, surname: str = "Smith", forenames: str = "Sam") -> int:
    person = people.register_person(
        store, actor=navigator, surname=surname, forenames=forenames, date_of_birth=date(1990, 3, 2), sex="M"
    )
    dtoa.record_arrest(store, actor=navigator, person_id=person.id, occurred_at=ARREST, offence="burglary")
    return person.id


def _audit(store: Store, action: str, outcome: str = "ok") -> list[tuple[int | None, str | None]]:
    with store.unit_of_work() as uow:
        rows = uow.session.execute(
            select(AuditEntry.record_id, AuditEntry.detail)
            .where(AuditEntry.action == action, AuditEntry.outcome == outcome)
            .order_by(AuditEntry.seq)
        ).all()
    return [(r.record_id, r.detail) for r in rows]


def _case_refs(store: Store, person_ids: list[int]) -> list[str]:
    with store.unit_of_work() as uow:
        return sorted(uow.session.scalars(select(Case.case_ref).where(Case.person_id.in_(person_ids))))


def test_the_shipped_rules_fit_together() -> None:
    rules = sharing_rules()
    assert {"police", "treatment_provider", "ndtms", "court", "probation"} <= set(rules.recipients)
    assert not rules.recipient("own_records").needs_consent
    assert ("own_records", "record_keeping") not in {(r.code, p.code) for r, p in rules.consent_pairs()}
    police_laws = [b.code for b in rules.bases_for("police", "prosecution")]
    assert "drugs_act_2005_s12_s14" in police_laws and "crime_and_disorder_act_1998_s115" in police_laws
    assert [b.code for b in rules.bases_for("ndtms", "monitoring")] == ["court_order"]
    with pytest.raises(InvalidInput, match="Records are not shared with the police for treatment and support"):
        rules.check(SharingRequest("police", "treatment"))
    with pytest.raises(InvalidInput, match="is not a law that allows sharing with NDTMS for national monitoring"):
        rules.check(SharingRequest("ndtms", "monitoring", "drugs_act_2005_s12_s14"))
    with pytest.raises(InvalidInput, match="'nosuch' is not a recipient"):
        rules.check(SharingRequest("nosuch", "monitoring"))


def test_consent_recorded_then_withdrawn_keeps_the_history(
    store: Store, navigator: Actor, worker: Actor, clock: Clock
) -> None:
    person_id = _arrested(store, navigator)
    before = consent_for(store, actor=navigator, person_id=person_id)
    assert before.answer(*POLICE).state is ConsentState.NOT_ASKED and before.history == ()
    agreed_at = clock.at
    result = record_consent(store, actor=navigator, person_id=person_id, answers={POLICE: True, NDTMS: False})
    assert [(r, p, c.value) for r, p, c in result.changes] == [
        ("police", "prosecution", "agreed"),
        ("ndtms", "monitoring", "declined"),
    ]
    now = consent_for(store, actor=navigator, person_id=person_id)
    assert now.answer(*POLICE).state is ConsentState.AGREED and now.answer(*POLICE).by == "nav.smith"
    assert now.answer(*NDTMS).state is ConsentState.DECLINED

    clock.at += timedelta(days=3)
    record_consent(store, actor=navigator, person_id=person_id, answers={POLICE: False, NDTMS: False})
    later = consent_for(store, actor=navigator, person_id=person_id)
    withdrawn = later.answer(*POLICE)
    assert (withdrawn.state, withdrawn.since, withdrawn.by) == (ConsentState.WITHDRAWN, clock.at, "nav.smith")
    first = later.history[0]  # the agreement is still there, with when it was given and when withdrawn
    assert (first.recipient, first.purpose, first.agreed, first.recorded_at) == (
        "police",
        "prosecution",
        True,
        agreed_at,
    )
    assert (first.withdrawn_at, first.withdrawn_by) == (clock.at, "nav.smith")
    assert len(later.history) == 2  # declining NDTMS again changed nothing

    clock.at += timedelta(days=1)
    record_consent(store, actor=navigator, person_id=person_id, answers={POLICE: True})
    again = consent_for(store, actor=navigator, person_id=person_id)
    assert again.answer(*POLICE).state is ConsentState.AGREED and len(again.history) == 3
    assert _audit(store, "record_consent") == [
        (person_id, "police:prosecution agreed"),
        (person_id, "ndtms:monitoring declined"),
        (person_id, "police:prosecution withdrawn"),
        (person_id, "police:prosecution agreed"),
    ]


def test_who_may_record_consent_and_for_what(store: Store, navigator: Actor, manager: Actor) -> None:
    person_id = _arrested(store, navigator)
    with pytest.raises(NotPermitted, match="A manager cannot record what a person agreed to share"):
        record_consent(store, actor=manager, person_id=person_id, answers={POLICE: True})
    elsewhere = Actor("nav.jones", Role.CUSTODY_NAVIGATOR, "custody-pc-9", site="Aldershot")
    with pytest.raises(NotPermitted, match="held by another site or service"):
        record_consent(store, actor=elsewhere, person_id=person_id, answers={POLICE: True})
    with pytest.raises(InvalidInput, match="No agreement is needed"):
        record_consent(store, actor=navigator, person_id=person_id, answers={("own_records", "record_keeping"): True})
    with pytest.raises(InvalidInput, match="Records are not shared with NDTMS for prosecution"):
        record_consent(store, actor=navigator, person_id=person_id, answers={("ndtms", "prosecution"): True})
    with store.unit_of_work() as uow:
        assert uow.session.scalars(select(Consent)).all() == []
    assert _audit(store, "record_consent", "refused") == [(None, None), (person_id, "out of scope")]


def test_printing_for_a_purpose_not_agreed_is_refused_and_nothing_is_written(
    store: Store, navigator: Actor, clock: Clock
) -> None:
    person_id = _arrested(store, navigator)
    police = SharingRequest(*POLICE)
    expected = (
        "Sam Smith has not agreed to share with the police for prosecution. Record the law that allows it, or ask them."
    )
    with pytest.raises(SharingRefused) as refused:
        note_document(store, actor=navigator, person_id=person_id, document="failure_to_attend", sharing=police)
    assert refused.value.message == expected and refused.value.person_ids == (person_id,)
    with pytest.raises(SharingRefused, match="has not agreed"):
        ensure_may_share(store, actor=navigator, person_id=person_id, request=police)
    assert _audit(store, "print_document", "refused") == []  # a screen asking ahead, as the user chooses
    with pytest.raises(SharingRefused, match="has not agreed"):
        ensure_may_share(store, actor=navigator, person_id=person_id, request=police, printing=True)
    assert _audit(store, "print_document", "refused") == [(person_id, "not agreed to police:prosecution")]
    clock.at = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    record_consent(store, actor=navigator, person_id=person_id, answers={POLICE: False})
    with pytest.raises(SharingRefused, match=r"for prosecution: they declined on 29 Nov 2026\. Record the law"):
        note_document(store, actor=navigator, person_id=person_id, document="failure_to_attend", sharing=police)
    assert _audit(store, "print_document") == [] and _audit(store, "share_under_law") == []

    record_consent(store, actor=navigator, person_id=person_id, answers={POLICE: True})
    note_document(store, actor=navigator, person_id=person_id, document="failure_to_attend", sharing=police)
    assert _audit(store, "print_document") == [(person_id, "failure_to_attend to police:prosecution")]
    assert _audit(store, "share_under_law") == []  # they agreed: no law needed
    clock.at += timedelta(days=2)
    record_consent(store, actor=navigator, person_id=person_id, answers={POLICE: False})
    with pytest.raises(SharingRefused, match="they withdrew their agreement on 1 Dec 2026"):
        note_document(store, actor=navigator, person_id=person_id, document="failure_to_attend", sharing=police)


def test_a_law_allows_printing_without_agreement_and_is_audited(store: Store, navigator: Actor) -> None:
    person_id = _arrested(store, navigator)
    wrong = SharingRequest("police", "prosecution", "sentencing_act_2020_sch9")
    with pytest.raises(InvalidInput, match="is not a law that allows sharing with the police for prosecution"):
        note_document(store, actor=navigator, person_id=person_id, document="failure_to_attend", sharing=wrong)
    assert _audit(store, "print_document") == []
    law = SharingRequest("police", "prosecution", "drugs_act_2005_s12_s14")
    note_document(store, actor=navigator, person_id=person_id, document="failure_to_attend", sharing=law)
    assert _audit(store, "share_under_law") == [(person_id, "police:prosecution under drugs_act_2005_s12_s14")]
    assert _audit(store, "print_document") == [(person_id, "failure_to_attend to police:prosecution")]
    note_document(store, actor=navigator, person_id=person_id, document="notice", sharing=None)  # their own copy
    assert _audit(store, "print_document")[-1] == (person_id, "notice")


def test_an_export_is_refused_listing_who_has_not_agreed_and_writes_nothing(
    store: Store, navigator: Actor, manager: Actor, tmp_path: Path
) -> None:
    ids = [_arrested(store, navigator, surname, "Alex") for surname in ("Able", "Baker", "Cole")]
    record_consent(store, actor=navigator, person_id=ids[0], answers={NDTMS: True})
    record_consent(store, actor=navigator, person_id=ids[1], answers={NDTMS: False})
    folder = tmp_path / "for-ndtms"
    with pytest.raises(SharingRefused) as refused:
        export_dataset(store, actor=manager, folder=folder, selection=ExportFilter(), sharing=SharingRequest(*NDTMS))
    refs = _case_refs(store, ids[1:])
    assert refused.value.message == (
        "2 people in this export have not agreed to share with NDTMS for national monitoring "
        f"(cases {', '.join(refs)}). Record the law that allows it, ask them, or export fewer cases."
    )
    assert not folder.exists() and _audit(store, "export_dataset") == []
    assert _audit(store, "export_dataset", "refused") == [
        (None, f"not agreed to ndtms:monitoring; people {ids[1]}, {ids[2]}")
    ]

    result = export_dataset(
        store,
        actor=manager,
        folder=folder,
        selection=ExportFilter(),
        sharing=SharingRequest("ndtms", "monitoring", "court_order"),
    )
    assert result.people == 3
    assert _audit(store, "share_under_law") == [
        (ids[1], "ndtms:monitoring under court_order"),
        (ids[2], "ndtms:monitoring under court_order"),
    ]
    assert _audit(store, "export_dataset") == [(None, "people 3, cases 3, events 3, to ndtms:monitoring")]


def test_a_refused_export_of_many_people_names_a_few_in_its_audit_entry(
    store: Store, navigator: Actor, manager: Actor, tmp_path: Path
) -> None:
    ids = [_arrested(store, navigator, f"Surname{n}", "Alex") for n in range(AUDITED_IDS + 3)]
    with pytest.raises(SharingRefused):
        export_dataset(
            store, actor=manager, folder=tmp_path / "x", selection=ExportFilter(), sharing=SharingRequest(*NDTMS)
        )
    ((_none, detail),) = _audit(store, "export_dataset", "refused")
    named = ", ".join(str(i) for i in sorted(ids)[:AUDITED_IDS])
    assert detail == f"not agreed to ndtms:monitoring; people {named} and 3 more"


def test_an_export_of_the_services_own_records_needs_no_agreement(
    store: Store, navigator: Actor, admin: Actor, tmp_path: Path
) -> None:
    _arrested(store, navigator)
    own = SharingRequest("own_records", "record_keeping")
    result = export_dataset(store, actor=admin, folder=tmp_path / "copy", selection=ExportFilter(), sharing=own)
    assert result.people == 1 and (tmp_path / "copy" / "people.csv").exists()
    assert _audit(store, "share_under_law") == []


def test_check_sharing_with_everyone_agreed_audits_no_law(store: Store, navigator: Actor, clock: Clock) -> None:
    person_id = _arrested(store, navigator)
    record_consent(store, actor=navigator, person_id=person_id, answers={("treatment_provider", "treatment"): True})
    request = SharingRequest("treatment_provider", "treatment", "court_order")
    with store.unit_of_work() as uow:
        assert check_sharing(uow.session, navigator, [person_id], request, at=clock.at) == ()
        uow.commit()
    assert _audit(store, "share_under_law") == []
