"""How long work says how far it has got: stage, done, total (e.g. "Preparing the worklists", 500, 6,000 cases).
The screens show it; services call it from whatever thread the work runs on."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def no_progress(_stage: str, _done: int, _total: int) -> None:
    """For work that nobody watches."""
