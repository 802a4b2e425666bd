"""The form for one step of a pathway, built from the step's definition: its choices, the typed fields it needs
(`required`) and those it may also take (`optional`), and nothing else: a drug test asks for no place.

A service is chosen from the administrator's list of services (or typed, to find it): one not on the list is
refused, since a treatment worker sees only the cases that name their service as the list spells it. A site (a
court, a prison, a venue) is chosen from the sites or typed, as a court need not be on the list.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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
    QSizePolicy,
    QWidget,
)

from pathways.clock import local_date
from pathways.definitions import LIST_FIELDS, TYPED_FIELDS, EventDefinition, PathwayDefinition
from pathways.engine import default_due, field_name
from pathways.errors import InvalidInput
from pathways.identity import fold
from ui.choices import ReferenceNames, name_choices
from ui.formatting import from_qdatetime, to_qdatetime, typed_moment
from ui.widgets import with_alt_letter

FREE_TEXT = tuple(name for name in TYPED_FIELDS if name != "due_at")  # typed in a box of their own
DEADLINE_EVENTS_FIELD = "due_at"


def field_title(definition: PathwayDefinition, name: str, event: str | None = None) -> str:
    return field_name(definition, name, event).capitalize()


def typed_fields(spec: EventDefinition) -> list[str]:
    """The typed fields (not due_at) a step's form shows: those it needs, then those it may also take."""
    shown = [n for n in (*spec.required, *spec.optional) if n in FREE_TEXT and n not in spec.choices]
    return list(dict.fromkeys(shown))


class EventForm(QWidget):
    """Fields for one event. `values()` gives what the service takes; `kind` is fixed when given."""

    def __init__(
        self,
        definition: PathwayDefinition,
        spec: EventDefinition,
        now: datetime,
        kind: str | None,
        names: ReferenceNames,
        taken: Collection[str] = (),
    ) -> None:
        """`names`: the sites and services to choose from; `taken`: the Alt letters the screen around the form
        already gives its own controls."""
        super().__init__()
        self._definition, self._spec, self._kind, self._now = definition, spec, kind, now
        self._names = names
        self._letters = {*taken, "w", "n"}  # (When and Notes keep theirs)
        self._combos: dict[str, QComboBox] = {}
        self._checks: dict[str, list[QCheckBox]] = {}
        self._texts: dict[str, QLineEdit] = {}
        self._listed: dict[str, QComboBox] = {}  # service and site: chosen from their lists (or typed)
        layout = QFormLayout(self)
        self.when = QDateTimeEdit(to_qdatetime(now))
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setAccessibleName("When it happened")
        layout.addRow("&When:", self.when)
        self.due: QDateTimeEdit | None = None  # a due moment the pathway suggests (e.g. 4 months on)
        self.due_typed: QLineEdit | None = None  # one with no default (the end of a court order): typed, or nothing
        self._due_needed = "due_at" in spec.required
        if self._due_needed or "due_at" in spec.optional:
            self._add_due_field(layout)
        self._add_choice_fields(layout)
        self._add_text_fields(layout)
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(60)
        layout.addRow("&Notes:", self.notes)
        room = QWidget()  # takes the height the rows do not need, so they stay together at the top of a tall dialog
        room.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        layout.addRow(room)

    def _add_due_field(self, layout: QFormLayout) -> None:
        """A due moment the pathway suggests is shown, to change; one with none (the end of a court order, a planned
        admission) starts empty and is typed: a guessed date would be accepted by mistake."""
        due_words = field_title(self._definition, "due_at", self._spec.name)
        suggested = default_due(self._spec, self._now)
        if suggested is None:
            self.due_typed = QLineEdit()
            self.due_typed.setPlaceholderText("dd/mm/yyyy, with hh:mm if there is a time")
            self.due_typed.setAccessibleName(due_words)
            needed = " (needed)" if self._due_needed else ""
            layout.addRow(with_alt_letter(f"{due_words}{needed}:", self._letters), self.due_typed)
        else:
            self.due = QDateTimeEdit(to_qdatetime(suggested))
            self.due.setDisplayFormat("dd/MM/yyyy HH:mm")
            self.due.setCalendarPopup(True)
            self.due.setAccessibleName(due_words)
            layout.addRow(with_alt_letter(f"{due_words}:", self._letters), self.due)

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
        for name in typed_fields(self._spec):
            needed = name in self._spec.required or name in self._spec.screen_required
            words = field_name(self._definition, name, self._spec.name)
            field: QWidget
            if name == "service":  # chosen from the list (typing finds it); nothing chosen for the user
                field = self._listed[name] = name_choices(
                    self._names.services, None, "Choose…" if needed else "Choose… (or leave empty)"
                )
            elif name == "site":  # a court or a venue need not be on the list: chosen from it, or typed
                field = self._listed[name] = name_choices(self._names.sites, None, f"Choose or type the {words}")
            else:
                field = self._texts[name] = QLineEdit()
            field.setAccessibleName(words.capitalize())
            layout.addRow(self._label(name, " (needed)" if needed else ""), field)

    def _label(self, name: str, after: str = "") -> str:
        """A field's label, with an Alt letter of its own."""
        return with_alt_letter(f"{field_title(self._definition, name, self._spec.name)}{after}:", self._letters)

    def occurred_at(self) -> datetime:
        return from_qdatetime(self.when.dateTime())

    def due_at(self) -> datetime | None:
        """The due moment given; InvalidInput, in the user's words, when a typed one is needed and missing, or is
        no date (an optional one left empty: None)."""
        if self.due is not None:
            return from_qdatetime(self.due.dateTime())
        return self._typed_due()[0] if self._due_given() else None

    def due_time_known(self) -> bool:
        """False when the due moment was typed as a day alone."""
        return self._typed_due()[1] if self._due_given() else True

    def _due_given(self) -> bool:
        return self.due_typed is not None and (self._due_needed or bool(self.due_typed.text().strip()))

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
        if "service" in self._listed:
            values["service"] = self._chosen_service()
        if "site" in self._listed:
            typed = " ".join(self._listed["site"].currentText().split())
            values["site"] = _listed_name(typed, self._names.sites) or typed or None  # a known one as listed
        values["notes"] = self.notes.toPlainText().strip() or None
        return values

    def _chosen_service(self) -> str | None:
        """The service chosen, as the list names it. Anything else typed is given as typed, for the service to judge
        (pathways.reference.listed_service): it takes a listed service's code, and refuses, in the user's words, a
        name not on the list or one retired."""
        typed = " ".join(self._listed["service"].currentText().split())
        return _listed_name(typed, self._names.services) or typed or None

    def set_when(self, moment: QDateTime) -> None:
        self.when.setDateTime(moment)


def _listed_name(typed: str, names: Sequence[str]) -> str | None:
    """The name of the list `typed` is, whatever its capitals, spaces or punctuation, or None."""
    wanted = fold(typed)
    return next((name for name in names if wanted and fold(name) == wanted), None)
