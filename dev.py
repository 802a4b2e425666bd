#!/usr/bin/env python3
"""Set-up and run Pathways from a fresh clone, with nothing but Python 3.11+.

    python3 dev.py run [ARGS...]   start the app on the embedded database (ARGS go to main.py)
    python3 dev.py test [ARGS...]  lint (ruff), type-check (mypy --strict) and run every test (ARGS go to pytest)

The first call makes a virtual environment in .venv and installs what pyproject.toml lists; later calls
reinstall only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".pathways-installed"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script must explain itself on an old Python
        sys.exit("Pathways needs Python 3.11 or newer.")
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    wanted = hashlib.sha256(pyproject).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    import tomllib  # after the version check: new in Python 3.11

    project = tomllib.loads(pyproject.decode())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    print("Installing Pathways' dependencies ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", *requirements], check=True)
    STAMP.write_text(wanted)


def run_checks(pytest_args: list[str]) -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    steps = [
        ("ruff", [str(PYTHON), "-m", "ruff", "check", "."]),
        ("mypy --strict", [str(PYTHON), "-m", "mypy"]),
        ("pytest", [str(PYTHON), "-m", "pytest", *pytest_args]),
    ]
    for name, command in steps:
        print(f"== {name}", flush=True)
        code = subprocess.run(command, cwd=ROOT, env=env).returncode
        if code != 0:
            print(f"== {name} failed (exit {code})", flush=True)
            return code
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__)
        return 2
    ensure_environment()
    if argv[0] == "run":
        return subprocess.run([str(PYTHON), str(ROOT / "main.py"), *argv[1:]], cwd=ROOT).returncode
    return run_checks(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
