"""Possible-duplicate matching of people: same date of birth and a similar name."""

from __future__ import annotations

from difflib import SequenceMatcher
from functools import lru_cache

from pathways.identity import fold


def _close(a: str, b: str, threshold: float) -> bool:
    if a == b:
        return True
    # ratio() is at most twice the shorter length over both lengths (SequenceMatcher.real_quick_ratio), and at most
    # quick_ratio(): most pairs are told apart by those bounds, the first without making a matcher at all.
    if 2 * min(len(a), len(b)) < threshold * (len(a) + len(b)):
        return False
    matcher = SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold


@lru_cache(maxsize=65536)  # an import compares the same held names again and again
def _folded(surname: str, forenames: str) -> tuple[str, str]:
    """The folded surname and first forename."""
    return fold(surname), (fold(forenames).split() or [""])[0]


def similar_names(surname_a: str, forenames_a: str, surname_b: str, forenames_b: str) -> bool:
    """True when two names could be one person's: close surnames and first forenames, either order."""
    sa, fa = _folded(surname_a, forenames_a)
    sb, fb = _folded(surname_b, forenames_b)
    straight = _close(sa, sb, 0.8) and (_close(fa, fb, 0.75) or fa[:1] == fb[:1])
    swapped = _close(sa, fb, 0.8) and _close(fa, sb, 0.8)
    return straight or swapped
