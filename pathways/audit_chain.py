"""Chaining the audit log: every entry is sealed with a keyed hash of its own fields and the seal before it.

Each entry holds its place in the chain (`seq`, 1, 2, 3, ... with no gaps), the seal of the entry before it
(`prev_mac`) and its own seal (`mac`): HMAC-SHA256, under the key kept outside the database (pathways.audit_key),
of the entry's fields, its place and `prev_mac`. Without the key nobody can change, add or remove an entry and make
the seals agree again. Where the chain ends (its last place and seal) is kept in the setting `audit_chain_head`,
sealed the same way, so that entries cut off the end are missed too.

Writers queue for the end of the chain: on PostgreSQL with a transaction-level advisory lock, on SQLite by taking
the database's single write lock before reading the end. So two writers never both follow on from the same entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.orm import Session, SessionTransaction

from db.engine import WRITE_OPTION
from db.models import AuditEntry, Base
from pathways.audit_key import key_for_new_chain, key_path, read_key
from pathways.errors import PathwaysError

HEAD_SETTING = "audit_chain_head"
GENESIS = ""  # prev_mac of the very first entry
RESTART = "restart"  # prev_mac of an entry an administrator wrote to start a new chain (see restart_chain)
ENTRY_FORMAT = "pathways-audit-entry-v1"
HEAD_FORMAT = "pathways-audit-head-v1"
ADVISORY_LOCK = 0x50617468_41756474  # "PathAudt": the PostgreSQL advisory lock the writers queue for
LOCK_WAIT = "30s"  # PostgreSQL: give up (and roll back) rather than wait for ever
RESTART_COMMAND = "python main.py audit restart-chain"
_WRITING = "pathways.audit_chain.writing"


class ChainFault(StrEnum):
    """Why the end of the chain cannot be followed on from; each is also the reason a restart records."""

    KEY_MISSING = "the audit key was missing"
    KEY_MISMATCH = "the audit key did not match"
    END_MISSING = "the record of the log's end was missing"
    END_ALTERED = "the record of the log's end had been altered"

    @property
    def key_replaced(self) -> bool:
        return self in (ChainFault.KEY_MISSING, ChainFault.KEY_MISMATCH)


class AuditChainBroken(PathwaysError):
    """The audit log cannot be added to safely, so the action was not saved."""

    def __init__(self, fault: ChainFault) -> None:
        super().__init__(fault_message(fault))
        self.fault = fault


def fault_message(fault: ChainFault) -> str:
    path = key_path()
    restart = f"If it is lost for good, an administrator can start a new chain: {RESTART_COMMAND}."
    if fault is ChainFault.KEY_MISSING:
        return (
            f"The audit key file {path} is missing, so the audit log cannot be sealed and nothing was saved. "
            f"Put the key file back from its separate backup, or set PATHWAYS_AUDIT_KEY_FILE to where it is kept. "
            + restart
        )
    if fault is ChainFault.KEY_MISMATCH:
        return (
            f"The audit log in this database was sealed with a different key from the one in {path}, so nothing "
            "was saved. Check that PATHWAYS_AUDIT_KEY_FILE names the force's audit key. " + restart
        )
    what = "is missing" if fault is ChainFault.END_MISSING else "has been altered"
    return (
        f"The record of where the audit log ends {what}, so entries may have been removed from the log; nothing "
        f"was saved. An administrator should run python main.py audit verify, then {RESTART_COMMAND}."
    )


class NewEntry(NamedTuple):
    """An entry to seal onto the chain: what was done, by whom, from where, to which record (ids only)."""

    at: datetime
    actor: str
    role: str
    workstation: str
    action: str
    outcome: str
    record_type: str | None = None
    record_id: int | None = None
    detail: str | None = None


# --- the seals -------------------------------------------------------------------------------------------------------


def _utc_text(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the audit log")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def mac_of(
    key: bytes,
    *,
    seq: int,
    at: datetime,
    actor: str,
    role: str,
    workstation: str,
    action: str,
    outcome: str,
    record_type: str | None,
    record_id: int | None,
    detail: str | None,
    prev_mac: str,
) -> str:
    """The seal of one entry: HMAC-SHA256 of its fields, its place in the chain and the seal before it."""
    fields: list[Any] = [ENTRY_FORMAT, seq, _utc_text(at), actor, role, workstation, action, outcome]
    fields += [record_type, record_id, detail, prev_mac]
    message = json.dumps(fields, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def entry_mac(key: bytes, entry: AuditEntry) -> str:
    return mac_of(
        key,
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        role=entry.role,
        workstation=entry.workstation,
        action=entry.action,
        outcome=entry.outcome,
        record_type=entry.record_type,
        record_id=entry.record_id,
        detail=entry.detail,
        prev_mac=entry.prev_mac,
    )


def seal_matches(key: bytes, entry: AuditEntry) -> bool:
    if entry.seq is None or entry.prev_mac is None or entry.mac is None or entry.at is None:
        return False
    return hmac.compare_digest(entry_mac(key, entry), entry.mac)


@dataclass(frozen=True)
class ChainHead:
    """Where the chain ends: the place and seal of its last entry (0 and "" before the first), itself sealed."""

    seq: int
    mac: str
    seal: str

    @classmethod
    def sealed(cls, key: bytes, seq: int, mac: str) -> ChainHead:
        return cls(seq, mac, _head_seal(key, seq, mac))

    @classmethod
    def parse(cls, value: str | None) -> ChainHead | None:
        try:
            data = json.loads(value or "")
            head = cls(int(data["seq"]), str(data["mac"]), str(data["seal"]))
        except (ValueError, TypeError, KeyError):
            return None
        return head

    def to_json(self) -> str:
        return json.dumps({"seq": self.seq, "mac": self.mac, "seal": self.seal})

    def sealed_by(self, key: bytes) -> bool:
        return hmac.compare_digest(_head_seal(key, self.seq, self.mac), self.seal)


def _head_seal(key: bytes, seq: int, mac: str) -> str:
    message = json.dumps([HEAD_FORMAT, seq, mac], separators=(",", ":")).encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- writing ---------------------------------------------------------------------------------------------------------


_SETTINGS = Base.metadata.tables["settings"]
_LOG = Base.metadata.tables["audit_log"]
# Where the log ends, read in one statement: the head setting (None when missing) and the last place written.
_END = select(
    select(_SETTINGS.c.value).where(_SETTINGS.c.key == HEAD_SETTING).scalar_subquery(),
    select(func.max(_LOG.c.seq)).scalar_subquery(),
)
_ADD_ENTRY = insert(_LOG)
_ADD_HEAD = insert(_SETTINGS).values(key=HEAD_SETTING)
_MOVE_HEAD = update(_SETTINGS).where(_SETTINGS.c.key == HEAD_SETTING)


@dataclass(frozen=True)
class _End:
    """The log's end as stored: the head setting's text (None when it is missing) and the last place written."""

    value: str | None
    last_seq: int | None


@dataclass
class _Writing:
    """What one transaction knows once it holds the end of the chain: the key and where the chain now ends."""

    transaction: SessionTransaction
    connection: Connection
    key: bytes
    head: ChainHead


def lock_chain(connection: Connection) -> None:
    """Queue for the end of the chain; held until the transaction ends."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": ADVISORY_LOCK})
    elif dialect == "sqlite" and not connection.get_execution_options().get(WRITE_OPTION):
        # Any write takes SQLite's one write lock (waiting up to busy_timeout) and, when it is the transaction's
        # first statement, reads the database as the lock found it. Updating the head to itself is such a write.
        # A unit of work for writing began with BEGIN IMMEDIATE (db/engine.py), so it holds the lock already.
        connection.execute(text("UPDATE settings SET value = value WHERE key = :key"), {"key": HEAD_SETTING})


def _end(connection: Connection) -> _End:
    value, last_seq = connection.execute(_END).one()
    return _End(value, last_seq)


def _last_entry(session: Session) -> AuditEntry | None:
    return session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()


def _fault(session: Session, key: bytes | None, end: _End) -> ChainFault | None:
    """What stops the chain being followed on from with `key`, or None when it can be."""
    if end.value is None:
        return ChainFault.END_MISSING if end.last_seq is not None else None
    if key is None:
        return ChainFault.KEY_MISSING
    head = ChainHead.parse(end.value)
    if head is not None and head.sealed_by(key):
        # Entries beyond the recorded end: the record was put back to an earlier copy (or entries were forged).
        return ChainFault.END_ALTERED if end.last_seq is not None and end.last_seq > head.seq else None
    last = _last_entry(session)
    if last is not None and seal_matches(key, last):
        return ChainFault.END_ALTERED  # the key seals the log, so it is the end record that changed
    return ChainFault.KEY_MISMATCH


def _writing(session: Session) -> _Writing:
    connection = session.connection()  # begins the transaction, if need be
    transaction = session.get_transaction()
    assert transaction is not None
    held = session.info.get(_WRITING)
    if isinstance(held, _Writing) and held.transaction is transaction:
        return held
    lock_chain(connection)
    end = _end(connection)
    key = read_key()
    fault = _fault(session, key, end)
    if fault is not None:
        raise AuditChainBroken(fault)
    head = ChainHead.parse(end.value) if end.value is not None else None  # _fault found it sealed by the key
    if head is None:  # a new, empty log
        key = key_for_new_chain()
        head = ChainHead.sealed(key, 0, GENESIS)
        connection.execute(_ADD_HEAD, {"value": head.to_json()})
    assert key is not None
    held = _Writing(transaction, connection, key, head)
    session.info[_WRITING] = held
    return held


def _seal_and_write(
    connection: Connection, key: bytes, entry: NewEntry, *, prev_seq: int, prev_mac: str, head_stored: bool
) -> ChainHead:
    """Seal `entry` to follow place `prev_seq` and seal `prev_mac`, write it and the new end, and return that end."""
    fields = entry._asdict()
    seq = prev_seq + 1
    mac = mac_of(key, seq=seq, prev_mac=prev_mac, **fields)
    connection.execute(_ADD_ENTRY, {**fields, "seq": seq, "prev_mac": prev_mac, "mac": mac})
    head = ChainHead.sealed(key, seq, mac)
    connection.execute(_MOVE_HEAD if head_stored else _ADD_HEAD, {"value": head.to_json()})
    return head


def append_entry(session: Session, entry: NewEntry) -> None:
    """Seal `entry` onto the end of the chain and write it in the session's transaction (it commits, or not, with
    the rest). Written with plain statements, not added to the session: every view of a record writes one."""
    writing = _writing(session)
    head, connection = writing.head, writing.connection
    writing.head = _seal_and_write(
        connection, writing.key, entry, prev_seq=head.seq, prev_mac=head.mac, head_stored=True
    )


def current_fault(session: Session) -> ChainFault | None:
    """Whether writers are stopped, and why (read only; takes no lock)."""
    return _fault(session, read_key(), _end(session.connection()))


def restart_chain(session: Session, entry: NewEntry) -> ChainFault:
    """Start a new chain with `entry` when the old one cannot be followed on from; a new key is made if the key
    file is missing. The entry's detail records why; entries before it stay, and `audit verify` reports them."""
    connection = session.connection()
    lock_chain(connection)
    end = _end(connection)
    fault = _fault(session, read_key(), end)
    if fault is None:
        raise PathwaysError("The audit chain can be followed on from: there is nothing to restart.")
    key = key_for_new_chain()
    if _fault(session, key, end) is None:  # another program restored or made the key meanwhile
        raise PathwaysError("The audit chain can be followed on from: there is nothing to restart.")
    last_seq, stored = end.last_seq or 0, end.value is not None
    _seal_and_write(
        connection, key, entry._replace(detail=fault.value), prev_seq=last_seq, prev_mac=RESTART, head_stored=stored
    )
    session.info.pop(_WRITING, None)
    return fault


class Backfill:
    """Seals for entries written before the chain existed, given in the order they were written (the migration)."""

    def __init__(self, key: bytes) -> None:
        self.key, self.seq, self.mac = key, 0, GENESIS

    def seal(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The next place, previous seal and seal for `row` (an entry's fields and id)."""
        fields = {name: row[name] for name in _SEALED_FIELDS}
        prev, self.seq = self.mac, self.seq + 1
        self.mac = mac_of(self.key, seq=self.seq, prev_mac=prev, **fields)
        return {"entry_id": row["id"], "seq": self.seq, "prev_mac": prev, "mac": self.mac}

    def head(self) -> ChainHead:
        return ChainHead.sealed(self.key, self.seq, self.mac)


_SEALED_FIELDS = ("at", "actor", "role", "workstation", "action", "outcome", "record_type", "record_id", "detail")
