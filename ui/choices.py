"""A choice from one of the administrator's reference lists (sites, services), or another typed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox

from pathways.reference import reference_list
from ui.context import AppContext


@dataclass(frozen=True)
class ReferenceNames:
    """The names of the current sites and services, read once for a screen that offers them on several forms (the
    add-event dialog builds a step's form each time another step is chosen)."""

    services: tuple[str, ...]
    sites: tuple[str, ...]


def reference_names(context: AppContext) -> ReferenceNames:
    """The current (not retired) sites and services, by name."""
    return ReferenceNames(*(tuple(e.label for e in reference_list(context.store, n)) for n in ("services", "sites")))


class FormComboBox(QComboBox):
    """An editable choice on a form: Enter takes what was typed, then goes on to the form's default button (Next,
    Save), as it does from a line edit. (Qt's editable combo box keeps Enter to itself.)"""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        if self.isEditable() and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.ignore()


def name_choices(names: Sequence[str], default: str | None, placeholder: str = "") -> QComboBox:
    """An editable list of `names`, showing `default`; with none, nothing is chosen for the user (the first of the
    list would be a guess: a wrong service on a legal notice is worse than an empty one), and `placeholder` says
    what to choose."""
    combo = FormComboBox()
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # (Enter does not add a typed name to the list)
    shown = list(names)
    if default and default not in shown:
        shown.insert(0, default)
    combo.addItems(shown)
    if default:
        combo.setCurrentText(default)
    else:
        combo.setCurrentIndex(-1)
        line = combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(placeholder)
    return combo


def reference_choices(context: AppContext, list_name: str, default: str | None, placeholder: str = "") -> QComboBox:
    """The list to choose from (or type into), showing `default` (see name_choices). A service not on the list now
    (retired, or an imported spelling) is not offered as the default: saving would refuse it (listed_service)."""
    names = [e.label for e in reference_list(context.store, list_name)]
    if list_name == "services" and default not in names:
        default = None
    return name_choices(names, default, placeholder)
