"""The form for one step of a pathway, built from the step's definition: its choices, what it needs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from pathways.clock import local_date
from pathways.definitions import LIST_FIELDS, EventDefinition, PathwayDefinition
from pathways.engine import default_due, field_name
from pathways.errors import InvalidInput
from ui.formatting import from_qdatetime, to_qdatetime, typed_moment
from ui.widgets import with_alt_letter

FREE_TEXT = ("offence", "service", "place", "site", "reason", "conditions", "authorised_by")
DEADLINE_EVENTS_FIELD = "due_at"


def field_title(definition: PathwayDefinition, name: str, event: str | None = None) -> str:
    return field_name(definition, name, event).capitalize()


class EventForm(QWidget):
    """Fields for one event. `values()` gives what the service takes; `kind` is fixed when given."""

    def __init__(
        self,
        definition: PathwayDefinition,
        spec: EventDefinition,
        now: datetime,
        kind: str | None,
        taken: Collection[str] = (),
    ) -> None:
        """`taken`: the Alt letters the screen around the form already gives its own controls."""
        super().__init__()
        self._definition, self._spec, self._kind, self._now = definition, spec, kind, now
        self._letters = {*taken, "w", "n"}  # (When and Notes keep theirs)
        self._combos: dict[str, QComboBox] = {}
        self._checks: dict[str, list[QCheckBox]] = {}
        self._texts: dict[str, QLineEdit] = {}
        layout = QFormLayout(self)
        self.when = QDateTimeEdit(to_qdatetime(now))
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setAccessibleName("When it happened")
        layout.addRow("&When:", self.when)
        self.due: QDateTimeEdit | None = None  # a due moment the pathway suggests (e.g. 4 months on)
        self.due_typed: QLineEdit | None = None  # one with no default (the end of a court order): typed, or nothing
        if "due_at" in spec.required:
            due_words = field_title(definition, "due_at", spec.name)
            suggested = default_due(spec, now)
            if suggested is None:  # a guessed date would be accepted by mistake: it starts empty, and is needed
                self.due_typed = QLineEdit()
                self.due_typed.setPlaceholderText("dd/mm/yyyy, with hh:mm if there is a time")
                self.due_typed.setAccessibleName(due_words)
                layout.addRow(with_alt_letter(f"{due_words} (needed):", self._letters), self.due_typed)
            else:
                self.due = QDateTimeEdit(to_qdatetime(suggested))
                self.due.setDisplayFormat("dd/MM/yyyy HH:mm")
                self.due.setCalendarPopup(True)
                self.due.setAccessibleName(due_words)
                layout.addRow(with_alt_letter(f"{due_words}:", self._letters), self.due)
        self._add_choice_fields(layout)
        self._add_text_fields(layout)
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(60)
        layout.addRow("&Notes:", self.notes)

    def _add_choice_fields(self, layout: QFormLayout) -> None:
        for name, options in self._spec.choices.items():
            if name == "kind" and self._kind:
                continue
            if name in LIST_FIELDS:
                row = QHBoxLayout()
                boxes = []
                for option in options:
                    box = QCheckBox(self._definition.label(option))
                    box.setAccessibleName(
                        f"{field_title(self._definition, name, self._spec.name)}: {self._definition.label(option)}"
                    )
                    row.addWidget(box)
                    boxes.append(box)
                self._checks[name] = boxes
                holder = QWidget()
                holder.setLayout(row)
                if boxes:
                    holder.setFocusProxy(boxes[0])  # (its Alt letter goes to the first box)
                layout.addRow(self._label(name), holder)
                continue
            combo = QComboBox()
            combo.setAccessibleName(field_title(self._definition, name, self._spec.name))
            if name not in self._spec.required:
                combo.addItem("", "")
            for option in options:
                combo.addItem(self._definition.label(option), option)
            if name in self._spec.required and len(options) > 1:  # chosen, never assumed: none until the user does
                combo.setPlaceholderText("Choose…")
                combo.setCurrentIndex(-1)
            self._combos[name] = combo
            layout.addRow(self._label(name), combo)

    def _add_text_fields(self, layout: QFormLayout) -> None:
        wanted = [n for n in self._spec.required if n in FREE_TEXT and n not in self._spec.choices]
        wanted += [n for n in ("service", "place", "reason") if n not in wanted and n not in self._spec.choices]
        for name in wanted:
            edit = QLineEdit()
            edit.setAccessibleName(field_title(self._definition, name, self._spec.name))
            self._texts[name] = edit
            layout.addRow(self._label(name, " (needed)" if name in self._spec.required else ""), edit)

    def _label(self, name: str, after: str = "") -> str:
        """A field's label, with an Alt letter of its own."""
        return with_alt_letter(f"{field_title(self._definition, name, self._spec.name)}{after}:", self._letters)

    def occurred_at(self) -> datetime:
        return from_qdatetime(self.when.dateTime())

    def due_at(self) -> datetime | None:
        """The due moment given; InvalidInput, in the user's words, when a typed one is missing or is no date."""
        if self.due is not None:
            return from_qdatetime(self.due.dateTime())
        return self._typed_due()[0] if self.due_typed is not None else None

    def due_time_known(self) -> bool:
        """False when the due moment was typed as a day alone."""
        return self._typed_due()[1] if self.due_typed is not None else True

    def _typed_due(self) -> tuple[datetime, bool]:
        assert self.due_typed is not None
        words = self.due_typed.accessibleName()
        text = self.due_typed.text().strip()
        if not text:
            example = local_date(self._now + timedelta(days=183))
            raise InvalidInput(f"Give the {words.lower()} as dd/mm/yyyy, e.g. {example:%d/%m/%Y}.")
        try:
            return typed_moment(text)
        except ValueError as exc:
            raise InvalidInput(f"{words[:1].upper()}{words[1:]}: {exc}") from None

    def values(self) -> dict[str, str | None]:
        values: dict[str, str | None] = {"kind": self._kind} if self._kind else {}
        for name, combo in self._combos.items():
            values[name] = str(combo.currentData() or "") or None
        for name, boxes in self._checks.items():
            options = self._spec.choices[name]
            chosen = [option for option, box in zip(options, boxes, strict=True) if box.isChecked()]
            values[name] = ";".join(chosen) or None
        for name, edit in self._texts.items():
            values[name] = edit.text().strip() or None
        values["notes"] = self.notes.toPlainText().strip() or None
        return values

    def set_when(self, moment: QDateTime) -> None:
        self.when.setDateTime(moment)
