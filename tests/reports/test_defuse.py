"""Cells a spreadsheet would run as a formula are defused (the cohort CSV and workbook: reports/table_export.py)."""

from __future__ import annotations

import pytest

from reports.table_export import defuse


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        (" =1", "' =1"),
        ("\t=1", "'\t=1"),
        ("\tplain", "'\tplain"),
        ("66.7", "66.7"),
        ("needs: drugs", "needs: drugs"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_defuse(cell: str, expected: str) -> None:
    assert defuse(cell) == expected
