"""Administration's Settings tab: settings for every workstation on this database. How soon an unused window
locks, and, for a step with more than one set of screening criteria (Checkpoint: Durham's or North Wales's), the
set the force uses, which the screening form then opens on."""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from pathways.errors import ConflictingChange, PathwaysError
from pathways.instruments import shipped_instruments
from pathways.services.settings import (
    IDLE_LOCK_RANGE,
    CurrentSettings,
    current_settings,
    save_settings,
)
from ui.context import AppContext
from ui.widgets import buddy_label, button_row, error_label, with_alt_letter

LAST_USED = "The form last used (at the case's site, else anywhere)"
CRITERIA_NOTE = (
    "The screening form opens on these criteria; the worker can still choose another. With none chosen, it opens "
    "on the form last used at the case's site, else the one last used anywhere."
)
TAKEN_UP = "The settings now show their change, with yours kept: check them, then save again."


class SettingsTab(QWidget):
    """`taken`: the Alt letters of the page around the tab (its tabs, the menu bar), which no control here takes.

    Saving passes back the settings as the tab showed them: only those the user changed are written, and a change
    to one a colleague changed meanwhile is refused (with who and when); the tab then shows their change in the
    settings the user left alone, keeps the user's, and saving again saves those."""

    def __init__(self, context: AppContext, *, taken: Collection[str] = ()) -> None:
        super().__init__()
        self._context = context
        letters = {*taken, "l", "a"}  # and the tab's own: Lock, Save
        self._shown = current_settings(context.store)  # as the tab shows them: passed back when it saves
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(*IDLE_LOCK_RANGE)
        self.idle_minutes.setSuffix(" minutes")
        self.idle_minutes.setValue(self._shown.idle_minutes)
        self.criteria = self._criteria_choices()
        self.save_button = QPushButton("S&ave settings")
        self.error = error_label()
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(buddy_label("&Lock an unused window after:", self.idle_minutes))
        layout.addWidget(self.idle_minutes)
        layout.addWidget(
            _note(
                "After this long without a key press or mouse movement, Pathways covers its windows and asks for the "
                "user's password. Open forms keep what was typed. The change applies from the next sign-in."
            )
        )
        if self.criteria:
            layout.addSpacing(12)
            layout.addWidget(QLabel("<b>Screening criteria</b>"))
            form = QFormLayout()
            for (pathway, event), combo in self.criteria.items():
                definition = context.store.definition(pathway)
                words = f"{definition.name}, {definition.event(event).label}"
                combo.setAccessibleName(f"Screening criteria: {words}")
                form.addRow(buddy_label(with_alt_letter(f"{words}:", letters), combo), combo)
            layout.addLayout(form)
            layout.addWidget(_note(CRITERIA_NOTE))
        layout.addLayout(button_row(self.save_button))
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.save_button.clicked.connect(self.save)
        self.idle_minutes.valueChanged.connect(self.status.clear)  # "Saved: …" says no more once a setting changes
        for combo in self.criteria.values():
            combo.currentIndexChanged.connect(self.status.clear)

    def _criteria_choices(self) -> dict[tuple[str, str], QComboBox]:
        """A choice for each step that more than one instrument screens, on the force's current setting."""
        chosen = self._shown.criteria
        instruments = shipped_instruments()
        combos: dict[tuple[str, str], QComboBox] = {}
        for pathway, event in instruments.steps():
            held = instruments.for_step(pathway, event)
            if len(held) < 2 or pathway not in self._context.store.definitions:
                continue
            combo = QComboBox()
            combo.addItem(LAST_USED, None)
            for instrument in sorted(held, key=lambda i: i.name):
                combo.addItem(instrument.name, instrument.code)
            combo.setCurrentIndex(max(combo.findData(chosen.get((pathway, event))), 0))
            combos[(pathway, event)] = combo
        return combos

    def save(self) -> None:
        store, actor = self._context.store, self._context.actor
        minutes = self.idle_minutes.value()
        chosen = {step: combo.currentData() for step, combo in self.criteria.items()}
        try:  # (only what the user changed is written: all of it, or nothing)
            save_settings(store, actor=actor, idle_minutes=minutes, criteria=chosen, shown=self._shown)
        except ConflictingChange as exc:
            self._take_up_changes()
            self.error.setText(f"{exc.message} {TAKEN_UP}")
            return
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self._shown = current_settings(store)  # (a colleague's change to a setting left alone is shown too)
        self._show(self._shown)
        said = [f"windows lock after {self.idle_minutes.value()} minutes without use"]
        for (pathway, _event), combo in self.criteria.items():
            opens_on = combo.currentText() if combo.currentData() else "the form last used"
            said.append(f"{store.definition(pathway).name} screening opens on {opens_on}")
        self.error.clear()
        self.status.setText(f"Saved: {'; '.join(said)}.")

    def _take_up_changes(self) -> None:
        """The settings as they now are, in every control the user left as it was shown; the user's own changes
        stay, and a save goes on from the settings as they now are."""
        shown, now = self._shown, current_settings(self._context.store)
        if self.idle_minutes.value() == shown.idle_minutes:
            self.idle_minutes.setValue(now.idle_minutes)
        for step, combo in self.criteria.items():
            if combo.currentData() == shown.criteria.get(step):
                combo.setCurrentIndex(max(combo.findData(now.criteria.get(step)), 0))
        self._shown = now

    def _show(self, settings: CurrentSettings) -> None:
        self.idle_minutes.setValue(settings.idle_minutes)
        for step, combo in self.criteria.items():
            combo.setCurrentIndex(max(combo.findData(settings.criteria.get(step)), 0))


def _note(text: str) -> QLabel:
    note = QLabel(text)
    note.setWordWrap(True)
    return note
