"""How soon can any main window on Pathways' stack be shown? A bare window, next to the same bare window shown after
importing what the stack must load before a signed-in window can read a record.

    .venv/bin/python bench/window_floor.py [--repeat 7]

Issue 7 compares the app's time to a usable window with a bare PySide6 QMainWindow's (at most 3 times). The sign-in
window comes first and is well within that; the main window cannot be shown before the database layer has loaded,
and this measures what that costs before a line of Pathways runs. Each probe is a fresh process, started in turn
(bare, then each floor), `repeat` times:
- `bare`: PySide6's QtWidgets, a QMainWindow shown (bench/scale.py's baseline);
- `sqlalchemy.orm`: the same, after `import sqlalchemy.orm` (the brief's stack: every service is written on it);
- `sqlalchemy.orm + a password checked`: also the embedded database's driver, and one password checked as signing in
  checks it (Argon2id at OWASP's minimum settings, pathways/passwords.py: slow on purpose, against guessing).
Prints one JSON object: the medians, and each floor as a multiple of the bare window's median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WINDOW = """
{imports}
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1200, 800)
window.show()
QTimer.singleShot(0, lambda: (print("shown", flush=True), app.quit()))
app.exec()
"""
PROBES = {
    "bare": "",
    "sqlalchemy.orm": "import sqlalchemy.orm",
    "sqlalchemy.orm + a password checked": (
        "import sqlalchemy.orm, sqlite3\n"
        "from pathways.passwords import password_matches\n"
        "password_matches(None, 'a password typed at sign-in')"  # (None: checked against the decoy hash, as slow)
    ),
}


def shown_after(imports: str) -> float:
    """Seconds from starting a fresh process until its window is shown."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", WINDOW.format(imports=imports)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait(timeout=60)
    if "shown" not in line:
        raise SystemExit(f"a probe ended without showing its window (exit {process.returncode})")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for imports in PROBES.values():  # once each first, so that no probe pays for a cold disk cache
        shown_after(imports)
    times: dict[str, list[float]] = {name: [] for name in PROBES}
    for _ in range(args.repeat):
        for name, imports in PROBES.items():
            times[name].append(shown_after(imports))
    medians = {name: statistics.median(seconds) for name, seconds in times.items()}
    bare = medians["bare"]
    print(
        json.dumps(
            {
                "median_s": {name: round(s, 3) for name, s in medians.items()},
                "times_bare": {name: round(s / bare, 2) for name, s in medians.items()},
                "repeat": args.repeat,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
