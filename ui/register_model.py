"""The register of one group session as a table: each person on it, their mark (saved or not yet saved) and their
attendance over the series; and a table view on which single keys mark the selected person (P present,
A absent, each moving on to the next person; Space switches the mark)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import QWidget

from pathways.services.programme_register import ABSENT, PRESENT, AttendanceRow
from ui.widgets import KeyedRowsView

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Person", "Mark", "Attended so far", "Of the whole programme", "Stage")
MARK_COLUMN = 1
MARK_WORDS = {PRESENT: "Present", ABSENT: "Absent"}
UNSAVED = QColor("#0b5cad")
ABSENT_COLOUR = QColor("#a4262c")
KEY_MARKS = {Qt.Key.Key_P: PRESENT, Qt.Key.Key_A: ABSENT, Qt.Key.Key_Space: "switch"}


class RegisterModel(QAbstractTableModel):
    """Rows of the register; `saved` marks come from the database, `pending` ones are typed but not saved."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[AttendanceRow] = []
        self._saved: dict[int, str] = {}
        self._pending: dict[int, str] = {}

    def set_register(self, rows: Sequence[AttendanceRow], saved: Mapping[int, str], pending: dict[int, str]) -> None:
        """Show a register; `pending` is kept by reference, so marks typed here stay with their session."""
        self.beginResetModel()
        self._rows, self._saved, self._pending = list(rows), dict(saved), pending
        self.endResetModel()

    def row_at(self, row: int) -> AttendanceRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def mark_of(self, case_id: int) -> str | None:
        return self._pending.get(case_id, self._saved.get(case_id))

    def set_mark(self, row: int, mark: str) -> None:
        """Mark a row present or absent ("switch": the other mark; present when none yet)."""
        found = self.row_at(row)
        if found is None:
            return
        if mark == "switch":
            mark = ABSENT if self.mark_of(found.case_id) == PRESENT else PRESENT
        if self._saved.get(found.case_id) == mark:
            self._pending.pop(found.case_id, None)
        else:
            self._pending[found.case_id] = mark
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def marks(self) -> dict[int, str]:
        """Every mark of the register as it now stands (saved, or typed over), by case id."""
        return {row.case_id: mark for row in self._rows if (mark := self.mark_of(row.case_id)) is not None}

    def unsaved(self) -> dict[int, str]:
        shown = {row.case_id for row in self._rows}
        return {case_id: mark for case_id, mark in self._pending.items() if case_id in shown}

    def counts(self) -> tuple[int, int, int]:
        """(present, absent, not marked) on the register as it now stands."""
        marks = [self.mark_of(row.case_id) for row in self._rows]
        return marks.count(PRESENT), marks.count(ABSENT), marks.count(None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def _text(self, row: AttendanceRow, column: int) -> str:
        if column == 0:
            return row.person_name
        if column == MARK_COLUMN:
            mark = self.mark_of(row.case_id)
            words = MARK_WORDS.get(mark or "", "Not marked")
            return f"{words} (not saved)" if row.case_id in self._pending else words
        if column == 2:
            return row.of_held
        if column == 3:
            return row.of_series
        return row.stage

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, index.column())
        if index.column() != MARK_COLUMN:
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.case_id in self._pending:
                return QBrush(UNSAVED)
            return QBrush(ABSENT_COLOUR) if self.mark_of(row.case_id) == ABSENT else None
        if role == Qt.ItemDataRole.FontRole and row.case_id in self._pending:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None


class RegisterView(KeyedRowsView):
    """P marks the selected person present and A absent, each then moving to the next person; Space switches
    the mark and stays. `mark` carries "present", "absent" or "switch"."""

    mark = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Register", parent)
        self.setAccessibleDescription("P present, A absent (each moves to the next person), Space switches the mark.")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        key = Qt.Key(event.key())
        if key in KEY_MARKS and modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            self.mark.emit(KEY_MARKS[key])
            event.accept()
            return
        super().keyPressEvent(event)

    def fit_columns(self) -> None:
        """As every list's, and the mark column to its longest words, so marking never cuts it."""
        super().fit_columns()
        header = self.horizontalHeader()
        bold = QFont(self.font())
        bold.setBold(True)
        longest = max(QFontMetrics(bold).horizontalAdvance(f"{w} (not saved)") for w in MARK_WORDS.values())
        header.resizeSection(MARK_COLUMN, max(header.sectionSize(MARK_COLUMN), longest + 24))
