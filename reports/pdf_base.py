"""The shared page template for every Pathways PDF: A4 portrait, a header and a footer drawn once per page.

A report supplies only its story (a list of flowables); this module lays it out, numbers the pages
("Page N of M"), sets the metadata, and writes the file atomically. No database, no Qt.
"""

from __future__ import annotations

import functools
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from pathways.clock import LONDON

AUTHOR = "Pathways"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 2 * cm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#999999")
ALERT = colors.HexColor("#b00020")
SHADE = colors.HexColor("#eeeeee")

# Fonts with wide Latin coverage, so names such as "Łukasz" or "Ștefan" print as written. The first pair
# found is used; if none is found, Helvetica (Latin-1 only). resources/fonts/ is searched first.
_RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "fonts"
FONT_CANDIDATES: tuple[tuple[Path, Path], ...] = (
    (_RESOURCES / "DejaVuSans.ttf", _RESOURCES / "DejaVuSans-Bold.ttf"),
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (Path("/usr/share/fonts/TTF/DejaVuSans.ttf"), Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf")),
    (Path("C:/Windows/Fonts/arial.ttf"), Path("C:/Windows/Fonts/arialbd.ttf")),
    (Path("/System/Library/Fonts/Supplemental/Arial.ttf"), Path("/System/Library/Fonts/Supplemental/Arial Bold.ttf")),
)

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Styles:
    regular: str
    bold: str
    body: ParagraphStyle
    small: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    big: ParagraphStyle
    big_label: ParagraphStyle


@functools.cache
def _fonts() -> tuple[str, str]:
    for regular, bold in FONT_CANDIDATES:
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("PathwaysSans", str(regular)))
            pdfmetrics.registerFont(TTFont("PathwaysSans-Bold", str(bold)))
            pdfmetrics.registerFontFamily(
                "PathwaysSans",
                normal="PathwaysSans",
                bold="PathwaysSans-Bold",
                italic="PathwaysSans",
                boldItalic="PathwaysSans-Bold",
            )
            return "PathwaysSans", "PathwaysSans-Bold"
    return "Helvetica", "Helvetica-Bold"


@functools.cache
def styles() -> Styles:
    """The paragraph styles every report shares: an 11 pt body, headings, table cells, a large notice block."""
    regular, bold = _fonts()

    def style(name: str, size: float, font: str = regular, **extra: Any) -> ParagraphStyle:
        settings: dict[str, Any] = {"fontName": font, "fontSize": size, "leading": size * 1.3, "textColor": INK}
        return ParagraphStyle(name, **(settings | extra))

    return Styles(
        regular=regular,
        bold=bold,
        body=style("body", 11, spaceAfter=6),
        small=style("small", 9, textColor=MUTED),
        h1=style("h1", 20, bold, spaceAfter=10, keepWithNext=1),  # (a heading never ends a page alone)
        h2=style("h2", 14, bold, spaceBefore=12, spaceAfter=6, keepWithNext=1),
        cell=style("cell", 10),
        cell_bold=style("cell_bold", 10, bold),
        big=style("big", 16, bold, leading=20),
        big_label=style("big_label", 12, bold, textColor=MUTED),
    )


def esc(text: object) -> str:
    """Text made safe for a Paragraph (which reads a little XML): & < > are escaped."""
    return escape(str(text))


def long_date(day: date) -> str:
    """'1 March 2023', whatever the process locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def short_when(moment: datetime, time_known: bool = True) -> str:
    """'Tue 4 Mar 2025, 10:00' on the Europe/London clock, for a table's narrow column; just the day for a day
    alone (a moment given without a time)."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no zone, so it cannot be shown in UK time")
    local = moment.astimezone(LONDON)
    day = f"{_WEEKDAYS[local.weekday()][:3]} {local.day} {_MONTHS[local.month - 1][:3]} {local.year}"
    return f"{day}, {local:%H:%M}" if time_known else day


def london_when(moment: datetime, time_known: bool = True) -> str:
    """'Tuesday 4 March 2025 at 10:00' on the Europe/London clock ('Tuesday 4 March 2025' for a day alone)."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no zone, so it cannot be shown in UK time")
    local = moment.astimezone(LONDON)
    day = f"{_WEEKDAYS[local.weekday()]} {long_date(local.date())}"
    return f"{day} at {local:%H:%M}" if time_known else day


def _numbered_canvas(font: str) -> type[Canvas]:
    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Holds each page until the end, then stamps 'Page N of M' on it."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font, 9)
                self.setFillColor(MUTED)
                self.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 1.1 * cm, f"Page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def _fit(text: str, font: str, size: float, width: float) -> float:
    """The largest size, down to 6 pt, at which `text` fits in `width`."""
    while size > 6 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _page_decorator(title: str, footer: str, marking: str) -> Callable[[Canvas, Any], None]:
    s = styles()

    def decorate(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        top = PAGE_HEIGHT - MARGIN + 0.6 * cm
        marking_width = pdfmetrics.stringWidth(marking, s.bold, 10) + 0.5 * cm if marking else 0
        canvas.setFillColor(INK)
        canvas.setFont(s.bold, _fit(title, s.bold, 10, FRAME_WIDTH - marking_width))
        canvas.drawString(MARGIN, top, title)
        if marking:
            canvas.setFillColor(ALERT)
            canvas.setFont(s.bold, 10)
            canvas.drawRightString(PAGE_WIDTH - MARGIN, top, marking)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, top - 0.25 * cm, PAGE_WIDTH - MARGIN, top - 0.25 * cm)
        bottom = MARGIN - 1.1 * cm
        canvas.line(MARGIN, bottom + 0.45 * cm, PAGE_WIDTH - MARGIN, bottom + 0.45 * cm)
        canvas.setFillColor(MUTED)
        canvas.setFont(s.regular, _fit(footer, s.regular, 9, FRAME_WIDTH - 2.5 * cm))
        canvas.drawString(MARGIN, bottom, footer)
        canvas.restoreState()

    return decorate


def pdf_bytes(story: list[Flowable], *, title: str, footer: str, marking: str = "") -> bytes:
    """The laid-out PDF as bytes (for a preview). `marking` (e.g. "Not for publication") goes in every header."""
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=AUTHOR,
        creator=AUTHOR,
        subject=footer,
    )
    frame = Frame(MARGIN, MARGIN, FRAME_WIDTH, PAGE_HEIGHT - 2 * MARGIN, 0, 0, 0, 0, id="body")
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=_page_decorator(title, footer, marking))])
    doc.build(list(story), canvasmaker=_numbered_canvas(styles().regular))
    return buffer.getvalue()


def write_pdf(path: Path, story: list[Flowable], *, title: str, footer: str, marking: str = "") -> None:
    """Lay out `story` and write it to `path` atomically: the whole PDF appears there, or nothing changes."""
    data = pdf_bytes(story, title=title, footer=footer, marking=marking)
    write_atomically(path, data)


def write_atomically(path: Path, data: bytes) -> None:
    """Write into a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
