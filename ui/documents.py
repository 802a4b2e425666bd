"""The documents a worker prints from a person's record: case summaries for a chosen reader, the record of
attendance, the failure-to-attend summary for the police, the Checkpoint contract and the written notice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton

from pathways.errors import PathwaysError
from pathways.services.documents import note_document
from pathways.services.records import CaseSummary, PersonRecord
from ui.context import AppContext


@dataclass(frozen=True)
class Document:
    key: str
    title: str
    make: Callable[[PersonRecord, CaseSummary], bytes]
    pathways: tuple[str, ...] = ()  # the pathways it is for; () for any


class DocumentsButton(QToolButton):
    """A "Documents" menu; each item saves a PDF (and the saving is audited)."""

    def __init__(
        self,
        context: AppContext,
        record: Callable[[], PersonRecord | None],
        case: Callable[[], CaseSummary | None],
        report: Callable[[str, bool], None],
    ) -> None:
        super().__init__()
        self._context, self._record, self._case, self._report = context, record, case, report
        self.setText("&Documents")
        self.setAccessibleName("Print or save a document about this person")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.menu_.aboutToShow.connect(self._fill_menu)
        self.setMenu(self.menu_)
        self._documents: list[Document] | None = None

    @property
    def documents(self) -> list[Document]:
        """Built when first wanted: the report modules (and ReportLab) load then, not at start-up."""
        if self._documents is None:
            self._documents = self._make_documents()
        return self._documents

    def _fill_menu(self) -> None:
        if not self.menu_.actions():
            for document in self.documents:
                self.menu_.addAction(document.title, self._saver(document))

    def _saver(self, document: Document) -> Callable[[], None]:
        def save() -> None:
            self.save(document)

        return save

    def _summary(self, purpose: str) -> Callable[[PersonRecord, CaseSummary], bytes]:
        from reports.case_summary import case_summary_bytes

        context = self._context
        return lambda r, _c: case_summary_bytes(
            r, purpose=purpose, prepared_by=context.actor.username, as_of=context.store.clock()
        )

    def _make_documents(self) -> list[Document]:
        from reports.attendance import attendance_record_bytes, failure_to_attend_bytes
        from reports.case_summary import PURPOSES
        from reports.contract import contract_bytes, contract_terms

        who, now = self._context.actor.username, self._context.store.clock
        found = [
            Document(f"summary:{key}", f"Case summary for {p.reader}…", self._summary(key))
            for key, p in PURPOSES.items()
        ]
        found += [
            Document(
                "attendance",
                "Record of attendance…",
                lambda r, c: attendance_record_bytes(r, c.id, prepared_by=who, as_of=now()),
                ("dtoa",),
            ),
            Document(
                "failure_to_attend",
                "Failure-to-attend summary for the police…",
                lambda r, c: failure_to_attend_bytes(r, c.id, prepared_by=who, as_of=now()),
                ("dtoa",),
            ),
            Document("notice", "Written notice of the required assessment…", self._notice, ("dtoa",)),
            Document(
                "contract",
                "Checkpoint contract for signature…",
                lambda r, c: contract_bytes(contract_terms(r, c.id, who)),
                ("checkpoint",),
            ),
        ]
        return found

    def _notice(self, _record: PersonRecord, case: CaseSummary) -> bytes:
        from reports.notice import notice_pdf_bytes
        from reports.notice_data import assessment_notice

        context = self._context
        notice = assessment_notice(
            context.store, actor=context.actor, case_id=case.id, kind="initial", given_by=context.actor.username
        )
        return notice_pdf_bytes(notice)

    def save(self, document: Document, path: Path | None = None) -> bool:
        record, case = self._record(), self._case()
        if record is None or case is None:
            return False
        if document.pathways and case.pathway not in document.pathways:
            self._report(f"That document is not for a {case.pathway_name} case.", True)
            return False
        if path is None:
            name, _filter = QFileDialog.getSaveFileName(
                self, document.title.rstrip("…"), f"{document.key}-{case.case_ref}.pdf", "PDF files (*.pdf)"
            )
            if not name:
                return False
            path = Path(name)
        return self._write(document, record, case, path)

    def _write(self, document: Document, record: PersonRecord, case: CaseSummary, path: Path) -> bool:
        from reports.pdf_base import write_atomically

        try:
            data = document.make(record, case)
            write_atomically(path, data)
            note_document(
                self._context.store, actor=self._context.actor, person_id=record.person.id, document=document.key
            )
        except (ValueError, PathwaysError, OSError) as exc:
            message = exc.message if isinstance(exc, PathwaysError) else str(exc)
            self._report(f"Not saved: {message}", True)
            return False
        self._report(f"Saved to {path}", False)
        return True
