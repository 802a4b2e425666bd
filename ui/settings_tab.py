"""Administration's Settings tab: settings for every workstation on this database. How soon an unused window
locks, and, for a step with more than one set of screening criteria (Checkpoint: Durham's or North Wales's), the
set the force uses, which the screening form then opens on."""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from pathways.errors import PathwaysError
from pathways.instruments import shipped_instruments
from pathways.services.settings import (
    IDLE_LOCK_RANGE,
    idle_lock_minutes,
    save_settings,
    usual_instruments,
)
from ui.context import AppContext
from ui.widgets import buddy_label, button_row, error_label, with_alt_letter

LAST_USED = "The form last used (at the case's site, else anywhere)"
CRITERIA_NOTE = (
    "The screening form opens on these criteria; the worker can still choose another. With none chosen, it opens "
    "on the form last used at the case's site, else the one last used anywhere."
)


class SettingsTab(QWidget):
    """`taken`: the Alt letters of the page around the tab (its tabs, the menu bar), which no control here takes."""

    def __init__(self, context: AppContext, *, taken: Collection[str] = ()) -> None:
        super().__init__()
        self._context = context
        letters = {*taken, "l", "a"}  # and the tab's own: Lock, Save
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(*IDLE_LOCK_RANGE)
        self.idle_minutes.setSuffix(" minutes")
        self.idle_minutes.setValue(idle_lock_minutes(context.store))
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
        chosen = usual_instruments(self._context.store)
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
        minutes = self.idle_minutes.value()
        store, actor = self._context.store, self._context.actor
        said = [f"windows lock after {minutes} minutes without use"]
        for (pathway, _event), combo in self.criteria.items():
            opens_on = combo.currentText() if combo.currentData() else "the form last used"
            said.append(f"{store.definition(pathway).name} screening opens on {opens_on}")
        try:
            chosen = usual_instruments(store)
            changed = {step: combo.currentData() for step, combo in self.criteria.items()}
            changed = {step: code for step, code in changed.items() if code != chosen.get(step)}
            save_settings(store, actor=actor, idle_minutes=minutes, criteria=changed)  # all, or nothing
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.error.clear()
        self.status.setText(f"Saved: {'; '.join(said)}.")


def _note(text: str) -> QLabel:
    note = QLabel(text)
    note.setWordWrap(True)
    return note
