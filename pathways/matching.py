"""Possible-duplicate matching of people: same date of birth and a similar name."""

from __future__ import annotations

from difflib import SequenceMatcher

from pathways.identity import fold


def _close(a: str, b: str, threshold: float) -> bool:
    return a == b or SequenceMatcher(None, a, b).ratio() >= threshold


def similar_names(surname_a: str, forenames_a: str, surname_b: str, forenames_b: str) -> bool:
    """True when two names could be one person's: close surnames and first forenames, either order."""
    sa, sb = fold(surname_a), fold(surname_b)
    fa, fb = (fold(forenames_a).split() or [""])[0], (fold(forenames_b).split() or [""])[0]
    straight = _close(sa, sb, 0.8) and (_close(fa, fb, 0.75) or fa[:1] == fb[:1])
    swapped = _close(sa, fb, 0.8) and _close(fa, sb, 0.8)
    return straight or swapped
