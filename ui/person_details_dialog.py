"""Correct a person's details (a name or date of birth mistyped at arrest, a wrong NHS number): the form opens on
the details as the record shows them, and only what was changed is saved, with the reason. What the details were
before stays in the list of corrections, with who changed them, when and why.

Saving passes the person's version the screen showed: when someone else corrected the details meanwhile, the save
is refused with who and when, and *Reload* brings in their change, keeping what was typed here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from itertools import groupby
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import local_date
from pathways.errors import ConflictingChange, InvalidInput, PathwaysError
from pathways.identity import ETHNICITY_LABELS, SEXES, check_details
from pathways.services.people import CORRECTABLE, correct_person
from pathways.services.records import DetailChange, person_record
from pathways.services.results import PersonView
from ui.context import AppContext
from ui.drafts import DraftFile, DraftKeeper, FieldWidget, read_fields, write_fields
from ui.formatting import show_date, show_moment, typed_date
from ui.person_fields import PersonDetailsForm
from ui.widgets import error_label

DETAIL_WORDS = {
    "surname": "surname",
    "forenames": "forenames",
    "date_of_birth": "date of birth",
    "sex": "sex",
    "ethnicity": "ethnicity",
    "pnc_id": "PNC ID",
    "nhs_number": "NHS number",
    "postcode": "postcode",
}
HINT_STYLE = "color: #555;"


def _value_words(field: str, value: str | None) -> str:
    """A detail's stored value (as the list of changes keeps it, as text) in the words the screens use."""
    if value is None or value == "":
        return "none"
    if field == "date_of_birth":
        try:
            return show_date(date.fromisoformat(value))
        except ValueError:
            return value
    if field == "sex":
        return SEXES.get(value, value)
    if field == "ethnicity":
        return ETHNICITY_LABELS.get(value, value)
    return value


def correction_lines(changes: Iterable[DetailChange]) -> list[str]:
    """One line for each save of corrections, newest first: "13 Mar 2023 14:32 by jsmith: surname Smyth → Smith;
    date of birth 2 Mar 2005 → 3 Feb 2005. Reason: typed wrong at arrest". (A reason a manager may not read is left
    out.)"""
    lines = []
    for (at, by, reason), saved in groupby(changes, key=lambda c: (c.changed_at, c.changed_by, c.reason)):
        what = "; ".join(
            f"{DETAIL_WORDS.get(c.field, c.field)} {_value_words(c.field, c.old_value)} → "
            f"{_value_words(c.field, c.new_value)}"
            for c in saved
        )
        lines.append(f"{show_moment(at)} by {by}: {what}." + (f" Reason: {reason}" if reason else ""))
    return lines[::-1]


class PersonDetailsDialog(PersonDetailsForm):
    """On success `corrected` is the person as saved."""

    def __init__(
        self,
        context: AppContext,
        person: PersonView,
        changes: Sequence[DetailChange] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Correct a person's details")
        self._context, self._person = context, person
        self.corrected: PersonView | None = None
        self.born_hint = QLabel()
        self.born_hint.setStyleSheet(HINT_STYLE)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why: e.g. date of birth mistyped at arrest; name spelt as on the passport")
        self.history_label = QLabel("Earlier corrections, newest first:")
        self.history = QListWidget()
        self.history.setAccessibleName("Earlier corrections of the details")
        self.history.setWordWrap(True)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history.setMaximumHeight(110)
        self._show_history(changes)
        self.error = error_label()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.reload_button = QPushButton("Re&load the details")
        self.reload_button.setToolTip("Bring in the change made meanwhile; what you typed here is kept")
        self.reload_button.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self._layout(person)
        self._fill(person, CORRECTABLE)
        self.born.textChanged.connect(lambda _text: self._show_born())
        self._show_born()
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.reload_button.clicked.connect(self.reload)
        self.resize(600, 0)
        # What is typed is kept as a draft (ui/drafts.py) until it is saved, so that a crash does not lose it.
        self.draft = DraftKeeper(
            self,
            DraftFile.for_form(context, "correct_details", key=str(person.id)),
            what="correction of this person's details",
            snapshot=lambda: read_fields(self._draft_fields()),
            restore=lambda values: write_fields(self._draft_fields(), values),
            clock=context.store.clock,
        )
        self.draft.watch(*self._draft_fields().values())

    def _draft_fields(self) -> dict[str, FieldWidget]:
        return {**self.by_name(), "reason": self.reason}

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.draft.form_shown()  # offers back what a crash left unsaved, the first time

    def _layout(self, person: PersonView) -> None:
        intro = QLabel(
            f"{person.display_name}. Type the right details: only what you "
            "change is saved, and what was recorded before is kept with your reason."
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        self.add_rows(form, under_born=self.born_hint)
        self.reason.setAccessibleName("Reason (needed)")
        form.addRow("&Reason (needed):", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.history_label)
        layout.addWidget(self.history)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.reload_button)
        layout.addWidget(self.buttons)

    # --- the fields ---------------------------------------------------------------------------------------------

    def _edits(self) -> dict[str, QLineEdit]:
        return {name: field for name, field in self.by_name().items() if isinstance(field, QLineEdit)}

    def _combos(self) -> dict[str, QComboBox]:
        return {name: field for name, field in self.by_name().items() if isinstance(field, QComboBox)}

    @staticmethod
    def _shown(person: PersonView, name: str) -> str:
        """A detail as the form shows it."""
        value = getattr(person, name)
        if name == "date_of_birth":
            return f"{value:%d/%m/%Y}"
        return "" if value is None else str(value)

    def _typed(self, name: str) -> str:
        edit = self._edits().get(name)
        return edit.text() if edit is not None else str(self._combos()[name].currentData())

    def _fill(self, person: PersonView, names: Iterable[str]) -> None:
        for name in names:
            shown = self._shown(person, name)
            if name in self._combos():
                combo = self._combos()[name]
                combo.setCurrentIndex(max(combo.findData(shown), 0))
            else:
                self._edits()[name].setText(shown)

    def _show_history(self, changes: Sequence[DetailChange]) -> None:
        self.history.clear()
        self.history.addItems(correction_lines(changes))
        self.history_label.setVisible(bool(changes))
        self.history.setVisible(bool(changes))

    def _show_born(self) -> None:
        """The date of birth as read, checked as it is typed (the house's typed dates: 14/06/1991, 14061991)."""
        try:
            born = typed_date(self.born.text())
            check_details({"date_of_birth": born}, local_date(self._context.store.clock()))
        except ValueError as exc:
            self.born_hint.setText(str(exc) if self.born.text().strip() else "The date of birth is needed.")
            return
        except InvalidInput as exc:
            self.born_hint.setText(exc.message)
            return
        self.born_hint.setText(f"Born {show_date(born)}")

    def changes(self) -> dict[str, Any]:
        """The details changed from those shown, as typed (the service checks and normalises them again)."""
        return self._read()[0]

    def _read(self) -> tuple[dict[str, Any], list[str]]:
        """The details changed from those shown, and every problem of them at once, in the service's words. A
        detail only written another way (an NHS number with spaces, a postcode in small letters) is not a change."""
        today = local_date(self._context.store.clock())
        changed: dict[str, Any] = {}
        problems: list[str] = []
        for name in CORRECTABLE:
            typed = self._typed(name)
            if typed == self._shown(self._person, name):
                continue
            value: Any = typed
            if name == "date_of_birth":
                try:
                    value = typed_date(typed)
                except ValueError as exc:
                    problems.append(f"The date of birth: {exc}" if typed.strip() else "The date of birth is needed.")
                    continue
            try:
                if check_details({name: value}, today)[name] == getattr(self._person, name):
                    continue
            except InvalidInput as exc:
                problems.append(exc.message)
            changed[name] = value
        return changed, problems

    # --- saving -------------------------------------------------------------------------------------------------

    def save(self) -> None:
        self.status.clear()
        changes, problems = self._read()
        if not changes and not problems:
            self.error.setText("Nothing has been changed, so there is nothing to save: correct a detail, or Cancel.")
            return
        if not self.reason.text().strip():
            problems.append("A correction needs a reason.")
        if problems:
            self.error.setText("\n".join(problems))
            return
        try:
            self.corrected = correct_person(
                self._context.store,
                actor=self._context.actor,
                person_id=self._person.id,
                reason=self.reason.text(),
                expected_version=self._person.version,
                **changes,
            )
        except ConflictingChange as exc:
            self.error.setText(exc.message)
            self.reload_button.show()
            self._context.notify("person")  # the record behind shows the change
            return
        except PathwaysError as exc:
            self.error.setText(exc.message)  # the form keeps what was typed
            return
        self._context.notify("person")
        self.accept()

    def reload(self) -> None:
        """Bring in the details as they are now: the details not changed here show the change made meanwhile, those
        changed here keep what was typed; saving again goes on from the person as they are now."""
        try:
            record = person_record(self._context.store, actor=self._context.actor, person_id=self._person.id)
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        now = record.person
        self._show_history(record.changes)
        typed_here = {name for name in CORRECTABLE if self._typed(name) != self._shown(self._person, name)}
        meanwhile = [name for name in CORRECTABLE if getattr(now, name) != getattr(self._person, name)]
        self._fill(now, [name for name in CORRECTABLE if name not in typed_here])
        self._person = now
        self.error.clear()
        self.reload_button.hide()
        words = ", ".join(DETAIL_WORDS[name] for name in meanwhile)
        self.status.setText(
            f"Reloaded. Changed meanwhile: {words}." if meanwhile else "Reloaded: the details themselves are the same."
        )
        if typed_here & set(meanwhile):
            clash = ", ".join(DETAIL_WORDS[name] for name in CORRECTABLE if name in typed_here & set(meanwhile))
            self.status.setText(f"{self.status.text()} You had also changed the {clash}: check it before saving.")
