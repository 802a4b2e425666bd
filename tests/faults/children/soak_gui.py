"""One person at the desktop app during the soak (tests/faults/test_soak.py, bench/soak.py): a separate process
running the real Pathways window (offscreen), signed in as a custody navigator (even NUMBER) or a treatment worker
(odd), that for a given time opens the shared people's records, adds a contact to their DIVERT case through the
add-event dialog (typing the notes and pressing Save, with the version the record showed), and refreshes the
appointments lists. When the dialog says someone else changed the case meanwhile, it presses Save again, as a user
does after a look at the change. Each acknowledged save is journalled as the scripted writers' are.

Run as `python -m tests.faults.children.soak_gui URL SHARED_JSON JOURNAL NUMBER SECONDS` with QT_QPA_PLATFORM=offscreen.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox

from pathways.store import open_store
from tests.faults.children.soak_journal import Journal, ready_then_wait
from tests.faults.children.soak_seed import Shared, read_shared
from tests.faults.children.soak_writer import RELOADS, actor_for
from ui.add_event_dialog import AddEventDialog
from ui.appointments_page import AppointmentsPage
from ui.context import AppContext
from ui.main_window import MainWindow

BUSY = "The database was busy with other people's changes"  # DatabaseBusy: nothing saved; the user tries again
LOAD_WAIT = 30.0  # seconds: lists that take longer to load than this fail the soak


def _wait(app: QApplication, done: Callable[[], bool], what: str) -> None:
    give_up = time.monotonic() + LOAD_WAIT
    while not done():
        if time.monotonic() > give_up:
            raise AssertionError(f"{what} did not happen within {LOAD_WAIT:.0f} s")
        app.processEvents()
        time.sleep(0.005)


class Desk:
    def __init__(self, app: QApplication, window: MainWindow, shared: list[Shared], journal: Journal) -> None:
        self.app, self.window, self.shared, self.journal = app, window, shared, journal
        self.rng = random.Random(int(time.time() * 1000))

    def add_contact(self) -> None:
        """Open a person's record on their DIVERT case, Add event, choose Contacted, type notes, Save."""
        case = self.rng.choice(self.shared)
        if not self._opened(case.person, case.divert):
            return
        page = self.window.person_page
        shown = page.current_case()
        assert shown is not None and shown.id == case.divert, page.error.text()
        dialog = AddEventDialog(page._context, shown.id, shown.pathway, page, expected_version=shown.version)
        try:
            labels = [dialog.steps.item(i).text() for i in range(dialog.steps.count())]
            dialog.steps.setCurrentRow(labels.index("Contacted"))
            form = dialog.form()
            assert form is not None
            tag = self.journal.tag()
            form.notes.setPlainText(tag)
            dialog.show()
            self.app.processEvents()
            time.sleep(self.rng.uniform(0.0, 0.05))  # a moment to read the form before saving
            save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
            for _ in range(RELOADS):
                started = time.perf_counter()
                save.click()
                if dialog.result() == QDialog.DialogCode.Accepted:
                    break
                message = dialog.error.text()
                if message.startswith(BUSY):
                    self.journal.tally.busy += 1
                else:
                    assert "while you were working on it" in message, message
                    self.journal.tally.stale += 1
                self.app.processEvents()  # the record behind reloads
            else:
                raise AssertionError(f"the contact was refused {RELOADS} times running")
            recorded = dialog.result_recorded
            assert recorded is not None
            self.journal.saved(
                "event", started, case=recorded.case_id, event=recorded.event_id, version=recorded.case_version, tag=tag
            )
        finally:
            dialog.close()
            dialog.deleteLater()
        self._opened(case.person, case.divert)  # as PersonPage.add_event does after a save

    def look_at_appointments(self) -> None:
        page = self.window.page("appointments")
        assert isinstance(page, AppointmentsPage)
        self.window.pages.setCurrentWidget(page)
        page.refresh()
        _wait(self.app, lambda: page._reload.isActive() is False, "the appointments reload starting")
        _wait(self.app, lambda: all(w.status != "Loading…" for w in page.lists.values()), "the appointments loading")
        for worklist in page.lists.values():  # each list loaded and counted, none failed with a message
            if worklist.status.startswith(BUSY):
                self.journal.tally.busy += 1
            else:
                assert worklist.status == worklist.counted(worklist.model.rowCount()), worklist.status

    def open_a_record(self) -> None:
        self._opened(self.rng.choice(self.shared).person)

    def _opened(self, person_id: int, case_id: int | None = None) -> bool:
        """Open a person's record (an audited view); False when the database was too busy to show it."""
        self.window.open_person(person_id, case_id)
        self.app.processEvents()
        error = self.window.person_page.error.text()
        if error.startswith(BUSY):
            self.journal.tally.busy += 1
            return False
        assert error == "", error
        return True

    def one_thing(self) -> None:
        actions: list[Callable[[], None]] = [self.add_contact, self.look_at_appointments, self.open_a_record]
        self.rng.choices(actions, [60, 25, 15])[0]()


def main(url: str, shared_file: str, journal_file: str, number: int, seconds: float) -> None:
    app = QApplication([])
    store = open_store(url)
    window = MainWindow(AppContext(store, actor_for(number, gui=True)), "soak")
    window.show()
    app.processEvents()
    ready_then_wait(Path(journal_file))
    ends = time.monotonic() + seconds
    with Journal(Path(journal_file), f"g{number}") as journal:
        journal.count_transient_errors(store.engine)
        desk = Desk(app, window, read_shared(Path(shared_file)), journal)
        while time.monotonic() < ends:
            desk.one_thing()
        window.close()
    app.processEvents()
    store.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
