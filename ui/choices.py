"""A choice from one of the administrator's reference lists (sites, services), or another typed in."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from pathways.reference import reference_list
from ui.context import AppContext


def reference_choices(context: AppContext, list_name: str, default: str | None, placeholder: str = "") -> QComboBox:
    """The list to choose from (or type into), showing `default`; with none, nothing is chosen for the user (the
    first of the list would be a guess: a wrong service on a legal notice is worse than an empty one), and
    `placeholder` says what to choose."""
    combo = QComboBox()
    combo.setEditable(True)
    names = [e.label for e in reference_list(context.store, list_name)]
    if default and default not in names:
        names.insert(0, default)
    combo.addItems(names)
    if default:
        combo.setCurrentText(default)
    else:
        combo.setCurrentIndex(-1)
        line = combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(placeholder)
    return combo
