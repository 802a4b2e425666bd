"""The test's side of the kill tests: a fork server to start workers cheaply, and SIGKILL at a chosen moment.

A worker is forked from an already-loaded Python (tests/faults/children/forkserver.py), so one kill costs the
few milliseconds of the fork plus the chosen delay, not a whole interpreter start-up.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ANSWER_WAIT = 120.0  # seconds: a fork server that says nothing for this long has hung, and fails the test
POLL = 0.002  # seconds between looks at a worker's output


@dataclass(frozen=True)
class Kill:
    """When to kill a worker: once it has printed `lines` lines (acknowledged that many commits), `delay` seconds
    later. Counting from the worker's own progress, not the clock, puts the kill in the middle of its work however
    fast or slow the machine is today."""

    lines: int
    delay: float


@dataclass(frozen=True)
class Ended:
    """How one worker ended, and what it printed: one line for each commit it had seen return."""

    killed: bool  # True: by our SIGKILL; False: it ended by itself (its work done, or an error, in `errors`)
    lines: list[str]
    errors: str
    seen: list[float]  # when each line was seen, in seconds after the fork (to within a few milliseconds)


class ForkServer:
    """One fork server process; `run` forks a worker, kills it when told, and says how it ended. Not for two
    threads at once (use one server for each)."""

    def __init__(self, scratch: Path) -> None:
        self._scratch = scratch
        self._runs = 0
        self._buffer = b""
        self.output: Path | None = None  # the standard output of the latest worker, while it runs and after
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.children.forkserver", str(scratch)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self._answer()  # {"ready": true}: everything is loaded

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def run(self, job: str, args: dict[str, Any], *, kill: Kill | None) -> Ended:
        """Fork a worker for `job` and SIGKILL it as `kill` says (None: let it end by itself)."""
        self._runs += 1
        out, err = self._scratch / f"run-{self._runs}.out", self._scratch / f"run-{self._runs}.err"
        self.output = out
        request = {"job": job, "args": args, "out": str(out), "err": str(err)}
        assert self._process.stdin is not None
        self._process.stdin.write((json.dumps(request) + "\n").encode())
        self._process.stdin.flush()
        pid = self._answer()["pid"]
        forked, seen = time.monotonic(), list[float]()
        if self._watch(out, kill.lines if kill else None, forked, seen) and kill is not None:
            time.sleep(kill.delay)
            # The worker is our fork server's child: its pid is its own until reaped. If it has ended by itself and
            # been reaped, there is nobody to kill, and the server's answer says how it ended.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        status = self._answer()["status"]
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        text = out.read_text(encoding="utf-8") if out.exists() else ""
        complete = text[: text.rfind("\n") + 1]  # each line is written by one write(); a kill cannot split it
        errors = err.read_text(encoding="utf-8") if err.exists() else ""
        return Ended(killed, complete.splitlines(), errors, seen)

    def _watch(self, out: Path, lines: int | None, forked: float, seen: list[float]) -> bool:
        """Note when each line of the worker's output appears, until it has printed `lines` lines (True), or until
        it has ended (False: the server then answers; with `lines` None, watch it to the end)."""
        deadline = forked + ANSWER_WAIT
        while True:
            printed = out.read_bytes().count(b"\n") if out.exists() else 0
            seen += [time.monotonic() - forked] * (printed - len(seen))
            if lines is not None and printed >= lines:
                return True
            if self._pending():
                return False
            if time.monotonic() > deadline:
                raise AssertionError(f"a worker printed {printed} lines in {ANSWER_WAIT:.0f} s and did not end")
            time.sleep(POLL)

    def _pending(self) -> bool:
        assert self._process.stdout is not None
        return bool(self._buffer) or bool(select.select([self._process.stdout.fileno()], [], [], 0)[0])

    def _answer(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        fd = self._process.stdout.fileno()
        deadline = time.monotonic() + ANSWER_WAIT
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(left, 0))
            if not ready:
                raise AssertionError("the fork server stopped answering")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"the fork server ended (exit {self._process.wait()})")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        return answer
