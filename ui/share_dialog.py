"""Before a document about a person is printed or saved: who it is for and why, checked against what the person
agreed to share (pathways/services/consent.py). When they have not agreed, the reason is shown and the document is
made only if the user chooses the law that allows it; the choice is audited with the print."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from pathways.consent import SharingRefused, SharingRequest, sharing_rules
from pathways.errors import PathwaysError
from pathways.services.consent import ensure_may_share
from ui.context import AppContext
from ui.widgets import buddy_label, error_label

NO_LAW = "Choose the law that allows it…"


def fill_laws(combo: QComboBox, recipient: str, purpose: str, first: str = NO_LAW) -> None:
    """The laws that can allow sharing with the recipient for the purpose, after a first "no law" item."""
    combo.clear()
    combo.addItem(first, None)
    for basis in sharing_rules().bases_for(recipient, purpose):
        combo.addItem(basis.title, basis.code)
        combo.setItemData(combo.count() - 1, basis.words, Qt.ItemDataRole.ToolTipRole)


class ShareDialog(QDialog):
    """`request()` is the recipient, purpose and (when the person has not agreed) the law chosen."""

    def __init__(
        self,
        context: AppContext,
        person_id: int,
        title: str,
        recipients: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context, self._person_id = context, person_id
        self.refused: SharingRefused | None = None
        self.setWindowTitle(title)
        rules = sharing_rules()
        self.recipient = QComboBox()
        for code in recipients:
            self.recipient.addItem(rules.recipient(code).title, code)
        self.purpose = QComboBox()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Agreement to share")
        self.law = QComboBox()
        self.law.setToolTip("Only when the person has not agreed: the law that allows sharing without it")
        self.law_label = buddy_label("&Law allowing it:", self.law)
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Continue")
        form = QFormLayout()
        form.addRow(buddy_label("&For:", self.recipient), self.recipient)
        form.addRow(buddy_label("&Purpose:", self.purpose), self.purpose)
        form.addRow(self.status)
        form.addRow(self.law_label, self.law)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.recipient.currentIndexChanged.connect(self._fill_purposes)
        self.purpose.currentIndexChanged.connect(self._check)
        self.law.currentIndexChanged.connect(self._enable)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.recipient.setEnabled(len(recipients) > 1)
        self._fill_purposes()

    def _fill_purposes(self) -> None:
        rules = sharing_rules()
        code = self.recipient.currentData()
        self.purpose.blockSignals(True)
        self.purpose.clear()
        for purpose in rules.recipient(code).purposes if code else ():
            self.purpose.addItem(rules.purpose(purpose).title, purpose)
        self.purpose.blockSignals(False)
        self.purpose.setEnabled(self.purpose.count() > 1)
        self._check()

    def _check(self) -> None:
        """Whether the person agreed to this recipient and purpose; the reason and the laws when not."""
        recipient, purpose = self.recipient.currentData(), self.purpose.currentData()
        self.refused = None
        self.error.clear()
        if recipient is None or purpose is None:
            self._show_law(False)
            return
        context = self._context
        try:
            ensure_may_share(
                context.store,
                actor=context.actor,
                person_id=self._person_id,
                request=SharingRequest(recipient, purpose),
            )
        except SharingRefused as refused:
            self.refused = refused
            self.status.setText(refused.message)
            fill_laws(self.law, recipient, purpose)
            self._show_law(True)
            return
        except PathwaysError as exc:
            self.status.clear()
            self.error.setText(exc.message)
            self._show_law(False)
            self.ok.setEnabled(False)
            return
        self.status.setText(
            f"They agreed to share with {sharing_rules().describe(SharingRequest(recipient, purpose))}."
        )
        self._show_law(False)

    def _show_law(self, shown: bool) -> None:
        self.law.setVisible(shown)
        self.law_label.setVisible(shown)
        if not shown:
            self.law.clear()
        self._enable()

    def _enable(self) -> None:
        chosen = self.recipient.currentData() is not None and self.purpose.currentData() is not None
        self.ok.setEnabled(chosen and (self.refused is None or self.law.currentData() is not None))

    def request(self) -> SharingRequest | None:
        recipient, purpose = self.recipient.currentData(), self.purpose.currentData()
        if recipient is None or purpose is None or (self.refused is not None and self.law.currentData() is None):
            return None
        return SharingRequest(recipient, purpose, self.law.currentData() if self.refused is not None else None)
