"""Find a person: search as you type by name, date of birth, PNC ID or case reference."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget

from pathways.services.search import FIRST_ROWS, MAX_RESULTS, Found, PersonRow, find_people, person_rows
from ui.context import AppContext
from ui.formatting import show_date
from ui.lazy_model import Column, LazyIdModel
from ui.operations import OperationRunner, Progress

# The short columns are as wide as their longest usual value; the name and the latest case share the rest.
SHORT_COLUMNS = {1: "30 Sep 2000", 2: "00/0000000X", 3: "WW00 0WW"}
COLUMNS: list[Column[PersonRow]] = [
    Column("Name", lambda r: r.name),
    Column("Date of birth", lambda r: show_date(r.date_of_birth)),
    Column("PNC ID", lambda r: r.pnc_id),
    Column("Postcode", lambda r: r.postcode),
    Column("Latest case", lambda r: r.latest_case),
]


def search_in_background(
    runner: OperationRunner,
    context: AppContext,
    text: str,
    slot: str,
    finished: Callable[[Found], None],
    failed: Callable[[str], None],
) -> None:
    """Search for people off the GUI thread (a newer search in the same slot replaces an older one); `finished`
    gets what was `Found`: the ids, best first, with the rows of the first screenful."""
    store, actor = context.store, context.actor

    def work(progress: Progress) -> Found:
        progress.check()
        return find_people(store, actor=actor, text=text, rows=FIRST_ROWS)

    runner.start(slot, work, finished=finished, failed=failed)


class SearchBox(QLineEdit):
    """Down arrow moves into the results, so the keyboard never has to leave the search."""

    down = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down.emit()
            return
        super().keyPressEvent(event)


class FindPersonPage(QWidget):
    open_person = Signal(int)
    register_person = Signal(str)

    def __init__(self, context: AppContext, runner: OperationRunner) -> None:
        super().__init__()
        self._context, self._runner = context, runner
        self.search = SearchBox()
        self.search.setPlaceholderText("Name, date of birth (14/06/1991), PNC ID or case reference")
        self.search.setAccessibleName("Search for a person")
        self.search.setClearButtonEnabled(True)
        self.status = QLabel("Type to search.")
        self.model: LazyIdModel[PersonRow] = LazyIdModel(COLUMNS, self._fetch_rows)
        self.results = QTableView()
        self.results.setModel(self.model)
        self.results.setAccessibleName("People found")
        self.results.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self._size_columns()
        self.results.verticalHeader().hide()
        self.new_button = QPushButton("&Register a new person…")
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._layout()
        self._debounce.timeout.connect(self._start_search)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._open_first)
        self.search.down.connect(self._focus_results)
        self.results.activated.connect(self._open_index)
        self.new_button.clicked.connect(lambda: self.register_person.emit(self.search.text()))
        context.changed.connect(self._on_changed)

    def _size_columns(self) -> None:
        """A long latest case is cut short on one line (its whole text is its tooltip), not wrapped."""
        self.results.setWordWrap(False)
        header = self.results.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        bold = self.results.font()
        bold.setBold(True)
        cells, titles = self.results.fontMetrics(), QFontMetrics(bold)
        for column, sample in SHORT_COLUMNS.items():
            wide = max(cells.horizontalAdvance(sample), titles.horizontalAdvance(COLUMNS[column].title))
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, wide + 24)

    def _layout(self) -> None:
        top = QHBoxLayout()
        label = QLabel("Fi&nd:")  # (Alt+F is the File menu's)
        label.setBuddy(self.search)
        top.addWidget(label)
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        self.setTabOrder(self.search, self.results)
        self.setTabOrder(self.results, self.new_button)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _fetch_rows(self, ids: list[int]) -> dict[int, PersonRow]:
        return person_rows(self._context.store, actor=self._context.actor, ids=ids)

    def _start_search(self) -> None:
        self.status.setText("Searching…")
        search_in_background(
            self._runner, self._context, self.search.text(), "find-person", self._show_results, self.status.setText
        )

    def _show_results(self, found: Found) -> None:
        self.model.set_ids(found.ids, found.rows)
        count = len(found.ids)
        typed = self.search.text().strip()
        if not typed:
            self.status.setText("Type to search.")
        elif count >= MAX_RESULTS:
            self.status.setText(f"The first {MAX_RESULTS:,} people found are shown: type more to narrow the search.")
        else:
            self.status.setText(f"{count} {'person' if count == 1 else 'people'} found.")
        if count:
            self.results.selectRow(0)

    def _focus_results(self) -> None:
        if self.model.rowCount():
            self.results.setFocus()
            self.results.selectRow(max(self.results.currentIndex().row(), 0))

    def _open_first(self) -> None:
        index = self.results.currentIndex()
        row = index.row() if index.isValid() else 0
        person_id = self.model.id_at(row)
        if person_id is not None:
            self.open_person.emit(person_id)

    def _open_index(self, index: QModelIndex) -> None:
        person_id = self.model.id_at(index.row())
        if person_id is not None:
            self.open_person.emit(person_id)

    def search_again(self) -> None:
        """Run the current search again (after the idle lock emptied the results)."""
        self._start_search()

    def _on_changed(self, topic: str) -> None:
        if topic in ("person", "case"):
            self.model.clear_cache()
