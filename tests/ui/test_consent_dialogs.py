"""Consent to share on screen: recording it from the person's record, the "who is it for?" step before a document
is printed, and the export refused for people who have not agreed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db.models import AuditEntry, Person
from pathways.consent import SharingRequest
from pathways.services.consent import record_consent
from ui.consent_dialog import AGREED, DECLINED, NOT_ASKED, ConsentDialog
from ui.context import AppContext
from ui.documents import DocumentsButton
from ui.export_dialog import ExportDialog
from ui.main_window import MainWindow
from ui.operations import OperationRunner
from ui.share_dialog import ShareDialog

WAIT = 10000


def _person_id(context: AppContext, ref: str) -> int:
    with context.store.unit_of_work() as uow:
        found = uow.session.scalar(select(Person.id).where(Person.person_ref == ref))
    assert found is not None
    return found


def _audit(context: AppContext, action: str, outcome: str = "ok") -> list[str | None]:
    with context.store.unit_of_work() as uow:
        found = select(AuditEntry.detail).where(AuditEntry.action == action, AuditEntry.outcome == outcome)
        return list(uow.session.scalars(found))


def _choose(dialog: ConsentDialog, recipient: str, purpose: str, text: str) -> None:
    combo = dialog.cells[(recipient, purpose)]
    combo.setCurrentIndex(combo.findText(text))


def test_consent_is_recorded_withdrawn_and_its_history_shown(qtbot: QtBot, navigator_context: AppContext) -> None:
    dialog = ConsentDialog(navigator_context, _person_id(navigator_context, "E001"))
    qtbot.addWidget(dialog)
    assert dialog.heading.text() == "What Daniel Hughes agreed to share, with whom and what for."
    police = dialog.cells[("police", "prosecution")]
    assert [police.itemText(i) for i in range(police.count())] == [NOT_ASKED, AGREED, DECLINED]
    assert ("ndtms", "prosecution") not in dialog.cells  # only the purposes each recipient has
    assert dialog.save() is False and dialog.status.text() == "Nothing has changed, so nothing was saved."
    _choose(dialog, "police", "prosecution", AGREED)
    _choose(dialog, "ndtms", "monitoring", DECLINED)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Saved 2 answers." and dialog.error.text() == ""
    assert dialog.cells[("police", "prosecution")].currentText() == AGREED
    assert dialog.cells[("police", "prosecution")].count() == 2  # once asked, never "not asked" again
    assert "Police, prosecution: agreed" in dialog.history.toPlainText()
    _choose(dialog, "police", "prosecution", DECLINED)
    assert dialog.save()
    assert dialog.status.text() == "Saved 1 answer."
    assert "Police, prosecution: agreed; withdrawn" in dialog.history.toPlainText()
    assert "Agreement withdrawn on" in dialog.cells[("police", "prosecution")].toolTip()
    assert _audit(navigator_context, "record_consent") == [
        "police:prosecution agreed",
        "ndtms:monitoring declined",
        "police:prosecution withdrawn",
    ]


def test_a_manager_sees_the_answers_but_cannot_change_them(
    qtbot: QtBot, navigator_context: AppContext, manager_context: AppContext
) -> None:
    person_id = _person_id(navigator_context, "E001")
    record_consent(
        navigator_context.store,
        actor=navigator_context.actor,
        person_id=person_id,
        answers={("court", "supervision"): True},
    )
    dialog = ConsentDialog(manager_context, person_id)
    qtbot.addWidget(dialog)
    assert dialog.save_button is None
    assert dialog.cells[("court", "supervision")].currentText() == AGREED
    assert not dialog.cells[("court", "supervision")].isEnabled()


def test_the_person_page_opens_the_consent_dialog(qtbot: QtBot, navigator_context: AppContext) -> None:
    window = MainWindow(navigator_context, "test database")
    qtbot.addWidget(window)
    window.person_page.show_person(_person_id(navigator_context, "E001"))
    seen: list[str] = []

    def close_it() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ConsentDialog)
        seen.append(dialog.heading.text())
        dialog.reject()

    QTimer.singleShot(0, close_it)
    qtbot.mouseClick(window.person_page.consent_button, Qt.MouseButton.LeftButton)
    assert seen == ["What Daniel Hughes agreed to share, with whom and what for."]


def test_the_print_step_shows_the_refusal_and_asks_for_the_law(qtbot: QtBot, navigator_context: AppContext) -> None:
    person_id = _person_id(navigator_context, "E001")
    dialog = ShareDialog(navigator_context, person_id, "Failure-to-attend summary", ("police",))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.purpose.currentData() == "prosecution"
    assert dialog.status.text() == (
        "Daniel Hughes has not agreed to share with the police for prosecution. Record the law that allows it, "
        "or ask them."
    )
    assert dialog.law.isVisible() and not dialog.ok.isEnabled() and dialog.request() is None
    dialog.law.setCurrentIndex(dialog.law.findData("drugs_act_2005_s12_s14"))
    assert dialog.ok.isEnabled()
    assert dialog.request() == SharingRequest("police", "prosecution", "drugs_act_2005_s12_s14")
    assert dialog.law.findData("sentencing_act_2020_sch9") == -1  # only the laws that can apply

    record_consent(
        navigator_context.store,
        actor=navigator_context.actor,
        person_id=person_id,
        answers={("police", "supervision"): True},
    )
    dialog.purpose.setCurrentIndex(dialog.purpose.findData("supervision"))
    assert dialog.status.text() == "They agreed to share with the police to supervise a court order or licence."
    assert not dialog.law.isVisible() and dialog.ok.isEnabled()
    assert dialog.request() == SharingRequest("police", "supervision")
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "&Continue"


def _documents(qtbot: QtBot, context: AppContext) -> DocumentsButton:
    window = MainWindow(context, "test database")
    qtbot.addWidget(window)
    window.person_page.show_person(_person_id(context, "E001"))
    return window.person_page.documents


def test_a_document_not_agreed_is_not_written_unless_a_law_is_chosen(
    qtbot: QtBot, navigator_context: AppContext, tmp_path: Path
) -> None:
    button = _documents(qtbot, navigator_context)
    police = next(d for d in button.documents if d.key == "failure_to_attend")
    assert police.recipients == ("police",)
    assert button.save(police, tmp_path / "fta.pdf", SharingRequest("police", "prosecution")) is False
    assert not (tmp_path / "fta.pdf").exists()
    assert _audit(navigator_context, "print_document") == [] and _audit(navigator_context, "share_under_law") == []
    assert _audit(navigator_context, "print_document", "refused") == ["not agreed to police:prosecution"]
    assert button.save(police, tmp_path / "fta.pdf", SharingRequest("court", "prosecution")) is False
    assert not (tmp_path / "fta.pdf").exists()
    law = SharingRequest("police", "prosecution", "drugs_act_2005_s12_s14")
    assert button.save(police, tmp_path / "fta.pdf", law)
    assert (tmp_path / "fta.pdf").exists()
    assert _audit(navigator_context, "share_under_law") == ["police:prosecution under drugs_act_2005_s12_s14"]
    assert _audit(navigator_context, "print_document") == ["failure_to_attend to police:prosecution"]


def test_the_refusal_is_shown_on_the_person_page(qtbot: QtBot, navigator_context: AppContext, tmp_path: Path) -> None:
    window = MainWindow(navigator_context, "test database")
    qtbot.addWidget(window)
    window.person_page.show_person(_person_id(navigator_context, "E001"))
    button = window.person_page.documents
    court = next(d for d in button.documents if d.key == "summary:court")
    assert not button.save(court, tmp_path / "court.pdf", SharingRequest("court", "supervision"))
    assert window.person_page.error.text() == (
        "Not saved: Daniel Hughes has not agreed to share with the court to supervise a court order or licence. "
        "Record the law that allows it, or ask them."
    )
    assert not (tmp_path / "court.pdf").exists()


def test_an_export_for_ndtms_is_refused_for_people_who_have_not_agreed(
    qtbot: QtBot, navigator_context: AppContext, manager_context: AppContext, runner: OperationRunner, tmp_path: Path
) -> None:
    record_consent(
        navigator_context.store,
        actor=navigator_context.actor,
        person_id=_person_id(navigator_context, "E001"),
        answers={("ndtms", "monitoring"): True},
    )
    out = tmp_path / "ndtms"
    dialog = ExportDialog(manager_context, runner)
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "Say who the export is for: choose it under For."
    dialog.recipient.setCurrentIndex(dialog.recipient.findData("ndtms:monitoring"))
    assert [dialog.law.itemData(i) for i in range(dialog.law.count())] == [None, "court_order"]
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=WAIT)
    assert dialog.error.text() == (
        "4 people in this export have not agreed to share with NDTMS for national monitoring (cases EC2, EC3, EC4, "
        "EC5). Record the law that allows it, ask them, or export fewer cases."
    )
    assert not out.exists() and dialog.exported is None
    dialog.law.setCurrentIndex(dialog.law.findData("court_order"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.exported is not None, timeout=WAIT)
    assert (out / "people.csv").exists() and len(_audit(manager_context, "share_under_law")) == 4


def test_saving_a_document_asks_who_it_is_for_first(
    qtbot: QtBot, navigator_context: AppContext, tmp_path: Path
) -> None:
    button = _documents(qtbot, navigator_context)
    court = next(d for d in button.documents if d.key == "summary:court")
    asked: list[str] = []

    def answer(law: str | None) -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ShareDialog)
        asked.append(dialog.windowTitle())
        dialog.purpose.setCurrentIndex(dialog.purpose.findData("prosecution"))
        if law is None:
            dialog.reject()
            return
        dialog.law.setCurrentIndex(dialog.law.findData(law))
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, lambda: answer(None))
    assert button.save(court, tmp_path / "court.pdf") is False  # cancelled: nothing written
    assert not (tmp_path / "court.pdf").exists() and _audit(navigator_context, "print_document") == []
    QTimer.singleShot(0, lambda: answer("dpa_2018_sch2_para2"))
    assert button.save(court, tmp_path / "court.pdf")
    assert asked == ["Case summary for the court: who is it for?"] * 2
    assert (tmp_path / "court.pdf").exists()
    assert _audit(navigator_context, "share_under_law") == ["court:prosecution under dpa_2018_sch2_para2"]
    assert _audit(navigator_context, "print_document") == ["summary:court to court:prosecution"]
