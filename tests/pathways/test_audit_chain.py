"""The tamper-evident audit log: a normal day's actions leave an intact chain; each kind of tampering done straight
to the database (an edit, a deletion, reordering, an insertion, cutting off the end) is found and named in words."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from db.models import AuditEntry, Setting
from pathways.actors import Actor, Role, command_line_actor
from pathways.audit_chain import HEAD_SETTING, AuditChainBroken, ChainFault
from pathways.audit_key import KEY_ENV
from pathways.audit_verify import CannotVerify, ChainReport, verify_audit_log
from pathways.errors import NotPermitted, PathwaysError
from pathways.interchange.importer import import_dataset
from pathways.services import accounts, people, records
from pathways.services.audit_upkeep import restart_audit_chain
from pathways.services.documents import note_document
from pathways.store import Store
from tests.conftest import EXAMPLE, Clock

OS = command_line_actor()
GOOD = "violet kettle harbour"
COLUMNS = ("at", "actor", "role", "workstation", "action", "outcome", "record_type", "record_id", "detail")
CHAIN = ("seq", "prev_mac", "mac")


def _normal_day(store: Store, clock: Clock, navigator: Actor) -> None:
    """A mix of what users do: accounts, signing in (and failing), refusals, people, documents, an import."""
    user = accounts.add_user(
        store,
        actor=OS,
        username="nav.smith",
        display_name="Sam Smith",
        role=Role.CUSTODY_NAVIGATOR,
        password=GOOD,
        site="Basingstoke",
        must_change_password=False,  # (so that they can work at once)
    )
    clock.at += timedelta(minutes=5)
    with pytest.raises(accounts.SignInFailed):
        accounts.sign_in(store, username="nav.smith", password="not the password", workstation="custody-pc-1")
    with pytest.raises(accounts.SignInFailed):
        accounts.sign_in(store, username="nobody", password=GOOD, workstation="custody-pc-1")
    actor = accounts.sign_in(store, username="nav.smith", password=GOOD, workstation="custody-pc-1")
    person = people.register_person(
        store, actor=actor, surname="Doe", forenames="Jo", date_of_birth=date(1990, 2, 3), sex="F"
    )
    clock.at += timedelta(minutes=1)
    note_document(store, actor=actor, person_id=person.id, document="case_summary:court", sharing=None)
    with pytest.raises(NotPermitted):
        accounts.list_users(store, actor=navigator)
    import_dataset(store, actor=OS, path=EXAMPLE)
    accounts.set_active(store, actor=OS, user_id=user.id, active=False)


def _entries(store: Store) -> list[AuditEntry]:
    with store.unit_of_work() as uow:
        return list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def _verify(store: Store) -> ChainReport:
    return verify_audit_log(store, actor=OS)


def _texts(report: ChainReport) -> list[str]:
    return [finding.text for finding in report.problems]


def _sql(store: Store, statement: str, **values: Any) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(statement), values)


def _row(store: Store, entry_id: int) -> dict[str, Any]:
    with store.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM audit_log WHERE id = :id"), {"id": entry_id}).mappings().one()
        return dict(row)


@pytest.fixture
def day(store: Store, clock: Clock, navigator: Actor) -> list[AuditEntry]:
    _normal_day(store, clock, navigator)
    entries = _entries(store)
    assert len(entries) >= 9
    return entries


def test_a_normal_days_actions_leave_an_intact_chain(store: Store, day: list[AuditEntry]) -> None:
    assert [e.seq for e in day] == list(range(1, len(day) + 1))
    assert all(later.prev_mac == earlier.mac for earlier, later in itertools.pairwise(day))
    assert {e.action for e in day} >= {"add_user", "sign_in", "register_person", "import_dataset", "disable_user"}
    assert {e.outcome for e in day} >= {"ok", "failed", "refused"}
    report = _verify(store)
    assert report.intact, _texts(report)
    assert report.entries == report.sealed == len(day)
    assert report.head is not None and report.head.seq == len(day) and report.head.mac == day[-1].mac


def test_an_edited_entry_is_named(store: Store, day: list[AuditEntry]) -> None:
    victim = day[4]
    _sql(store, "UPDATE audit_log SET outcome = 'ok', detail = 'nothing to see' WHERE id = :id", id=victim.id)
    assert _texts(_verify(store)) == [f"Entry {victim.id} was changed after it was written."]


def test_an_entry_whose_time_was_moved_is_named(store: Store, day: list[AuditEntry]) -> None:
    earlier = f"{day[0].at:%Y-%m-%d %H:%M:%S.%f}"  # five minutes before the entry's own time
    _sql(store, "UPDATE audit_log SET at = :at WHERE id = :id", at=earlier, id=day[3].id)
    assert _texts(_verify(store)) == [f"Entry {day[3].id} was changed after it was written."]


def test_a_deleted_entry_is_named(store: Store, day: list[AuditEntry]) -> None:
    _sql(store, "DELETE FROM audit_log WHERE id = :id", id=day[3].id)
    expected = f"1 entry was deleted from the log between entry {day[2].id} and entry {day[4].id}."
    assert _texts(_verify(store)) == [expected]


def test_deleting_the_first_entries_is_named(store: Store, day: list[AuditEntry]) -> None:
    _sql(store, "DELETE FROM audit_log WHERE id IN (:a, :b)", a=day[0].id, b=day[1].id)
    expected = f"2 entries were deleted from the log before entry {day[2].id} (at the start of the log)."
    assert _texts(_verify(store)) == [expected]


def test_reordered_entries_are_named(store: Store, day: list[AuditEntry]) -> None:
    first, second = _row(store, day[5].id), _row(store, day[6].id)
    columns = COLUMNS + CHAIN
    assignments = ", ".join(f"{c} = :{c}" for c in columns)
    _sql(store, "UPDATE audit_log SET seq = -1 WHERE id = :id", id=first["id"])  # seq is unique: move it aside
    _sql(store, f"UPDATE audit_log SET {assignments} WHERE id = :id", **{c: first[c] for c in columns}, id=second["id"])
    _sql(store, f"UPDATE audit_log SET {assignments} WHERE id = :id", **{c: second[c] for c in columns}, id=first["id"])
    expected = (
        f"Entries {day[5].id} and {day[6].id} have been reordered: the one now numbered {day[5].id} was written "
        f"after the one now numbered {day[6].id}."
    )
    assert _texts(_verify(store)) == [expected]


def test_inserted_entries_are_named(store: Store, day: list[AuditEntry]) -> None:
    model = _row(store, day[2].id)
    values = {c: model[c] for c in COLUMNS} | {"detail": "a made-up entry", "prev_mac": model["mac"]}
    insert = "INSERT INTO audit_log (seq, mac, prev_mac, {}) VALUES (:seq, :mac, :prev_mac, {})".format(
        ", ".join(COLUMNS), ", ".join(f":{c}" for c in COLUMNS)
    )
    _sql(store, insert, **values, seq=len(day) + 1, mac="0" * 64)  # a new entry with a made-up seal
    _sql(store, insert, **{c: model[c] for c in COLUMNS + CHAIN} | {"seq": 0})  # a copy of a genuine entry
    ids = [e.id for e in _entries(store)][len(day) :]
    report = _verify(store)
    assert sorted(_texts(report)) == sorted(
        f"Entry {i} was added to the log from outside Pathways: its seal does not fit the chain." for i in ids
    )


def test_a_cut_off_end_is_named_and_stays_visible_after_more_entries(
    store: Store, day: list[AuditEntry], admin: Actor
) -> None:
    _sql(store, "DELETE FROM audit_log WHERE id IN (:a, :b)", a=day[-1].id, b=day[-2].id)
    end = day[-3].id
    assert _texts(_verify(store)) == [
        f"The last 2 entries have been removed: the log now ends at entry {end}, but Pathways had written 2 more."
    ]
    # the chain goes on from its end
    note_document(store, actor=admin, person_id=1, document="case_summary:court", sharing=None)
    newest = _entries(store)[-1]
    assert newest.seq == len(day) + 1
    expected = f"2 entries were deleted from the log between entry {day[-3].id} and entry {newest.id}."
    assert _texts(_verify(store)) == [expected]


def test_an_end_record_replaced_with_an_earlier_copy_is_named(
    store: Store, day: list[AuditEntry], admin: Actor
) -> None:
    with store.unit_of_work() as uow:
        setting = uow.session.get(Setting, HEAD_SETTING)
        assert setting is not None
        earlier = setting.value
    note_document(store, actor=admin, person_id=1, document="case_summary:court", sharing=None)
    _sql(store, "UPDATE settings SET value = :value WHERE key = :key", value=earlier, key=HEAD_SETTING)
    problems = _verify(store).problems
    assert [p.kind for p in problems] == ["end"]
    assert "the record has been replaced with an earlier copy" in problems[0].text
    with pytest.raises(AuditChainBroken, match="record of where the audit log ends has been altered"):
        note_document(store, actor=admin, person_id=1, document="case_summary:court", sharing=None)


def test_many_changed_entries_are_named_as_a_range(store: Store, day: list[AuditEntry]) -> None:
    ids = [e.id for e in day[1:4]]
    _sql(store, "UPDATE audit_log SET workstation = 'elsewhere' WHERE id IN (:a, :b, :c)", a=ids[0], b=ids[1], c=ids[2])
    assert _texts(_verify(store)) == [f"Entries {ids[0]} to {ids[2]} (3 entries) were changed after they were written."]


def test_writing_stops_when_the_end_record_is_gone_until_an_administrator_restarts_the_chain(
    store: Store, day: list[AuditEntry], admin: Actor
) -> None:
    _sql(store, "DELETE FROM settings WHERE key = :key", key=HEAD_SETTING)
    before = len(_entries(store))
    with pytest.raises(AuditChainBroken, match=r"record of where the audit log ends is missing.*nothing was saved"):
        note_document(store, actor=admin, person_id=1, document="case_summary:court", sharing=None)
    assert len(_entries(store)) == before
    assert [p.kind for p in _verify(store).problems] == ["end"]
    assert restart_audit_chain(store, actor=OS) is ChainFault.END_MISSING
    with pytest.raises(PathwaysError, match="nothing to restart"):
        restart_audit_chain(store, actor=OS)
    note_document(store, actor=admin, person_id=1, document="case_summary:court", sharing=None)
    report = _verify(store)
    assert report.intact, _texts(report)
    restart = _entries(store)[-2]
    assert (restart.action, restart.actor, restart.detail) == (
        "restart_audit_chain",
        OS.username,
        ChainFault.END_MISSING,
    )
    assert any(f"Entry {restart.id}:" in note and "started a new chain" in note for note in report.notes)


def test_a_lost_key_stops_writing_until_a_new_chain_is_started(
    store: Store, day: list[AuditEntry], admin: Actor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "lost" / "audit.key"))
    with pytest.raises(AuditChainBroken, match=r"audit key file .* is missing"):
        note_document(store, actor=admin, person_id=1, document="case_summary:court", sharing=None)
    with pytest.raises(CannotVerify, match="There is no audit key"):
        _verify(store)
    assert restart_audit_chain(store, actor=OS) is ChainFault.KEY_MISSING
    assert (tmp_path / "lost" / "audit.key").stat().st_mode & 0o777 == 0o600
    note_document(store, actor=admin, person_id=1, document="case_summary:court", sharing=None)
    report = _verify(store)
    assert report.intact, _texts(report)
    assert report.unchecked == len(day)
    assert any(f"The {len(day)} entries before entry" in note and "cannot be checked" in note for note in report.notes)


def test_a_different_key_is_refused_rather_than_splitting_the_chain(
    store: Store, day: list[AuditEntry], admin: Actor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = tmp_path / "other.key"
    other.write_text("ab" * 32 + "\n")
    monkeypatch.setenv(KEY_ENV, str(other))
    with pytest.raises(AuditChainBroken, match="sealed with a different key"):
        note_document(store, actor=admin, person_id=1, document="case_summary:court", sharing=None)
    with pytest.raises(CannotVerify, match="probably not the key this audit log was sealed with"):
        _verify(store)


def _at_once(work: Callable[[int], None], workers: int = 4) -> list[BaseException]:
    """Run `work(0)` .. `work(workers - 1)` on threads at the same time; what any of them raised."""
    errors: list[BaseException] = []

    def run(worker: int) -> None:
        try:
            work(worker)
        except BaseException as exc:  # reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_writers_at_once_never_fork_the_chain(store: Store, admin: Actor) -> None:
    def write(worker: int) -> None:
        actor = Actor(f"admin.{worker}", Role.ADMINISTRATOR, f"pc-{worker}")
        for i in range(15):
            note_document(store, actor=actor, person_id=i, document=f"letter:{worker}", sharing=None)

    assert _at_once(write) == []
    entries = _entries(store)
    assert [e.seq for e in entries] == list(range(1, 61))
    report = _verify(store)
    assert report.intact and report.entries == 60, _texts(report)


def test_views_and_other_writes_at_once_never_fork_the_chain(store: Store, navigator: Actor) -> None:
    """Opening a record writes its audit entry in a unit of work for writing (on SQLite it holds the write lock
    from its first statement); noting a document, in one that takes the chain's lock only when it audits. Both
    kinds at once still follow on from one entry each."""
    person = people.register_person(
        store, actor=navigator, surname="Chain", forenames="Test", date_of_birth=date(1990, 1, 1), sex="F"
    )

    def work(worker: int) -> None:
        for _ in range(15):
            if worker % 2:
                manager = Actor(f"manager.{worker}", Role.MANAGER, f"pc-{worker}")
                records.person_record(store, actor=manager, person_id=person.id)
            else:
                admin = Actor(f"admin.{worker}", Role.ADMINISTRATOR, f"pc-{worker}")
                note_document(store, actor=admin, person_id=person.id, document=f"letter:{worker}", sharing=None)

    assert _at_once(work) == []
    entries = _entries(store)
    assert [e.seq for e in entries] == list(range(1, 62))
    assert sum(e.action == "view_person" for e in entries) == 30
    report = _verify(store)
    assert report.intact and report.entries == 61, _texts(report)


def test_only_administrators_verify_the_log(store: Store, manager: Actor) -> None:
    with pytest.raises(NotPermitted, match="cannot check the audit log"):
        verify_audit_log(store, actor=manager)
    with store.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.outcome == "refused")) == 1
