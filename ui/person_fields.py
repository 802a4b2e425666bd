"""A dialog that asks for a person's details: the base of the register-person and correct-details dialogs, so that
both have the same fields, labels and Alt letters."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLineEdit, QWidget

from pathways.identity import ETHNICITY_CODES, ETHNICITY_LABELS, SEXES
from ui.drafts import FieldWidget


class PersonDetailsForm(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.surname, self.forenames, self.born = QLineEdit(), QLineEdit(), QLineEdit()
        self.born.setPlaceholderText("dd/mm/yyyy")
        self.sex = QComboBox()
        for code, label in SEXES.items():
            self.sex.addItem(label, code)
        self.ethnicity = QComboBox()
        for code in reversed(ETHNICITY_CODES):  # "Not known" first: ask, never guess
            self.ethnicity.addItem(f"{ETHNICITY_LABELS[code]} ({code})", code)
        self.pnc, self.nhs, self.postcode = QLineEdit(), QLineEdit(), QLineEdit()

    def by_name(self) -> dict[str, FieldWidget]:
        """Each field by the name of the detail it holds (a person's, and the services')."""
        return {
            "surname": self.surname,
            "forenames": self.forenames,
            "date_of_birth": self.born,
            "sex": self.sex,
            "ethnicity": self.ethnicity,
            "pnc_id": self.pnc,
            "nhs_number": self.nhs,
            "postcode": self.postcode,
        }

    def add_rows(self, form: QFormLayout, *, under_born: QWidget | None = None) -> None:
        """The labelled rows, each field named for screen readers by its label; `under_born`: a line under the date
        of birth (how it was read)."""
        rows: list[tuple[str, QWidget]] = [
            ("&Surname:", self.surname),
            ("&Forenames:", self.forenames),
            ("&Date of birth:", self.born),
            *([("", under_born)] if under_born is not None else []),
            ("Se&x:", self.sex),
            ("&Ethnicity:", self.ethnicity),
            ("&PNC ID:", self.pnc),
            ("&NHS number:", self.nhs),
            ("Post&code:", self.postcode),
        ]
        for text, widget in rows:
            if text:
                widget.setAccessibleName(text.replace("&", "").rstrip(":"))
            form.addRow(text, widget)
