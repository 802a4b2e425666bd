"""Register a new person, after showing anyone already held who may be the same person. What is typed is kept as
a draft (ui/drafts.py) until the person is registered, so a crash does not lose it."""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pathways.errors import PathwaysError
from pathways.services.people import duplicates_elsewhere, possible_duplicates, register_person
from pathways.services.results import PersonView
from ui.context import AppContext
from ui.drafts import DraftFile, DraftKeeper, FieldWidget, read_fields, write_fields
from ui.formatting import show_date, typed_date
from ui.person_fields import PersonDetailsForm
from ui.widgets import error_label


class RegisterPersonDialog(PersonDetailsForm):
    """On success `chosen_id` is the person to carry on with: the new one, or an existing one the user picked."""

    def __init__(self, context: AppContext, typed: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Register a new person")
        self._context = context
        self.chosen_id: int | None = None
        self._checked: tuple[str, str, date] | None = None  # the name and birth last checked for duplicates
        words = typed.split()
        self.surname.setText(words[0].capitalize() if words else "")
        self.forenames.setText(" ".join(w.capitalize() for w in words[1:]))
        # (the date of birth is typed, and empty to begin with: a believable default would be saved unchecked)
        self.sex.setCurrentIndex(-1)  # asked, never assumed
        self.sex.setPlaceholderText("Choose")
        self.duplicates = QListWidget()
        self.duplicates.setAccessibleName("People already held who may be the same person")
        self.duplicates.hide()
        self.duplicates_note = QLabel()
        self.duplicates_note.setWordWrap(True)
        self.use_existing = QPushButton("&Use the selected person")
        self.use_existing.hide()
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self._layout()
        self.draft = DraftKeeper(
            self,
            DraftFile.for_form(context, "register_person"),
            what="new person's details",
            snapshot=lambda: read_fields(self.fields()),
            restore=lambda values: write_fields(self.fields(), values),
            clock=context.store.clock,
        )
        self.draft.watch(*self.fields().values())
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.use_existing.clicked.connect(self._use_selected)
        self.duplicates.itemActivated.connect(lambda _item: self._use_selected())

    def _layout(self) -> None:
        form = QFormLayout()
        self.add_rows(form)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.duplicates_note)
        layout.addWidget(self.duplicates)
        layout.addWidget(self.use_existing)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def fields(self) -> dict[str, FieldWidget]:
        """The fields a draft keeps."""
        return self.by_name()

    def _problems(self) -> tuple[list[str], date | None]:
        """Every problem of the required details at once (the service checks the rest), and the date of birth."""
        problems = [
            f"The {what} is needed." for what, field in (("surname", self.surname),) if not field.text().strip()
        ]
        problems += ["The forenames are needed."] if not self.forenames.text().strip() else []
        born: date | None = None
        if not self.born.text().strip():
            problems.append("The date of birth is needed.")
        else:
            try:
                born = typed_date(self.born.text())
            except ValueError as exc:
                problems.append(f"The date of birth: {exc}")
        if self.sex.currentIndex() < 0:
            problems.append("Choose the person's sex (Not known is one of the choices).")
        return problems, born

    def _show_duplicates(self, found: list[PersonView], elsewhere: int) -> None:
        who, are = ("Someone", "is") if elsewhere == 1 else (f"{elsewhere} people", "are")
        held_elsewhere = (
            f"{who} with the same date of birth and a similar name {are} held by another site or service, and not "
            "shown to you. If this is the same person, ask that site or service to share the case with you. "
        )
        if not found:
            self.duplicates_note.setText(held_elsewhere + "Press Save again to register a new person.")
            return
        self.duplicates.clear()
        for person in found:
            item = QListWidgetItem(
                f"{person.display_name} · born {show_date(person.date_of_birth)} · PNC {person.pnc_id or 'none'}"
            )
            item.setData(256, person.id)
            self.duplicates.addItem(item)
        self.duplicates_note.setText(
            "These people are already held with the same date of birth and a similar name. "
            + (held_elsewhere if elsewhere else "")
            + "Use one of them, or press Save again to register a new person."
        )
        self.duplicates.show()
        self.use_existing.show()
        self.duplicates.setCurrentRow(0)
        self.duplicates.setFocus()

    def _use_selected(self) -> None:
        item = self.duplicates.currentItem()
        if item is not None:
            self.chosen_id = int(item.data(256))
            self.accept()

    def _save(self) -> None:
        store, actor = self._context.store, self._context.actor
        problems, born = self._problems()
        self.error.setText("\n".join(problems))
        if problems or born is None:
            return
        try:
            surname, forenames = self.surname.text(), self.forenames.text()
            if self._checked != (surname, forenames, born):  # (checked again whenever the name or birth changed)
                self._checked = (surname, forenames, born)
                found = possible_duplicates(
                    store, actor=actor, surname=surname, forenames=forenames, date_of_birth=born
                )
                elsewhere = duplicates_elsewhere(
                    store, actor=actor, surname=surname, forenames=forenames, date_of_birth=born
                )
                if found or elsewhere:
                    self._show_duplicates(found, elsewhere)
                    return
            person = register_person(
                store,
                actor=actor,
                surname=self.surname.text(),
                forenames=self.forenames.text(),
                date_of_birth=born,
                sex=str(self.sex.currentData()),
                ethnicity=str(self.ethnicity.currentData()),
                pnc_id=self.pnc.text(),
                nhs_number=self.nhs.text(),
                postcode=self.postcode.text(),
            )
        except PathwaysError as exc:
            self.error.setText(exc.message)
            return
        self.chosen_id = person.id
        self._context.notify("person")
        self.accept()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.draft.form_shown()  # offers back what a crash left unsaved, the first time
