"""A fork server for the kill tests: it loads Pathways once, then forks a fresh worker for each job it is sent, so
that a worker can be killed a few milliseconds after it starts without paying Python's start-up every time.

Run as `python -m tests.faults.children.forkserver SCRATCH_FOLDER`. One JSON object a line each way: the test writes
{"job": NAME, "args": {...}, "out": PATH, "err": PATH}; the server answers {"pid": N} as soon as the worker is
forked, then {"pid": N, "status": S} (as os.waitpid gives it) once the worker has ended. The worker's standard
output and error are the two files. The server holds no database connection, so a worker starts clean.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

from tests.faults.children.jobs import JOBS, preload

LIFETIME = 300  # seconds: a worker nobody killed (its test was itself killed) ends by itself, not never


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _redirect(path: str, fd: int, flags: int) -> None:
    opened = os.open(path, flags, 0o600)
    os.dup2(opened, fd)
    os.close(opened)


def _work(request: dict[str, Any]) -> None:
    """In the forked worker: run the job until it ends or is killed; never returns."""
    signal.alarm(LIFETIME)
    code = 1
    try:
        _redirect(os.devnull, 0, os.O_RDONLY)
        _redirect(request["out"], 1, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        _redirect(request["err"], 2, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        JOBS[request["job"]](**request["args"])
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    preload(Path(sys.argv[1]))
    _say({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _work(request)
        _say({"pid": pid})
        _, status = os.waitpid(pid, 0)
        _say({"pid": pid, "status": status})


if __name__ == "__main__":
    main()
