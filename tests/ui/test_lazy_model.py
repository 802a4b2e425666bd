"""The list over ids: rows read with the search are shown without reading again; the rest are read a page at a
time, only when shown."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ui.lazy_model import PAGE, Column, LazyIdModel


def test_rows_read_with_the_ids_are_not_read_again_and_the_rest_are_read_by_page() -> None:
    asked: list[list[int]] = []

    def fetch(ids: list[int]) -> dict[int, str]:
        asked.append(ids)
        return {i: f"row {i}" for i in ids}

    model: LazyIdModel[str] = LazyIdModel([Column("Row", lambda r: r)], fetch)
    ids = list(range(1000, 1000 + 2 * PAGE))
    model.set_ids(ids, {i: f"first {i}" for i in ids[:40]})
    assert [model.index(r, 0).data() for r in range(40)] == [f"first {i}" for i in ids[:40]]
    assert asked == []
    assert model.index(40, 0).data() == f"row {ids[40]}"
    assert asked == [ids[40:PAGE]]  # the rest of the first page, not the rows already held
    assert model.index(PAGE + 5, 0).data() == f"row {ids[PAGE + 5]}"
    assert asked[1] == ids[PAGE : 2 * PAGE]
    model.set_ids(ids[:3])
    assert model.index(0, 0).data() == f"row {ids[0]}" and asked[-1] == ids[:3]  # a new list forgets the old rows


def test_each_cell_tells_its_whole_text_as_its_tooltip() -> None:
    """A long cell is cut short to fit its column; hovering over it shows the whole of it."""
    long = "DEMO-C-0000512 · Drug Rehabilitation Requirement (DRR) · Attending reviews"
    model: LazyIdModel[str] = LazyIdModel([Column("Latest case", lambda r: r)], lambda ids: dict.fromkeys(ids, long))
    model.set_ids([7])
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == long == model.index(0, 0).data()
    assert model.index(0, 0).data(Qt.ItemDataRole.EditRole) is None
