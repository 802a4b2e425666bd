"""Checks and normal forms for the details that identify a person."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

from dateutil.relativedelta import relativedelta

from pathways.errors import InvalidInput

SEXES = {"M": "Male", "F": "Female", "X": "Other", "U": "Not known"}
ETHNICITY_CODES = [*"ABCDEFGHJKLMNPRS", "Z", "99"]
ETHNICITY_LABELS = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - any other Black background",
    "R": "Other ethnic groups - Chinese",
    "S": "Other ethnic groups - any other ethnic group",
    "Z": "Not stated",
    "99": "Not known",
}

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_PNC = re.compile(r"^([0-9]{2}|[0-9]{4})/([0-9]{1,7})([A-Z])$")
MAX_AGE_YEARS = 120
# Unicode's explicit direction embeddings, overrides and isolates (right-to-left names need none of them)
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def nhs_number_is_valid(number: str) -> bool:
    """The NHS number's modulus 11 check digit (NHS Data Dictionary)."""
    digits = number.replace(" ", "")
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):  # (not other scripts' digits)
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def normal_nhs_number(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    digits = unicodedata.normalize("NFKC", value).replace(" ", "").replace("-", "")  # full-width digits: plain
    if not nhs_number_is_valid(digits):
        raise InvalidInput(f"{value} is not a valid NHS number: it should be 10 digits with a correct check digit.")
    return digits


def normal_postcode(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    match = _POSTCODE.match(value.strip().upper())
    if not match:
        raise InvalidInput(f"{value} is not a UK postcode (for example RG21 7QW).")
    return f"{match.group(1)} {match.group(2)}"


def normal_pnc_id(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = unicodedata.normalize("NFKC", value).strip().upper()
    if not _PNC.match(text):
        raise InvalidInput(f"{value} is not a PNC ID (for example 19/1234567A).")
    return text


def check_sex(value: str) -> str:
    code = value.strip().upper()
    if code not in SEXES:
        raise InvalidInput(f"{value} is not a sex code: use M, F, X (other) or U (not known).")
    return code


def check_ethnicity(value: str | None) -> str:
    if value is None or not value.strip():
        return "99"
    code = value.strip().upper()
    if code not in ETHNICITY_CODES:
        raise InvalidInput(f"{value} is not an NHS ethnic category code (A to S, Z, or 99).")
    return code


@lru_cache(maxsize=4)  # an import checks every person's date of birth against the same day
def _oldest_birth(today: date) -> date:
    return today - relativedelta(years=MAX_AGE_YEARS)


def check_date_of_birth(value: date, today: date) -> date:
    if value > today:
        raise InvalidInput(f"The date of birth {value:%d/%m/%Y} is in the future.")
    if value < _oldest_birth(today):
        raise InvalidInput(f"The date of birth {value:%d/%m/%Y} is more than {MAX_AGE_YEARS} years ago.")
    return value


def check_name(value: str, what: str) -> str:
    text = " ".join(value.split())
    plural = what.endswith("s")  # the forenames are, the surname is
    if not text:
        raise InvalidInput(f"The {what} {'are' if plural else 'is'} missing.")
    if len(text) > 200:
        raise InvalidInput(f"The {what} {'are' if plural else 'is'} longer than 200 characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise InvalidInput(f"The {what} {'contain' if plural else 'contains'} control characters.")
    if any(ch in DIRECTION_CONTROLS for ch in text):  # (they would reorder every message quoting the name)
        raise InvalidInput(
            f"The {what} {'contain' if plural else 'contains'} hidden characters that change the direction of text: "
            "type the name again."
        )
    if not any(unicodedata.category(ch).startswith("L") for ch in text):
        raise InvalidInput(
            f"The {what} {'have' if plural else 'has'} no letters in {'them' if plural else 'it'}: for someone not "
            "yet identified, write Unknown."
        )
    return text


def fold(text: str) -> str:
    """Lower case without accents or punctuation, for matching names (Siân → sian)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", plain.lower()).split())


_SOUND_GROUPS = ("aeiouyhw", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r")  # the code of each is its place
_SOUND_CODES = {c: d for d, letters in enumerate(_SOUND_GROUPS) for c in letters}


@lru_cache(maxsize=65536)  # an import asks for the same names' codes again and again
def soundex(word: str) -> str:
    """A Soundex code of a folded word, with h and w separating letters like vowels (Hughes, Hughs: H220)."""
    codes = _SOUND_CODES
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return ""
    result, previous = letters[0].upper(), codes.get(letters[0], 0)
    for char in letters[1:]:
        code = codes.get(char, 0)
        if code and code != previous:
            result += str(code)
        previous = code
    return (result + "000")[:4]


def sound_key(surname: str, forenames: str) -> str:
    """The Soundex codes of every word of a name, for search that forgives spelling."""
    return " ".join(dict.fromkeys(soundex(w) for w in fold(f"{surname} {forenames}").split() if soundex(w)))


def name_words(surname: str, forenames: str) -> list[tuple[str, str]]:
    """Each distinct folded word of a name with its sound code, for the search index."""
    words = dict.fromkeys(fold(f"{surname} {forenames}").split())
    return [(word[:100], soundex(word)) for word in words]


def search_name(surname: str, forenames: str) -> str:
    """The stored key that name search runs on: folded surname then forenames."""
    return fold(f"{surname} {forenames}")


def check_details(details: dict[str, Any], today: date) -> dict[str, Any]:
    """Validate and normalise the given details of a person; raises InvalidInput with the first problem."""
    checks: dict[str, Callable[[Any], Any]] = {
        "surname": lambda v: check_name(v, "surname"),
        "forenames": lambda v: check_name(v, "forenames"),
        "date_of_birth": lambda v: check_date_of_birth(v, today),
        "sex": check_sex,
        "ethnicity": check_ethnicity,
        "pnc_id": normal_pnc_id,
        "nhs_number": normal_nhs_number,
        "postcode": normal_postcode,
    }
    return {k: checks[k](v) for k, v in details.items()}
