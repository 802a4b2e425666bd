"""A PDF shown inside the app, and printing a PDF on a chosen printer."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDateEdit, QLabel, QStackedWidget, QWidget

from pathways.periods import EARLIEST, LATEST
from ui.formatting import to_qdate

PRINT_DPI = 300  # pages are rendered at this resolution, then scaled to the printer's page


def date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(to_qdate(day))
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setMinimumDate(to_qdate(EARLIEST))
    edit.setMaximumDate(to_qdate(LATEST))
    return edit


class PdfPane(QStackedWidget):
    """A PDF shown inside the app (from bytes, all pages, fit to width), or a hint until there is one."""

    def __init__(self, hint: str) -> None:
        super().__init__()
        self.document = QPdfDocument(self)
        self.view = QPdfView()
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setAccessibleName("PDF preview")
        self.hint = QLabel(hint)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.addWidget(self.hint)
        self.addWidget(self.view)
        self.key: object = None  # what the loaded PDF shows
        self._buffer: QBuffer | None = None  # the document reads from it: keep it alive

    def holds(self, key: object) -> bool:
        return key == self.key and self.document.status() == QPdfDocument.Status.Ready

    def load(self, data: bytes, key: object) -> None:
        self.document.close()
        old, self._buffer = self._buffer, QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        if old is not None:
            old.close()
            old.deleteLater()
        self.key = key
        self.setCurrentWidget(self.view)

    def print_to(self, printer: QPrinter) -> bool:
        return print_document(self.document, printer)


def print_document(document: QPdfDocument, printer: QPrinter) -> bool:
    """Draw each page on `printer`, scaled to fit its page; False when the printer cannot be started."""
    painter = QPainter()
    if not painter.begin(printer):
        return False
    try:
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            area = printer.pageRect(QPrinter.Unit.DevicePixel)
            points = document.pagePointSize(page)
            scale = min(area.width() / points.width(), area.height() / points.height())
            pixels = QSize(round(points.width() * PRINT_DPI / 72), round(points.height() * PRINT_DPI / 72))
            target = QRectF(0, 0, points.width() * scale, points.height() * scale)
            painter.drawImage(target, document.render(page, pixels))
    finally:
        painter.end()
    return True


def print_pdf(data: bytes, parent: QWidget) -> bool:
    """Ask for a printer and print a PDF given as bytes. False when the user cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if QPrintDialog(printer, parent).exec() != QPrintDialog.DialogCode.Accepted:
        return False
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    return print_document(document, printer)
