"""The Pathways window: one page at a time (find, person, new arrest, appointments, reports, administration),
menus and shortcuts, and what the signed-in user's role allows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QStackedWidget, QToolBar, QWidget

from pathways.actors import Role
from pathways.services.settings import idle_lock_minutes
from ui.context import AppContext
from ui.find_page import FindPersonPage
from ui.idle_lock import IdleLock
from ui.operations import OperationRunner
from ui.person_page import PersonPage
from ui.register_dialog import RegisterPersonDialog
from ui.widgets import ask_to_go_on

if TYPE_CHECKING:
    from ui.admin_page import AdminPage
    from ui.appointments_page import AppointmentsPage
    from ui.contracts_page import ContractsPage
    from ui.reports_page import ReportsPage


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext, where: str, *, on_sign_out: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.context = context
        self.runner = OperationRunner(self)
        self._on_sign_out = on_sign_out
        self._slots = ["find-person", "arrest-person", "import-dataset", "export-dataset"]
        self._builders: dict[str, Callable[[], QWidget]] = {}
        self._built: dict[str, QWidget] = {}
        actor = context.actor
        demo = " — DEMO DATA (synthetic people, not real records)" if context.demo else ""
        self.setWindowTitle(f"Pathways — {actor.username} ({actor.role.label}) — {where}{demo}")
        self.pages = QStackedWidget()
        self.setCentralWidget(self.pages)
        self.toolbar = QToolBar("Pages")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setMovable(False)
        self.addToolBar(self.toolbar)
        self.find_page = FindPersonPage(context, self.runner)
        self.person_page = PersonPage(context)
        self.pages.addWidget(self.find_page)
        self.pages.addWidget(self.person_page)
        self.find_action = self._page_action("&Find a person", "Ctrl+F", self.show_find)
        self._build_menus()
        self._add_role_pages(actor.role)
        self.find_page.open_person.connect(self.open_person)
        self.find_page.register_person.connect(self.register_person)
        self.person_page.back.connect(self.show_find)
        self.status = QLabel()
        self.statusBar().addPermanentWidget(self.status)
        if context.demo:
            self.statusBar().showMessage("Demo database: every person in it is synthetic.")
        self.resize(1200, 780)
        self._asks_before_closing = True
        self.idle_lock = IdleLock(
            self,
            context,
            idle_lock_minutes(context.store),
            reload=self.reload_after_lock,
            on_sign_out=self.signed_out_at_lock,
        )
        self.show_find()

    def _page_action(self, text: str, shortcut: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(slot)
        self.toolbar.addAction(action)
        return action

    def _lazy_page(self, name: str, text: str, shortcut: str, build: Callable[[], QWidget]) -> None:
        """A page made the first time it is shown (or asked for), so the window opens quickly."""
        self._builders[name] = build
        self.go_menu.addAction(self._page_action(text, shortcut, lambda: self._show(self.page(name))))

    def page(self, name: str) -> QWidget:
        if name not in self._built:
            widget = self._builders[name]()
            self.pages.addWidget(widget)
            self._built[name] = widget
        return self._built[name]

    def _add_role_pages(self, role: Role) -> None:
        """Pages beyond finding people, by role. (The services refuse what a role may not do, whatever is shown.)"""
        if role is Role.CUSTODY_NAVIGATOR:
            self.arrest_action = self._page_action("&New arrest", "Ctrl+N", self.new_arrest)
            self.go_menu.addAction(self.arrest_action)
        if role in (Role.MANAGER, Role.ADMINISTRATOR):
            self._lazy_page("reports", "&Reports", "Ctrl+R", self._build_reports)
            self._file_action("&Export cases…", "Ctrl+E", self.export_cases)
        if role is Role.ADMINISTRATOR:
            self._file_action("&Import a dataset…", "Ctrl+I", self.import_dataset)
            self._lazy_page("admin", "A&dministration", "Ctrl+3", self._build_admin)
        if role in (Role.CUSTODY_NAVIGATOR, Role.TREATMENT_WORKER, Role.MANAGER):
            self._lazy_page("appointments", "Appointment&s", "Ctrl+2", self._build_appointments)
        if role in (Role.CUSTODY_NAVIGATOR, Role.MANAGER):
            self._lazy_page("contracts", "&Contracts", "Ctrl+4", self._build_contracts)
        if self.context.actor.may("record_programme_step") or self.context.actor.may("manage_programmes"):
            self._lazy_page("programmes", "&Group programmes", "Ctrl+G", self._build_programmes)

    def _build_reports(self) -> QWidget:
        from ui.reports_page import ReportsPage  # loaded when first used: ReportLab and QtPdf are not quick

        self._slots.extend(ReportsPage.SLOTS)
        return ReportsPage(self.context, self.runner)

    def _build_admin(self) -> QWidget:
        from ui.admin_page import AdminPage

        return AdminPage(self.context)

    def _build_appointments(self) -> QWidget:
        from ui.appointments_page import AppointmentsPage

        page = AppointmentsPage(self.context, self.runner)
        page.open_person.connect(self.open_person)
        self._slots.extend(page.slots())
        return page

    def _build_programmes(self) -> QWidget:
        from ui.programmes_page import ProgrammesPage

        page = ProgrammesPage(self.context, self.runner)
        page.open_person.connect(self.open_person)
        self._slots.extend(page.slots())
        return page

    def _build_contracts(self) -> QWidget:
        from ui.contracts_page import ContractsPage

        page = ContractsPage(self.context, self.runner)
        page.open_person.connect(self.open_person)
        self._slots.extend(page.slots())
        return page

    @property
    def contracts_page(self) -> ContractsPage:
        return cast("ContractsPage", self.page("contracts"))

    @property
    def reports_page(self) -> ReportsPage:
        return cast("ReportsPage", self.page("reports"))

    @property
    def admin_page(self) -> AdminPage:
        return cast("AdminPage", self.page("admin"))

    @property
    def appointments_page(self) -> AppointmentsPage:
        return cast("AppointmentsPage", self.page("appointments"))

    def _file_action(self, text: str, shortcut: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.file_menu.insertAction(self.file_menu.actions()[0], action)
        return action

    def import_dataset(self) -> None:
        from ui.import_dialog import ImportDialog

        ImportDialog(self.context, self.runner, self).exec()

    def export_cases(self) -> None:
        from ui.export_dialog import ExportDialog

        ExportDialog(self.context, self.runner, self).exec()

    def new_arrest(self) -> None:
        from ui.arrest_wizard import NewArrestWizard

        """The new-arrest wizard; for the person on screen, if a record is open."""
        on_record = self.pages.currentWidget() is self.person_page
        wizard = NewArrestWizard(self.context, self.runner, self.person_page.person_id if on_record else None)
        wizard.setParent(self, wizard.windowFlags())
        wizard.exec()
        if wizard.person_id is not None and wizard.case_id is not None:
            self.open_person(wizard.person_id, wizard.case_id)

    def _build_menus(self) -> None:
        self.file_menu = self.menuBar().addMenu("&File")
        if self._on_sign_out is not None:  # signed in with a Pathways account and its password
            self.password_action = self.file_menu.addAction("Change my &password…")
            self.password_action.triggered.connect(self.change_password)
            sign_out = self.file_menu.addAction("Sign &out")
            sign_out.triggered.connect(self.sign_out)
        quit_action = self.file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # (Qt's standard Quit key is none on Windows)
        quit_action.triggered.connect(self.close)
        go = self.menuBar().addMenu("&Go")
        go.addAction(self.find_action)
        self.go_menu = go
        help_menu = self.menuBar().addMenu("&Help")
        about = help_menu.addAction("&About Pathways")
        about.triggered.connect(self._about)

    def _show(self, widget: QWidget) -> None:
        self.pages.setCurrentWidget(widget)
        widget.setFocus()

    def show_find(self) -> None:
        self.pages.setCurrentWidget(self.find_page)
        self.find_page.focus_search()

    def open_person(self, person_id: int, case_id: int | None = None) -> None:
        self.person_page.show_person(person_id, case_id)
        self.pages.setCurrentWidget(self.person_page)
        self.person_page.cases.setFocus()

    def register_person(self, typed: str) -> None:
        dialog = RegisterPersonDialog(self.context, typed, self)
        if dialog.exec() and dialog.chosen_id is not None:
            self.open_person(dialog.chosen_id)

    def signed_out_at_lock(self) -> None:
        """Signed out at the idle lock, by whoever is at the computer, without the password: nothing is asked (the
        answer could leave the window open, unlocked, as its user), and marks not saved are not kept."""
        self._asks_before_closing = False
        self.sign_out()

    def change_password(self) -> None:
        from ui.password_dialog import ChangePasswordDialog  # (loaded when first asked for)

        dialog = ChangePasswordDialog(self.context, self)
        if dialog.exec() and dialog.changed:
            self.statusBar().showMessage("Your password was changed.", 10000)

    def sign_out(self) -> None:
        if self._on_sign_out is not None:
            self._on_sign_out()
        else:
            self.close()

    def reload_after_lock(self) -> None:
        """Read again what the idle lock emptied from the tables."""
        if self.person_page.person_id is not None:
            self.person_page.show_person(self.person_page.person_id)
        self.find_page.search_again()
        self.context.notify("case", "tasks", "users", "reference")

    def _may_close(self) -> bool:
        """Marks typed on a group register but not saved are not kept as a draft: closing asks first."""
        page = self._built.get("programmes")
        if page is None or not self._asks_before_closing:
            return True
        from ui.programmes_page import ProgrammesPage  # (loaded already: the page was built)

        unsaved = page.unsaved_registers() if isinstance(page, ProgrammesPage) else []
        if not unsaved:
            return True
        if ask_to_go_on(
            self,
            "Pathways: marks not saved",
            "Marks on the group register are not saved:\n" + "\n".join(f"• {line}" for line in unsaved),
            "Close &without saving",
            informative="Close without saving them? Go back to save them with Ctrl+S on each register.",
            warning=True,
        ):
            return True
        self._show(page)
        return False

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About Pathways",
            "Pathways: case management for drug diversion and treatment pathways in England and Wales.",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close():
            event.ignore()
            return
        for slot in self._slots:
            self.runner.cancel(slot)
        self.runner.wait(5000)
        self.idle_lock.watch.stop()  # (a closed window is locked no more: signed out, the next user's is)
        super().closeEvent(event)
