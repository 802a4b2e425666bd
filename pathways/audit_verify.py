"""Checking the audit log's chain from end to end, and naming each problem in words.

The entries are read in chain order (`seq`). An entry whose seal does not match its contents cannot have been
written by Pathways as it stands: it was changed if it sits in a place the chain is missing, otherwise it was added
from outside. A place the chain skips is a deleted entry; entries whose order of writing (their places) disagrees
with the order they are stored in (their ids) were reordered; and the sealed record of where the chain ends shows
entries cut off the end. Reading changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Setting
from pathways.actors import Actor
from pathways.audit import authorise
from pathways.audit_chain import GENESIS, HEAD_SETTING, RESTART, ChainFault, ChainHead, seal_matches
from pathways.audit_key import key_path, read_key, readable_by_others
from pathways.clock import LONDON
from pathways.errors import PathwaysError
from pathways.store import Store

KEY_REPLACED = frozenset(fault.value for fault in ChainFault if fault.key_replaced)
READ_BATCH = 2000


class CannotVerify(PathwaysError):
    """The chain could not be checked at all (no key, or not this log's key)."""


@dataclass(frozen=True)
class Finding:
    kind: str  # changed, inserted, deleted, reordered, broken, truncated, end
    text: str


@dataclass
class ChainReport:
    entries: int = 0  # entries checked
    sealed: int = 0  # of which the seal matched
    unchecked: int = 0  # entries before a key replacement, not checked
    problems: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    last: AuditEntry | None = None  # the last entry whose seal matched
    head: ChainHead | None = None

    @property
    def intact(self) -> bool:
        return not self.problems

    def problem(self, kind: str, text: str) -> None:
        self.problems.append(Finding(kind, text))


def _runs(ids: list[int]) -> Iterator[tuple[int, int, int]]:
    """Consecutive ids as (first, last, how many)."""
    ordered = sorted(ids)
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            yield ordered[start], ordered[i - 1], i - start
            start = i


def _entries(first: int, last: int, count: int) -> str:
    return f"Entry {first} was" if count == 1 else f"Entries {first} to {last} ({count:,} entries) were"


def entries_word(count: int) -> str:
    """ "1 entry", "2 entries", "1,234 entries"."""
    return "1 entry" if count == 1 else f"{count:,} entries"


def _plural(count: int) -> str:
    return "1 entry was" if count == 1 else f"{count:,} entries were"


class _Walk:
    """Follows the chain in place order, keeping only the last sound entry and the unsound ones since."""

    def __init__(self, key: bytes, report: ChainReport, prev_seq: int) -> None:
        self.key, self.report = key, report
        self.prev_seq, self.prev_mac = prev_seq, GENESIS
        self.prev_id: int | None = None
        self.unsound: list[tuple[int, int | None]] = []  # (id, seq) of entries whose seal does not match

    def visit(self, entry: AuditEntry) -> None:
        self.report.entries += 1
        if not seal_matches(self.key, entry):
            self.unsound.append((entry.id, entry.seq))
            return
        self.report.sealed += 1
        if entry.seq <= self.prev_seq:  # a sound entry at a place already taken can only be a copy
            self.report.problem(
                "inserted", f"Entry {entry.id} was added to the log: it is a copy of entry {self.prev_id}."
            )
            return
        skipped = entry.seq - self.prev_seq - 1
        deleted = self.settle(skipped)
        if deleted:
            self.report.problem("deleted", f"{_plural(deleted)} deleted from the log {self._between(entry.id)}.")
        if entry.prev_mac == RESTART:
            self._restarted(entry)
        elif not skipped and entry.prev_mac != self.prev_mac:
            self.report.problem(
                "broken",
                f"Entry {entry.id} does not follow on from entry {self.prev_id} as it should: the log has been "
                "rearranged by someone holding the audit key, or two computers wrote to it at once.",
            )
        if self.prev_id is not None and entry.id < self.prev_id:
            self.report.problem(
                "reordered",
                f"Entries {entry.id} and {self.prev_id} have been reordered: the one now numbered {entry.id} was "
                f"written after the one now numbered {self.prev_id}.",
            )
        self.prev_seq, self.prev_mac, self.prev_id = entry.seq, entry.mac, entry.id
        self.report.last = entry

    def _between(self, next_id: int) -> str:
        if self.prev_id is None:
            return f"before entry {next_id} (at the start of the log)"
        return f"between entry {self.prev_id} and entry {next_id}"

    def _restarted(self, entry: AuditEntry) -> None:
        when = entry.at.astimezone(LONDON)
        self.report.notes.append(
            f"Entry {entry.id}: on {when:%d %B %Y at %H:%M} {entry.actor} started a new chain because "
            f"{entry.detail}. Entries removed from the end of the log before then could not be detected."
        )

    def settle(self, places: int) -> int:
        """Name the unsound entries met since the last sound one, given how many places the chain skipped there;
        returns how many of those places no entry fills (deleted entries)."""
        wanted = range(self.prev_seq + 1, self.prev_seq + 1 + places)
        changed: list[int] = []
        inserted: list[int] = []
        filled: set[int] = set()
        for entry_id, seq in self.unsound:
            if seq is not None and seq in wanted and seq not in filled:
                filled.add(seq)
                changed.append(entry_id)
            else:
                inserted.append(entry_id)
        self.unsound = []
        for first, last, count in _runs(changed):
            self.report.problem("changed", f"{_entries(first, last, count)} changed after {_written(count)}.")
        for first, last, count in _runs(inserted):
            self.report.problem(
                "inserted",
                f"{_entries(first, last, count)} added to the log from outside Pathways: "
                f"{'its seal does' if count == 1 else 'their seals do'} not fit the chain.",
            )
        return places - len(filled)

    def finish(self, setting: Setting | None) -> None:
        report = self.report
        head = ChainHead.parse(setting.value) if setting is not None else None
        if head is not None and head.sealed_by(self.key):
            report.head = head
            if head.seq < self.prev_seq:
                self.settle(0)
                report.problem(
                    "end",
                    f"The record of where the log ends says it ends at place {head.seq:,}, but entry {self.prev_id} "
                    f"is at place {self.prev_seq:,}: the record has been replaced with an earlier copy.",
                )
                return
            missing = self.settle(head.seq - self.prev_seq)
            if missing:
                ends = f"entry {self.prev_id}" if self.prev_id is not None else "nothing"
                removed = "The last entry of the log has" if missing == 1 else f"The last {missing:,} entries have"
                report.problem(
                    "truncated",
                    f"{removed} been removed: the log now ends at {ends}, but Pathways had written {missing:,} more.",
                )
            elif head.mac != self.prev_mac and head.seq == self.prev_seq and head.seq > 0:
                report.problem("end", "The record of where the log ends does not match the log's last entry.")
            return
        later = [seq for _id, seq in self.unsound if seq is not None and seq > self.prev_seq]
        self.settle(max(later) - self.prev_seq if later else 0)
        if setting is None and report.entries:
            report.problem(
                "end",
                "The record of where the log ends is missing, so entries removed from the end cannot be detected.",
            )
        elif setting is not None:
            report.problem(
                "end",
                "The record of where the log ends has been altered, so entries removed from the end cannot be "
                "detected.",
            )


def _written(count: int) -> str:
    return "it was written" if count == 1 else "they were written"


def _key_replaced_at(session: Session, key: bytes) -> AuditEntry | None:
    """The latest restart, sealed with this key, made because the key before it was lost or did not match."""
    query = select(AuditEntry).where(AuditEntry.prev_mac == RESTART).order_by(AuditEntry.seq.desc())
    for entry in session.scalars(query):
        if seal_matches(key, entry) and entry.detail in KEY_REPLACED:
            return entry
    return None


def check_chain(session: Session, key: bytes) -> ChainReport:
    """Check the whole chain with `key` (read only)."""
    report = ChainReport()
    start = _key_replaced_at(session, key)
    query = select(AuditEntry).order_by(AuditEntry.seq, AuditEntry.id)
    walk = _Walk(key, report, 0)
    if start is not None:
        report.unchecked = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.seq < start.seq)) or 0
        report.notes.append(
            f"{'The entry' if report.unchecked == 1 else f'The {report.unchecked:,} entries'} before entry "
            f"{start.id} {'was' if report.unchecked == 1 else 'were'} sealed with an earlier audit key, which was "
            "replaced then, so cannot be checked."
        )
        query = query.where(AuditEntry.seq >= start.seq)
        walk = _Walk(key, report, start.seq - 1)
    for entry in session.scalars(query.execution_options(yield_per=READ_BATCH)):
        walk.visit(entry)
        session.expunge(entry)
    walk.finish(session.get(Setting, HEAD_SETTING))
    return report


def verify_audit_log(store: Store, *, actor: Actor) -> ChainReport:
    """Check the whole audit log with this computer's audit key. Administrators only; changes nothing."""
    authorise(store.session_factory, actor, "verify_audit", store.clock)
    path = key_path()
    key = read_key(path)
    if key is None:
        raise CannotVerify(
            f"There is no audit key at {path}, so the audit log cannot be checked. Set PATHWAYS_AUDIT_KEY_FILE to "
            "the file where the force keeps it."
        )
    with store.unit_of_work() as uow:
        report = check_chain(uow.session, key)
    if report.entries and not report.sealed and report.head is None:
        raise CannotVerify(
            f"None of the {report.entries:,} entries could be checked with the key in {path}: it is probably not "
            "the key this audit log was sealed with. Set PATHWAYS_AUDIT_KEY_FILE to the right key file."
        )
    if readable_by_others(path):
        report.notes.append(f"The audit key file {path} can be read by other users of this computer: make it private.")
    return report
