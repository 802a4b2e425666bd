"""`main.py user add|disable|reset-password`, run as an administrator would: in a subprocess, and at a real
(pseudo-)terminal for the typed password."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select as sql_select

from db.models import AuditEntry
from pathways.actors import Actor, command_line_actor
from pathways.services import accounts
from pathways.services.accounts import SignInFailed
from pathways.store import open_store
from tests.test_cli import ROOT

GOOD = "violet kettle harbour"
NEW = "marmalade tractor seventeen"
OWN = "plum orchard lantern at dusk"
ADD_NAV = ("user", "add", "nav.smith", "--role", "custody_navigator", "--name", "Sam Smith", "--site", "Basingstoke")


def _run(*args: str, url: str, stdin: str = "") -> tuple[int, str, str]:
    env = {**os.environ, "PATHWAYS_DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    return result.returncode, result.stdout, result.stderr


def _signs_in(url: str, password: str) -> bool:
    return _sign_in(url, password) is not None


def _sign_in(url: str, password: str) -> Actor | None:
    store = open_store(url)
    try:
        return accounts.sign_in(store, username="nav.smith", password=password, workstation="custody-pc-1")
    except SignInFailed:
        return None
    finally:
        store.engine.dispose()


def _choose_own(url: str, given: str, own: str) -> None:
    """Sign in with the password given and change it, as the desktop makes them do first."""
    store = open_store(url)
    try:
        actor = accounts.sign_in(store, username="nav.smith", password=given, workstation="custody-pc-1")
        accounts.change_own_password(store, actor=actor, old_password=given, new_password=own)
    finally:
        store.engine.dispose()


def test_add_reset_and_disable_a_user_from_the_command_line(database_url: str) -> None:
    code, out, _ = _run(*ADD_NAV, "--password-stdin", url=database_url, stdin=GOOD + "\n")
    assert (code, out) == (
        0,
        "Added nav.smith (Sam Smith), custody navigator at Basingstoke.\n"
        "The password is temporary: they must choose a new one of their own when they first sign in.\n",
    )
    added = _sign_in(database_url, GOOD)
    assert added is not None and added.must_change_password
    _choose_own(database_url, GOOD, OWN)
    chosen = _sign_in(database_url, OWN)
    assert chosen is not None and not chosen.must_change_password

    code, out, _ = _run("user", "reset-password", "NAV.SMITH", "--password-stdin", url=database_url, stdin=NEW + "\n")
    assert (code, out) == (
        0,
        "The password of nav.smith (Sam Smith) was changed.\n"
        "The password is temporary: they must choose a new one of their own when they next sign in.\n",
    )
    assert not _signs_in(database_url, OWN)
    reset = _sign_in(database_url, NEW)
    assert reset is not None and reset.must_change_password

    code, _, err = _run("user", "move", "nav.smith", "Aldersht", url=database_url)
    assert (code, err.strip()) == (
        2,  # (the CLI's code for input refused)
        "“Aldersht” is not on the list of sites. Choose one from the list, or add it to the list first "
        "(Administration → Sites).",
    )
    code, out, _ = _run("user", "move", "nav.smith", "aldershot", url=database_url)
    assert (code, out) == (
        0,
        "nav.smith (Sam Smith) now works at Aldershot. If they are signed in now, Pathways does nothing more for them "
        "until they sign in again, and then shows the cases of their new place.\n",
    )
    moved = _sign_in(database_url, NEW)
    assert moved is not None and moved.site == "Aldershot"

    code, out, _ = _run("user", "disable", "nav.smith", url=database_url)
    assert code == 0 and out.startswith("nav.smith (Sam Smith) is disabled: they cannot sign in")
    assert not _signs_in(database_url, NEW)

    store = open_store(database_url)
    try:
        with store.unit_of_work() as uow:
            query = sql_select(AuditEntry).where(AuditEntry.record_type == "user").order_by(AuditEntry.seq)
            done = [(e.actor, e.role, e.action, e.outcome, e.detail) for e in uow.session.scalars(query) if e.role]
    finally:
        store.engine.dispose()
    me = command_line_actor().username
    assert [d for d in done if d[0] == me] == [
        (me, "administrator", "add_user", "ok", "custody_navigator, password must be changed"),
        (me, "administrator", "reset_password", "ok", "password must be changed"),
        (me, "administrator", "set_workplace", "ok", "Basingstoke → Aldershot"),
        (me, "administrator", "disable_user", "ok", None),
    ]


def test_mistakes_get_plain_messages_and_change_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    code, _, err = _run(*ADD_NAV[:4], "boss", *ADD_NAV[5:], "--password-stdin", url=url, stdin=GOOD + "\n")
    assert code == 2 and err == (
        "There is no role called 'boss'. Choose one of: custody_navigator, treatment_worker, manager, administrator.\n"
    )
    code, _, err = _run(*ADD_NAV, "--password-stdin", url=url, stdin="password123\n")
    assert code == 2 and err == "Choose a password of at least 12 characters.\n"
    code, _, err = _run(*ADD_NAV, "--password-stdin", url=url, stdin="Password123456!\n")
    assert code == 2 and err == "That password is too common; choose another.\n"
    code, _, err = _run(*ADD_NAV, "--password-stdin", url=url, stdin="")
    assert code == 2 and err == "No password was given on standard input; nothing was changed.\n"
    assert not _signs_in(url, GOOD)
    for command in (("user", "disable", "nobody"), ("user", "reset-password", "nobody", "--password-stdin")):
        code, _, err = _run(*command, url=url, stdin=GOOD + "\n")
        assert (code, err) == (2, "There is no user called 'nobody'.\n")
    assert _run(*ADD_NAV, "--password-stdin", url=url, stdin=GOOD + "\n")[0] == 0
    code, _, err = _run(*ADD_NAV, url=url)  # refused before any password is asked for
    assert (code, err) == (2, "There is already a user called nav.smith.\n")
    worker = ("user", "add", "tw.jones", "--role", "Treatment Worker", "--name", "T W", "--password-stdin")
    code, _, err = _run(*worker, url=url, stdin=NEW)
    assert (code, err) == (2, "A treatment worker needs the treatment service they work for.\n")


# Starts a new session with the pseudo-terminal on standard input as its controlling terminal (so getpass reads
# from it), then becomes main.py. Done in a fresh interpreter: forking this multi-threaded test process and running
# Python in the child can deadlock.
WITH_TERMINAL = (
    "import fcntl, os, sys, termios; os.setsid(); fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def _at_a_terminal(args: tuple[str, ...], typed: list[str], url: str) -> tuple[int, str]:
    """Run main.py with a pseudo-terminal as its terminal, typing each of `typed` when a prompt appears."""
    terminal, child_end = pty.openpty()
    env = {**os.environ, "PATHWAYS_DATABASE_URL": url}
    command = [sys.executable, "-c", WITH_TERMINAL, sys.executable, str(ROOT / "main.py"), *args]
    process = subprocess.Popen(command, stdin=child_end, stdout=child_end, stderr=child_end, env=env, cwd=ROOT)
    os.close(child_end)
    seen = b""
    answers, answered = iter(typed), 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([terminal], [], [], 1)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(terminal, 1024)
            except OSError:  # the child has gone and the terminal with it
                break
            if not chunk:
                break
            seen += chunk
            if seen.endswith(b": ") and seen.count(b": ") > answered:  # a new prompt, waiting for its answer
                answer = next(answers, None)
                if answer is not None:
                    os.write(terminal, answer.encode() + b"\n")
                    answered += 1
        return process.wait(timeout=30), seen.decode(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(terminal)


def test_a_password_typed_at_the_terminal_twice_and_not_shown(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    code, seen = _at_a_terminal(ADD_NAV, [GOOD, GOOD + " but different"], url)
    assert code == 2 and "The two passwords were not the same; nothing was changed." in seen
    assert not _signs_in(url, GOOD)
    code, seen = _at_a_terminal(ADD_NAV, [GOOD, GOOD], url)
    assert code == 0, seen
    assert "New password:" in seen and "The same password again:" in seen and "Added nav.smith" in seen
    assert GOOD not in seen  # not echoed
    assert _signs_in(url, GOOD)


def test_an_argument_that_is_not_utf8_text_is_refused_in_words(database_url: str) -> None:
    """A name typed in a terminal set to Latin-1 ('Bob' and 0xFF) reached the database layer and ended in a
    traceback ("surrogates not allowed"); it is refused before anything is opened."""
    env = {**os.environ, "PATHWAYS_DATABASE_URL": database_url}
    command = [sys.executable, str(ROOT / "main.py"), "user", "add", "bob", "--role", "manager"]
    result = subprocess.run(
        [*command, "--name", b"Bob \xff", "--password-stdin"],
        input=b"violet kettle harbour 42\n",
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    said = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2 and "Traceback" not in said
    assert "The display name given, 'Bob \ufffd', holds characters that are not text in UTF-8" in said
    store = open_store(database_url)
    try:
        assert not [u for u in accounts.list_users(store, actor=command_line_actor()) if u.username == "bob"]
    finally:
        store.engine.dispose()
