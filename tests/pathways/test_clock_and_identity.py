"""Calendar arithmetic and the checks on a person's identifying details."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pathways.clock import LONDON, add_calendar_months, age_on, local_date
from pathways.errors import InvalidInput
from pathways.identity import (
    check_date_of_birth,
    fold,
    nhs_number_is_valid,
    normal_nhs_number,
    normal_pnc_id,
    normal_postcode,
)
from pathways.matching import similar_names


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2023, 10, 31), 4, date(2024, 2, 29)),  # leap year
        (date(2022, 10, 31), 4, date(2023, 2, 28)),
        (date(2024, 1, 15), 4, date(2024, 5, 15)),
        (date(2024, 8, 31), 1, date(2024, 9, 30)),
    ],
)
def test_calendar_months(start: date, months: int, end: date) -> None:
    assert add_calendar_months(start, months) == end


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (date(2005, 3, 2), date(2023, 3, 1), 17),
        (date(2005, 3, 2), date(2023, 3, 2), 18),
        (date(2004, 2, 29), date(2022, 2, 28), 17),
        (date(2004, 2, 29), date(2022, 3, 1), 18),
        (date(2004, 2, 29), date(2024, 2, 29), 20),
    ],
)
def test_age_on_a_day(born: date, day: date, age: int) -> None:
    assert age_on(born, day) == age


def test_local_date_follows_british_summer_time() -> None:
    assert local_date(datetime(2025, 9, 30, 23, 30, tzinfo=UTC)) == date(2025, 10, 1)  # 00:30 BST
    assert local_date(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == date(2025, 12, 31)  # GMT in winter
    assert datetime(2025, 10, 1, 0, 30, tzinfo=LONDON).astimezone(UTC).hour == 23


def test_nhs_numbers() -> None:
    assert nhs_number_is_valid("9434765919")
    assert not nhs_number_is_valid("9434765918")  # wrong check digit
    assert not nhs_number_is_valid("943476591")
    assert normal_nhs_number("943 476 5919") == "9434765919"
    with pytest.raises(InvalidInput, match="not a valid NHS number"):
        normal_nhs_number("123 456 7890")  # check digit would be 10: never issued
    # Digits of other scripts are not kept as typed: another system's "9434765919" would never match them.
    assert normal_nhs_number("\uff19434765919") == "9434765919"  # a full-width 9 (copied from a form): plain
    for other in ("\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669", "\u09ef434765919"):
        assert not nhs_number_is_valid(other)  # Arabic-Indic, Bengali
        with pytest.raises(InvalidInput, match="not a valid NHS number"):
            normal_nhs_number(other)


def test_postcodes_and_pnc_ids() -> None:
    assert normal_postcode("rg217qw") == "RG21 7QW"
    assert normal_postcode("  SW1A 1AA ") == "SW1A 1AA"
    with pytest.raises(InvalidInput, match="not a UK postcode"):
        normal_postcode("12345")
    assert normal_pnc_id("19/1234567a") == "19/1234567A"
    with pytest.raises(InvalidInput, match="not a PNC ID"):
        normal_pnc_id("1234567")
    with pytest.raises(InvalidInput, match="not a PNC ID"):
        normal_pnc_id("\u0661\u0669/1234567A")  # Arabic-Indic digits


def test_dates_of_birth() -> None:
    today = date(2026, 11, 29)
    with pytest.raises(InvalidInput, match="in the future"):
        check_date_of_birth(date(2027, 1, 1), today)
    with pytest.raises(InvalidInput, match="more than 120 years ago"):
        check_date_of_birth(date(1900, 1, 1), today)


def test_name_matching_forgives_spelling_accents_and_order() -> None:
    assert fold("Siân O'Neill") == "sian o neill"
    assert similar_names("Hughes", "Daniel", "Hughs", "Danny")
    assert similar_names("Evans", "Siân", "EVANS", "Sian Mary")
    assert similar_names("Kofi", "Mensah", "Mensah", "Kofi")
    assert not similar_names("Hughes", "Daniel", "Begum", "Ruksana")
