"""The journal a soak process keeps (tests/faults/test_soak.py, bench/soak.py): one JSON object a line for each save
the service said was made, written only after the service call returned and fsync'd before the next save, so a line
in the journal is a promise the database must keep. A process's own tallies (conflicts, retries) are its last line.

    {"op": "event", "case": C, "event": E, "version": V, "tag": T, "ms": M}      an event added to case C
    {"op": "person", "person": P, "tag": T, "ms": M}                             a person registered
    {"op": "correct", "person": P, "version": V, "forenames": F, "tag": T, "ms": M}  a person's details corrected
    {"op": "task", "task": K, "tag": T, "ms": M}                                 a task marked done
    {"op": "tally", ...Tally fields}                                             the process ended cleanly

`tag` is unique to the save (the process's name and a counter) and is written into the record itself (an event's
notes or reason, a correction's reason, a task's note), so the check can tell whose save a row holds.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from db.uow import is_transient


@dataclass
class Tally:
    """What one process saw: saves acknowledged, refusals of stale saves, transient database refusals retried."""

    name: str
    writes: int = 0
    stale: int = 0  # "changed by X at T, reload": reloaded and saved again
    busy: int = 0  # "the database was busy ... please try again": the retries ran out; the user tries again
    refused: int = 0  # refused by the pathway's rules or a task already done: correct refusals, nothing saved
    transient: int = 0  # serialisation failures, deadlocks, "database is locked" met by the services (retried, unless
    # a save had already waited its 5 s: then the user is told the database was busy, counted in `busy`)
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)


class Journal:
    def __init__(self, path: Path, name: str) -> None:
        self._file = path.open("a", encoding="utf-8")
        self.tally = Tally(name)
        self._counter = 0
        self._began = time.monotonic()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.tally.seconds = round(time.monotonic() - self._began, 3)
            self._write({"op": "tally", **asdict(self.tally)})
        self._file.close()

    def tag(self) -> str:
        """A label for the next save, unique across the soak: the process's name and a counter."""
        self._counter += 1
        return f"{self.tally.name}-{self._counter}"

    def saved(self, op: str, started: float, **what: Any) -> None:
        """Record an acknowledged save (call only after the service returned); `started` from time.perf_counter()."""
        took = round((time.perf_counter() - started) * 1000, 2)
        self.tally.writes += 1
        self.tally.latencies_ms.append(took)
        self._write({"op": op, **what, "ms": took})

    def _write(self, line: dict[str, Any]) -> None:
        self._file.write(json.dumps(line) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def count_transient_errors(self, engine: Engine) -> None:
        """Count each transient refusal the database gives this process (the services retry them)."""

        def seen(context: ExceptionContext) -> None:
            if is_transient(context.sqlalchemy_exception) if context.sqlalchemy_exception else False:
                self.tally.transient += 1

        event.listen(engine, "handle_error", seen)


def ready_then_wait(journal: Path, wait: float = 300.0) -> None:
    """Say this process is ready (JOURNAL.ready), then wait for the soak to begin (a file named "go" beside the
    journal), so that every process works for the whole of the soak however long each took to start."""
    journal.with_suffix(".ready").touch()
    give_up = time.monotonic() + wait
    while not (journal.parent / "go").exists():
        if time.monotonic() > give_up:
            raise TimeoutError("the soak never began")
        time.sleep(0.02)


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Every line of a journal (a last line cut short by a crash would fail here: a clean run has none)."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
