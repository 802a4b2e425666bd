"""A page of worklists in tabs (the appointments, the Checkpoint contracts): each list loads off the screen's
thread, keeps its selection across a reload, says how many it holds, and reloads when what it lists changes.
Ctrl+PgDn / Ctrl+PgUp move between the lists; the page says what its lists are and what a key does to a row."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

from ui.appointment_model import WorklistView
from ui.context import AppContext
from ui.operations import OperationRunner, Progress
from ui.rows_model import RowsModel
from ui.widgets import error_label

LOADING = "Loading…"


@dataclass
class Worklist:
    """One tab: its table, what loads it, and how its count reads."""

    name: str
    title: str
    view: WorklistView
    model: RowsModel[Any]
    load: Callable[[], list[Any]]
    counted: Callable[[int], str]
    status: str = LOADING
    select_key: Hashable | None = None  # the row to select after the next load
    select_row: int = 0


class WorklistTabs(QWidget):
    """The lists' tabs, their count (`status`) and a line for problems (`error`); the page lays them out, adds
    its lists with `add_list`, calls `lists_added` once they are all there, and acts on a row in `act`."""

    def __init__(
        self, context: AppContext, runner: OperationRunner, *, name: str, slot: str, reload_on: tuple[str, ...]
    ) -> None:
        super().__init__()
        self._context, self._runner = context, runner
        self._slot, self._reload_on = slot, reload_on
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(name)
        self.lists: dict[str, Worklist] = {}
        self.status = QLabel(LOADING)
        self.status.setAccessibleName("How many")
        self.error = error_label()
        self._reload = QTimer(self, singleShot=True, interval=0)
        self._reload.timeout.connect(self._load_all)
        for keys, step in (("Ctrl+PgDown", 1), ("Ctrl+PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self._step_list(step))
        context.changed.connect(self._on_changed)

    def add_list(
        self,
        name: str,
        title: str,
        model: RowsModel[Any],
        load: Callable[[], list[Any]],
        counted: Callable[[int], str],
    ) -> WorklistView:
        """A tab titled `title` (with its Alt letter) listing what `load` returns."""
        view = WorklistView(title.replace("&", ""))
        view.setModel(model)
        view.action.connect(self.act)
        self.lists[name] = Worklist(name, title.replace("&", ""), view, model, load, counted)
        self.tabs.addTab(view, title)
        return view

    def lists_added(self) -> None:
        self.tabs.currentChanged.connect(lambda _index: self.list_changed())
        self.list_changed()

    # --- the lists --------------------------------------------------------------------------------------
    def current(self) -> Worklist:
        return list(self.lists.values())[self.tabs.currentIndex()]

    def show_list(self, name: str) -> None:
        """Bring a list to the front and give it the keyboard focus."""
        self.tabs.setCurrentWidget(self.lists[name].view)
        self.lists[name].view.setFocus()

    def _step_list(self, step: int) -> None:
        """Ctrl+PgDn / Ctrl+PgUp: the next or previous list, with the keyboard focus in it."""
        names = list(self.lists)
        self.show_list(names[(self.tabs.currentIndex() + step) % len(names)])

    def list_changed(self) -> None:
        """Another list is in front, or the front one's count changed. The page's keyboard focus is the front list's,
        so that coming to the page (Ctrl+2) puts the keys that act on a row straight to work."""
        self.setFocusProxy(self.current().view)
        self.status.setText(self.current().status)

    def act(self, action: str) -> None:
        raise NotImplementedError

    # --- loading ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload every list (soon, once, however many changes arrive together)."""
        self._reload.start()

    def slots(self) -> list[str]:
        """The runner slots this page loads in, for cancelling when the window closes."""
        return [f"{self._slot}-{name}" for name in self.lists]

    def _load_all(self) -> None:
        for worklist in self.lists.values():
            self._load(worklist)

    def _load(self, worklist: Worklist) -> None:
        def work(progress: Progress) -> list[Any]:
            progress.check()
            return worklist.load()

        pending = (worklist.select_key, worklist.select_row)  # set by an action, for this load only
        worklist.select_key, worklist.select_row = None, 0
        worklist.status = LOADING
        self._runner.start(
            f"{self._slot}-{worklist.name}",
            work,
            finished=lambda rows: self._loaded(worklist, rows, *pending),
            failed=lambda message: self._load_failed(worklist, message),
        )
        self.list_changed()

    def _loaded(self, worklist: Worklist, rows: Any, select_key: Hashable | None, select_row: int) -> None:
        view, model = worklist.view, worklist.model
        key = select_key if select_key is not None else model.key_at(view.current_row())
        fallback = select_row if select_key is not None else max(view.current_row(), 0)
        model.set_rows(rows)
        found = model.row_of(key) if key is not None else None
        if model.rowCount():
            view.selectRow(found if found is not None else min(fallback, model.rowCount() - 1))
        view.fit_columns()
        worklist.status = worklist.counted(model.rowCount())
        self.list_changed()

    def _load_failed(self, worklist: Worklist, message: str) -> None:
        worklist.status = message
        self.list_changed()

    def _on_changed(self, topic: str) -> None:
        if topic in self._reload_on and self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
