"""Group programmes, for treatment workers: the programmes, the sessions of the chosen one, and the register of
a session — everyone on it marked in one pass from the keyboard (P present, A absent, each moving to the next
person; Space switches a mark) and saved whole with Ctrl+S — with each person's attendance over the series
("28 of 36"). People are enrolled from here (found by name), and programmes are set up here. Lists load in the
background; marks typed and not yet saved stay with their session until saved."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pathways.actors import ACTION_WORDS
from pathways.clock import format_local
from pathways.errors import ConflictingChange, PathwaysError
from pathways.services.programme_register import Attendance, attendance, marks_from, record_register
from pathways.services.programmes import ProgrammeView, SessionView, list_programmes
from ui.context import AppContext
from ui.lazy_model import Column
from ui.operations import OperationRunner, Progress
from ui.programme_dialogs import EnrolDialog, NewProgrammeDialog
from ui.register_model import RegisterModel, RegisterView
from ui.rows_model import RowsModel
from ui.widgets import buddy_label, error_label

PROGRAMME_COLUMNS: list[Column[ProgrammeView]] = [
    Column("Programme", lambda p: p.title),
    Column("Venue", lambda p: p.site),
    Column("Meets", lambda p: p.schedule),
    Column("Enrolled now", lambda p: p.enrolled),
]
HINT = (
    "Keys on the register: P present · A absent (each moves to the next person) · Space switches the mark · "
    "Ctrl+S saves the whole register · Enter opens the person's record"
)


class ProgrammesPage(QWidget):
    """`open_person` carries (person id, enrolment case id) of the register row chosen. `refresh()` reloads the
    programmes."""

    open_person = Signal(int, int)

    def __init__(self, context: AppContext, runner: OperationRunner) -> None:
        super().__init__()
        self._context, self._runner = context, runner
        actor = context.actor
        self.may_record = actor.may("record_programme_step")
        self.may_manage = actor.may("manage_programmes")
        self.attendance: Attendance | None = None
        self.pending: dict[tuple[int, int], dict[int, str]] = {}  # (programme, session) → case id → mark
        self._keep: tuple[int | None, int | None, int] = (None, None, 0)  # programme, session, row after a load
        self.title = QLabel("Group programmes")
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.programmes: RowsModel[ProgrammeView] = RowsModel(PROGRAMME_COLUMNS, key=lambda p: p.id)
        self.programme_list = self._programme_table()
        self.heading = QLabel("Choose a programme.")
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName("Chosen programme")
        self.session_box = QComboBox()
        self.session_box.setMinimumContentsLength(36)
        self.model = RegisterModel()
        self.register = RegisterView()
        self.register.setModel(self.model)
        self.status = QLabel("Loading…")
        self.status.setAccessibleName("The register")
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setAccessibleName("What was saved")
        self.error = error_label()
        self.buttons = self._make_buttons()
        self._reload = QTimer(self, singleShot=True, interval=0)
        self._reload.timeout.connect(self._load_programmes)
        self._layout()
        self.programme_list.selectionModel().currentRowChanged.connect(lambda *_: self._programme_changed())
        self.session_box.currentIndexChanged.connect(lambda _i: self._show_session())
        self.register.mark.connect(self.mark)
        self.register.activated.connect(lambda _index: self.open_record())
        save = QShortcut(QKeySequence("Ctrl+S"), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)
        context.changed.connect(self._on_changed)
        self.setFocusProxy(self.register)  # the page opens with the keyboard in the register

    # --- building -------------------------------------------------------------------------------------------
    def unsaved_registers(self) -> list[str]:
        """Each register with marks typed but not saved, in words ("session 4 of FREE-2026: 3 marks")."""
        codes = {}
        for row in range(self.programmes.rowCount()):
            programme = self.programmes.row_at(row)
            if programme is not None:
                codes[programme.id] = programme.code
        return [
            f"session {number} of {codes.get(programme_id, 'a programme')}: {len(marks)} "
            + ("mark" if len(marks) == 1 else "marks")
            for (programme_id, number), marks in sorted(self.pending.items())
            if marks
        ]

    def _programme_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.programmes)
        table.setAccessibleName("Programmes")
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        table.setTabKeyNavigation(False)
        table.verticalHeader().hide()
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.setMaximumHeight(170)
        return table

    def _make_buttons(self) -> dict[str, QPushButton]:
        specs = (  # action, text, accessible name, shown
            ("new", "&New programme…", "Set up a new programme", self.may_manage),
            ("enrol", "&Enrol a person…", "Enrol a person on the programme", self.may_record),
            ("save", "&Save register", "Save the whole register (Ctrl+S)", self.may_record),
            ("open", "&Open record", "Open the person's record", True),
        )
        buttons = {}
        for action, text, name, shown in specs:
            button = QPushButton(text)
            button.setAccessibleName(name)
            button.setAutoDefault(False)
            button.setVisible(shown)
            buttons[action] = button
        buttons["new"].clicked.connect(self.new_programme)
        buttons["enrol"].clicked.connect(self.enrol_person)
        buttons["save"].clicked.connect(self.save)
        buttons["open"].clicked.connect(self.open_record)
        return buttons

    def _layout(self) -> None:
        session_row = QHBoxLayout()
        session_row.addWidget(buddy_label("Sess&ion:", self.session_box))
        session_row.addWidget(self.session_box)
        session_row.addStretch(1)
        row = QHBoxLayout()
        for button in self.buttons.values():
            row.addWidget(button)
        row.addStretch(1)
        hint = QLabel(HINT)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(buddy_label("&Programmes:", self.programme_list))
        layout.addWidget(self.programme_list)
        layout.addWidget(self.heading)
        layout.addLayout(session_row)
        layout.addWidget(buddy_label("Regis&ter:", self.register))
        layout.addWidget(self.register, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.outcome)
        layout.addWidget(self.error)
        layout.addLayout(row)
        layout.addWidget(hint)
        self.setTabOrder(self.programme_list, self.session_box)
        self.setTabOrder(self.session_box, self.register)

    def slots(self) -> list[str]:
        """The runner slots this page loads in, for cancelling when the window closes."""
        return ["programmes-list", "programmes-register", "programmes-enrol-search"]

    # --- loading --------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._reload.start()

    def current_programme(self) -> ProgrammeView | None:
        index = self.programme_list.currentIndex()
        return self.programmes.row_at(index.row()) if index.isValid() else None

    def current_session(self) -> SessionView | None:
        number = self.session_box.currentData()
        if self.attendance is None or not isinstance(number, int):
            return None
        return self.attendance.sessions[number - 1]

    def _load_programmes(self) -> None:
        store, actor = self._context.store, self._context.actor

        def work(progress: Progress) -> list[ProgrammeView]:
            progress.check()
            return list_programmes(store, actor=actor)

        self._runner.start("programmes-list", work, finished=self._programmes_loaded, failed=self.error.setText)

    def _programmes_loaded(self, rows: Any) -> None:
        chosen = self.current_programme()
        wanted = self._keep[0] if self._keep[0] is not None else (chosen.id if chosen else None)
        self.programmes.set_rows(rows)
        self.programme_list.resizeColumnsToContents()
        if not rows:
            self.heading.setText(
                "No programmes yet." + (" Set one up with New programme (Alt+N)." if self.may_manage else "")
            )
            self.status.setText("")
            return
        found = self.programmes.row_of(wanted) if wanted is not None else None
        self.programme_list.selectRow(found if found is not None else 0)  # its register then loads (again)

    def _programme_changed(self) -> None:
        self.error.clear()
        self._load_register()

    def _load_register(self) -> None:
        programme = self.current_programme()
        if programme is None:
            return
        store, actor = self._context.store, self._context.actor

        def work(progress: Progress) -> Attendance:
            progress.check()
            return attendance(store, actor=actor, programme_id=programme.id)

        self.status.setText("Loading…")
        self._runner.start("programmes-register", work, finished=self._register_loaded, failed=self.error.setText)

    def _register_loaded(self, result: Any) -> None:
        assert isinstance(result, Attendance)
        programme = self.current_programme()
        if programme is None or programme.id != result.programme.id:
            return  # another programme was chosen meanwhile; its own load follows
        keep_programme, keep_session, keep_row = self._keep
        self._keep = (None, None, 0)
        same = self.attendance is not None and self.attendance.programme.id == programme.id
        previous = self.session_box.currentData() if same else None
        self.attendance = result
        p = result.programme
        where = " · ".join(part for part in (p.site, p.service) if part)
        self.heading.setText(
            f"<b>{p.title}</b> — {p.schedule}{' · ' + where if where else ''} · "
            f"{result.held} of {p.session_count} sessions held"
        )
        self.session_box.blockSignals(True)
        self.session_box.clear()
        now = self._context.store.clock()
        for session in result.sessions:
            self.session_box.addItem(session.label + ("" if session.starts_at <= now else " (to come)"), session.number)
        number = keep_session if keep_programme == p.id and keep_session else previous or max(result.held, 1)
        self.session_box.setCurrentIndex(int(number) - 1)
        self.session_box.blockSignals(False)
        self._show_session(keep_row if keep_programme == p.id else 0)

    def _show_session(self, select_row: int = 0) -> None:
        session, result = self.current_session(), self.attendance
        if session is None or result is None:
            return
        rows = result.register(session.number)
        pending = self.pending.setdefault((result.programme.id, session.number), {})
        self.model.set_register(rows, marks_from(rows, session.number), pending)
        self.register.fit_columns()
        if rows:
            self.register.selectRow(min(select_row, len(rows) - 1))
        self._update_status()

    def _update_status(self) -> None:
        session = self.current_session()
        if session is None:
            return
        rows = self.model.rowCount()
        if session.starts_at > self._context.store.clock():
            self.status.setText(
                f"Session {session.number} is on {format_local(session.starts_at)}: its register "
                "can be taken once the session has started."
            )
            return
        if not rows:
            self.status.setText("Nobody was enrolled on the programme by this session: enrol people first (Alt+E).")
            return
        present, absent, unmarked = self.model.counts()
        words = f"{rows} on the register: {present} present, {absent} absent, {unmarked} not marked."
        unsaved = len(self.model.unsaved())
        if unsaved:
            words += f" {unsaved} mark{'s' if unsaved != 1 else ''} not saved yet: Ctrl+S saves the register."
        self.status.setText(words)

    def _on_changed(self, topic: str) -> None:
        if topic in ("case", "programmes") and self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    # --- acting ---------------------------------------------------------------------------------------------
    def _refusal(self) -> str | None:
        """Why marks cannot be taken on the register shown, or None when they can."""
        session = self.current_session()
        if not self.may_record:
            return f"{self._context.actor.role.a_label} cannot {ACTION_WORDS['record_programme_step']}."
        if session is None:
            return "Choose a programme and a session first."
        if session.starts_at > self._context.store.clock():
            return (
                f"Session {session.number} is on {format_local(session.starts_at)}: "
                "its register can be taken once the session has started."
            )
        return None

    def mark(self, mark: str) -> None:
        """Mark the selected person ("present", "absent": then move to the next person; "switch": stay)."""
        self.error.clear()
        problem = self._refusal()
        row = self.register.current_row()
        if problem is None and row < 0:
            problem = "Choose a person on the register first."
        if problem:
            self.error.setText(problem)
            return
        self.model.set_mark(row, mark)
        if mark != "switch" and row + 1 < self.model.rowCount():
            self.register.selectRow(row + 1)
        self._update_status()

    def save(self) -> None:
        """Save the whole register of the session shown, in one go (Ctrl+S)."""
        self.error.clear()
        problem = self._refusal()
        programme, session = self.current_programme(), self.current_session()
        if problem or programme is None or session is None:
            self.error.setText(problem or "Choose a programme and a session first.")
            return
        unsaved = self.model.unsaved()
        if not unsaved:
            self.outcome.setText("Nothing to save: the register is as it was saved.")
            return
        versions = {}
        for number in range(self.model.rowCount()):
            row = self.model.row_at(number)
            if row is not None and row.case_id in unsaved:
                versions[row.case_id] = row.case_version
        try:
            saved = record_register(
                self._context.store,
                actor=self._context.actor,
                programme_id=programme.id,
                session=session.number,
                marks=unsaved,  # only what was typed: a mark someone else saved since the register was read stands
                expected_versions=versions,
            )
        except ConflictingChange as exc:
            self.error.setText(exc.message)
            self._keep = (programme.id, session.number, self.register.current_row())
            self._load_register()
            return
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.pending.pop((programme.id, session.number), None)
        unmarked = self.model.counts()[2]
        tail = f" {unmarked} {'person is' if unmarked == 1 else 'people are'} not marked yet." if unmarked else ""
        self.outcome.setText(saved.words + tail)
        self._keep = (programme.id, session.number, self.register.current_row())
        self._context.notify("case")
        if not self.isVisible():
            self.refresh()

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a modal dialog; True when it was saved."""
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()

    def new_programme(self) -> None:
        dialog = NewProgrammeDialog(self._context, self)
        if self.run_dialog(dialog) and dialog.created is not None:
            self._keep = (dialog.created.id, None, 0)
            self.outcome.setText(f"Programme set up: {dialog.created.title}, {dialog.created.schedule}.")
            self.refresh()

    def enrol_person(self) -> None:
        programme = self.current_programme()
        if programme is None:
            self.error.setText("Choose a programme first.")
            return
        session = self.current_session()
        self._keep = (programme.id, session.number if session else None, self.register.current_row())
        dialog = EnrolDialog(self._context, self._runner, programme, self)
        if self.run_dialog(dialog) and dialog.enrolled is not None:
            self.outcome.setText(f"Enrolled on {programme.title}: {dialog.enrolled_name}.")

    def open_record(self) -> None:
        row = self.model.row_at(self.register.current_row())
        if row is None:
            self.error.setText("Choose a person on the register first.")
            return
        self.open_person.emit(row.person_id, row.case_id)  # the record opens on the enrolment
