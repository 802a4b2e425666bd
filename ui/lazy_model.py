"""A table model over ids: rows are fetched (in pages) only when the view shows them, so a list of
100,000 ids opens at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex
PAGE = 100


class Column(Generic[Row]):
    def __init__(self, title: str, value: Callable[[Row], Any]) -> None:
        self.title = title
        self.value = value


class LazyIdModel(QAbstractTableModel, Generic[Row]):
    def __init__(self, columns: Sequence[Column[Row]], fetch: Callable[[list[int]], Mapping[int, Row]]) -> None:
        super().__init__()
        self._columns = list(columns)
        self._fetch = fetch
        self._ids: list[int] = []
        self._rows: dict[int, Row] = {}

    def set_ids(self, ids: list[int], rows: Mapping[int, Row] | None = None) -> None:
        """Show `ids`; `rows` are those of them already read (the rest are fetched as they are shown)."""
        self.beginResetModel()
        self._ids = list(ids)
        self._rows = dict(rows or {})
        self.endResetModel()

    def clear_cache(self) -> None:
        """Forget fetched rows (e.g. after a change) without losing the list or the selection."""
        self._rows = {}
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self._columns) - 1))

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_for(self, row: int) -> Row | None:
        person_id = self.id_at(row)
        if person_id is None:
            return None
        if person_id not in self._rows:
            start = (row // PAGE) * PAGE
            page = [i for i in self._ids[start : start + PAGE] if i not in self._rows]
            self._rows.update(self._fetch(page))
        return self._rows.get(person_id)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # (the tooltip is the text again: a long one is cut short to fit its column)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole) or not index.isValid():
            return None
        row = self.row_for(index.row())
        if row is None:
            return None
        value = self._columns[index.column()].value(row)
        return "" if value is None else str(value)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section].title
        return None
