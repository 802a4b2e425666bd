"""Steps that have a form of their own instead of the generic event form (a screening, a contract).

The add-event dialog looks a step up here by pathway and event name; a registered dialog is opened in its
place and records the step itself through its own service. Each entry names a module and a class, imported
only when the step is chosen, so the screens load as they are needed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Protocol

from PySide6.QtWidgets import QWidget

from ui.context import AppContext


class StepDialog(Protocol):
    def exec(self) -> int: ...


StepDialogFactory = Callable[[AppContext, int, QWidget | None], StepDialog]

# (pathway, event) → "module:Class"; the class is built as Class(context, case_id, parent).
SPECIAL_STEPS: dict[tuple[str, str], str] = {}
SPECIAL_STEPS[("checkpoint", "contract_signed")] = "ui.contract_builder:ContractBuilderDialog"
SPECIAL_STEPS[("checkpoint", "screened")] = "ui.screening_dialog:ScreeningDialog"
SPECIAL_STEPS[("gambling", "screened")] = "ui.screening_dialog:ScreeningDialog"


def special_dialog(pathway: str, event: str) -> StepDialogFactory | None:
    """The dialog that records this step, when it has one of its own."""
    target = SPECIAL_STEPS.get((pathway, event))
    if target is None:
        return None
    module_name, class_name = target.split(":")
    factory: StepDialogFactory = getattr(importlib.import_module(module_name), class_name)
    return factory
