"""Passwords: how they are hashed, and what will do as a new one.

They are hashed with Argon2id at the OWASP minimum (19 MiB, 2 iterations, 1 lane). The policy for a new password
follows OWASP ASVS: 12 to 128 characters, no composition rules, no forced expiry, but common passwords and
passwords holding the user name are refused.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pathways.definitions import RESOURCES
from pathways.errors import InvalidInput

HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
MIN_LENGTH, MAX_LENGTH = 12, 128
COMMON_PASSWORDS_FILE = RESOURCES / "reference" / "common_passwords.txt"
EDGE_DIGITS_AND_SYMBOLS = re.compile(r"^[\W\d_]+|[\W\d_]+$")
# Checked against when there is no usable hash, so that an unknown user name takes as long to refuse as a wrong
# password. A hash of random text made with HASHER's settings: make a new one whenever they change (a test checks).
DECOY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$TnsHXCoDIVxbxiq1PdhW6g$gyRds8QQVu9J6h99MhGK5C7go6G7bpvtx1t+fqJiYLo"


def password_matches(stored: str | None, password: str) -> bool:
    """Whether `password` is the one hashed as `stored` (None: there is none to match). Always spends one hash, so
    how long it takes tells nothing."""
    try:
        if stored is None:
            HASHER.verify(DECOY_HASH, password)
            return False
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _squeezed(text: str) -> str:
    return "".join(text.casefold().split())


@cache
def common_passwords(path: Path = COMMON_PASSWORDS_FILE) -> frozenset[str]:
    """The refused passwords, lower case with spaces removed (so "Correct Horse…" matches "correcthorse…")."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(_squeezed(line) for line in lines if line.strip() and not line.startswith("#"))


def _is_common(password: str) -> bool:
    squeezed = _squeezed(password)
    core = EDGE_DIGITS_AND_SYMBOLS.sub("", squeezed)  # "Summer2024!!" is as guessable as "summer"
    refused = common_passwords()
    return squeezed in refused or core in refused or len(set(squeezed)) < 4


def password_problem(password: str, *, username: str) -> str | None:
    """What is wrong with a new password, in words for the user, or None when it will do."""
    if len(password) < MIN_LENGTH:
        return f"Choose a password of at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Choose a password of at most {MAX_LENGTH} characters."
    name = username.strip().casefold()
    lowered = password.casefold()
    if name and (lowered == name or (len(name) >= 4 and name in lowered)):
        return "A password must not contain your user name; choose another."
    if _is_common(password):
        return "That password is too common; choose another."
    return None


def check_password(password: str, *, username: str) -> None:
    problem = password_problem(password, username=username)
    if problem:
        raise InvalidInput(problem)
