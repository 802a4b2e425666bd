"""A person's record: details, every case with its stage and next deadline, and the chosen case's timeline
with corrections shown as corrections."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import LONDON
from pathways.errors import PathwaysError
from pathways.identity import ETHNICITY_LABELS, SEXES
from pathways.programme_attendance import SeriesAttendance
from pathways.services.records import CaseSummary, PersonRecord, TimelineEntry, person_record
from ui.add_event_dialog import AddEventDialog
from ui.context import AppContext
from ui.correct_dialog import CorrectEventDialog
from ui.documents import DocumentsButton
from ui.formatting import show_date, show_moment
from ui.person_details_dialog import PersonDetailsDialog, correction_lines
from ui.start_case_dialog import StartCaseDialog
from ui.widgets import buddy_label, error_label

CASE_HEADERS = ["Case", "Pathway", "Stage", "Started", "Next deadline"]
TIMELINE_HEADERS = ["When", "Event", "Details", "Recorded", "Correction"]
SHOWN_CORRECTIONS = 3  # the latest corrections of the details shown under them


def _row(values: list[str]) -> list[QStandardItem]:
    items = []
    for value in values:
        item = QStandardItem(value)
        item.setEditable(False)
        items.append(item)
    return items


def _deadline_text(case: CaseSummary) -> str:
    if not case.deadlines:
        return ""
    first = case.deadlines[0]
    return f"{first.label}: {show_moment(first.due_at, first.due_time_known)}"


def _held_words(attendance: SeriesAttendance) -> str:
    """ "Attended 5 of 7 sessions held so far" ("held while enrolled" once the enrolment has ended)."""
    when = "so far" if attendance.ended_at is None else "while enrolled"
    if not attendance.held:
        return "No session held yet" if attendance.ended_at is None else "No session held while enrolled"
    sessions = "session" if attendance.held == 1 else "sessions"
    return f"Attended {attendance.attended} of {attendance.held} {sessions} held {when}"


def _attendance_text(attendance: SeriesAttendance) -> str:
    """A group programme's attendance in the register's figures: "Attended 5 of 7 sessions held so far · 5 of 12 in
    the whole programme · 2 missed · last attended session 7 on 14 Dec 2026"."""
    parts = [_held_words(attendance), f"{attendance.attended} of {attendance.series} in the whole programme"]
    if attendance.missed:
        parts.append(f"{attendance.missed} missed")
    if attendance.not_marked:
        parts.append(f"{attendance.not_marked} not marked")
    last = attendance.last_attended
    if last is not None:
        day = show_date(attendance.sessions[last - 1].astimezone(LONDON).date())
        parts.append(f"last attended session {last} on {day}")
    return " · ".join(parts)


def _timeline_row(entry: TimelineEntry) -> list[QStandardItem]:
    if entry.action == "withdraw":
        note = f"Withdrawn: {entry.correction_reason}"
    elif entry.action == "correct":
        note = f"Correction: {entry.correction_reason}"
    else:
        note = "Replaced by a correction" if entry.superseded else ""
    details = entry.details + (f" · Due: {show_moment(entry.due_at, entry.due_time_known)}" if entry.due_at else "")
    items = _row(
        [
            show_moment(entry.occurred_at, entry.occurred_time_known),
            entry.label,
            details,
            f"{show_moment(entry.recorded_at)} by {entry.recorded_by}",
            note,
        ]
    )
    if entry.superseded:
        for item in items:
            font = QFont()
            font.setStrikeOut(True)
            item.setFont(font)
            item.setForeground(QBrush(QColor("#6b6b6b")))
    return items


class PersonPage(QWidget):
    back = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.person_id: int | None = None
        self.record: PersonRecord | None = None
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.corrections = QLabel()  # the corrections of the details, newest first; hidden when there are none
        self.corrections.setAccessibleName("Corrections of the details")
        self.corrections.setWordWrap(True)
        self.corrections.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.corrections.hide()
        self.details_button = QPushButton("Co&rrect details…")
        self.details_button.setToolTip("Correct the person's name, date of birth or other details, with a reason")
        self.details_button.setVisible(context.actor.may("correct_person"))
        self.details_button.setEnabled(False)
        self.cases_model = QStandardItemModel(0, len(CASE_HEADERS))
        self.cases_model.setHorizontalHeaderLabels(CASE_HEADERS)
        self.cases = self._table(self.cases_model, "Cases")
        self.eligibility = QLabel()
        self.eligibility.setWordWrap(True)
        self.attendance = QLabel()  # a group programme case's attendance; hidden for any other case
        self.attendance.setAccessibleName("Attendance on the programme")
        self.attendance.setWordWrap(True)
        self.attendance.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.attendance.hide()
        self.timeline_model = QStandardItemModel(0, len(TIMELINE_HEADERS))
        self.timeline_model.setHorizontalHeaderLabels(TIMELINE_HEADERS)
        self.timeline = self._table(self.timeline_model, "Timeline of the case")
        header = self.timeline.horizontalHeader()
        header.setStretchLastSection(False)
        for column in (0, 1, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(self._details_resized)
        self.add_button = QPushButton("&Add event…")
        self.new_case_button = QPushButton("&New case…")
        self.new_case_button.setToolTip("Start a case on a pathway for this person (Ctrl+Shift+N)")
        self.new_case_shortcut = QShortcut(QKeySequence("Ctrl+Shift+N"), self, self.new_case)
        self.contract_button = QPushButton("C&ontract…")
        self.contract_button.setToolTip("A Checkpoint case's contract: agree it, or see how it is going")
        self.contract_button.setEnabled(False)
        self.correct_button = QPushButton("&Correct…")
        self.correct_button.setToolTip("Correct the selected event, or withdraw it as recorded in error")
        self.documents = DocumentsButton(context, lambda: self.record, self.current_case, self._report)
        self.screenings_button = QPushButton("Screen&ings…")
        self.screenings_button.setToolTip("The selected case's screenings, with the answers given")
        self.screenings_button.clicked.connect(self.open_screenings)
        self.consent_button = QPushButton("Cons&ent to share…")
        self.consent_button.setToolTip("What this person agreed to share, with whom and what for")
        self.consent_button.clicked.connect(self.open_consent)
        self.back_button = QPushButton("&Back to search")
        self.error = error_label()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self._layout()
        self.cases.selectionModel().currentRowChanged.connect(self._show_case)
        self.add_button.clicked.connect(self.add_event)
        self.new_case_button.clicked.connect(self.new_case)
        self.correct_button.clicked.connect(self.correct_event)
        self.details_button.clicked.connect(self.correct_details)
        self.contract_button.clicked.connect(self.open_contract)
        self.back_button.clicked.connect(self.back.emit)
        context.changed.connect(self._on_changed)

    def _table(self, model: QStandardItemModel, name: str) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setAccessibleName(name)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        view.verticalHeader().hide()
        view.horizontalHeader().setStretchLastSection(True)
        view.setWordWrap(True)
        return view

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.new_case_button)
        buttons.addWidget(self.correct_button)
        buttons.addWidget(self.documents)
        buttons.addWidget(self.screenings_button)
        buttons.addWidget(self.consent_button)
        buttons.addWidget(self.contract_button)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.back_button)
        upper, lower = QWidget(), QWidget()
        up = QVBoxLayout(upper)
        up.addWidget(buddy_label("Ca&ses:", self.cases))
        up.addWidget(self.cases)
        down = QVBoxLayout(lower)
        down.addWidget(self.eligibility)
        down.addWidget(self.attendance)
        down.addWidget(buddy_label("&Timeline:", self.timeline))
        down.addWidget(self.timeline)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setStretchFactor(1, 2)
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.details_button)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.details)
        layout.addWidget(self.corrections)
        layout.addWidget(split, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

    def show_person(self, person_id: int, case_id: int | None = None) -> None:
        self.person_id = person_id
        self.details_button.setEnabled(False)  # (until this person's details are shown)
        try:
            self.record = person_record(self._context.store, actor=self._context.actor, person_id=person_id)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.error.clear()
        person = self.record.person
        self.title.setText(person.display_name)
        self.details.setText(
            f"Born {show_date(person.date_of_birth)} · {SEXES.get(person.sex, person.sex)} · "
            f"{ETHNICITY_LABELS.get(person.ethnicity, person.ethnicity)} · PNC ID {person.pnc_id or 'not recorded'} · "
            f"NHS number {person.nhs_number or 'not recorded'} · Postcode {person.postcode or 'not recorded'}"
        )
        self._show_corrections()
        self.details_button.setEnabled(True)
        self._fill_cases(case_id)

    def _show_corrections(self) -> None:
        """The latest corrections of the person's details under them; every one in the tooltip (and in the list
        Correct details shows)."""
        assert self.record is not None
        lines = correction_lines(self.record.changes)
        shown = lines[:SHOWN_CORRECTIONS]
        if len(lines) > len(shown):
            more = len(lines) - len(shown)
            shown.append(f"… and {more} earlier {'correction' if more == 1 else 'corrections'}")
        self.corrections.setText("Details corrected: " + "\n".join(shown) if lines else "")
        self.corrections.setToolTip("\n".join(lines))
        self.corrections.setVisible(bool(lines))

    def _fill_cases(self, case_id: int | None) -> None:
        assert self.record is not None
        self.contract_button.setEnabled(False)
        self.cases_model.removeRows(0, self.cases_model.rowCount())
        chosen = 0
        for number, case in enumerate(self.record.cases):
            self.cases_model.appendRow(
                _row(
                    [
                        case.case_ref,
                        case.pathway_name,
                        case.stage,
                        show_moment(case.started_at, case.started_time_known),
                        _deadline_text(case),
                    ]
                )
            )
            chosen = number if case.id == case_id else chosen
        self.cases.resizeColumnsToContents()
        self.add_button.setEnabled(bool(self.record.cases))
        if self.record.cases:
            self.cases.selectRow(chosen)
            self._show_case(self.cases_model.index(chosen, 0))
        else:
            self.timeline_model.removeRows(0, self.timeline_model.rowCount())
            self.eligibility.setText("No cases yet.")
            self.attendance.hide()

    def current_case(self) -> CaseSummary | None:
        index = self.cases.currentIndex()
        if self.record is None or not index.isValid():
            return None
        return self.record.cases[index.row()]

    def _show_case(self, index: QModelIndex) -> None:
        if self.record is None or not index.isValid():
            return
        case = self.record.cases[index.row()]
        self.contract_button.setEnabled(case.pathway == "checkpoint")
        heading = "Test on arrest" if case.pathway == "dtoa" else "Eligibility"
        self.eligibility.setText(f"{heading}: {case.eligibility}" if case.eligibility else "")
        self.attendance.setText(_attendance_text(case.attendance) if case.attendance else "")
        self.attendance.setVisible(case.attendance is not None)
        self.timeline_model.removeRows(0, self.timeline_model.rowCount())
        for entry in case.timeline:
            self.timeline_model.appendRow(_timeline_row(entry))
        self.timeline.resizeRowsToContents()
        self.timeline.scrollToBottom()  # oldest first, as it happened; a long timeline opens on its latest events

    def _details_resized(self, column: int, _old: int, _new: int) -> None:
        """The rows are as tall as their details wrap: again once the details' column is wider or narrower (after
        the header has laid out all its columns: during the signal the rows come out too tall)."""
        if column == 2:
            QTimer.singleShot(0, self.timeline, self.timeline.resizeRowsToContents)  # (dropped if the view is gone)

    def current_entry(self) -> TimelineEntry | None:
        case, row = self.current_case(), self.timeline.currentIndex().row()
        if case is None or not 0 <= row < len(case.timeline):
            return None
        return case.timeline[row]

    def correct_event(self) -> None:
        entry = self.current_entry()
        if entry is None or entry.superseded:
            self._report("Choose an event in the timeline that is still current, then Correct.", True)
            return
        case = self.current_case()
        if case is None:
            return
        CorrectEventDialog(self._context, entry, self, expected_version=case.version, case_id=case.id).exec()

    def correct_details(self) -> None:
        """Correct the person's details (ui/person_details_dialog.py); the record shows them again once saved."""
        if self.record is None or self.person_id is None:
            return
        dialog = PersonDetailsDialog(self._context, self.record.person, self.record.changes, self)
        if dialog.exec():  # (its save told the window, so this page has read the record again)
            self._report("The details are corrected.", False)

    def _report(self, message: str, failed: bool) -> None:
        (self.error if failed else self.status).setText(message)
        (self.status if failed else self.error).clear()

    def add_event(self) -> None:
        case = self.current_case()
        if case is None or self.person_id is None:
            return
        dialog = AddEventDialog(self._context, case.id, case.pathway, self, expected_version=case.version)
        if dialog.exec():
            self.show_person(self.person_id, case.id)

    def new_case(self) -> None:
        """Start a case on any pathway but DToA (its arrest has its own wizard) for the person on screen."""
        if self.person_id is None:
            return
        dialog = StartCaseDialog(self._context, self.person_id, self)
        if dialog.exec() and dialog.result_recorded is not None:
            self.show_person(self.person_id, dialog.result_recorded.case_id)

    def open_contract(self) -> None:
        """A Checkpoint case's contract: its progress, or the contract builder when there is none yet."""
        from ui.contract_builder import open_contract

        case = self.current_case()
        if case is not None:
            problem = open_contract(self._context, case, self)
            if problem:
                self._report(problem, True)

    def open_screenings(self) -> None:
        """The selected case's screenings (ui/screenings_view.py)."""
        from ui.screenings_view import ScreeningsDialog

        case = self.current_case()
        if case is not None:
            ScreeningsDialog(self._context, case.id, case.case_ref, self).exec()

    def open_consent(self) -> None:
        """What the person agreed to share (ui/consent_dialog.py)."""
        from ui.consent_dialog import ConsentDialog

        if self.person_id is not None:
            ConsentDialog(self._context, self.person_id, self).exec()

    def _on_changed(self, topic: str) -> None:
        if topic in ("case", "person") and self.person_id is not None and self.isVisible():
            case = self.current_case()
            self.show_person(self.person_id, case.id if case else None)
