"""The documents a worker prints from a person's record: case summaries for a chosen reader, the record of
attendance, the failure-to-attend summary for the police, the Checkpoint contract and the written notice.

A document for someone else (a summary, the record of attendance, the failure-to-attend summary) first asks who it
is for and why (ui/share_dialog.py), and is refused, with nothing written, when the person has not agreed to that
and no law allowing it is chosen. The notice and the contract are the person's own copies: nothing is asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton

from pathways.consent import SUMMARY_RECIPIENTS, SharingRequest, sharing_rules
from pathways.errors import PathwaysError
from pathways.services.consent import ensure_may_share
from pathways.services.documents import note_document
from pathways.services.records import CaseSummary, PersonRecord
from ui.context import AppContext


@dataclass(frozen=True)
class Document:
    key: str
    title: str
    make: Callable[[PersonRecord, CaseSummary], bytes]
    pathways: tuple[str, ...] = ()  # the pathways it is for; () for any
    recipients: tuple[str, ...] = ()  # who it may be given to (pathways/consent.py); () for the person's own copy


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
        from pathways.services.screening import person_screenings
        from reports.case_summary import case_summary_bytes, shows_screenings

        context = self._context

        def make(record: PersonRecord, _case: CaseSummary) -> bytes:
            screenings = (
                person_screenings(context.store, actor=context.actor, person_id=record.person.id)
                if shows_screenings(purpose)
                else []
            )
            return case_summary_bytes(
                record,
                purpose=purpose,
                prepared_by=context.actor.name,
                as_of=context.store.clock(),
                screenings=screenings,
            )

        return make

    def _make_documents(self) -> list[Document]:
        from reports.attendance import attendance_record_bytes, failure_to_attend_bytes
        from reports.case_summary import PURPOSES
        from reports.contract import contract_bytes, contract_terms

        who, now = self._context.actor.name, self._context.store.clock
        found = [
            Document(
                f"summary:{key}", f"Case summary for {p.reader}…", self._summary(key), (), (SUMMARY_RECIPIENTS[key],)
            )
            for key, p in PURPOSES.items()
        ]
        found += [
            Document(
                "attendance",
                "Record of attendance…",
                lambda r, c: attendance_record_bytes(r, c.id, prepared_by=who, as_of=now()),
                ("dtoa",),
                ("court", "probation", "police", "treatment_provider"),
            ),
            Document(
                "failure_to_attend",
                "Failure-to-attend summary for the police…",
                lambda r, c: failure_to_attend_bytes(r, c.id, prepared_by=who, as_of=now()),
                ("dtoa",),
                ("police",),
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
            context.store, actor=context.actor, case_id=case.id, kind="initial", given_by=context.actor.name
        )
        return notice_pdf_bytes(notice)

    def save(self, document: Document, path: Path | None = None, sharing: SharingRequest | None = None) -> bool:
        """Save the document; one for someone else asks who it is for and why first, unless `sharing` says."""
        record, case = self._record(), self._case()
        if record is None or case is None:
            return False
        if document.pathways and case.pathway not in document.pathways:
            self._report(f"That document is not for a {case.pathway_name} case.", True)
            return False
        if document.recipients and sharing is None:
            sharing = self.ask_sharing(document, record)
            if sharing is None:
                return False
        if sharing is not None and sharing.recipient not in document.recipients:
            words = sharing_rules().recipient(sharing.recipient).words
            self._report(f"That document is not given to {words}.", True)
            return False
        if path is None:
            name, _filter = QFileDialog.getSaveFileName(
                self, document.title.rstrip("…"), f"{document.key}-{case.case_ref}.pdf", "PDF files (*.pdf)"
            )
            if not name:
                return False
            path = Path(name)
        return self._write(document, record, case, path, sharing)

    def ask_sharing(self, document: Document, record: PersonRecord) -> SharingRequest | None:
        """Who the document is for and why, and the law when the person has not agreed; None when cancelled."""
        from ui.share_dialog import ShareDialog

        title = f"{document.title.rstrip('…')}: who is it for?"
        dialog = ShareDialog(self._context, record.person.id, title, document.recipients, self)
        return dialog.request() if dialog.exec() else None

    def _write(
        self, document: Document, record: PersonRecord, case: CaseSummary, path: Path, sharing: SharingRequest | None
    ) -> bool:
        from reports.pdf_base import write_atomically

        context, person_id = self._context, record.person.id
        try:
            if sharing is not None:  # refused here, before anything is written
                ensure_may_share(
                    context.store, actor=context.actor, person_id=person_id, request=sharing, printing=True
                )
            data = document.make(record, case)
            write_atomically(path, data)
            note_document(
                context.store, actor=context.actor, person_id=person_id, document=document.key, sharing=sharing
            )
        except (ValueError, PathwaysError, OSError) as exc:
            message = exc.message if isinstance(exc, PathwaysError) else str(exc)
            self._report(f"Not saved: {message}", True)
            return False
        self._report(f"Saved to {path}", False)
        return True
