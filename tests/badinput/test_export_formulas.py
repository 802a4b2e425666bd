"""Report CSVs meant for a spreadsheet never hold a cell the spreadsheet would run as a formula."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reports.table_export import defuse
from tests.badinput import strategies as bad
from tests.badinput.conftest import BAD_INPUT

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@BAD_INPUT
@given(text=st.one_of(bad.formula_text(), bad.nasty_text(), st.text(max_size=30)))
def test_defused_cells_never_start_a_formula(text: str) -> None:
    cell = defuse(text)
    assert not cell.lstrip(" ").startswith(FORMULA_STARTS) or cell.startswith("'")
    assert cell in (text, "'" + text)  # defused by a leading apostrophe, never otherwise changed
