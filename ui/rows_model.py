"""A read-only table model over a short list of plain rows held in memory (users, a day's appointments)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ui.lazy_model import Column, Index

Row = TypeVar("Row")


class RowsModel(QAbstractTableModel, Generic[Row]):
    """`key` names a row so a selection can follow it across reloads; `colour` may colour a cell's text."""

    def __init__(
        self,
        columns: Sequence[Column[Row]],
        *,
        key: Callable[[Row], Hashable] | None = None,
        colour: Callable[[Row, int], QColor | None] | None = None,
    ) -> None:
        super().__init__()
        self._columns = list(columns)
        self._key = key
        self._colour = colour
        self._rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def find(self, wanted: Callable[[Row], bool]) -> int:
        return next((i for i, row in enumerate(self._rows) if wanted(row)), -1)

    def key_at(self, row: int) -> Hashable | None:
        found = self.row_at(row)
        return None if found is None or self._key is None else self._key(found)

    def row_of(self, key: Hashable) -> int | None:
        number = self.find(lambda row: self._key is not None and self._key(row) == key)
        return None if number < 0 else number

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self._columns[index.column()].value(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ForegroundRole and self._colour is not None:
            colour = self._colour(row, index.column())
            return QBrush(colour) if colour is not None else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section].title
        return None
