"""Secret keys kept in small files outside the database (the audit key, the database encryption key).

A key is 32 random bytes written as hexadecimal after a comment saying what it is, in the user's Pathways
configuration folder or wherever an environment variable names. A key file is made readable by its owner
only, written whole under a temporary name and linked into place, and never overwritten.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Pathways"
KEY_BYTES = 32


class KeyFileError(Exception):
    """A key file is there but cannot be read or is not a key; the message says which file and why."""


@dataclass(frozen=True)
class KeyFile:
    """Where one kind of key lives: `env` names a file that overrides `file_name` in the configuration folder."""

    env: str
    file_name: str
    what: str  # "audit key", "database key": used in messages
    note: str  # comment lines written at the top of a new key file

    def path(self) -> Path:
        named = os.environ.get(self.env, "").strip()
        if named:
            return Path(named).expanduser()
        return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / self.file_name

    def read(self, path: Path | None = None) -> bytes | None:
        """The key in the file, or None when there is no such file."""
        path = path or self.path()
        try:
            text = path.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise KeyFileError(f"The {self.what} file {path} could not be read: {exc.strerror}.") from None
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        try:
            key = bytes.fromhex(lines[0]) if len(lines) == 1 else b""
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            raise KeyFileError(f"The file {path} is not a Pathways {self.what} (it may have been edited or cut short).")
        return key

    def create(self, path: Path | None = None) -> bytes:
        """A new key file, or the key of one that appeared meanwhile (another program starting at once)."""
        path = path or self.path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(KEY_BYTES)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(self.note + key.hex() + "\n")
                file.flush()
                os.fsync(file.fileno())
            os.link(draft, path)
        except FileExistsError:
            existing = self.read(path)
            assert existing is not None
            return existing
        finally:
            draft.unlink(missing_ok=True)
        return key

    def read_or_create(self, path: Path | None = None) -> bytes:
        return self.read(path) or self.create(path)

    def readable_by_others(self, path: Path | None = None) -> bool:
        """True when the file's permissions let other users of this computer read it (POSIX systems only)."""
        path = path or self.path()
        if os.name != "posix" or not path.exists():
            return False
        return bool(path.stat().st_mode & 0o077)
