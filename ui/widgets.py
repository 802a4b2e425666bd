"""Small widget helpers shared by the screens."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton, QTableView, QWidget

ERROR_STYLE = "color: #a4262c;"


def with_alt_letter(text: str, taken: set[str]) -> str:
    """`text` as a label with an Alt letter no other control of the screen has (`taken`, which it joins): the first
    free letter that starts a word, else any free letter of it; without one when every letter is taken."""
    escaped = text.replace("&", "&&")
    starts = [i for i, c in enumerate(escaped) if c.isalpha() and (i == 0 or not escaped[i - 1].isalnum())]
    for i in [*starts, *(i for i, c in enumerate(escaped) if c.isalpha())]:
        letter = escaped[i].lower()
        if letter not in taken and escaped[i - 1 : i] != "&":
            taken.add(letter)
            return f"{escaped[:i]}&{escaped[i:]}"
    return escaped


def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A label whose &-mnemonic moves the keyboard focus to `buddy` (and names it for screen readers)."""
    label = QLabel(text)
    label.setBuddy(buddy)
    if not buddy.accessibleName():
        buddy.setAccessibleName(text.replace("&", "").rstrip(":"))
    return label


def error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setAccessibleName("Problem")
    return label


def rows_table(model: QAbstractItemModel, name: str, *, stretch: int) -> QTableView:
    """A read-only table of whole rows; column `stretch` takes the spare width, the others fit their text."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


class KeyedRowsView(QTableView):
    """A list of whole rows worked through from the keyboard, one row at a time (a worklist, a register): the
    subclass gives its single keys their meaning. Tab leaves the list; its columns fit what they hold."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def current_row(self) -> int:
        index = self.currentIndex()
        return index.row() if index.isValid() else -1

    def fit_columns(self) -> None:
        """Size the columns to what they hold, leaving the last to take the rest of the width."""
        self.resizeColumnsToContents()
        header = self.horizontalHeader()
        for column in range(header.count() - 1):
            header.resizeSection(column, min(header.sectionSize(column) + 16, 320))


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    """The buttons left-aligned in a row, each named for screen readers by its text."""
    row = QHBoxLayout()
    for button in buttons:
        button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
        row.addWidget(button)
    row.addStretch(1)
    return row


def ask_to_go_on(
    parent: QWidget, title: str, text: str, go_on: str, *, informative: str = "", warning: bool = False
) -> bool:
    """Ask before doing something that may be a mistake: True when the user chose `go_on` (a button's words);
    "Go back", which changes nothing, is the default, so Enter never goes on by accident."""
    icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Question
    box = QMessageBox(icon, title, text, parent=parent)
    if informative:
        box.setInformativeText(informative)
    chosen = box.addButton(go_on, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(box.addButton("&Go back", QMessageBox.ButtonRole.RejectRole))
    box.exec()
    return box.clickedButton() is chosen
