"""The group-programme dialogs: set up a new programme, and enrol a person (found by name) on one.

Each calls one service when saved; a refusal is shown in the dialog, which stays open with everything typed."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QDateTime, QModelIndex, QTime, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import format_local, local_date, local_datetime
from pathways.errors import PathwaysError
from pathways.services.programmes import EVERY, MAX_SESSIONS, ProgrammeView, create_programme, enrol, session_times
from pathways.services.results import EventRecorded
from pathways.services.search import Found, PersonRow, person_rows
from ui.choices import reference_choices
from ui.context import AppContext
from ui.find_page import COLUMNS as PERSON_COLUMNS
from ui.find_page import SearchBox, search_in_background
from ui.formatting import from_qdate, from_qdatetime, to_qdate
from ui.lazy_model import LazyIdModel
from ui.operations import OperationRunner
from ui.widgets import buddy_label, error_label


class NewProgrammeDialog(QDialog):
    """Set up a programme. On success `created` is the new programme."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New group programme")
        self.setMinimumWidth(520)
        self._context = context
        self.created: ProgrammeView | None = None
        self.code, self.name = QLineEdit(), QLineEdit()
        self.code.setPlaceholderText("e.g. FREE-2026")
        self.service = reference_choices(context, "services", context.actor.service, "Choose the service")
        self.venue = reference_choices(context, "sites", None, "Choose or type the venue")
        today = local_date(context.store.clock())
        self.first = QDateTimeEdit(QDateTime(to_qdate(today + timedelta(days=7)), QTime(10, 0)))
        self.first.setDisplayFormat("ddd dd/MM/yyyy HH:mm")
        self.first.setCalendarPopup(True)
        self.every = QComboBox()
        for every in EVERY:
            self.every.addItem(every.capitalize(), every)
        self.sessions = QSpinBox()
        self.sessions.setRange(1, MAX_SESSIONS)
        self.sessions.setValue(12)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setAccessibleName("The sessions this makes")
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self._layout()
        for signal in (self.first.dateTimeChanged, self.every.currentIndexChanged, self.sessions.valueChanged):
            signal.connect(self._update_preview)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self._update_preview()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow(buddy_label("&Code:", self.code), self.code)
        form.addRow(buddy_label("&Name:", self.name), self.name)
        form.addRow(buddy_label("Ser&vice:", self.service), self.service)
        form.addRow(buddy_label("V&enue:", self.venue), self.venue)
        form.addRow(buddy_label("&First session:", self.first), self.first)
        form.addRow(buddy_label("&Meets:", self.every), self.every)
        form.addRow(buddy_label("Number of &sessions:", self.sessions), self.sessions)
        form.addRow("", self.preview)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _update_preview(self) -> None:
        first = from_qdatetime(self.first.dateTime())
        times = session_times(first, str(self.every.currentData()), self.sessions.value())
        self.preview.setText(
            f"Every {first:%A} at {first:%H:%M}, {self.every.currentText().lower()}: "
            f"{len(times)} session{'s' if len(times) != 1 else ''}, the last on {format_local(times[-1])}."
        )

    def _save(self) -> None:
        try:
            self.created = create_programme(
                self._context.store,
                actor=self._context.actor,
                code=self.code.text(),
                name=self.name.text(),
                first_session_at=from_qdatetime(self.first.dateTime()),
                sessions=self.sessions.value(),
                every=str(self.every.currentData()),
                service=self.service.currentText(),
                site=self.venue.currentText(),
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self._context.notify("programmes")
        self.accept()


class EnrolDialog(QDialog):
    """Find a person by name (as on the Find page) and enrol them on the programme. On success `enrolled` is set."""

    def __init__(
        self, context: AppContext, runner: OperationRunner, programme: ProgrammeView, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Enrol a person on {programme.title}")
        self.setMinimumSize(640, 420)
        self._context, self._runner, self._programme = context, runner, programme
        self.enrolled: EventRecorded | None = None
        self.enrolled_name = ""
        self.search = SearchBox()
        self.search.setPlaceholderText("Name, date of birth (14/06/1991), PNC ID or case reference")
        self.model: LazyIdModel[PersonRow] = LazyIdModel(PERSON_COLUMNS[:3], self._fetch_rows)
        self.results = QTableView()
        self.results.setModel(self.model)
        self.results.setAccessibleName("People found")
        self.results.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.results.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.results.verticalHeader().hide()
        self.status = QLabel("Type a name to search.")
        self.status.setAccessibleName("Search result")
        today = local_date(context.store.clock())
        self.on = QDateEdit(to_qdate(today))
        self.on.setDisplayFormat("dd/MM/yyyy")
        self.on.setMaximumDate(to_qdate(today))
        self.on.setCalendarPopup(True)
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.enrol_button = self.buttons.addButton("&Enrol", QDialogButtonBox.ButtonRole.AcceptRole)
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._layout()
        self._debounce.timeout.connect(self._start_search)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.down.connect(self._focus_results)
        self.search.returnPressed.connect(self._enrol)
        self.results.activated.connect(lambda _index: self._enrol())
        self.buttons.accepted.connect(self._enrol)
        self.buttons.rejected.connect(self.reject)

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow(buddy_label("&Find:", self.search), self.search)
        form.addRow(buddy_label("Enrolled &on:", self.on), self.on)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        about = QLabel(
            f"Programme: {self._programme.title} — {self._programme.schedule}. "
            "Down arrow moves into the list; Enter enrols the person chosen."
        )
        about.setWordWrap(True)
        layout.addWidget(about)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _fetch_rows(self, ids: list[int]) -> dict[int, PersonRow]:
        return person_rows(self._context.store, actor=self._context.actor, ids=ids)

    def _start_search(self) -> None:
        self.status.setText("Searching…")
        search_in_background(
            self._runner,
            self._context,
            self.search.text(),
            "programmes-enrol-search",
            self._show_results,
            self.status.setText,
        )

    def _show_results(self, found: Found) -> None:
        self.model.set_ids(found.ids, found.rows)
        count = len(found.ids)
        self.status.setText(f"{count} {'person' if count == 1 else 'people'} found." if self.search.text() else "")
        if count:
            self.results.selectRow(0)

    def _focus_results(self) -> None:
        if self.model.rowCount():
            self.results.setFocus()
            self.results.selectRow(max(self.results.currentIndex().row(), 0))

    def _enrol(self) -> None:
        index: QModelIndex = self.results.currentIndex()
        person_id = self.model.id_at(index.row() if index.isValid() else 0)
        if person_id is None:
            self.error.setText("Find the person first: type their name, then choose them in the list.")
            return
        row = self.model.row_for(index.row() if index.isValid() else 0)
        try:  # an enrolment counts from the start of its day, so that day's session can be marked
            self.enrolled = enrol(
                self._context.store,
                actor=self._context.actor,
                programme_id=self._programme.id,
                person_id=person_id,
                occurred_at=local_datetime(from_qdate(self.on.date())),
                day_alone=True,
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.enrolled_name = row.name if row is not None else ""
        self._context.notify("case")
        self.accept()

    def done(self, result: int) -> None:
        self._runner.cancel("programmes-enrol-search")
        super().done(result)
